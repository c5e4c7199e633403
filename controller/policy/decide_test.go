package policy

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/predictor"
)

var t0 = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

// baseTarget: 10 demand per unit at 100 % utilisation, units in [1, 20],
// lag 5 min, no optional rule.
func baseTarget() Target {
	return Target{
		Name: "web", Kind: KindInstances, CapacityPerUnit: 10, TargetUtilization: 1,
		MinUnits: 1, MaxUnits: 20, Lag: 5 * time.Minute, ConfidenceThreshold: 0.7,
	}
}

// flat is a trusted forecast whose mean and upper bound are constant.
func flat(mean, upper float64, n int) predictor.Forecast {
	f := predictor.Forecast{Coverage: 0.8, Confidence: 0.9, Model: "test"}
	for range n {
		f.Mean = append(f.Mean, mean)
		f.Upper = append(f.Upper, upper)
		f.Lower = append(f.Lower, mean-(upper-mean))
	}
	return f
}

func input(demand float64, current int, f predictor.Forecast) Input {
	return Input{
		Now: t0, Interval: time.Minute, CurrentUnits: current, DataPresent: true,
		Demand: demand, Forecast: f, ForecastStep: time.Minute,
	}
}

// decideCase is one Decide scenario: changes to a base target and input,
// the state, and the expected outcome.
type decideCase struct {
	name    string
	target  func(*Target)
	in      func(*Input)
	state   State
	desired int
	reason  Reason
	rule    Rule
}

// run applies the case's changes to tg and in, decides, and checks the
// desired units, the reason and the rule.
func (c decideCase) run(t *testing.T, tg Target, in Input) Decision {
	t.Helper()
	if c.target != nil {
		c.target(&tg)
	}
	require.NoError(t, tg.Validate())
	if c.in != nil {
		c.in(&in)
	}
	d := Decide(in, tg, c.state)
	require.Equal(t, c.desired, d.Desired, "explanation: %+v", d.Explanation)
	require.Equal(t, c.reason, d.Reason)
	require.Equal(t, c.rule, d.Explanation.Rule)
	return d
}

func TestDecideRules(t *testing.T) {
	cases := []decideCase{
		{
			name: "forecast: upper 55 over the lead window needs 6 units",
			in:   func(in *Input) { in.Forecast = flat(40, 55, 10) }, desired: 6,
			reason: ReasonForecast, rule: RuleForecast,
		},
		{
			name: "lag compensation: a peak inside [now, now+lag+interval) counts",
			in: func(in *Input) {
				in.Forecast = flat(20, 25, 10)
				in.Forecast.Upper[4] = 71 // at now+5m, inside lag(5m)+interval(1m)
			}, desired: 8, reason: ReasonForecast, rule: RuleForecast,
		},
		{
			name: "lag compensation: a peak after the lead window does not",
			in: func(in *Input) {
				in.Forecast = flat(20, 25, 10)
				in.Forecast.Upper[5] = 71 // at now+6m = lag+interval: out
			}, desired: 3, reason: ReasonForecast, rule: RuleForecast,
		},
		{
			name: "reactive: current demand 95 needs more than the forecast",
			in:   func(in *Input) { in.Demand = 95; in.Forecast = flat(40, 55, 10) }, desired: 10,
			reason: ReasonReactive, rule: RuleReactiveFloor,
		},
		{
			name:   "reactive floor uses the target utilisation (HPA formula)",
			target: func(t *Target) { t.TargetUtilization = 0.5 },
			in:     func(in *Input) { in.Demand = 45; in.Forecast = flat(10, 20, 10) }, desired: 9,
			reason: ReasonReactive, rule: RuleReactiveFloor,
		},
		{
			name:    "hold floor: a spike (95) above the current units is answered (overload)",
			target:  func(t *Target) { t.FloorMode = FloorHold },
			in:      func(in *Input) { in.Demand = 95; in.CurrentUnits = 5; in.Forecast = flat(40, 55, 10) },
			desired: 10, reason: ReasonReactive, rule: RuleReactiveFloor,
		},
		{
			name:    "hold floor: never removes units current demand uses",
			target:  func(t *Target) { t.FloorMode = FloorHold },
			in:      func(in *Input) { in.Demand = 75; in.CurrentUnits = 9; in.Forecast = flat(20, 30, 10) },
			desired: 8, reason: ReasonReactive, rule: RuleReactiveFloor,
		},
		{
			name:   "hold floor with a usage window keeps units demand used within it",
			target: func(t *Target) { t.FloorMode = FloorHold; t.UsageWindow = 5 * time.Minute },
			in:     func(in *Input) { in.Demand = 35; in.CurrentUnits = 9; in.Forecast = flat(20, 30, 10) },
			state: State{Used: []Recommendation{
				{At: t0.Add(-10 * time.Minute), Units: 12}, // outside the window
				{At: t0.Add(-5 * time.Minute), Units: 8},
				{At: t0.Add(-time.Minute), Units: 7},
			}},
			desired: 8, reason: ReasonReactive, rule: RuleReactiveFloor,
		},
		{
			name:    "hold floor with a usage window never scales up",
			target:  func(t *Target) { t.FloorMode = FloorHold; t.UsageWindow = 5 * time.Minute },
			in:      func(in *Input) { in.Demand = 35; in.CurrentUnits = 5; in.Forecast = flat(20, 30, 10) },
			state:   State{Used: []Recommendation{{At: t0.Add(-time.Minute), Units: 9}}},
			desired: 5, reason: ReasonReactive, rule: RuleReactiveFloor,
		},
		{
			name: "low confidence: reactive fallback",
			in: func(in *Input) {
				in.Demand = 33
				in.Forecast = flat(40, 90, 10)
				in.Forecast.Confidence = 0.5
			}, desired: 4, reason: ReasonLowConfidence, rule: RuleLowConfidence,
		},
		{
			name: "no forecast: reactive fallback flagged low_confidence",
			in:   func(in *Input) { in.Demand = 33; in.Forecast = predictor.Forecast{} }, desired: 4,
			reason: ReasonLowConfidence, rule: RuleLowConfidence,
		},
		{
			name:   "low confidence with a hold floor still follows the HPA formula",
			target: func(t *Target) { t.FloorMode = FloorHold },
			in: func(in *Input) {
				in.Demand, in.CurrentUnits = 95, 3
				in.Forecast = flat(40, 55, 10)
				in.Forecast.Confidence = 0.1
			}, desired: 10, reason: ReasonLowConfidence, rule: RuleLowConfidence,
		},
		{
			name: "anomaly: a flagged spike still scales up",
			in: func(in *Input) {
				in.Demand, in.Anomaly, in.AnomalyScore = 150, true, 0.99
				in.Forecast = flat(40, 55, 10)
			}, desired: 15, reason: ReasonAnomaly, rule: RuleReactiveFloor,
		},
		{
			name: "shadow_hpa: a shadow HPA recommendation above the forecast is a floor",
			in: func(in *Input) {
				in.Forecast = flat(20, 25, 10)
				in.ShadowUnits, in.ShadowTarget = 9, 0.8
			}, desired: 9, reason: ReasonReactive, rule: RuleShadowHPA,
		},
		{
			name: "shadow_hpa: below the forecast it does not bind",
			in: func(in *Input) {
				in.Forecast = flat(40, 55, 10)
				in.ShadowUnits = 2
			}, desired: 6, reason: ReasonForecast, rule: RuleForecast,
		},
		{
			name: "shadow_hpa: an anomalous demand keeps reason anomaly",
			in: func(in *Input) {
				in.Demand, in.Anomaly, in.AnomalyScore = 150, true, 0.99
				in.Forecast = flat(40, 55, 10)
				in.ShadowUnits = 18
			}, desired: 18, reason: ReasonAnomaly, rule: RuleShadowHPA,
		},
		{
			name: "shadow_hpa: still capped by max",
			in: func(in *Input) {
				in.Forecast = flat(20, 25, 10)
				in.ShadowUnits = 40
			}, desired: 20, reason: ReasonMax, rule: RuleMax,
		},
		{
			name: "crowd_trend: a climbing crowd's trend above the reactive floor is a floor",
			in: func(in *Input) {
				in.Demand, in.Anomaly, in.AnomalyScore = 150, true, 0.99
				in.Forecast = flat(40, 55, 10)
				in.TrendUnits = 19
			}, desired: 19, reason: ReasonAnomaly, rule: RuleCrowdTrend,
		},
		{
			name: "crowd_trend: below the forecast it does not bind",
			in: func(in *Input) {
				in.Forecast = flat(40, 55, 10)
				in.TrendUnits = 3
			}, desired: 6, reason: ReasonForecast, rule: RuleForecast,
		},
		{
			name: "crowd_trend: still capped by max",
			in: func(in *Input) {
				in.Forecast = flat(20, 25, 10)
				in.TrendUnits = 40
			}, desired: 20, reason: ReasonMax, rule: RuleMax,
		},
		{
			name:  "no data: hold the last decision, not min",
			in:    func(in *Input) { in.DataPresent = false; in.CurrentUnits = 3 },
			state: State{LastDesired: 7, HasLast: true}, desired: 7,
			reason: ReasonNoData, rule: RuleNoData,
		},
		{
			name: "bad query: hold the last decision, with reason bad_query and the problem",
			in: func(in *Input) {
				in.DataPresent, in.BadQuery, in.Demand = false, true, math.NaN()
				in.Problem = `query "q": 2 series`
			},
			state: State{LastDesired: 7, HasLast: true}, desired: 7,
			reason: ReasonBadQuery, rule: RuleBadQuery,
		},
		{
			name: "no data (NaN demand) without history: hold the current units",
			in:   func(in *Input) { in.Demand = math.NaN(); in.CurrentUnits = 5 }, desired: 5,
			reason: ReasonNoData, rule: RuleNoData,
		},
		{
			name:  "manual override wins",
			in:    func(in *Input) { in.Demand = 150; in.Forecast = flat(150, 180, 10) },
			state: State{Manual: &Override{Units: 3, Until: t0.Add(time.Hour)}}, desired: 3,
			reason: ReasonManual, rule: RuleManual,
		},
		{
			name:  "expired manual override is ignored",
			in:    func(in *Input) { in.Forecast = flat(40, 55, 10) },
			state: State{Manual: &Override{Units: 3, Until: t0}}, desired: 6,
			reason: ReasonForecast, rule: RuleForecast,
		},
		{
			name:    "tolerance band keeps the current units",
			target:  func(t *Target) { t.Tolerance = 0.1 },
			in:      func(in *Input) { in.CurrentUnits = 10; in.Forecast = flat(80, 89, 10) }, // wants 9
			desired: 10, reason: ReasonStabilization, rule: RuleTolerance,
		},
		{
			name:   "stabilisation window keeps the highest recent recommendation",
			target: func(t *Target) { t.StabilizationWindow = 5 * time.Minute },
			in:     func(in *Input) { in.CurrentUnits = 10; in.Forecast = flat(20, 25, 10) },
			state: State{Recent: []Recommendation{
				{At: t0.Add(-10 * time.Minute), Units: 12}, // outside the window
				{At: t0.Add(-4 * time.Minute), Units: 8},
			}},
			desired: 8, reason: ReasonStabilization, rule: RuleStabilization,
		},
		{
			// A recommendation after now (saved before a clock step back)
			// is in no window of this decision.
			name:   "stabilisation window ignores a recommendation from the future",
			target: func(t *Target) { t.StabilizationWindow = 5 * time.Minute },
			in:     func(in *Input) { in.CurrentUnits = 10; in.Forecast = flat(20, 25, 10) },
			state: State{Recent: []Recommendation{
				{At: t0.Add(time.Minute), Units: 12},
				{At: t0.Add(-4 * time.Minute), Units: 8},
			}},
			desired: 8, reason: ReasonStabilization, rule: RuleStabilization,
		},
		{
			name:    "scale-up cooldown holds, but not below the reactive floor",
			target:  func(t *Target) { t.ScaleUpCooldown = 10 * time.Minute },
			in:      func(in *Input) { in.Demand, in.CurrentUnits = 45, 3; in.Forecast = flat(60, 80, 10) },
			state:   State{LastScaleUp: t0.Add(-time.Minute)},
			desired: 5, reason: ReasonCooldown, rule: RuleCooldownUp,
		},
		{
			name:    "scale-down cooldown holds the current units",
			target:  func(t *Target) { t.ScaleDownCooldown = 10 * time.Minute },
			in:      func(in *Input) { in.CurrentUnits = 10; in.Forecast = flat(20, 25, 10) },
			state:   State{LastScaleUp: t0.Add(-2 * time.Minute)},
			desired: 10, reason: ReasonCooldown, rule: RuleCooldownDown,
		},
		{
			name:    "scale-down cooldown counts from the last scale-down too",
			target:  func(t *Target) { t.ScaleDownCooldown = 10 * time.Minute },
			in:      func(in *Input) { in.CurrentUnits = 10; in.Forecast = flat(20, 25, 10) },
			state:   State{LastScaleUp: t0.Add(-time.Hour), LastScaleDown: t0.Add(-2 * time.Minute)},
			desired: 10, reason: ReasonCooldown, rule: RuleCooldownDown,
		},
		{
			name:    "scale-up cooldown ends when its length has passed",
			target:  func(t *Target) { t.ScaleUpCooldown = 10 * time.Minute },
			in:      func(in *Input) { in.Demand, in.CurrentUnits = 45, 3; in.Forecast = flat(60, 80, 10) },
			state:   State{LastScaleUp: t0.Add(-10 * time.Minute)},
			desired: 8, reason: ReasonForecast, rule: RuleForecast,
		},
		{
			name:    "scale-up rate limit",
			target:  func(t *Target) { t.MaxScaleUpUnits = 2 },
			in:      func(in *Input) { in.CurrentUnits = 3; in.Forecast = flat(80, 100, 10) },
			desired: 5, reason: ReasonStabilization, rule: RuleRateLimitUp,
		},
		{
			name:    "scale-down rate limit",
			target:  func(t *Target) { t.MaxScaleDownUnits = 2 },
			in:      func(in *Input) { in.CurrentUnits = 10; in.Forecast = flat(10, 15, 10) },
			desired: 8, reason: ReasonStabilization, rule: RuleRateLimitDown,
		},
		{
			// 12:00 UTC, 12 h left, 12 spent of 36: (36-12)/(1*12) = 2 units affordable.
			name:   "daily budget caps scale-up, even below the reactive floor",
			target: func(t *Target) { t.CostPerUnitHour, t.DailyBudget = 1, 36 },
			in: func(in *Input) {
				in.Demand, in.CurrentUnits, in.CostToday = 55, 1, 12
				in.Forecast = flat(60, 80, 10)
			},
			desired: 2, reason: ReasonBudget, rule: RuleBudget,
		},
		{
			name: "min clamps",
			in:   func(in *Input) { in.Demand = 0; in.CurrentUnits = 3; in.Forecast = flat(0, 0, 10) }, desired: 1,
			reason: ReasonMin, rule: RuleMin,
		},
		{
			name: "max clamps",
			in:   func(in *Input) { in.Forecast = flat(300, 400, 10) }, desired: 20,
			reason: ReasonMax, rule: RuleMax,
		},
		{
			name:    "storage never shrinks",
			target:  func(t *Target) { t.Kind = KindStorage },
			in:      func(in *Input) { in.CurrentUnits = 10; in.Forecast = flat(20, 25, 10) },
			desired: 10, reason: ReasonStabilization, rule: RuleStorageGrow,
		},
		{
			// 100 GB per unit at 80 %: growth forecast to 410 GB within the lead
			// window needs ceil(410/80) = 6 units before the volume fills.
			name: "storage acts on forecast growth before full",
			target: func(t *Target) {
				t.Kind, t.CapacityPerUnit, t.TargetUtilization = KindStorage, 100, 0.8
			},
			in: func(in *Input) {
				in.Demand, in.CurrentUnits = 350, 5
				in.Forecast = flat(360, 370, 10)
				in.Forecast.Upper[3] = 410
			}, desired: 6, reason: ReasonForecast, rule: RuleForecast,
		},
		{
			// Exceedance 1-P at 10/20/30/40 demand (1 unit = 10): 0.5, 0.1,
			// 0.02, 0.001. Units 2 -> 3 remove 0.08 (> 0.05), 3 -> 4 only
			// 0.019: 3 units.
			name:   "risk per unit sizes by expected cost",
			target: func(t *Target) { t.RiskPerUnit = 0.05 },
			in: func(in *Input) {
				in.Demand = 5
				in.Forecast = flat(10, 30, 10)
				in.PeakQuantiles = []Quantile{{0.5, 10}, {0.9, 20}, {0.98, 30}, {0.999, 40}}
			}, desired: 3, reason: ReasonForecast, rule: RuleForecast,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := c.run(t, baseTarget(), input(25, 4, flat(20, 25, 10)))
			_, err := json.Marshal(d)
			require.NoError(t, err)
		})
	}
}

func TestEveryReasonIsReachable(t *testing.T) {
	// TestDecideRules covers each reason; this guards the list itself.
	require.Len(t, Reasons(), 13)
	seen := map[Reason]bool{}
	for _, r := range Reasons() {
		require.False(t, seen[r], "duplicate %s", r)
		seen[r] = true
	}
	for _, want := range strings.Fields("forecast reactive cooldown stabilization budget min max low_confidence anomaly manual no_data bad_query partial_data") {
		require.True(t, seen[Reason(want)], want)
	}
}

func TestRecordKeepsTheWindowAndTimes(t *testing.T) {
	tg := baseTarget()
	tg.StabilizationWindow = 3 * time.Minute
	var st State
	for k, units := range []int{5, 9, 4, 3, 2} {
		in := input(10, st.LastDesired, flat(float64(units)*10, float64(units)*10, 10))
		in.Now = t0.Add(time.Duration(k) * time.Minute)
		if k == 0 {
			in.CurrentUnits = 1
		}
		d := Decide(in, tg, st)
		st = st.Record(tg, d)
	}
	// Raw recommendations at 0..4 min were 5, 9, 4, 3, 2; at 4 min the
	// window [1 min, 4 min] holds 9, so the units stayed at 9.
	require.Equal(t, 9, st.LastDesired)
	require.Len(t, st.Recent, 4)
	require.Equal(t, t0.Add(time.Minute), st.LastScaleUp)
	require.True(t, st.LastScaleDown.IsZero())
}

func TestRecordKeepsTheUsageWindow(t *testing.T) {
	tg := baseTarget()
	tg.FloorMode, tg.UsageWindow = FloorHold, 2*time.Minute
	var st State
	for k, demand := range []float64{50, 90, math.NaN(), 30, 20} {
		in := input(demand, 9, flat(20, 20, 10))
		in.Now = t0.Add(time.Duration(k) * time.Minute)
		in.DataPresent = !math.IsNaN(demand)
		d := Decide(in, tg, st)
		if k == 3 {
			// 90 at 1 min is inside [1 min, 3 min]: 9 units are kept.
			require.Equal(t, 9, d.Explanation.ReactiveFloor)
		}
		st = st.Record(tg, d)
	}
	// At 4 min the window [2 min, 4 min] holds 30 (3 units) and 20 (2);
	// the missing sample at 2 min adds nothing.
	require.Equal(t, []Recommendation{{At: t0.Add(3 * time.Minute), Units: 3}, {At: t0.Add(4 * time.Minute), Units: 2}}, st.Used)
}

func TestDecisionJSON(t *testing.T) {
	in := input(math.NaN(), 3, flat(20, 25, 10))
	d := Decide(in, baseTarget(), State{})
	b, err := json.Marshal(d)
	require.NoError(t, err)
	require.Contains(t, string(b), `"reason":"no_data"`)
	require.Contains(t, string(b), `"rule":"no_data"`)
	require.Equal(t, "none", d.Direction())
}

// TestDecideProperties checks, on seeded random inputs and targets, that
// the decision is always within [min, max] and never below the reactive
// floor (capped by max) unless the budget binds, and then says so.
func TestDecideProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 20000 {
		tg := baseTarget()
		tg.MinUnits = rng.IntN(4)
		tg.MaxUnits = tg.MinUnits + 1 + rng.IntN(30)
		tg.TargetUtilization = 0.3 + 0.7*rng.Float64()
		tg.Tolerance = 0.2 * rng.Float64()
		tg.StabilizationWindow = time.Duration(rng.IntN(10)) * time.Minute
		tg.ScaleUpCooldown = time.Duration(rng.IntN(5)) * time.Minute
		tg.ScaleDownCooldown = time.Duration(rng.IntN(5)) * time.Minute
		tg.MaxScaleUpUnits = rng.IntN(4)
		tg.MaxScaleDownUnits = rng.IntN(4)
		if rng.IntN(2) == 0 {
			tg.FloorMode = FloorHold
		}
		if rng.IntN(3) == 0 {
			tg.CostPerUnitHour, tg.DailyBudget = 1, 100*rng.Float64()
		}
		if rng.IntN(2) == 0 {
			tg.RiskPerUnit = 0.1 * rng.Float64()
			if rng.IntN(2) == 0 {
				tg.ChangeCost = 0.2 * rng.Float64()
			}
		}
		if rng.IntN(5) == 0 {
			tg.Kind = KindStorage
		}
		require.NoError(t, tg.Validate())
		demand := 300 * rng.Float64()
		f := flat(300*rng.Float64(), 0, 1+rng.IntN(10))
		for k := range f.Upper {
			f.Upper[k] = f.Mean[k] * (1 + rng.Float64())
		}
		f.Confidence = rng.Float64()
		in := input(demand, rng.IntN(40), f)
		in.Now = t0.Add(time.Duration(rng.IntN(86400)) * time.Second)
		in.Anomaly = rng.IntN(10) == 0
		in.CostToday = 50 * rng.Float64()
		if tg.RiskPerUnit > 0 {
			in.PeakQuantiles = []Quantile{{0.5, f.Mean[0]}, {0.9, f.Mean[0] * 1.5}, {0.99, f.Mean[0]*2 + 1}}
		}
		st := State{
			Recent:      []Recommendation{{At: in.Now.Add(-time.Minute), Units: rng.IntN(40)}},
			LastScaleUp: in.Now.Add(-time.Duration(rng.IntN(600)) * time.Second),
		}
		d := Decide(in, tg, st)
		require.GreaterOrEqual(t, d.Desired, tg.MinUnits, "case %d", i)
		require.LessOrEqual(t, d.Desired, tg.MaxUnits, "case %d", i)
		if d.Reason == ReasonBudget {
			// The budget is named only when it binds below max_units.
			require.Less(t, d.Explanation.AffordableUnits, tg.MaxUnits, "case %d: %+v", i, d.Explanation)
		}
		floor := min(d.Explanation.ReactiveFloor, tg.MaxUnits)
		if d.Desired < floor {
			require.Equal(t, ReasonBudget, d.Reason, "case %d: %+v", i, d.Explanation)
		}
		// Overload is answered: computed here, not read off the explanation.
		if need := tg.UnitsFor(demand); need > in.CurrentUnits && d.Desired < min(need, tg.MaxUnits) {
			require.Equal(t, ReasonBudget, d.Reason, "case %d: need %d, current %d: %+v", i, need, in.CurrentUnits, d.Explanation)
		}
	}
}

func TestValidate(t *testing.T) {
	cases := []struct {
		name   string
		modify func(*Target)
		want   string
	}{
		{"name", func(t *Target) { t.Name = "" }, `target "": name must not be empty`},
		// Accepted: a second target beside "web" no one could tell apart.
		{"name padded", func(t *Target) { t.Name = " web " }, `target " web ": name must not start or end with white space nor hold control characters, got " web "`},
		{"name control", func(t *Target) { t.Name = "web\nprod" }, `name must not start or end with white space nor hold control characters, got "web\nprod"`},
		{"kind", func(t *Target) { t.Kind = "disk" }, `kind must be one of instances, cpu, memory, storage; got "disk"`},
		{"floor mode", func(t *Target) { t.FloorMode = "soft" }, `floor_mode must be scale_up or hold; got "soft"`},
		{"capacity", func(t *Target) { t.CapacityPerUnit = 0 }, `capacity_per_unit must be a finite number > 0, got 0`},
		{"capacity inf", func(t *Target) { t.CapacityPerUnit = math.Inf(1) }, `capacity_per_unit must be a finite number > 0`},
		// Each was accepted: demand / capacity overflowed to a pool of 2^31
		// units, or a price times units and hours to +Inf, which the API and
		// the state file could not encode (500, state file not saved).
		{"capacity tiny", func(t *Target) { t.CapacityPerUnit = 1e-300 }, `capacity_per_unit must be in [1e-09, 1e+15] (the demand one unit serves, in the query's unit: outside is a unit mix-up), got 1e-300`},
		{"capacity subnormal", func(t *Target) { t.CapacityPerUnit = 5e-324 }, `capacity_per_unit must be in [1e-09, 1e+15]`},
		{"capacity huge", func(t *Target) { t.CapacityPerUnit = 1e300 }, `capacity_per_unit must be in [1e-09, 1e+15] (the demand one unit serves, in the query's unit: outside is a unit mix-up), got 1e+300`},
		{"capacity just above", func(t *Target) { t.CapacityPerUnit = 1.01e15 }, `capacity_per_unit must be in [1e-09, 1e+15]`},
		{"capacity times utilisation", func(t *Target) { t.CapacityPerUnit, t.TargetUtilization = 1e-6, 1e-4 },
			`target_utilization times capacity_per_unit (0.0001 × 1e-06 = 1e-10) must be at least 1e-09: the demand one unit is sized for, in the query's unit`},
		{"cost huge", func(t *Target) { t.CostPerUnitHour = 1.7e308 }, `cost_per_unit_hour must be at most 1e+09 (the price of one unit for one hour), got 1.7e+308`},
		{"cost just above", func(t *Target) { t.CostPerUnitHour = 1.01e9 }, `cost_per_unit_hour must be at most 1e+09 (the price of one unit for one hour), got 1.01e+09`},
		{"utilisation", func(t *Target) { t.TargetUtilization = 1.5 }, `target_utilization must be in (0, 1], got 1.5`},
		{"min", func(t *Target) { t.MinUnits = -1 }, `min_units must be >= 0, got -1`},
		{"max", func(t *Target) { t.MaxUnits = 0 }, `max_units must be in [1, 1000000], got 0`},
		{"max huge", func(t *Target) { t.MaxUnits = MaxUnitsLimit + 1 }, `max_units must be in [1, 1000000], got 1000001`},
		{"min above max", func(t *Target) { t.MinUnits = 30 }, `min_units must not exceed max_units (20), got 30`},
		{"cost", func(t *Target) { t.CostPerUnitHour = -1 }, `cost_per_unit_hour must be a finite number >= 0, got -1`},
		{"lag", func(t *Target) { t.Lag = -time.Second }, `lag must be >= 0, got -1s`},
		{"up cooldown", func(t *Target) { t.ScaleUpCooldown = -time.Second }, `scale_up_cooldown must be >= 0`},
		{"down cooldown", func(t *Target) { t.ScaleDownCooldown = -time.Second }, `scale_down_cooldown must be >= 0`},
		{"window", func(t *Target) { t.StabilizationWindow = -time.Second }, `stabilization_window must be >= 0`},
		{"usage window", func(t *Target) { t.UsageWindow = -time.Second }, `usage_window must be >= 0, got -1s`},
		{"up rate", func(t *Target) { t.MaxScaleUpUnits = -1 }, `max_scale_up_units must be >= 0 (0: unlimited), got -1`},
		{"down rate", func(t *Target) { t.MaxScaleDownUnits = -1 }, `max_scale_down_units must be >= 0 (0: unlimited), got -1`},
		{"tolerance", func(t *Target) { t.Tolerance = 1 }, `tolerance must be in [0, 1), got 1`},
		{"confidence", func(t *Target) { t.ConfidenceThreshold = 2 }, `confidence_threshold must be in [0, 1], got 2`},
		{"risk", func(t *Target) { t.RiskPerUnit = 1 }, `risk_per_unit must be in [0, 1), got 1`},
		{"budget", func(t *Target) { t.DailyBudget = -1 }, `daily_budget must be a finite number >= 0 (0: none), got -1`},
		{"budget without cost", func(t *Target) { t.DailyBudget = 10 }, `daily_budget needs cost_per_unit_hour > 0`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tg := baseTarget()
			c.modify(&tg)
			err := tg.Validate()
			require.Error(t, err)
			require.Contains(t, err.Error(), c.want)
			var fe *FieldError
			require.ErrorAs(t, err, &fe)
		})
	}
	require.NoError(t, baseTarget().Validate())
	// The bounds themselves, and the tuning set's capacities (0.0068 to
	// 2.6e7, scripts/accuracy-tuneset.sh) at any utilisation down to 0.01,
	// are accepted.
	for _, c := range []struct{ capacity, util, cost float64 }{
		{MinCapacityPerUnit, 1, 0}, {MaxCapacityPerUnit, 1, MaxCostPerUnitHour}, {0.0068, 0.01, 0.05}, {2.6e7, 0.7, 3.2},
	} {
		tg := baseTarget()
		tg.CapacityPerUnit, tg.TargetUtilization, tg.CostPerUnitHour = c.capacity, c.util, c.cost
		require.NoError(t, tg.Validate(), "%+v", c)
	}
}

func TestUnitsFor(t *testing.T) {
	tg := baseTarget()
	for _, c := range []struct {
		demand float64
		want   int
	}{
		{0, 0}, {-3, 0}, {math.NaN(), 0}, {10, 1}, {10.000001, 2}, {20, 2},
		{0.1 + 0.2, 1}, // float noise stays 1 unit
	} {
		require.Equal(t, c.want, tg.UnitsFor(c.demand), "demand %v", c.demand)
	}
	// 0.7 * 10 = 7.000000000000001 in floating point; a demand of 7 then
	// needs exactly one unit at utilisation 0.7.
	tg.TargetUtilization = 0.7
	require.Equal(t, 1, tg.UnitsFor(7))
}

func TestRiskUnits(t *testing.T) {
	tg := baseTarget()
	q := []Quantile{{0.5, 10}, {0.9, 20}, {0.98, 30}, {0.999, 40}}
	for _, c := range []struct {
		risk     float64
		floor    int
		want     int
		exceeded float64
	}{
		{0.05, 0, 3, 0.02},   // 2->3 removes 0.08, 3->4 0.019
		{0.01, 0, 4, 0.001},  // 3->4 removes 0.019 > 0.01
		{0.2, 0, 2, 0.1},     // 1->2 removes 0.4, 2->3 0.08 < 0.2
		{0.05, 6, 6, 0.001},  // never below the floor
		{0.001, 0, 4, 0.001}, // beyond the last quantile nothing is gained
	} {
		tg.RiskPerUnit = c.risk
		k, p := RiskUnits(q, tg, c.floor)
		require.Equal(t, c.want, k, "risk %v", c.risk)
		require.InDelta(t, c.exceeded, p, 1e-12)
	}
}

func TestAffordableUnits(t *testing.T) {
	tg := baseTarget()
	tg.CostPerUnitHour, tg.DailyBudget = 2, 48
	// 18:00 UTC: 6 h left, 24 spent: 24 / (2*6) = 2 units.
	require.Equal(t, 2, affordableUnits(time.Date(2026, 1, 1, 18, 0, 0, 0, time.UTC), 24, tg))
	require.Equal(t, 0, affordableUnits(time.Date(2026, 1, 1, 18, 0, 0, 0, time.UTC), 60, tg))
	require.Equal(t, 20, affordableUnits(time.Date(2026, 1, 1, 23, 59, 59, 0, time.UTC), 0, tg))
}
