package controller

import (
	"context"
	"sync"
	"testing"
	"time"

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
	mfs, err := f.reg.Gather()
	require.NoError(t, err)
	exposed := map[string]*dto.Metric{}
	for _, mf := range mfs {
		if len(mf.GetMetric()) == 1 {
			exposed[mf.GetName()] = mf.GetMetric()[0]
		}
	}
	h := exposed["prescale_cycle_duration_seconds"].GetHistogram()
	require.Equal(t, uint64(1), h.GetSampleCount())
	require.InDelta(t, 4, h.GetSampleSum(), 0, "4 s on the controller's clock")
	require.InDelta(t, float64(fixtureStart.Unix()), exposed["prescale_last_cycle_timestamp_seconds"].GetGauge().GetValue(), 0,
		"the cycle's decisions were made for its start")
}
