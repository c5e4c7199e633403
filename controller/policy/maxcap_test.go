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

// TestBudgetAllowingMaxIsNotTheCap: a daily budget that affords every
// unit the target may have (affordable_units is then max_units) does not
// cap a scale-up beyond max_units: max_units does, reason max. Named
// budget, such decisions set prescale_budget_capped and fired
// PrescaleBudgetCapHit with the day's cost far below the budget, and
// PrescaleMaxUnitsReached never fired. 12:00 UTC, 1 per unit-hour, 12
// spent: a budget of 36 affords 2 units until midnight, one of 1,000 all
// 20.
func TestBudgetAllowingMaxIsNotTheCap(t *testing.T) {
	for _, c := range []decideCase{
		{
			name:    "budget affords every unit, demand needs 30",
			target:  func(t *Target) { t.CostPerUnitHour, t.DailyBudget = 1, 1000 },
			desired: 20, reason: ReasonMax, rule: RuleMax,
		},
		{
			name:    "budget affords 2 units, demand needs 30",
			target:  func(t *Target) { t.CostPerUnitHour, t.DailyBudget = 1, 36 },
			desired: 2, reason: ReasonBudget, rule: RuleBudget,
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := input(300, 1, flat(300, 320, 10))
			in.CostToday = 12
			c.run(t, baseTarget(), in)
		})
	}
}
