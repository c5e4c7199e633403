package history

import (
	"testing"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/stretchr/testify/require"
)

func TestMaxBlockDuration(t *testing.T) {
	for _, tc := range []struct{ retention, want time.Duration }{
		{720 * time.Hour, 72 * time.Hour},                // the default: 30 days
		{336 * time.Hour, 33*time.Hour + 36*time.Minute}, // 14 days
		{24 * 400 * time.Hour, 31 * 24 * time.Hour},      // capped at 31 days
		{time.Hour, 6 * time.Minute},                     // below 2h: the TSDB raises it to its 2h blocks
	} {
		require.Equal(t, tc.want, maxBlockDuration(tc.retention), "retention %s", tc.retention)
	}
}

// TestEmbeddedCompactsBlocks: the store's 2-hour blocks are compacted into
// longer ones (up to a tenth of the retention), as a Prometheus server's
// are. With the TSDB library's default maximum (2 hours) they never were:
// 30 hours of samples stayed 2-hour blocks, and 30 days would be 360.
func TestEmbeddedCompactsBlocks(t *testing.T) {
	e, err := OpenEmbedded(t.TempDir(), EmbeddedOptions{Retention: 60 * time.Hour})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, e.Close()) })
	end := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC).Unix()
	var ts []int64
	var vs []float64
	for s := end - 30*3600; s < end; s += 60 {
		ts = append(ts, s)
		vs = append(vs, float64(s%3600))
	}
	n, err := e.AppendSeries(t.Context(), labels.FromStrings("__name__", "demand"), ts, vs)
	require.NoError(t, err)
	require.Equal(t, len(ts), n)
	require.NoError(t, e.Compact(t.Context()))
	var longest time.Duration
	blocks := e.db.Blocks()
	for _, b := range blocks {
		longest = max(longest, time.Duration(b.MaxTime()-b.MinTime())*time.Millisecond)
	}
	require.Equal(t, 6*time.Hour, longest, "the longest of %d blocks: 2h blocks compacted into 6h ones (ranges 2h, 6h under 60h/10)", len(blocks))
	got, err := e.QueryRange(t.Context(), "demand", time.Unix(end-30*3600, 0), time.Unix(end-60, 0), time.Minute)
	require.NoError(t, err)
	require.Len(t, got.V, len(ts), "every sample read back through the compacted blocks")
}
