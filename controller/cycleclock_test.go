package controller

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/history"
)

// steppingHistory answers as h after calling step: a history source the
// controller's clock moves on during.
type steppingHistory struct {
	h    *fakeHistory
	step func()
}

func (s steppingHistory) QueryRange(ctx context.Context, q string, start, end time.Time, step time.Duration) (history.Series, error) {
	s.step()
	return s.h.QueryRange(ctx, q, start, end, step)
}

// TestCycleDurationReadsTheControllerClock: prescale_cycle_duration_seconds
// is measured on the controller's injected clock (Deps.Now), as the cycle's
// time (prescale_last_cycle_timestamp_seconds) is read: a cycle during
// whose history queries that clock moves 4 s took 4 s. It was time.Since
// a time.Now read beside the injected one (a few microseconds here).
func TestCycleDurationReadsTheControllerClock(t *testing.T) {
	now := fixtureStart
	f := newFixture(t, t.TempDir(), &fakeHistory{value: 35}, confidentForecast, ModeAct, &now)
	var mu sync.Mutex
	clock := fixtureStart
	f.c.d.Now = func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return clock
	}
	f.c.d.History = steppingHistory{h: f.h, step: func() {
		mu.Lock()
		defer mu.Unlock()
		clock = fixtureStart.Add(4 * time.Second) // every query: the same time, however many there are
	}}
	require.NoError(t, f.c.ReconcileOnce(t.Context()))
	exposed := gathered(t, f.reg)
	h := exposed["prescale_cycle_duration_seconds"].GetHistogram()
	require.Equal(t, uint64(1), h.GetSampleCount())
	require.InDelta(t, 4, h.GetSampleSum(), 0, "4 s on the controller's clock")
	require.InDelta(t, float64(fixtureStart.Unix()), exposed["prescale_last_cycle_timestamp_seconds"].GetGauge().GetValue(), 0,
		"the cycle's decisions were made for its start")
}

// gathered is reg's metrics by name, a labelled one's as name{value,...}
// (its label values in order).
func gathered(t *testing.T, reg prometheus.Gatherer) map[string]*dto.Metric {
	t.Helper()
	mfs, err := reg.Gather()
	require.NoError(t, err)
	out := map[string]*dto.Metric{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			var vals []string
			for _, l := range m.GetLabel() {
				vals = append(vals, l.GetValue())
			}
			key := mf.GetName()
			if len(vals) > 0 {
				key += "{" + strings.Join(vals, ",") + "}"
			}
			out[key] = m
		}
	}
	return out
}

// TestQueryAndPhaseDurationsReadTheControllerClock: each history read of a
// cycle (the range, the instant read of the demand off the grid, the
// complete_query's two, the current_query's) is timed in prescale_history_query_duration_seconds
// on the controller's clock, and the query phase in
// prescale_cycle_phase_duration_seconds{phase="query"}: a history that moves
// that clock 1 s a read took 1 s a read, and the phases without a read took
// none. Both were time.Since a time.Now (microseconds here).
func TestQueryAndPhaseDurationsReadTheControllerClock(t *testing.T) {
	now := fixtureStart // off the grid: the demand is an instant read
	tg := testTarget
	tg.CompleteQuery, tg.CurrentQuery = "hosts_up", "replicas"
	f := newFixtureFor(t, tg, t.TempDir(), &fakeHistory{value: 35, byQuery: map[string]float64{"hosts_up": 1, "replicas": 2}}, confidentForecast, ModeAct, &now)
	var mu sync.Mutex
	clock, reads := fixtureStart, 0
	f.c.d.Now = func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return clock
	}
	f.c.d.History = steppingHistory{h: f.h, step: func() {
		mu.Lock()
		defer mu.Unlock()
		clock = clock.Add(time.Second)
		reads++
	}}
	require.NoError(t, f.c.ReconcileOnce(t.Context()))
	require.Equal(t, 5, reads, "the range, the demand's instant read, complete_query's mask and its read at the cycle's time, current_query's read")
	exposed := gathered(t, f.reg)
	q := exposed["prescale_history_query_duration_seconds"].GetHistogram()
	require.Equal(t, uint64(reads), q.GetSampleCount())
	require.InDelta(t, float64(reads), q.GetSampleSum(), 0, "1 s a read on the controller's clock")
	require.InDelta(t, float64(reads), exposed["prescale_cycle_phase_duration_seconds{query}"].GetHistogram().GetSampleSum(), 0)
	for _, p := range []string{"fit", "decide", "act", "persist"} {
		h := exposed["prescale_cycle_phase_duration_seconds{"+p+"}"].GetHistogram()
		require.Equal(t, uint64(1), h.GetSampleCount(), p)
		require.InDelta(t, 0, h.GetSampleSum(), 0, "%s: the clock did not move", p)
	}
	require.InDelta(t, float64(reads), exposed["prescale_cycle_duration_seconds"].GetHistogram().GetSampleSum(), 0)
}
