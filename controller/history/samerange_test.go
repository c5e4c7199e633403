package history

import (
	"testing"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/stretchr/testify/require"
)

// TestSourcesAskTheSameRange: the embedded engine and a remote server are
// asked one range, a caller's start and end cut to the millisecond
// (checkRange), so that both answer the same grid.
func TestSourcesAskTheSameRange(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	start := t0.Add(1500 * time.Microsecond) // 1.5 ms past t0
	end := start.Add(5*time.Minute + 700*time.Microsecond)
	emb := openEmbedded(t)
	var samples []Sample
	for i := range 7 {
		samples = append(samples, Sample{Labels: labels.FromStrings("__name__", "d"), T: t0.Add(time.Duration(i) * time.Minute).UnixMilli(), V: float64(i)})
	}
	_, err := emb.Append(t.Context(), samples)
	require.NoError(t, err)
	fromEmbedded, err := emb.QueryRange(t.Context(), "d", start, end, time.Minute)
	require.NoError(t, err)

	f := &fakeAPI{answer: line}
	fromRemote, err := NewRemoteAPI(f, "http://prom", time.Second).QueryRange(t.Context(), "d", start, end, time.Minute)
	require.NoError(t, err)
	require.Len(t, f.ranges, 1)
	require.Equal(t, t0.Add(time.Millisecond), f.ranges[0].Start, "the remote is asked from the start's millisecond")
	require.Equal(t, t0.Add(5*time.Minute+2*time.Millisecond), f.ranges[0].End, "and to the end's")

	want := make([]int64, 6)
	for i := range want {
		want[i] = t0.Add(time.Duration(i)*time.Minute + time.Millisecond).Unix()
	}
	require.Equal(t, want, fromEmbedded.T)
	require.Equal(t, fromEmbedded.T, fromRemote.T)
}
