package controller_test

import (
	"math"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
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
	ctx := t.Context()
	step := 5 * time.Minute
	end := time.Date(2026, 3, 4, 12, 0, 0, 0, time.UTC)
	ts, vs := testkit.DailyTrace(720, step, end, 7)
	for i := 600; i < 606; i++ {
		vs[i] *= 3 // a burst
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

	emb, err := history.OpenEmbedded(filepath.Join(t.TempDir(), "tsdb"), history.EmbeddedOptions{})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, emb.Close()) })
	_, err = emb.AppendSeries(ctx, labels.FromStrings(model.MetricNameLabel, "demand", "trace", "gen"), ts, vs)
	require.NoError(t, err)

	st, err := state.New(t.TempDir())
	require.NoError(t, err)
	var now time.Time
	c, err := controller.New([]policy.Target{tg}, controller.Options{
		Interval: step, Step: step, Window: time.Duration(len(ts)) * step, Coverage: engine.DefaultCoverage,
		Mode: controller.ModeForecastOnly, AnomalyThreshold: engine.DefaultAnomalyThreshold,
	}, controller.Deps{
		History: emb, NewDetector: controller.DetectorByName(engine.DefaultDetector), Decide: policy.Decide,
		Units: &firstUnits{n: sim.InitialUnits()}, State: st, Now: func() time.Time { return now },
	})
	require.NoError(t, err)
	v := api.NewView(c, api.Info{})

	reasons := map[policy.Reason]int{}
	for i := range ts {
		now = time.Unix(ts[i], 0).UTC()
		require.NoError(t, c.ReconcileOnce(ctx))
		s := v.Status()[0]
		d := s.Decisions[len(s.Decisions)-1]
		require.Equal(t, res.Desired[i], d.Desired, "step %d at %s: backtest %s, live %s", i, now, res.Reasons[i], controller.Explain(d.Decision))
		require.Equal(t, res.Reasons[i], d.Reason, "step %d", i)
		reasons[d.Reason]++
	}
	// The comparison covered forecasts and the flagged burst.
	require.Positive(t, reasons[policy.ReasonForecast])
	require.Positive(t, reasons[policy.ReasonAnomaly])
	require.False(t, math.IsNaN(res.Prescale.InstanceHours))
}
