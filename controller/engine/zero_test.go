package engine_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/engine"
	"github.com/prescale/prescale/controller/policy"
)

// TestScaleToZero: with min_units 0 a demand of zeros decides 0 units
// (once the scale-down rules let it: stabilisation window, cooldown,
// change cost), and any demand at 0 units scales up at the next decision.
// The peak quantiles of a series of zeros were nudged apart (0, 1e-9,
// ...), read as P(peak > 0) = 0.5, and one unit was always kept
// (forecast_units 1, exceedance_probability 0.001).
func TestScaleToZero(t *testing.T) {
	tg := target()
	tg.MinUnits, tg.ChangeCost = 0, engine.DefaultChangeCost
	tg = engine.Resolve(tg, time.Minute)
	e, err := engine.New(engine.Config{Target: tg, Step: time.Minute, Interval: time.Minute})
	require.NoError(t, err)
	t0 := int64(1_700_000_000)
	units, st := 3, policy.State{}
	zeroAt := -1
	var out engine.Output
	for i := range 300 {
		ts := t0 + int64(i)*60
		e.Observe(ts, 0)
		out = e.Decide(engine.Input{Now: time.Unix(ts, 0), CurrentUnits: units, Demand: 0, DataPresent: true}, st)
		st, units = out.State, out.Decision.Desired
		if units == 0 && zeroAt < 0 {
			zeroAt = i
		}
		if zeroAt >= 0 {
			require.Zero(t, units, "sample %d: back up from 0 on zero demand", i)
		}
	}
	require.GreaterOrEqual(t, zeroAt, 0, "never decided 0 units: %+v", out.Decision)
	for _, q := range out.PeakQuantiles {
		require.Zero(t, q.Value, "a series of zeros: every peak quantile is 0")
	}
	require.Greater(t, out.Decision.Explanation.Confidence, tg.ConfidenceThreshold, "the forecast decides, not the reactive fallback")

	// Two units too many with a trusted forecast of zeros: released once
	// the change cost's held surplus has paid for the scale event.
	units, zeroAt = 2, -1
	for i := 300; i < 360 && units > 0; i++ {
		ts := t0 + int64(i)*60
		e.Observe(ts, 0)
		out = e.Decide(engine.Input{Now: time.Unix(ts, 0), CurrentUnits: units, Demand: 0, DataPresent: true}, st)
		st, units = out.State, out.Decision.Desired
		zeroAt = i - 300
	}
	require.Zero(t, units, "not released within an hour: %+v", out.Decision)
	t.Logf("2 surplus units released after %d decisions", zeroAt+1)

	ts := t0 + 400*60
	e.Observe(ts, 0.5)
	out = e.Decide(engine.Input{Now: time.Unix(ts, 0), CurrentUnits: 0, Demand: 0.5, DataPresent: true}, st)
	require.Equal(t, 1, out.Decision.Desired, "any demand at 0 units scales up at once")

	tg.MinUnits = 1 // the referee's --min 1: never below it
	e, err = engine.New(engine.Config{Target: tg, Step: time.Minute, Interval: time.Minute})
	require.NoError(t, err)
	for i := range 100 {
		ts := t0 + int64(i)*60
		e.Observe(ts, 0)
		out = e.Decide(engine.Input{Now: time.Unix(ts, 0), CurrentUnits: 1, Demand: 0, DataPresent: true}, policy.State{})
		require.Equal(t, 1, out.Decision.Desired)
	}
}
