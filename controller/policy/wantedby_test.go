package policy

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestWantedBy: the explanation's wanted_by names what set the wanted
// units. With risk sizing the sizing starts from the reactive floor, so a
// decision the floor holds has rule forecast, forecast_units equal to
// reactive_floor; wanted_by names the floor there (its part: the current
// demand, or the units used within the usage window), and the forecast
// where the sizing chose those units itself. Exceedance 1-P at 10/20/30/40
// demand (1 unit = 10): 0.5, 0.1, 0.02, 0.001, so at a risk per unit of
// 0.05 the forecast wants 3 units from min_units up.
func TestWantedBy(t *testing.T) {
	q := []Quantile{{0.5, 10}, {0.9, 20}, {0.98, 30}, {0.999, 40}}
	risk := func(t *Target) { t.RiskPerUnit = 0.05 }
	window := func(t *Target) { t.RiskPerUnit, t.FloorMode, t.UsageWindow = 0.05, FloorHold, 5*time.Minute }
	used := State{Used: []Recommendation{{At: t0.Add(-time.Minute), Units: 7}}}
	for _, c := range []struct {
		decideCase
		by string
	}{
		{decideCase{name: "risk: the forecast's 3 above the floor 1", target: risk,
			desired: 3, reason: ReasonForecast, rule: RuleForecast}, WantedByForecast},
		{decideCase{name: "risk: the floor 3 is the forecast's own 3", target: risk, in: demand(25),
			desired: 3, reason: ReasonForecast, rule: RuleForecast}, WantedByForecast},
		{decideCase{name: "risk: current demand's floor 8 holds the forecast's 3", target: risk, in: demand(75),
			desired: 8, reason: ReasonForecast, rule: RuleForecast}, WantedByReactiveFloor},
		{decideCase{name: "risk: the usage window's 7 holds the forecast's 3", target: window,
			in: func(in *Input) { in.CurrentUnits = 9 }, state: used,
			desired: 7, reason: ReasonForecast, rule: RuleForecast}, WantedByUsageWindow},
		{decideCase{name: "no risk: current demand above the upper forecast", in: demand(95),
			desired: 10, reason: ReasonReactive, rule: RuleReactiveFloor}, WantedByReactiveFloor},
		{decideCase{name: "no risk: the usage window above the upper forecast",
			target: func(t *Target) { t.FloorMode, t.UsageWindow = FloorHold, 5*time.Minute },
			in:     func(in *Input) { in.CurrentUnits, in.PeakQuantiles = 9, nil }, state: used,
			desired: 7, reason: ReasonReactive, rule: RuleReactiveFloor}, WantedByUsageWindow},
		{decideCase{name: "low confidence", target: risk, in: func(in *Input) { in.Forecast.Confidence = 0.1 },
			desired: 1, reason: ReasonLowConfidence, rule: RuleLowConfidence}, WantedByLowConfidence},
		{decideCase{name: "shadow HPA above the forecast", target: risk, in: func(in *Input) { in.ShadowUnits = 6 },
			desired: 6, reason: ReasonReactive, rule: RuleShadowHPA}, WantedByShadowHPA},
		{decideCase{name: "crowd trend above the forecast", target: risk, in: func(in *Input) { in.TrendUnits = 6 },
			desired: 6, reason: ReasonReactive, rule: RuleCrowdTrend}, WantedByCrowdTrend},
		{decideCase{name: "no data: the rule says it", target: risk, in: func(in *Input) { in.DataPresent = false },
			state: State{HasLast: true, LastDesired: 4}, desired: 4, reason: ReasonNoData, rule: RuleNoData}, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := input(5, 3, flat(10, 30, 10))
			in.PeakQuantiles = q
			d := c.run(t, baseTarget(), in)
			require.Equal(t, c.by, d.Explanation.WantedBy)
			b, err := json.Marshal(d.Explanation)
			require.NoError(t, err)
			if c.by == "" {
				require.NotContains(t, string(b), `"wanted_by"`)
			} else {
				require.Contains(t, string(b), `"wanted_by":"`+c.by+`"`)
			}
		})
	}
}

// TestWantedByForecastAboveTheFloor: where risk sizing's choice from
// min_units up is below the floor but its choice from the floor up is
// above it (the expected loss falls again further up), the units are the
// sizing's own, not the floor's. At a risk per unit of 0.09 one unit is
// best from min_units up (0.59: a second costs more than its exceedance
// saves, and none up to 70 pays for itself from there); from the floor 3
// (0.27 + 0.48) seven units cost 0.63 + 0.001.
func TestWantedByForecastAboveTheFloor(t *testing.T) {
	tg := baseTarget()
	tg.RiskPerUnit = 0.09
	q := []Quantile{{0.5, 10}, {0.55, 60}, {0.999, 70}}
	free, _ := RiskUnits(q, tg, tg.MinUnits)
	require.Equal(t, 1, free)
	in := input(25, 3, flat(10, 30, 10))
	in.PeakQuantiles = q
	d := Decide(in, tg, State{})
	require.Equal(t, 3, d.Explanation.ReactiveFloor)
	require.Equal(t, 7, d.Explanation.ForecastUnits)
	require.Equal(t, RuleForecast, d.Explanation.Rule)
	require.Equal(t, WantedByForecast, d.Explanation.WantedBy)
}

func demand(v float64) func(*Input) { return func(in *Input) { in.Demand = v } }
