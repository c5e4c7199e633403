package policy

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestTrendFloorHeldAndPlanned: the crowd trend floor is part of the plan,
// so its units are not the overload answer that the stabilisation window
// releases once ready (Decision.Reactive), and the change cost never holds
// the units below it.
func TestTrendFloorHeldAndPlanned(t *testing.T) {
	tg := baseTarget()
	tg.RiskPerUnit, tg.ChangeCost = 0.03, 0.04
	in := input(150, 10, flat(40, 55, 10))
	in.PeakQuantiles = []Quantile{{0.5, 40}, {0.9, 50}, {0.999, 55}}
	in.Anomaly, in.TrendUnits = true, 19
	d := Decide(in, tg, State{})
	require.Equal(t, 19, d.Desired)
	require.Equal(t, RuleCrowdTrend, d.Explanation.Rule)
	require.Equal(t, 19, d.Explanation.TrendUnits)
	require.Equal(t, 0, d.Reactive, "the trend's units are planned, not an overload's answer")

	// Held at 19 by a change cost the forecast alone would not pay: the
	// one-unit move to 20 (or down) is not made below the trend floor.
	in.CurrentUnits, in.Demand, in.TrendUnits = 19, 100, 19
	d = Decide(in, tg, State{})
	require.Equal(t, 19, d.Desired)
	in.CurrentUnits, in.TrendUnits = 18, 19
	d = Decide(in, tg, State{})
	require.Equal(t, 19, d.Desired, "a one-unit scale-up to the trend floor is not held by the change cost")
}
