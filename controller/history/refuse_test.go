package history

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/internal/testkit"
)

// refusingStore is the Embedded store refusing every append while refuse
// is set, as a full disk does.
type refusingStore struct {
	*Embedded
	refuse atomic.Bool
}

var errDiskFull = errors.New("history: commit: write to WAL: no space left on device")

func (s *refusingStore) AppendSeries(ctx context.Context, lbls labels.Labels, t []int64, v []float64) (int, error) {
	if s.refuse.Load() {
		return 0, errDiskFull
	}
	return s.Embedded.AppendSeries(ctx, lbls, t, v)
}

func debugLog(buf *bytes.Buffer) *slog.Logger {
	return slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// TestReplayStoreRefusingLogsOnce: prescale run's backfill replay into a
// store that refuses appends logs one WARN, DEBUG at each further refusal,
// and one INFO at the first append that succeeds, with the samples stored
// late; a step with nothing due and nothing waiting neither ends nor
// extends the outage. It logged a WARN at every refused append, and the
// refused samples were lost: the replay moved on past them, so the
// replayed demand had a hole where the store had been full.
func TestReplayStoreRefusingLogsOnce(t *testing.T) {
	st := &refusingStore{Embedded: openEmbedded(t)}
	ts := []int64{0, 300, 600, 900, 1200, 1500, 1800, 2100}
	vs := []float64{1, 2, math.NaN(), 4, 5, 6, 7, 8}
	start := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	r, err := NewReplay(nil, testkit.Demand(), ts, vs, 3, start)
	require.NoError(t, err)
	r.store = st
	st.refuse.Store(true)
	var buf bytes.Buffer
	log := debugLog(&buf)
	r.step(t.Context(), start, log)                    // samples 0..3, the NaN not due
	r.step(t.Context(), start.Add(2*time.Minute), log) // nothing new due: 0..3 again
	r.step(t.Context(), start.Add(5*time.Minute), log) // and sample 4
	out := buf.String()
	require.Equal(t, 1, strings.Count(out, "level=WARN"), out)
	require.Contains(t, out, `level=WARN msg="backfill replay: the embedded store refuses the trace's samples; they are kept and appended again at each step (at most 5000, older ones are lost)" series=`)
	require.Contains(t, out, `samples_waiting=3`)
	require.Equal(t, 2, strings.Count(out, "level=DEBUG"), out)
	require.Contains(t, out, `samples_waiting=4`)

	st.refuse.Store(false)
	r.step(t.Context(), start.Add(7*time.Minute), log)
	out = buf.String()
	require.Equal(t, 1, strings.Count(out, "level=INFO"), out)
	require.Contains(t, out, `level=INFO msg="backfill replay storing again" series=`)
	require.Contains(t, out, `samples_stored_late=4 samples_lost=0 failing_for=7m0s failed_attempts=3`)
	r.step(t.Context(), start.Add(8*time.Minute), log) // nothing due, nothing waiting
	r.step(t.Context(), start.Add(10*time.Minute), log)
	require.Equal(t, 1, strings.Count(buf.String(), "level=INFO"), buf.String())

	// Every sample with a value is in the store, at its shifted time.
	s, err := st.QueryRange(t.Context(), `demand`, start.Add(-15*time.Minute), start.Add(10*time.Minute), 5*time.Minute)
	require.NoError(t, err)
	require.Len(t, s.V, 6)
	require.True(t, math.IsNaN(s.V[2]), "the trace's NaN: no sample")
	s.V[2] = 3
	require.Equal(t, []float64{1, 2, 3, 4, 5, 6}, s.V)
}

// TestReplayKeepsAtMostMaxPending: while the store refuses, the replay
// keeps the newest maxPending samples and counts the older ones lost.
func TestReplayKeepsAtMostMaxPending(t *testing.T) {
	st := &refusingStore{Embedded: openEmbedded(t)}
	n := maxPending + 10
	ts, vs := make([]int64, n), make([]float64, n)
	for i := range n {
		ts[i], vs[i] = int64(i), float64(i)
	}
	start := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	r, err := NewReplay(nil, testkit.Demand(), ts, vs, 0, start)
	require.NoError(t, err)
	r.store = st
	st.refuse.Store(true)
	var buf bytes.Buffer
	log := debugLog(&buf)
	r.step(t.Context(), start, log)
	r.step(t.Context(), start.Add(time.Duration(n-1)*time.Second), log)
	require.False(t, r.Done())
	st.refuse.Store(false)
	r.step(t.Context(), start.Add(time.Duration(n)*time.Second), log)
	require.True(t, r.Done())
	require.Contains(t, buf.String(), fmt.Sprintf(`samples_stored_late=%d samples_lost=10 `, maxPending))
	require.Equal(t, 1, strings.Count(buf.String(), "level=WARN"), "no 'fell behind' WARN inside an outage:\n%s", buf.String())
	appended, _ := st.Stats()
	require.Equal(t, int64(maxPending), appended)
}

// TestReplayFallingBehindWarns: more than maxPending samples due at once
// without a refusal (the process stopped that long) drops the oldest
// with a WARN of their own, not counted in a later outage's loss.
func TestReplayFallingBehindWarns(t *testing.T) {
	st := &refusingStore{Embedded: openEmbedded(t)}
	n := maxPending + 3
	ts, vs := make([]int64, n), make([]float64, n)
	for i := range n {
		ts[i], vs[i] = int64(i), 1
	}
	start := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	r, err := NewReplay(nil, testkit.Demand(), ts, vs, 0, start)
	require.NoError(t, err)
	r.store = st
	var buf bytes.Buffer
	r.step(t.Context(), start.Add(time.Duration(n)*time.Second), debugLog(&buf))
	require.Contains(t, buf.String(), `level=WARN msg="backfill replay fell behind: the oldest samples due were dropped" series="{__name__=\"demand\"}" samples_lost=3`)
	require.Zero(t, r.out.Lost)
	require.True(t, r.Done())
}
