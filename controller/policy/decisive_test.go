package policy

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestExceedProbability(t *testing.T) {
	q := []Quantile{{0.5, 10}, {0.9, 20}, {0.98, 30}, {0.999, 40}}
	for _, c := range []struct{ x, want float64 }{
		{0, 1}, {5, 0.75}, {10, 0.5}, {25, 0.06}, {40, 0.001}, {50, 0.001},
	} {
		require.InDelta(t, c.want, ExceedProbability(q, c.x), 1e-12, "x %v", c.x)
	}
	require.InDelta(t, 1.0, ExceedProbability(nil, 3), 0, "no quantiles: no knowledge")
}

func TestChangeCost(t *testing.T) {
	// Capacity 10 per unit, risk 0.05 per unit: RiskUnits picks 3 units,
	// ExpectedLoss(2) = 0.2, (3) = 0.17, (4) = 0.201, (8) = 0.401.
	q := []Quantile{{0.5, 10}, {0.9, 20}, {0.98, 30}, {0.999, 40}}
	for _, c := range []struct {
		name       string
		changeCost float64
		demand     float64
		current    int
		want       int
		rule       Rule
	}{
		{"off: every change is made", 0, 5, 4, 3, RuleForecast},
		{"a scale-down saving 0.031 does not pay 0.05", 0.05, 5, 4, 4, RuleChangeCost},
		{"it pays 0.02", 0.02, 5, 4, 3, RuleForecast},
		{"a scale-up gaining 0.03 does not pay 0.05", 0.05, 5, 2, 2, RuleChangeCost},
		{"a move that pays goes all the way to the best units", 0.05, 5, 8, 3, RuleForecast},
		{"never held below what current demand needs", 0.5, 35, 2, 4, RuleForecast},
	} {
		t.Run(c.name, func(t *testing.T) {
			tg := baseTarget()
			tg.RiskPerUnit, tg.ChangeCost = 0.05, c.changeCost
			in := input(c.demand, c.current, flat(10, 20, 6))
			in.PeakQuantiles = q
			d := Decide(in, tg, State{})
			require.Equal(t, c.want, d.Desired)
			require.Equal(t, c.rule, d.Explanation.Rule)
			if c.rule == RuleChangeCost {
				require.Equal(t, ReasonStabilization, d.Reason)
			}
		})
	}
}

func TestChangeCostNeedsQuantiles(t *testing.T) {
	// Without the peak distribution there is no expected loss to compare:
	// the upper bound decides as before.
	tg := baseTarget()
	tg.RiskPerUnit, tg.ChangeCost = 0.05, 0.5
	d := Decide(input(5, 4, flat(10, 30, 6)), tg, State{})
	require.Equal(t, 3, d.Desired)
}

func TestChangeCostReleasesIdleSurplus(t *testing.T) {
	// The change cost is paid once, a surplus unit every lead window: a
	// scale-down saving 0.031 per 6-minute lead window (lag 5m, interval
	// 1m) is held while the forgone 0.031/6 per decision adds up to at most
	// the round trip's two change costs (0.1), and made at the 20th
	// decision (0.1033).
	q := []Quantile{{0.5, 10}, {0.9, 20}, {0.98, 30}, {0.999, 40}}
	tg := baseTarget()
	tg.RiskPerUnit, tg.ChangeCost = 0.05, 0.05
	st := State{}
	for i := range 20 {
		in := input(5, 4, flat(10, 20, 6))
		in.Now = t0.Add(time.Duration(i) * time.Minute)
		in.PeakQuantiles = q
		d := Decide(in, tg, st)
		if i < 19 {
			require.Equal(t, 4, d.Desired, "decision %d", i)
			require.Equal(t, RuleChangeCost, d.Explanation.Rule, "decision %d", i)
			require.InDelta(t, 0.031/6*float64(i+1), d.Explanation.Forgone, 1e-9)
		} else {
			require.Equal(t, 3, d.Desired, "decision %d: the surplus has cost more than the event", i)
			require.Equal(t, RuleForecast, d.Explanation.Rule)
		}
		st = st.Record(tg, d)
	}
	require.Zero(t, st.Forgone, "a move starts a new account")

	// A scale-up held by the change cost accrues nothing: its cost is a
	// probability of violation, which the expected-loss comparison already
	// weighs at every decision.
	in := input(5, 2, flat(10, 20, 6))
	in.PeakQuantiles = q
	d := Decide(in, tg, State{Forgone: 0.049})
	require.Equal(t, RuleChangeCost, d.Explanation.Rule)
	require.Zero(t, d.Explanation.Forgone)
}

func TestRoundTripsRaiseScaleDownCost(t *testing.T) {
	// As in TestChangeCost: from 4 units to 3 gains 0.031, from 2 to 3
	// 0.03, from 1 to 3 0.38. With a change cost of 0.02 the first two
	// moves pay; after two round trips a scale-down costs 0.02·(1+1) = 0.04
	// and is held. The first round trip is free (the release threshold of
	// twice the change cost prices it). A one-unit scale-up pays the same
	// raised cost, at most twice the change cost (the round trip it would
	// complete): 0.04 after five round trips, not 0.1; a larger one pays
	// the change cost, and an overload is never held.
	q := []Quantile{{0.5, 10}, {0.9, 20}, {0.98, 30}, {0.999, 40}}
	for _, c := range []struct {
		name       string
		roundTrips float64
		changeCost float64
		demand     float64
		current    int
		want       int
		rule       Rule
	}{
		{"no round trip: the scale-down pays", 0, 0.02, 5, 4, 3, RuleForecast},
		{"one round trip: still pays", 1, 0.02, 5, 4, 3, RuleForecast},
		{"two: the scale-down costs twice as much", 2, 0.02, 5, 4, 4, RuleChangeCost},
		{"one round trip: a one-unit scale-up pays", 1, 0.02, 5, 2, 3, RuleForecast},
		{"five: a one-unit scale-up costs twice as much", 5, 0.02, 5, 2, 2, RuleChangeCost},
		{"capped at twice: 0.03 pays 2·0.014", 5, 0.014, 5, 2, 3, RuleForecast},
		{"a two-unit scale-up pays the plain change cost", 5, 0.2, 5, 1, 3, RuleForecast},
		{"an overload is answered at once", 5, 0.02, 25, 2, 3, RuleForecast},
	} {
		t.Run(c.name, func(t *testing.T) {
			tg := baseTarget()
			tg.RiskPerUnit, tg.ChangeCost = 0.05, c.changeCost
			in := input(c.demand, c.current, flat(10, 20, 6))
			in.PeakQuantiles = q
			d := Decide(in, tg, State{RoundTrips: c.roundTrips})
			require.Equal(t, c.want, d.Desired)
			require.Equal(t, c.rule, d.Explanation.Rule)
		})
	}
}

func TestRoundTripsCount(t *testing.T) {
	// Risk 0.03 and change cost 0.04 per unit, lag 5 min and 5-minute
	// decisions: a lead window of 10 min and a round-trip window of
	// 2·0.04/0.03 of it, 26m40s.
	tg := baseTarget()
	tg.RiskPerUnit, tg.ChangeCost = 0.03, 0.04
	require.Equal(t, 26*time.Minute+40*time.Second, RoundTripWindow(tg, 10*time.Minute))
	st := State{}
	step := func(minute, from, to int, demand float64) {
		now := t0.Add(time.Duration(minute) * time.Minute)
		st = st.Record(tg, Decision{Desired: to, Reason: ReasonForecast, Explanation: Explanation{
			Now: now, WindowEnd: now.Add(10 * time.Minute), CurrentUnits: from, Demand: demand, DataPresent: true,
		}})
	}
	step(0, 10, 8, 50)
	step(5, 8, 7, 50) // a staircase: released from 10
	require.Equal(t, 10, st.ReleasedFrom)
	step(15, 7, 10, 95) // needs 10: the release is undone
	require.InDelta(t, 1, st.RoundTrips, 0)
	step(20, 10, 10, 60) // no event: nothing judged
	step(25, 10, 8, 60)
	step(30, 8, 12, 115) // needs 12: a burst beyond the 10 released from
	require.InDelta(t, 1, st.RoundTrips, 0, "holding 10 would not have served it")
	step(35, 12, 9, 60) // judged by the scale-up above: a new release, from 12
	require.Equal(t, 12, st.ReleasedFrom)
	step(40, 9, 12, 110)
	require.InDelta(t, 2, st.RoundTrips, 0)
	step(45, 12, 9, 60)
	step(90, 9, 11, 100) // after the window: the release held
	require.InDelta(t, 1, st.RoundTrips, 0)

	// Without a change cost nothing is counted.
	tg.ChangeCost = 0
	step(95, 11, 9, 60)
	require.Zero(t, st.RoundTrips)
}

// A round-trip window beyond time.Duration's range (a risk per unit near
// zero against a change cost) is the longest duration, not the result of
// an out-of-range conversion (on amd64 a negative duration, which turned
// the round-trip memory off; elsewhere it saturates).
func TestRoundTripWindowSaturates(t *testing.T) {
	tg := baseTarget()
	tg.RiskPerUnit, tg.ChangeCost = 1e-9, 0.5
	require.Equal(t, time.Duration(math.MaxInt64), RoundTripWindow(tg, 10*time.Minute))
}

func TestRoundTripsBounded(t *testing.T) {
	// A target that goes down and straight back up again and again counts
	// at most MaxRoundTrips: a release is delayed, never stopped for good.
	tg := baseTarget()
	tg.RiskPerUnit, tg.ChangeCost = 0.03, 0.04
	st := State{RoundTrips: MaxRoundTrips}
	for i := range 4 {
		for _, to := range []int{8, 10} {
			now := t0.Add(time.Duration(2*i+(to-8)/2) * 5 * time.Minute)
			from := 18 - to
			st = st.Record(tg, Decision{Desired: to, Reason: ReasonForecast, Explanation: Explanation{
				Now: now, WindowEnd: now.Add(10 * time.Minute), CurrentUnits: from, Demand: 95, DataPresent: true,
			}})
		}
	}
	require.InDelta(t, MaxRoundTrips, st.RoundTrips, 0)
}

// Event pacing (Input.EventPrice) multiplies a scale-down's change cost:
// a scale-down saving 0.031 pays a change cost of 0.02, not 0.02 × 2; a
// scale-up gaining 0.03 pays 0.02 whatever the price (not paced: held, it
// would be a violation on a rising load); the multiplier is in the
// explanation. A price of 1 or less, NaN or ±Inf is none, and no price
// holds below what current demand needs.
func TestEventPriceRaisesChangeCost(t *testing.T) {
	q := []Quantile{{0.5, 10}, {0.9, 20}, {0.98, 30}, {0.999, 40}}
	for _, c := range []struct {
		name           string
		price          float64
		demand         float64
		current, want  int
		rule           Rule
		explainedPrice float64
	}{
		{"scale-down without a price", 0, 5, 4, 3, RuleForecast, 0},
		{"scale-down held at price 2", 2, 5, 4, 4, RuleChangeCost, 2},
		{"scale-up without a price", 1, 5, 2, 3, RuleForecast, 0},
		{"a scale-up is not paced", 8, 5, 2, 3, RuleForecast, 8},
		{"a price below 1 is none", 0.5, 5, 4, 3, RuleForecast, 0},
		{"NaN is none", math.NaN(), 5, 4, 3, RuleForecast, 0},
		{"+Inf is none", math.Inf(1), 5, 4, 3, RuleForecast, 0},
		{"never held below what current demand needs", 8, 35, 2, 4, RuleForecast, 8},
	} {
		t.Run(c.name, func(t *testing.T) {
			tg := baseTarget()
			tg.RiskPerUnit, tg.ChangeCost = 0.05, 0.02
			in := input(c.demand, c.current, flat(10, 20, 6))
			in.PeakQuantiles, in.EventPrice = q, c.price
			d := Decide(in, tg, State{})
			require.Equal(t, c.want, d.Desired)
			require.Equal(t, c.rule, d.Explanation.Rule)
			require.InDelta(t, c.explainedPrice, d.Explanation.EventPrice, 0)
		})
	}
}

// Event pacing's release band: a scale-down goes to the wanted units plus
// the band and is held when that is not below the current units; a
// scale-up, and a decision without a band, are unchanged.
func TestReleaseBand(t *testing.T) {
	// Capacity 10 per unit, risk 0.05 per unit: RiskUnits picks 3 units.
	q := []Quantile{{0.5, 10}, {0.9, 20}, {0.98, 30}, {0.999, 40}}
	for _, c := range []struct {
		name          string
		band, current int
		want          int
		rule          Rule
	}{
		{"no band: all the way down", 0, 8, 3, RuleForecast},
		{"a release keeps the band", 2, 8, 5, RuleForecast},
		{"held when the band reaches the current units", 2, 5, 5, RuleChangeCost},
		{"held within it", 2, 4, 4, RuleChangeCost},
		{"a scale-up is unchanged", 2, 1, 3, RuleForecast},
	} {
		t.Run(c.name, func(t *testing.T) {
			tg := baseTarget()
			tg.RiskPerUnit = 0.05
			in := input(5, c.current, flat(10, 20, 6))
			in.PeakQuantiles, in.ReleaseBand = q, c.band
			d := Decide(in, tg, State{})
			require.Equal(t, c.want, d.Desired)
			require.Equal(t, c.rule, d.Explanation.Rule)
			require.Equal(t, c.band, d.Explanation.ReleaseBand)
			if c.rule == RuleChangeCost {
				require.Equal(t, ReasonStabilization, d.Reason)
			}
		})
	}
}

// Event pacing's climb ahead: a scale-up that is made goes the climb's
// units beyond those it wants, within MaxUnits; a scale-down, a hold and
// a decision without a climb are unchanged.
func TestClimbAhead(t *testing.T) {
	// Capacity 10 per unit, risk 0.05 per unit: RiskUnits picks 3 units.
	q := []Quantile{{0.5, 10}, {0.9, 20}, {0.98, 30}, {0.999, 40}}
	for _, c := range []struct {
		name           string
		climb, current int
		max, want      int
	}{
		{"no climb: the units wanted", 0, 1, 10, 3},
		{"a scale-up takes the climb", 2, 1, 10, 5},
		{"within MaxUnits", 2, 1, 4, 4},
		{"a scale-down is unchanged", 2, 8, 10, 3},
		{"a hold is unchanged", 2, 3, 10, 3},
	} {
		t.Run(c.name, func(t *testing.T) {
			tg := baseTarget()
			tg.RiskPerUnit, tg.MaxUnits = 0.05, c.max
			in := input(5, c.current, flat(10, 20, 6))
			in.PeakQuantiles, in.ClimbUnits = q, c.climb
			d := Decide(in, tg, State{})
			require.Equal(t, c.want, d.Desired)
			require.Equal(t, c.climb, d.Explanation.ClimbUnits, "the explanation names the climb ahead in force")
		})
	}
}

// Event pacing's wide band: in place of the release band, a scale-down is
// held until the wanted units are more than twice the band below the
// current units and then goes to them; a scale-up goes at least the band
// beyond the units it wants (a larger climb ahead wins), within MaxUnits.
func TestWideBand(t *testing.T) {
	// Capacity 10 per unit, risk 0.05 per unit: RiskUnits picks 3 units.
	q := []Quantile{{0.5, 10}, {0.9, 20}, {0.98, 30}, {0.999, 40}}
	for _, c := range []struct {
		name                       string
		wide, band, climb, current int
		max, want                  int
		rule                       Rule
	}{
		{"held while within twice the band", 2, 1, 0, 7, 10, 7, RuleChangeCost},
		{"then all the way down, not to the release band", 2, 1, 0, 8, 10, 3, RuleForecast},
		{"a scale-up goes the band beyond", 2, 1, 0, 1, 10, 5, RuleForecast},
		{"a larger climb ahead wins", 2, 1, 3, 1, 10, 6, RuleForecast},
		{"within MaxUnits", 2, 1, 0, 1, 4, 4, RuleForecast},
		{"a hold is unchanged", 2, 1, 0, 3, 10, 3, RuleForecast},
	} {
		t.Run(c.name, func(t *testing.T) {
			tg := baseTarget()
			tg.RiskPerUnit, tg.MaxUnits = 0.05, c.max
			in := input(5, c.current, flat(10, 20, 6))
			in.PeakQuantiles, in.WideBand, in.ReleaseBand, in.ClimbUnits = q, c.wide, c.band, c.climb
			d := Decide(in, tg, State{})
			require.Equal(t, c.want, d.Desired)
			require.Equal(t, c.rule, d.Explanation.Rule)
			require.Equal(t, c.wide, d.Explanation.WideBand, "the explanation names the wide band in force")
		})
	}
}

// The calm hold: in place of the change cost and event pacing's bands, a
// decision goes to the median wanted units (Input.CalmUnits) only when
// they are more than CalmBand units from the current units, and holds
// otherwise; an overload and the shadow HPA floor are answered as always.
func TestCalmHold(t *testing.T) {
	// Capacity 10 per unit, risk 0.05 per unit: RiskUnits picks 3 units.
	q := []Quantile{{0.5, 10}, {0.9, 20}, {0.98, 30}, {0.999, 40}}
	for _, c := range []struct {
		name                  string
		demand                float64
		calm, shadow, current int
		want                  int
		rule                  Rule
	}{
		{"no calm: the units wanted", 5, 0, 0, 8, 3, RuleForecast},
		{"held within the band above", 5, 5, 0, 6, 6, RuleChangeCost},
		{"held within the band below, though the forecast wants fewer", 5, 5, 0, 4, 4, RuleChangeCost},
		{"down to the median beyond the band", 5, 5, 0, 8, 5, RuleForecast},
		{"up to the median beyond the band", 5, 5, 0, 2, 5, RuleForecast},
		{"an overload is answered as always", 55, 4, 0, 4, 6, RuleForecast},
		{"so is a shadow HPA floor", 5, 4, 6, 5, 6, RuleShadowHPA},
		{"the median never below the shadow HPA floor", 5, 2, 5, 7, 5, RuleShadowHPA},
	} {
		t.Run(c.name, func(t *testing.T) {
			tg := baseTarget()
			tg.RiskPerUnit = 0.05
			in := input(c.demand, c.current, flat(10, 20, 6))
			in.PeakQuantiles, in.CalmUnits, in.ShadowUnits = q, c.calm, c.shadow
			d := Decide(in, tg, State{})
			require.Equal(t, c.want, d.Desired)
			require.Equal(t, c.rule, d.Explanation.Rule)
			calm := c.calm
			if c.rule == RuleShadowHPA && c.current < c.shadow || c.demand > 50 {
				calm = 0 // not applied: below the shadow HPA or reactive floor
			}
			require.Equal(t, calm, d.Explanation.CalmUnits, "the explanation names the calm hold where it decided")
		})
	}
}

// Storage never shrinks, calm or not: the calm hold's median below the
// current units does not take a volume down (step 5 holds it first).
func TestCalmHoldNeverShrinksStorage(t *testing.T) {
	q := []Quantile{{0.5, 10}, {0.9, 20}, {0.98, 30}, {0.999, 40}}
	tg := baseTarget()
	tg.Kind, tg.RiskPerUnit = KindStorage, 0.05
	in := input(5, 8, flat(10, 20, 6))
	in.PeakQuantiles, in.CalmUnits = q, 5
	d := Decide(in, tg, State{})
	require.Equal(t, 8, d.Desired)
	require.Equal(t, RuleStorageGrow, d.Explanation.Rule)

	in.CurrentUnits = 2 // the median beyond the band above: grown to it
	d = Decide(in, tg, State{})
	require.Equal(t, 5, d.Desired)

	// Grown to the median while the forecast wants fewer than the
	// current units: the move is the forecast's (the calm hold's), not a
	// stabilisation (storage_grow holds, it never grows).
	in.CurrentUnits, in.CalmUnits = 4, 7
	d = Decide(in, tg, State{})
	require.Equal(t, 7, d.Desired)
	require.Equal(t, ReasonForecast, d.Reason)
	require.Equal(t, RuleForecast, d.Explanation.Rule)
}

// The calm hold's exits TestCalmHold does not reach: it never goes below
// the reactive floor, it is not applied on the low-confidence path nor
// below a crowd trend floor, and its median is raised to that floor.
func TestCalmHoldLeavesTheFloorsAlone(t *testing.T) {
	q := []Quantile{{0.5, 10}, {0.9, 20}, {0.98, 30}, {0.999, 40}}
	for _, c := range []struct {
		name                 string
		demand               float64
		calm, trend, current int
		lowConfidence        bool
		want                 int
		rule                 Rule
	}{
		{"the median below the reactive floor: the floor", 45, 2, 0, 8, false, 5, RuleForecast},
		{"on the low-confidence path the HPA formula", 45, 9, 0, 6, true, 5, RuleLowConfidence},
		{"below a crowd trend floor the floor", 5, 5, 6, 5, false, 6, RuleCrowdTrend},
		{"the median never below the crowd trend floor", 5, 3, 6, 8, false, 6, RuleCrowdTrend},
	} {
		t.Run(c.name, func(t *testing.T) {
			tg := baseTarget()
			tg.RiskPerUnit = 0.05
			in := input(c.demand, c.current, flat(10, 20, 6))
			if c.lowConfidence {
				in.Forecast.Confidence = 0.1
			}
			in.PeakQuantiles, in.CalmUnits, in.TrendUnits = q, c.calm, c.trend
			d := Decide(in, tg, State{})
			require.Equal(t, c.want, d.Desired)
			require.Equal(t, c.rule, d.Explanation.Rule)
			calm := c.calm
			if c.lowConfidence || c.current < c.trend {
				calm = 0 // not applied: the explanation does not name it
			}
			require.Equal(t, calm, d.Explanation.CalmUnits)
		})
	}
}

// TestChangeCostHoldsOnlyAChange: with the change cost on (risk 0.05,
// ExpectedLoss(2) = 0.2, (3) = 0.17, (4) = 0.201, (6) = 0.301):
// a decision that wants the current units keeps its own rule; a one-unit
// move up to a shadow HPA's floor is made although it gains less than
// the cost; units above a lowered max_units are released; a scale-down
// that gains nothing is held with nothing forgone.
func TestChangeCostHoldsOnlyAChange(t *testing.T) {
	q := []Quantile{{0.5, 10}, {0.9, 20}, {0.98, 30}, {0.999, 40}}
	for _, c := range []struct {
		name    string
		target  func(*Target)
		in      func(*Input)
		current int
		want    int
		rule    Rule
	}{
		{"no change wanted", nil, nil, 3, 3, RuleForecast},
		{"a shadow HPA floor above the current units", nil,
			func(in *Input) { in.ShadowUnits = 3 }, 2, 3, RuleForecast},
		{"current units above a lowered max_units", func(t *Target) { t.MaxUnits = 5; t.ChangeCost = 0.5 },
			nil, 6, 3, RuleForecast},
		{"a low-confidence scale-down that gains nothing", nil,
			func(in *Input) { in.Demand = 15; in.Forecast.Confidence = 0.2 }, 3, 3, RuleChangeCost},
	} {
		t.Run(c.name, func(t *testing.T) {
			tg := baseTarget()
			tg.RiskPerUnit, tg.ChangeCost = 0.05, 0.05
			if c.target != nil {
				c.target(&tg)
			}
			in := input(5, c.current, flat(10, 20, 6))
			in.PeakQuantiles = q
			if c.in != nil {
				c.in(&in)
			}
			d := Decide(in, tg, State{})
			require.Equal(t, c.want, d.Desired, "%+v", d.Explanation)
			require.Equal(t, c.rule, d.Explanation.Rule)
			require.Zero(t, d.Explanation.Forgone)
		})
	}
}

// A scale-up exactly at the end of the round-trip window (26m40s after
// the release, as in TestRoundTripsCount) is still within it.
func TestRoundTripWindowIncludesItsEnd(t *testing.T) {
	tg := baseTarget()
	tg.RiskPerUnit, tg.ChangeCost = 0.03, 0.04
	st := State{}
	for _, s := range []struct {
		at       time.Duration
		from, to int
	}{{0, 10, 8}, {26*time.Minute + 40*time.Second, 8, 10}} {
		now := t0.Add(s.at)
		st = st.Record(tg, Decision{Desired: s.to, Reason: ReasonForecast, Explanation: Explanation{
			Now: now, WindowEnd: now.Add(10 * time.Minute), CurrentUnits: s.from, Demand: 95, DataPresent: true,
		}})
	}
	require.InDelta(t, 1, st.RoundTrips, 0)
}

// The forgone gain is kept only after a decision the change cost held: a
// later step that binds instead (here a partial demand holding the last
// decision) ends the run of holds.
func TestForgoneOnlyAfterAChangeCostHold(t *testing.T) {
	tg := baseTarget()
	tg.RiskPerUnit, tg.ChangeCost = 0.05, 0.05
	in := input(5, 4, flat(10, 20, 6))
	in.PeakQuantiles = []Quantile{{0.5, 10}, {0.9, 20}, {0.98, 30}, {0.999, 40}}
	st := State{LastDesired: 4, HasLast: true}
	d := Decide(in, tg, st)
	require.Equal(t, RuleChangeCost, d.Explanation.Rule)
	require.Positive(t, st.Record(tg, d).Forgone)

	in.Partial, st.LastDesired = true, 5
	d = Decide(in, tg, st)
	require.Equal(t, RulePartialData, d.Explanation.Rule)
	require.Zero(t, st.Record(tg, d).Forgone)
}
