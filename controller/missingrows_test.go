package controller_test

import (
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller"
	"github.com/prescale/prescale/controller/api"
	"github.com/prescale/prescale/controller/backtest"
	"github.com/prescale/prescale/controller/engine"
	"github.com/prescale/prescale/controller/history"
	"github.com/prescale/prescale/controller/policy"
	"github.com/prescale/prescale/internal/testkit"
)

// TestLiveControllerMatchesBacktestWithMissingRows is
// TestLiveControllerMatchesBacktest on a trace that misses rows (single
// ones and a run of three), read through the embedded store as the
// controller opens it (lookback history.LookbackFor(step)): the
// controller reads a regular grid and feeds every grid point to the
// engine, so the backtest of the trace without those rows must feed the
// same and decide the same at every row it has.
func TestLiveControllerMatchesBacktestWithMissingRows(t *testing.T) {
	ctx := t.Context()
	step := 5 * time.Minute
	end := time.Date(2026, 3, 4, 12, 0, 0, 0, time.UTC)
	full, fullV := testkit.DailyTrace(720, step, end, 7)
	for i := 600; i < 606; i++ {
		fullV[i] *= 3 // a burst
	}
	missing := []int{40, 130, 131, 132, 250, 400, 401, 520}
	var ts []int64
	var vs []float64
	for i := range full {
		if !slices.Contains(missing, i) {
			ts, vs = append(ts, full[i]), append(vs, fullV[i])
		}
	}

	tg := backtest.DefaultTarget(10, 10*time.Minute, 1, 40)
	tg.Name, tg.Query, tg.HoldUntilReady = "gen", `demand{trace="gen"}`, true
	det, err := engine.NewDetector(engine.DefaultDetector)
	require.NoError(t, err)
	res, err := backtest.Run(ctx, ts, vs, backtest.Config{
		Target: tg, Coverage: engine.DefaultCoverage, Detector: det, AnomalyThreshold: engine.DefaultAnomalyThreshold,
	})
	require.NoError(t, err)
	sim := backtest.NewSim(ts, vs, tg.CapacityPerUnit, tg.Lag.Seconds(), tg.MinUnits, tg.MaxUnits, 0)

	emb, err := history.OpenEmbedded(filepath.Join(t.TempDir(), "tsdb"), history.EmbeddedOptions{LookbackDelta: history.LookbackFor(step)})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, emb.Close()) })
	_, err = emb.AppendSeries(ctx, testkit.Demand("trace", "gen"), ts, vs)
	require.NoError(t, err)
	var now time.Time
	c := liveController(t, tg, emb, time.Duration(len(full))*step, &now, &firstUnits{n: sim.InitialUnits()})
	v := api.NewView(c, api.Info{})

	reasons := map[policy.Reason]int{}
	for i := range ts {
		now = time.Unix(ts[i], 0).UTC()
		require.NoError(t, c.ReconcileOnce(ctx))
		s := v.Status()[0]
		d := s.Decisions[len(s.Decisions)-1]
		require.Equal(t, res.Desired[i], d.Desired, "row %d at %s: backtest %s, live %s", i, now, res.Reasons[i], controller.Explain(d.Decision))
		require.Equal(t, res.Reasons[i], d.Reason, "row %d", i)
		reasons[d.Reason]++
	}
	require.Positive(t, reasons[policy.ReasonForecast])
	require.Positive(t, reasons[policy.ReasonAnomaly])
}
