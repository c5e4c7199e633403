package policy

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestBudgetOnlyCapsScaleUps: a spent daily budget caps a scale-up at the
// units running (never below them: the budget does not remove units
// current demand uses) and never stops a scale-down, which saves money.
func TestBudgetOnlyCapsScaleUps(t *testing.T) {
	tg := baseTarget()
	tg.CostPerUnitHour, tg.DailyBudget = 1, 100
	spent := func(demand float64, current int) Decision {
		in := input(demand, current, flat(demand*0.8, demand, 10))
		in.CostToday = 120 // over budget at noon: nothing more is affordable
		return Decide(in, tg, State{})
	}
	d := spent(150, 10)
	require.Equal(t, 10, d.Desired, "an overload is capped at the units running: %+v", d.Explanation)
	require.Equal(t, ReasonBudget, d.Reason)
	require.Equal(t, 0, d.Explanation.AffordableUnits)

	d = spent(50, 10)
	require.Equal(t, 5, d.Desired, "a scale-down is made: %+v", d.Explanation)
	require.Equal(t, ReasonForecast, d.Reason)
}

// TestAffordableUnitsRoundDown: the budget affords whole units only; 2.5
// affordable units are 2, so the day's cost stays within the budget.
func TestAffordableUnitsRoundDown(t *testing.T) {
	tg := baseTarget()
	tg.CostPerUnitHour, tg.DailyBudget = 2, 48
	// 18:00 UTC: 6 h left, 18 spent: 30 / (2*6) = 2.5 units.
	require.Equal(t, 2, affordableUnits(time.Date(2026, 1, 1, 18, 0, 0, 0, time.UTC), 18, tg))
}
