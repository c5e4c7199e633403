package policy

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/predictor"
)

// TestOverloadIsAnsweredOnEveryPath: current demand 95 needs 10 units (10
// per unit at 100 %) while 5 run. Whatever path the decision takes, it asks
// for at least 10; only max_units and the daily budget cap it, each with
// its reason. Every case runs with the controller's default floor mode
// (hold, with a usage window) and with scale_up.
func TestOverloadIsAnsweredOnEveryPath(t *testing.T) {
	calibrating := flat(0, 3e-9, 10) // a fresh forecaster's made-up interval
	calibrating.Confidence = 0
	cases := []decideCase{
		{
			name: "forecast: a trusted forecast below current demand",
			in:   func(in *Input) {}, desired: 10, reason: ReasonReactive, rule: RuleReactiveFloor,
		},
		{
			name:    "forecast: above current demand, the forecast wins",
			in:      func(in *Input) { in.Forecast = flat(100, 125, 10) },
			desired: 13, reason: ReasonForecast, rule: RuleForecast,
		},
		{
			name:    "risk sizing whose peak quantiles lie beyond max_units",
			target:  func(t *Target) { t.RiskPerUnit = 0.03 },
			in:      func(in *Input) { in.PeakQuantiles = []Quantile{{0.5, 200}, {0.9, 210}, {0.999, 220}} },
			desired: 10, reason: ReasonForecast, rule: RuleForecast, // sized from the floor up
		},
		{
			name: "low confidence",
			in:   func(in *Input) { in.Forecast.Confidence = 0.2 }, desired: 10,
			reason: ReasonLowConfidence, rule: RuleLowConfidence,
		},
		{
			name:    "calibrating: not enough residuals yet (made-up interval)",
			in:      func(in *Input) { in.Forecast = calibrating },
			desired: 10, reason: ReasonLowConfidence, rule: RuleLowConfidence,
		},
		{
			name:    "calibrating, reported as trusted",
			in:      func(in *Input) { in.Forecast = calibrating; in.Forecast.Confidence = 1 },
			desired: 10, reason: ReasonReactive, rule: RuleReactiveFloor,
		},
		{
			name:    "no recent forecast (none at all)",
			in:      func(in *Input) { in.Forecast = predictor.Forecast{} },
			desired: 10, reason: ReasonLowConfidence, rule: RuleLowConfidence,
		},
		{
			name:    "no recent forecast (no step: no point in the lead window)",
			in:      func(in *Input) { in.ForecastStep = 0 },
			desired: 10, reason: ReasonLowConfidence, rule: RuleLowConfidence,
		},
		{
			name:    "scale-up cooldown in force",
			target:  func(t *Target) { t.ScaleUpCooldown = 10 * time.Minute },
			state:   State{LastScaleUp: t0.Add(-time.Minute)},
			desired: 10, reason: ReasonReactive, rule: RuleReactiveFloor,
		},
		{
			name:    "scale-up cooldown holds a forecast above the need at the need",
			target:  func(t *Target) { t.ScaleUpCooldown = 10 * time.Minute },
			in:      func(in *Input) { in.Forecast = flat(100, 125, 10) },
			state:   State{LastScaleUp: t0.Add(-time.Minute)},
			desired: 10, reason: ReasonCooldown, rule: RuleCooldownUp,
		},
		{
			name:    "scale-down cooldown in force",
			target:  func(t *Target) { t.ScaleDownCooldown = 10 * time.Minute },
			state:   State{LastScaleDown: t0.Add(-time.Minute)},
			desired: 10, reason: ReasonReactive, rule: RuleReactiveFloor,
		},
		{
			// 11/10 - 1 is 0.10000000000000009 in floats: a 10 % band
			// would not hold the move anyway, so the band is 15 %.
			name:    "stabilisation: tolerance band around the current units",
			target:  func(t *Target) { t.Tolerance = 0.15 },
			in:      func(in *Input) { in.Demand, in.CurrentUnits = 105, 10 }, // needs 11: within 15 %
			desired: 11, reason: ReasonReactive, rule: RuleReactiveFloor,
		},
		{
			name:   "stabilisation window with lower recent recommendations",
			target: func(t *Target) { t.StabilizationWindow = 5 * time.Minute },
			state: State{Recent: []Recommendation{
				{At: t0.Add(-2 * time.Minute), Units: 3}, {At: t0.Add(-time.Minute), Units: 4},
			}},
			desired: 10, reason: ReasonReactive, rule: RuleReactiveFloor,
		},
		{
			name:    "scale-up rate limit",
			target:  func(t *Target) { t.MaxScaleUpUnits = 1 },
			desired: 10, reason: ReasonReactive, rule: RuleReactiveFloor,
		},
		{
			name: "anomaly: the spike is flagged",
			in: func(in *Input) {
				in.Anomaly, in.AnomalyScore = true, 0.999
			}, desired: 10, reason: ReasonAnomaly, rule: RuleReactiveFloor,
		},
		{
			name:    "shadow HPA below the need",
			in:      func(in *Input) { in.ShadowUnits, in.ShadowTarget = 6, 0.8 },
			desired: 10, reason: ReasonReactive, rule: RuleReactiveFloor,
		},
		{
			name:    "storage",
			target:  func(t *Target) { t.Kind = KindStorage },
			desired: 10, reason: ReasonReactive, rule: RuleReactiveFloor,
		},
		{
			name: "few, decisive moves: a change cost the move does not pay",
			target: func(t *Target) {
				t.RiskPerUnit, t.ChangeCost = 0.03, 0.9
			},
			in: func(in *Input) {
				in.CurrentUnits = 9 // demand 95 needs 10: a one-unit move
				in.PeakQuantiles = []Quantile{{0.5, 60}, {0.9, 80}, {0.999, 95}}
			},
			desired: 10, reason: ReasonForecast, rule: RuleForecast,
		},
		{
			// The calm hold keeps a move of one unit (CalmBand) from the
			// current units; an overload of one unit is still answered.
			name:    "calm hold: a one-unit overload within the calm band",
			in:      func(in *Input) { in.CurrentUnits, in.CalmUnits = 9, 9 },
			desired: 10, reason: ReasonReactive, rule: RuleReactiveFloor,
		},
		{
			name: "event pacing: release band, wide band, climb and a scale-down's price",
			in: func(in *Input) {
				in.CurrentUnits, in.EventPrice, in.ReleaseBand, in.WideBand = 9, 4, 2, 3
			},
			desired: 13, reason: ReasonReactive, rule: RuleReactiveFloor, // the wide band climbs 3 beyond the 10 needed
		},
		{
			// The demand is a lower bound (complete_query said a source is
			// missing): the units held are a floor, the need read still
			// raises the decision.
			name: "partial data: a lower bound that already needs more",
			in: func(in *Input) {
				in.Partial, in.Problem = true, "complete_query answered 0"
			},
			state:   State{LastDesired: 5, HasLast: true, OutageHold: 5},
			desired: 10, reason: ReasonReactive, rule: RuleReactiveFloor,
		},
		{
			name:    "after a history outage: the outage hold is a floor only",
			target:  func(t *Target) { t.StabilizationWindow = 5 * time.Minute },
			state:   State{LastDesired: 5, HasLast: true, OutageHold: 5, Resumed: t0.Add(-time.Minute)},
			desired: 10, reason: ReasonReactive, rule: RuleReactiveFloor,
		},
		{
			name:    "crowd trend below the need",
			in:      func(in *Input) { in.Anomaly, in.AnomalyScore, in.TrendUnits = true, 0.99, 7 },
			desired: 10, reason: ReasonAnomaly, rule: RuleReactiveFloor,
		},
		{
			name:    "max_units caps it, with reason max",
			target:  func(t *Target) { t.MaxUnits = 8 },
			desired: 8, reason: ReasonMax, rule: RuleMax,
		},
		{
			// 12:00 UTC, 12 h left, 12 spent of 96: (96-12)/(1*12) = 7 units.
			name:    "the daily budget caps it, with reason budget",
			target:  func(t *Target) { t.CostPerUnitHour, t.DailyBudget = 1, 96 },
			in:      func(in *Input) { in.CostToday = 12 },
			desired: 7, reason: ReasonBudget, rule: RuleBudget,
		},
	}
	for _, mode := range []FloorMode{FloorHold, FloorScaleUp} {
		for _, c := range cases {
			t.Run(string(mode)+"/"+c.name, func(t *testing.T) {
				tg := baseTarget()
				tg.FloorMode, tg.UsageWindow = mode, 5*time.Minute
				d := c.run(t, tg, input(95, 5, flat(40, 55, 10)))
				require.Equal(t, "up", d.Direction())
			})
		}
	}
}

// TestOverloadUnderManualOverride: the one decision that does not answer
// an overload is an operator's manual override in force (rule 1 of
// Decide: it wins over every rule but min and max), and it says so with
// reason manual; the first decision after it ends answers the overload.
func TestOverloadUnderManualOverride(t *testing.T) {
	tg := baseTarget()
	st := State{Manual: &Override{Units: 5, Until: t0.Add(time.Minute)}}
	d := Decide(input(95, 5, flat(40, 55, 10)), tg, st)
	require.Equal(t, 5, d.Desired)
	require.Equal(t, ReasonManual, d.Reason)
	require.Equal(t, 10, tg.UnitsFor(95), "the need the override leaves unanswered")

	in := input(95, 5, flat(40, 55, 10))
	in.Now = t0.Add(time.Minute)
	d = Decide(in, tg, st.Record(tg, d))
	require.Equal(t, 10, d.Desired, "the override ended: %+v", d.Explanation)
	require.Equal(t, ReasonReactive, d.Reason)
}

// TestRecordCapsUsageAtTheUnitsThere: demand that needed 10 units while 5
// ran used 5; the usage window keeps those, not the 10 it lacked (the
// overload itself is answered by the reactive floor, not by the window).
func TestRecordCapsUsageAtTheUnitsThere(t *testing.T) {
	tg := baseTarget()
	tg.FloorMode, tg.UsageWindow = FloorHold, 5*time.Minute
	d := Decide(input(95, 5, flat(40, 55, 10)), tg, State{})
	require.Equal(t, 10, d.Desired)
	st := State{}.Record(tg, d)
	require.Equal(t, []Recommendation{{At: t0, Units: 5}}, st.Used)

	// A minute later demand is 35 (4 units) and 10 units run: the floor
	// keeps the 5 used, not the 10 asked for.
	in := input(35, 10, flat(20, 25, 10))
	in.Now = t0.Add(time.Minute)
	require.Equal(t, 5, Decide(in, tg, st).Explanation.ReactiveFloor)
}
