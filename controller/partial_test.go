package controller

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/engine"
	"github.com/prescale/prescale/controller/history"
	"github.com/prescale/prescale/controller/policy"
	"github.com/prescale/prescale/controller/state"
	"github.com/prescale/prescale/internal/testkit"
)

// hostsHistory answers a demand summed over two hosts of 50 each (times
// factor), one of them down in [downFrom, downTo) (downTo 0: still down),
// and the complete_query "hosts_up" (1 while both are up, 0 while one is
// down), or fails it with completeErr.
type hostsHistory struct {
	mu               sync.Mutex
	factor           float64
	downFrom, downTo int64
	completeErr      error
}

func (h *hostsHistory) QueryRange(_ context.Context, q string, start, end time.Time, step time.Duration) (history.Series, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if q == "hosts_up" && h.completeErr != nil {
		return history.Series{}, h.completeErr
	}
	var s history.Series
	for t := start; !t.After(end); t = t.Add(step) {
		ts := t.Unix()
		down := h.downFrom != 0 && ts >= h.downFrom && (h.downTo == 0 || ts < h.downTo)
		v := 2 * 50 * h.factor
		switch {
		case q == "hosts_up" && down:
			v = 0
		case q == "hosts_up":
			v = 1
		case down:
			v = 50 * h.factor
		}
		s.T, s.V = append(s.T, ts), append(s.V, v)
	}
	return s, nil
}

// newHostsController is a controller in act mode deciding testTarget on
// h, with complete_query "hosts_up" and no scale-down cooldown, at the
// time *now, logging to the returned buffer.
func newHostsController(t *testing.T, h *hostsHistory, now *time.Time) (*Controller, *Metrics, *testkit.SyncBuffer) {
	t.Helper()
	return hostsControllerWith(t, h, now, fakeForecaster{conf: 0.1})
}

// hostsControllerWith is newHostsController with the forecaster fc.
func hostsControllerWith(t *testing.T, h *hostsHistory, now *time.Time, fc engine.Forecaster) (*Controller, *Metrics, *testkit.SyncBuffer) {
	t.Helper()
	tg := testTarget
	tg.CompleteQuery, tg.ScaleDownCooldown = "hosts_up", 0
	st, err := state.New(t.TempDir())
	require.NoError(t, err)
	m := NewMetrics(prometheus.NewRegistry(), []policy.Target{tg})
	deps := testDeps(h, fc, st, m, func() time.Time { return *now })
	logs := &testkit.SyncBuffer{}
	deps.Logger = slog.New(slog.NewTextHandler(logs, nil))
	c, err := New([]policy.Target{tg}, testOptions(ModeAct), deps)
	require.NoError(t, err)
	return c, m, logs
}

func (h *hostsHistory) set(f func(*hostsHistory)) {
	h.mu.Lock()
	defer h.mu.Unlock()
	f(h)
}

// TestPartialDemandHoldsAndScalesUp: a target whose demand sums two hosts
// and whose complete_query says when both are seen. While one is down the
// demand read (its share missing) is a lower bound: the decision holds the
// 15 units the whole demand needed (partial_data, on and off the grid)
// instead of going to 8, scales up when the remaining share alone needs
// more (18), and the points read meanwhile are left out of the history
// window (missing, not low), also when read again after the host is back.
// One WARN when the demand turns partial, one INFO when it is whole
// again. A complete_query that fails counts as partial too.
func TestPartialDemandHoldsAndScalesUp(t *testing.T) {
	now := time.Date(2026, 3, 2, 12, 1, 0, 0, time.UTC)
	h := &hostsHistory{factor: 1}
	c, m, logs := newHostsController(t, h, &now)
	cycle := func(at time.Time) policy.Decision {
		now = at
		require.NoError(t, c.ReconcileOnce(t.Context()))
		return c.Snapshot().Targets[0].Decision
	}
	at := func(hhmmss string) time.Time {
		v, err := time.Parse(time.DateTime, "2026-03-02 "+hhmmss)
		require.NoError(t, err)
		return v
	}

	d := cycle(at("12:01:00"))
	require.Equal(t, 15, d.Desired, "100 at 7 per unit")
	require.False(t, d.Explanation.Partial)

	h.set(func(h *hostsHistory) { h.downFrom = at("12:02:00").Unix() })
	for _, when := range []string{"12:02:00", "12:02:30"} {
		d = cycle(at(when))
		require.Equal(t, 15, d.Desired, "%s: %s", when, d.Line())
		require.Equal(t, policy.ReasonPartialData, d.Reason, when)
		require.True(t, d.Explanation.Partial, when)
		require.InDelta(t, 50, d.Explanation.Demand, 0, when)
		require.Contains(t, d.Explanation.Problem, `complete_query "hosts_up" answered 0`, when)
	}
	require.InDelta(t, 2, testutil.ToFloat64(m.Decisions.WithLabelValues("web", "none", "partial_data")), 0)
	w := c.Snapshot().Targets[0].Window
	_, ok := w.At(at("12:02:00").Unix())
	require.False(t, ok, "the partial point is left out of the window")
	v, ok := w.At(at("12:01:00").Unix())
	require.True(t, ok)
	require.InDelta(t, 100, v, 0)

	out := logs.String()
	require.Equal(t, 1, strings.Count(out, "level=WARN"), "%s", out)
	require.Contains(t, out, `level=WARN msg="target demand partial: no scale-down below the units held" target=web reason=partial_data err="complete_query \"hosts_up\" answered 0`)

	h.set(func(h *hostsHistory) { h.factor = 2.5 })
	d = cycle(at("12:03:00"))
	require.Equal(t, 18, d.Desired, "the remaining share, 125, needs 18: %s", d.Line())
	require.Equal(t, policy.ReasonLowConfidence, d.Reason)
	require.True(t, d.Explanation.Partial)

	h.set(func(h *hostsHistory) { h.downTo = at("12:04:00").Unix() })
	d = cycle(at("12:04:00"))
	require.False(t, d.Explanation.Partial)
	require.InDelta(t, 250, d.Explanation.Demand, 0)
	require.Contains(t, logs.String(), `level=INFO msg="target demand whole again" target=web failing_for=2m0s`)
	w = c.Snapshot().Targets[0].Window
	for _, when := range []string{"12:02:00", "12:03:00"} {
		_, ok := w.At(at(when).Unix())
		require.False(t, ok, "%s stays out of the window once the host is back", when)
	}

	h.set(func(h *hostsHistory) { h.completeErr = fmt.Errorf("%w (2 series)", history.ErrMultipleSeries) })
	d = cycle(at("12:05:00"))
	require.True(t, d.Explanation.Partial)
	require.Contains(t, d.Explanation.Problem, `complete_query "hosts_up" failed`)
	require.False(t, math.IsNaN(d.Explanation.Demand))
}

// TestOverrideOnAPartialDemandSaysSo: a manual scaling through the API
// while the demand is partial says so in its explanation (partial, and the
// complete_query's answer as the problem), as the cycle's decisions under
// the same override do; it did not.
func TestOverrideOnAPartialDemandSaysSo(t *testing.T) {
	now := time.Date(2026, 3, 2, 12, 1, 0, 0, time.UTC)
	h := &hostsHistory{factor: 1}
	c, _, _ := newHostsController(t, h, &now)
	require.NoError(t, c.ReconcileOnce(t.Context()))
	h.set(func(h *hostsHistory) { h.downFrom = now.Add(time.Minute).Unix() })
	now = now.Add(time.Minute)
	require.NoError(t, c.ReconcileOnce(t.Context()))
	require.True(t, c.Snapshot().Targets[0].Decision.Explanation.Partial, "the cycle read a partial demand")

	now = now.Add(10 * time.Second)
	s, err := c.Override(t.Context(), "web", 20, time.Hour)
	require.NoError(t, err)
	d := s.Decision
	require.Equal(t, policy.ReasonManual, d.Reason)
	require.Equal(t, 20, d.Desired)
	require.True(t, d.Explanation.Partial, "%s", d.Line())
	require.Contains(t, d.Explanation.Problem, `complete_query "hosts_up" answered 0`)
}

// fedForecaster is fakeForecaster recording what the engine fed it.
type fedForecaster struct {
	fakeForecaster
	mu  sync.Mutex
	fed map[int64]float64
}

func (f *fedForecaster) Update(t int64, y float64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fed[t] = y
}

// TestPartialDemandAdvancesTheEngine: while the demand is partial the
// engine is fed each cycle's point as a gap (the point complete_query
// left out), so its forecast starts one step after the cycle's time, as
// on whole data. It was fed nothing until the demand was whole again:
// the forecast a decision read over its lead window, and /api/predictions
// published, started one step after the last whole point however long the
// demand stayed partial (here 12:02 at 12:05). The partial values are
// never fed, then or when the host is back.
func TestPartialDemandAdvancesTheEngine(t *testing.T) {
	now := time.Date(2026, 3, 2, 12, 1, 0, 0, time.UTC)
	h := &hostsHistory{factor: 1}
	fc := &fedForecaster{fakeForecaster: fakeForecaster{conf: 0.1}, fed: map[int64]float64{}}
	c, _, _ := hostsControllerWith(t, h, &now, fc)
	require.NoError(t, c.ReconcileOnce(t.Context()))
	down := now.Add(time.Minute)
	h.set(func(h *hostsHistory) { h.downFrom = down.Unix() })
	for now = down; now.Before(down.Add(4 * time.Minute)); now = now.Add(time.Minute) {
		require.NoError(t, c.ReconcileOnce(t.Context()))
		s := c.Snapshot().Targets[0]
		require.True(t, s.Decision.Explanation.Partial, "%s", now)
		require.Equal(t, now.Add(time.Minute).Unix(), s.ForecastStart, "%s: the forecast starts a step after the cycle", now)
		fc.mu.Lock()
		y, ok := fc.fed[now.Unix()]
		fc.mu.Unlock()
		require.True(t, ok && math.IsNaN(y), "%s: the partial point fed as a gap: %v %v", now, y, ok)
	}
	h.set(func(h *hostsHistory) { h.downTo = now.Unix() })
	require.NoError(t, c.ReconcileOnce(t.Context()))
	require.False(t, c.Snapshot().Targets[0].Decision.Explanation.Partial)
	fc.mu.Lock()
	defer fc.mu.Unlock()
	require.InDelta(t, 100, fc.fed[now.Unix()], 0, "whole again")
	for ts, y := range fc.fed {
		if ts >= down.Unix() && ts < now.Unix() {
			require.True(t, math.IsNaN(y), "%d: a partial value fed: %v", ts, y)
		}
	}
}

// TestNewestLeftOut: the newest point complete_query left out is one the
// demand query answered and the mask removed; a newer point the demand
// query has not answered yet (a scrape still to come) is not left out: fed
// as a gap at once, its value would never reach the engine once it came.
func TestNewestLeftOut(t *testing.T) {
	nan := math.NaN()
	raw := history.Series{T: []int64{60, 120, 180, 240}, V: []float64{1, 2, 3, nan}}
	for _, c := range []struct {
		masked []float64
		want   int64
	}{
		{[]float64{1, nan, nan, nan}, 180},
		{[]float64{nan, 2, 3, nan}, 60},
		{[]float64{1, 2, 3, nan}, 0},
	} {
		require.Equal(t, c.want, newestLeftOut(raw, history.Series{T: raw.T, V: c.masked}), "%v", c.masked)
	}
}
