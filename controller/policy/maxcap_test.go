package policy

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestForecastCappedAtMaxHasReasonMax: a forecast whose peak quantiles
// want more units than max_units, while current demand needs fewer, is
// held at max_units with reason max (what PrescaleMaxUnitsReached counts),
// not reason forecast; a forecast that wants exactly max_units keeps
// reason forecast. Exceedance 1-P at 10/20/30/40 demand (1 unit = 10):
// 0.5, 0.1, 0.02, 0.001, so with a risk per unit of 0.05 three units pay
// for themselves and a fourth does not.
func TestForecastCappedAtMaxHasReasonMax(t *testing.T) {
	q := []Quantile{{0.5, 10}, {0.9, 20}, {0.98, 30}, {0.999, 40}}
	for _, c := range []decideCase{
		{
			name:    "forecast wants 3, max 2",
			target:  func(t *Target) { t.RiskPerUnit, t.MaxUnits = 0.05, 2 },
			desired: 2, reason: ReasonMax, rule: RuleMax,
		},
		{
			name:    "forecast wants 3, max 2, already at max",
			target:  func(t *Target) { t.RiskPerUnit, t.MaxUnits = 0.05, 2 },
			in:      func(in *Input) { in.CurrentUnits = 2 },
			desired: 2, reason: ReasonMax, rule: RuleMax,
		},
		{
			name:    "forecast wants 3, max 3",
			target:  func(t *Target) { t.RiskPerUnit, t.MaxUnits = 0.05, 3 },
			desired: 3, reason: ReasonForecast, rule: RuleForecast,
		},
		{
			name:    "forecast wants 3, max 20",
			target:  func(t *Target) { t.RiskPerUnit = 0.05 },
			desired: 3, reason: ReasonForecast, rule: RuleForecast,
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := input(5, 1, flat(10, 30, 10))
			in.PeakQuantiles = q
			d := c.run(t, baseTarget(), in)
			require.Equal(t, 1, d.Explanation.ReactiveFloor, "current demand needs one unit")
		})
	}
}
