package controller_test

// Equivalence tests: the same decisions whichever way the data and the
// decisions travel (embedded store or Prometheus; live controller or
// backtest).

import (
	"math"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller"
	"github.com/prescale/prescale/controller/api"
	"github.com/prescale/prescale/controller/backtest"
	"github.com/prescale/prescale/controller/engine"
	"github.com/prescale/prescale/controller/history"
	"github.com/prescale/prescale/controller/policy"
	"github.com/prescale/prescale/controller/state"
	"github.com/prescale/prescale/internal/testkit"
)

// TestE2EEmbeddedMatchesPrometheus loads one generated trace into the
// embedded store and, with promtool's backfill, into a real Prometheus, then
// checks that the same queries return the same series and that controllers
// over the two sources make the same decisions cycle after cycle.
func TestE2EEmbeddedMatchesPrometheus(t *testing.T) {
	promtool := requireBinary(t, "promtool")
	requireBinary(t, "prometheus")
	ctx := t.Context()

	// Two days of 5-minute samples ending at a fixed time.
	end := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	step := 5 * time.Minute
	ts, vs := testkit.DailyTrace(576, step, end, 42)

	// Real Prometheus: backfill a block with promtool, then start on it.
	dir := t.TempDir()
	om := filepath.Join(dir, "trace.om")
	writeOpenMetrics(t, om, "demand", model.LabelSet{"trace": "gen"}, ts, vs)
	promData := filepath.Join(dir, "prom")
	out, err := exec.CommandContext(ctx, promtool, "tsdb", "create-blocks-from", "openmetrics", om, promData).CombinedOutput()
	require.NoError(t, err, "promtool: %s", out)
	prom := newPromServer(t, promData, "global:\n  scrape_interval: 1m\nscrape_configs: []\n")
	prom.Start(ctx)
	remote, err := history.NewRemote(prom.URL(), 10*time.Second)
	require.NoError(t, err)

	// Embedded store with the same samples.
	emb := demandStore(t, ts, vs, "trace", "gen")

	// Same queries, same series.
	for _, q := range []string{
		`demand{trace="gen"}`,
		`avg_over_time(demand[15m])`,
		`sum(rate(demand[10m]))`,
		`max_over_time(demand[1h]) * 2`,
	} {
		t.Run(q, func(t *testing.T) {
			qs, qe := end.Add(-36*time.Hour+17*time.Second), end.Add(-time.Minute)
			a, err := remote.QueryRange(ctx, q, qs, qe, step)
			require.NoError(t, err)
			b, err := emb.QueryRange(ctx, q, qs, qe, step)
			require.NoError(t, err)
			require.Equal(t, a.T, b.T)
			require.Len(t, b.V, len(a.V))
			for i := range a.V {
				// Debian's Prometheus 2.42 and the v0.316 engine sum in a
				// different order (Kahan summation in newer versions), so
				// aggregations may differ in the last bits: 1e-12 relative.
				if math.IsNaN(a.V[i]) {
					require.True(t, math.IsNaN(b.V[i]), "point %d", i)
					continue
				}
				require.InDelta(t, a.V[i], b.V[i], 1e-12*math.Max(1, math.Abs(a.V[i])), "point %d", i)
			}
		})
	}

	// Same decisions over 12 cycles of the last hour (the raw series
	// involves no arithmetic, so both sources return identical floats).
	target := policy.Target{
		Name: "gen", Tier: "web", Kind: policy.KindInstances, Query: `demand{trace="gen"}`,
		CapacityPerUnit: 10, TargetUtilization: 0.7, MinUnits: 1, MaxUnits: 20, Lag: 10 * time.Minute,
		ScaleUpCooldown: 5 * time.Minute, ScaleDownCooldown: 15 * time.Minute, StabilizationWindow: 10 * time.Minute,
		Tolerance: 0.1, ConfidenceThreshold: 0.7,
	}
	newCtrl := func(h history.History, now *time.Time) *controller.Controller {
		st, err := state.New(t.TempDir())
		require.NoError(t, err)
		c, err := controller.New([]policy.Target{target}, controller.Options{
			Interval: step, Window: 36 * time.Hour, Step: step, Coverage: 0.8, Mode: controller.ModeForecastOnly,
			AnomalyThreshold: 0.95,
		}, controller.Deps{
			History: h, NewDetector: controller.DetectorByName("robust"),
			Decide: policy.Decide, State: st, Now: func() time.Time { return *now },
		})
		require.NoError(t, err)
		return c
	}
	var now time.Time
	cr, ce := newCtrl(remote, &now), newCtrl(emb, &now)
	vr, ve := api.NewView(cr, api.Info{}), api.NewView(ce, api.Info{})
	for k := range 12 {
		now = end.Add(-time.Hour + time.Duration(k)*step + 30*time.Second)
		require.NoError(t, cr.ReconcileOnce(ctx))
		require.NoError(t, ce.ReconcileOnce(ctx))
		sr, se := vr.Status()[0], ve.Status()[0]
		require.NotEmpty(t, sr.Decisions)
		dr, de := sr.Decisions[len(sr.Decisions)-1], se.Decisions[len(se.Decisions)-1]
		require.Equal(t, dr, de, "cycle %d at %s", k, now)
		require.True(t, dr.Explanation.DataPresent, "cycle %d decided on data", k)
		require.Positive(t, dr.Explanation.ForecastPoints, "cycle %d used a forecast", k)
		require.Equal(t, vr.Predictions(), ve.Predictions(), "cycle %d", k)
	}
}

// firstUnits reports the backtest pool's initial units before the first
// decision; afterwards the controller assumes its last decision was applied,
// which is what the backtest's pool does (requested = desired).
type firstUnits struct {
	n    int
	used bool
}

func (f *firstUnits) Units(string) (int, int, bool) {
	if f.used {
		return 0, 0, false
	}
	f.used = true
	return f.n, 0, true
}

// TestLiveControllerMatchesBacktest feeds one generated trace (with a
// burst the detector flags) through the embedded store and the live
// controller, one cycle per sample, and through backtest.Run: both run
// controller/engine with the measured defaults, so every step's desired
// units must be the same.
func TestLiveControllerMatchesBacktest(t *testing.T) {
	step := 5 * time.Minute
	end := time.Date(2026, 3, 4, 12, 0, 0, 0, time.UTC)
	ts, vs := testkit.DailyTrace(720, step, end, 7)
	for i := 600; i < 606; i++ {
		vs[i] *= 3 // a burst
	}

	res := requireLiveMatchesBacktest(t, ts, vs, ts, func() history.History { return demandStore(t, ts, vs, "trace", "gen") },
		time.Duration(len(ts))*step)
	require.False(t, math.IsNaN(res.Prescale.InstanceHours))
}

// requireLiveMatchesBacktest runs the trace ts, vs through backtest.Run
// and through the live controller reading the store open makes (after the
// backtest, as a store that holds the trace) over window, one cycle at
// each of the times cycles (increasing, every row's among them): every
// row's desired units and reason must be the same, and the comparison
// must have covered forecast and anomaly decisions.
func requireLiveMatchesBacktest(t *testing.T, ts []int64, vs []float64, cycles []int64, open func() history.History, window time.Duration) backtest.Result {
	t.Helper()
	ctx := t.Context()
	tg := backtest.DefaultTarget(10, 10*time.Minute, 1, 40)
	tg.Name, tg.Query, tg.HoldUntilReady = "gen", `demand{trace="gen"}`, true
	det, err := engine.NewDetector(engine.DefaultDetector)
	require.NoError(t, err)
	res, err := backtest.Run(ctx, ts, vs, backtest.Config{
		Target: tg, Coverage: engine.DefaultCoverage, Detector: det, AnomalyThreshold: engine.DefaultAnomalyThreshold,
	})
	require.NoError(t, err)
	sim := backtest.NewSim(ts, vs, tg.CapacityPerUnit, tg.Lag.Seconds(), tg.MinUnits, tg.MaxUnits, 0)

	var now time.Time
	c := liveController(t, tg, open(), window, &now, &firstUnits{n: sim.InitialUnits()})
	v := api.NewView(c, api.Info{})
	reasons := map[policy.Reason]int{}
	i := 0
	for _, at := range cycles {
		now = time.Unix(at, 0).UTC()
		require.NoError(t, c.ReconcileOnce(ctx))
		if at != ts[i] {
			continue // no row: the backtest has no output here
		}
		s := v.Status()[0]
		d := s.Decisions[len(s.Decisions)-1]
		require.Equal(t, res.Desired[i], d.Desired, "row %d at %s: backtest %s, live %s", i, now, res.Reasons[i], controller.Explain(d.Decision))
		require.Equal(t, res.Reasons[i], d.Reason, "row %d", i)
		reasons[d.Reason]++
		i++
	}
	require.Len(t, ts, i, "every row compared")
	// The comparison covered forecasts and the flagged burst.
	require.Positive(t, reasons[policy.ReasonForecast])
	require.Positive(t, reasons[policy.ReasonAnomaly])
	return *res
}
