package policy

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestRuleBoundaries: each hold binds up to its bound and no further (the
// tolerance band includes its edge, as the HPA's does; a cooldown has
// passed at its length; a rate limit's own amount is no limit), and a
// proposal a hold would not change keeps its reason.
func TestRuleBoundaries(t *testing.T) {
	cases := []decideCase{
		{
			name:    "tolerance: 5 against 4 is exactly 25 %, held",
			target:  func(t *Target) { t.Tolerance = 0.25 },
			in:      func(in *Input) { in.CurrentUnits = 4; in.Demand = 30; in.Forecast = flat(40, 50, 10) },
			desired: 4, reason: ReasonStabilization, rule: RuleTolerance,
		},
		{
			name:    "tolerance: current units exactly what demand needs are held too",
			target:  func(t *Target) { t.Tolerance = 0.25 },
			in:      func(in *Input) { in.CurrentUnits = 4; in.Demand = 40; in.Forecast = flat(40, 50, 10) },
			desired: 4, reason: ReasonStabilization, rule: RuleTolerance,
		},
		{
			name:    "storage that wants its current units is not a storage hold",
			target:  func(t *Target) { t.Kind = KindStorage },
			in:      func(in *Input) { in.CurrentUnits = 6; in.Demand = 30; in.Forecast = flat(40, 60, 10) },
			desired: 6, reason: ReasonForecast, rule: RuleForecast,
		},
		{
			name:    "scale-down cooldown over at exactly its length",
			target:  func(t *Target) { t.ScaleDownCooldown = 5 * time.Minute },
			in:      func(in *Input) { in.CurrentUnits = 10; in.Demand = 30; in.Forecast = flat(40, 50, 10) },
			state:   State{LastScaleDown: t0.Add(-5 * time.Minute)},
			desired: 5, reason: ReasonForecast, rule: RuleForecast,
		},
		{
			name:    "a scale-down of exactly the rate limit is not limited",
			target:  func(t *Target) { t.MaxScaleDownUnits = 2 },
			in:      func(in *Input) { in.CurrentUnits = 7; in.Demand = 30; in.Forecast = flat(40, 50, 10) },
			desired: 5, reason: ReasonForecast, rule: RuleForecast,
		},
		{
			name: "a step longer than the lead window: the first point still counts",
			in: func(in *Input) {
				in.ForecastStep = 10 * time.Minute // lag 5m + interval 1m < 10m
				in.Forecast = flat(40, 60, 3)
			}, desired: 6, reason: ReasonForecast, rule: RuleForecast,
		},
		{
			name: "a NaN point of the forecast is skipped, not read as the peak",
			in: func(in *Input) {
				in.Forecast = flat(40, 60, 10)
				in.Forecast.Upper[0] = math.NaN()
			}, desired: 6, reason: ReasonForecast, rule: RuleForecast,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { c.run(t, baseTarget(), input(30, 3, flat(40, 60, 10))) })
	}
}

// TestUnitsForExactAndHuge: a demand exactly at the capacity of k units
// needs k even when demand/capacity rounds above k (3 × 0.1 / 0.1 is
// 3.0000000000000004), and a demand beyond int32 units saturates instead
// of overflowing.
func TestUnitsForExactAndHuge(t *testing.T) {
	tg := baseTarget()
	per := 0.1 // a variable: 3*0.1 as a constant is exactly 0.3
	tg.CapacityPerUnit = per
	require.Equal(t, 3, tg.UnitsFor(3*per))
	require.Equal(t, 6, tg.UnitsFor(6*per))
	require.Equal(t, math.MaxInt32, tg.UnitsFor(1e300))
}

// TestRiskUnitsTieTakesFewest: when several unit counts have the same
// expected loss, the fewest is chosen (cheapest; wantedBy relies on it).
func TestRiskUnitsTieTakesFewest(t *testing.T) {
	tg := baseTarget()
	tg.RiskPerUnit = 0.25
	// k=2, 3, 4: 0.5+0.5, 0.75+0.25, 1+0: all 1.
	k, p := RiskUnits([]Quantile{{0.5, 20}, {1, 40}}, tg, 2)
	require.Equal(t, 2, k)
	require.InDelta(t, 0.5, p, 1e-12)
}

// TestQuantileEdges: a plateau (two levels with the same value) reads the
// upper level's probability at its value, and the last level is inside.
func TestQuantileEdges(t *testing.T) {
	q := []Quantile{{0.5, 10}, {0.9, 10}, {0.99, 20}}
	require.InDelta(t, 0.1, ExceedProbability(q, 10), 1e-12)
	require.InDelta(t, 20, PeakAt(q, 0.99), 1e-12)
}

// TestLineNamesThePeak: with risk sizing the log line names the peak
// quantiles that sized the units, not the interval's upper bound.
func TestLineNamesThePeak(t *testing.T) {
	tg := baseTarget()
	tg.RiskPerUnit = 0.05
	in := input(5, 1, flat(10, 300, 10))
	in.PeakQuantiles = []Quantile{{0.5, 10}, {0.9, 20}, {0.98, 30}, {0.999, 40}}
	line := Decide(in, tg, State{}).Line()
	require.Contains(t, line, "forecast peak p50 10 p90 20 p99 ")
	require.Contains(t, line, "needs 3 (exceedance ")
	require.NotContains(t, line, "forecast upper")
}

// TestPartialHoldsTheLastDecision: a partial demand holds the last
// decision (as no_data would), not only the current units, clamped to
// the target's bounds.
func TestPartialHoldsTheLastDecision(t *testing.T) {
	for _, c := range []struct{ last, want int }{{10, 10}, {30, 20}} {
		in, st := partialInput(40, 0.9)
		st.LastDesired = c.last
		d := Decide(in, baseTarget(), st)
		require.Equal(t, c.want, d.Desired, "last %d: %+v", c.last, d.Explanation)
		require.Equal(t, ReasonPartialData, d.Reason)
	}
}

// TestMaxReasonOnlyForTheForecast: a low-confidence decision at max_units
// that the (untrusted) quantiles would have sized higher keeps reason
// low_confidence: reason max there is for a trusted forecast.
func TestMaxReasonOnlyForTheForecast(t *testing.T) {
	tg := baseTarget()
	tg.MaxUnits, tg.RiskPerUnit = 5, 0.01
	in := input(50, 5, flat(100, 200, 10))
	in.Forecast.Confidence = 0.2
	in.PeakQuantiles = []Quantile{{0.5, 100}, {0.99, 200}}
	d := Decide(in, tg, State{})
	require.Equal(t, 5, d.Desired)
	require.Equal(t, ReasonLowConfidence, d.Reason)
}

// TestExplanationWindow: the explanation's window is the lead window
// [now, now+lag+interval] and its mean is the highest in it, as its upper.
func TestExplanationWindow(t *testing.T) {
	f := flat(40, 60, 10)
	f.Mean[2], f.Upper[2] = 55, 70
	d := Decide(input(30, 3, f), baseTarget(), State{})
	require.Equal(t, t0, d.Explanation.WindowStart)
	require.Equal(t, t0.Add(6*time.Minute), d.Explanation.WindowEnd)
	require.InDelta(t, 55, d.Explanation.MeanUsed, 0)
	require.InDelta(t, 70, d.Explanation.UpperUsed, 0)
}

// TestFloorsAtMinUnitsNameThemselves: a floor that raises a proposal
// below min_units to exactly min_units is named itself, not min_units
// (reason stabilization): the rule is the last step that changed the
// units, and min_units then changes nothing. The stabilisation window
// (whose entries are clamped to min_units) and the outage and start-up
// holds, which are such an entry, are named alike; only a proposal still
// below min_units is min_units'. The caps differ: a daily budget that
// affords every unit leaves the cap to max_units (capUnits).
func TestFloorsAtMinUnitsNameThemselves(t *testing.T) {
	resumed := t0.Add(-time.Minute)
	cases := []decideCase{
		{
			name:    "nothing held: min_units",
			desired: 2, reason: ReasonMin, rule: RuleMin,
		},
		{
			name:    "a stabilisation window at min_units",
			state:   State{Recent: []Recommendation{{At: resumed, Units: 2}}},
			desired: 2, reason: ReasonStabilization, rule: RuleStabilization,
		},
		{
			name:    "an outage hold at min_units",
			state:   State{OutageHold: 2, Resumed: resumed},
			desired: 2, reason: ReasonStabilization, rule: RuleOutageHold,
		},
		{
			name:    "a start-up hold at min_units",
			state:   State{OutageHold: 2, Resumed: resumed, Startup: true},
			desired: 2, reason: ReasonStabilization, rule: RuleStartupHold,
		},
	}
	tg := baseTarget()
	tg.MinUnits, tg.StabilizationWindow = 2, 5*time.Minute
	for _, c := range cases {
		c.state.LastDesired, c.state.HasLast = 2, true
		t.Run(c.name, func(t *testing.T) { c.run(t, tg, input(0, 2, flat(0, 0, 10))) })
	}
}
