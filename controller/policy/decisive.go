package policy

import (
	"math"
	"sort"
	"time"
)

// Few, decisive moves (docs/architecture.md, "Decision rules, in order"):
// every scale event is a cost to the operator (pod churn, cold caches), so
// a decision changes the units only when the change matters over the lead
// time.

// RuleChangeCost: the wanted change did not lower the lead window's
// expected loss by more than Target.ChangeCost, so the units were held.
const RuleChangeCost Rule = "change_cost"

// ExceedProbability is P(peak > x) read off increasing quantiles q as
// RiskUnits reads it: linear between them, from P(peak > 0) = 1 to the
// first, and 1-P[last] above the last.
func ExceedProbability(q []Quantile, x float64) float64 {
	if len(q) == 0 {
		return 1
	}
	j := sort.Search(len(q), func(i int) bool { return q[i].Value > x })
	switch {
	case j == 0:
		if x <= 0 || q[0].Value <= 0 {
			return 1
		}
		return 1 - q[0].P*x/q[0].Value
	case j == len(q):
		return 1 - q[len(q)-1].P
	}
	a, b := q[j-1], q[j]
	return 1 - (a.P + (b.P-a.P)*(x-a.Value)/(b.Value-a.Value))
}

// ExpectedLoss is the decision's objective for k units over the lead
// window: k·RiskPerUnit plus the probability that the window's peak demand
// exceeds k units at the target utilisation.
func ExpectedLoss(q []Quantile, t Target, k int) float64 {
	return float64(k)*t.RiskPerUnit + ExceedProbability(q, float64(k)*t.CapacityPerUnit*t.TargetUtilization)
}

// holdSmallChange reports whether moving from cur to desired units is not
// worth a scale event, and the forgone gain to remember if it is held.
// With Target.ChangeCost > 0, risk sizing and peak quantiles, the move
// must lower ExpectedLoss by more than ChangeCost. The change cost is paid
// once, but a held scale-down keeps paying for its surplus units: the gain
// is per lead window, so each held decision adds gain × interval / lead
// window to forgone (the previous holds' sum, State.Forgone), and once the
// sum exceeds twice ChangeCost (the round trip: the release, and the
// scale-up back if the units are wanted again) the surplus has cost more
// than its events would and is released. Both thresholds of a scale-down
// are raised by the round trips beyond the first (State.RoundTrips, see
// downCost), and so is a one-unit scale-up's (oneUpCost); both of a
// scale-down are multiplied by event pacing's price (Input.EventPrice). It never holds
// below floor (the units current demand needs) or below a shadow HPA or
// crowd trend floor, so overload is still answered at once.
func holdSmallChange(in Input, t Target, st State, cur, desired, floor int) (bool, float64) {
	if t.ChangeCost <= 0 || t.RiskPerUnit <= 0 || len(in.PeakQuantiles) == 0 || desired == cur {
		return false, 0
	}
	if cur < floor || cur < in.ShadowUnits || cur < in.TrendUnits || cur < t.MinUnits || cur > t.MaxUnits {
		return false, 0
	}
	gain := ExpectedLoss(in.PeakQuantiles, t, cur) - ExpectedLoss(in.PeakQuantiles, t, desired)
	cost := t.ChangeCost
	switch {
	case desired < cur:
		cost = downCost(t, st) * eventPrice(in)
	case desired == cur+1:
		cost = oneUpCost(t, st)
	}
	if gain > cost {
		return false, 0
	}
	if desired > cur || gain <= 0 {
		return true, 0
	}
	lead := t.Lag + in.Interval
	if lead <= 0 || in.Interval <= 0 {
		return true, 0
	}
	forgone := st.Forgone + gain*float64(in.Interval)/float64(lead)
	if forgone > 2*cost {
		return false, 0
	}
	return true, forgone
}

// eventPrice is the multiplier of a scale-down's change cost event pacing
// asks for (Input.EventPrice, at least 1). A scale-up is not paced: held,
// it is a violation when demand keeps rising (on a slow drift followed one
// unit at a time, machine_temperature_system_failure's in the tuning set,
// pacing scale-ups as well added 10 to 46 % violated samples; holding a
// release costs units only; docs/tuning.md, "Event pacing").
func eventPrice(in Input) float64 {
	if in.EventPrice > 1 && !math.IsInf(in.EventPrice, 0) {
		return in.EventPrice
	}
	return 1
}

// releaseBand is event pacing's one-sided hysteresis (Input.ReleaseBand, b
// units, controller/engine/internal/demand's band.go): a scale-down goes
// to the wanted units plus b, and is not made (rule change_cost) when that
// is not below the current units. A release to the bottom of a wobbling
// level was undone one scale-up at a time as the level came back; with the
// band the pool keeps the wobble's width above what is wanted now
// (docs/tuning.md, "Release band"). With the wide band in force
// (Input.WideBand, w units) a scale-down is made only when the wanted
// units are more than 2w below the current units, and goes to them
// (docs/tuning.md, "Wide band where violations are spare"). It only ever
// keeps units: a scale-up (an overload among them) is unchanged.
func releaseBand(in Input, cur int, p proposal) proposal {
	if p.units >= cur {
		return p
	}
	if w := in.WideBand; w > 0 {
		if p.units+2*w >= cur {
			return proposal{cur, ReasonStabilization, RuleChangeCost}
		}
		return p
	}
	b := in.ReleaseBand
	if b <= 0 {
		return p
	}
	if p.units+b >= cur {
		return proposal{cur, ReasonStabilization, RuleChangeCost}
	}
	p.units += b
	return p
}

// climbAhead is event pacing's climb ahead (Input.ClimbUnits, c units,
// controller/engine/internal/demand's climb.go): a scale-up that is made
// goes c units beyond the units it wants, so a steady climb is served by
// fewer, larger moves (docs/tuning.md, "Climb ahead"); with the wide band
// in force, at least its w units (Input.WideBand). It only ever adds units
// to a scale-up, within MaxUnits; a scale-down or a hold is unchanged.
func climbAhead(in Input, t Target, cur int, p proposal) proposal {
	c := max(in.ClimbUnits, in.WideBand)
	if c <= 0 || p.units <= cur {
		return p
	}
	p.units = max(p.units, min(p.units+c, t.MaxUnits))
	return p
}

// CalmBand is the calm hold's band in units: a calm decision goes to the
// median wanted units only when they are more than this from the current
// units (docs/tuning.md, "Calm hold").
const CalmBand = 1

// calmHold is the calm hold (Input.CalmUnits, m units, controller/engine's
// calm.go): where the shadow HPAs have long been still while prescale kept
// moving, a one- or two-unit move each way that the forecast's sample to
// sample wobble asks for is an event the reactive HPA does not make. So
// the decision goes to m, the median of the units recent decisions
// wanted, when m is more than CalmBand units from the current units, and
// holds otherwise (rule change_cost), in place of the release band, the
// change cost and the climb ahead. It does not apply (false) without m,
// on the low-confidence path, or when the current units are below the
// reactive floor (the units current demand needs) or a shadow HPA or
// crowd trend floor: those are answered as always.
func calmHold(in Input, cur, floor int, p proposal) (proposal, bool) {
	if in.CalmUnits <= 0 || p.reason == ReasonLowConfidence ||
		cur < floor || cur < in.ShadowUnits || cur < in.TrendUnits {
		return p, false
	}
	m := max(in.CalmUnits, floor, in.ShadowUnits, in.TrendUnits)
	if m > cur+CalmBand || m < cur-CalmBand {
		return proposal{m, p.reason, p.rule}, true
	}
	return proposal{cur, ReasonStabilization, RuleChangeCost}, true
}

// Round trips. A scale-down that a scale-up soon undoes costs two events
// and saved little; on noisy or periodically spiking load (a CPU series
// whose one-sample spikes the reactive floor answers after they are over)
// the change cost alone let the pool go down and up again every few
// samples (docs/tuning.md, "Round trips").

// RoundTripWindow is how soon after a scale-down a scale-up makes the pair
// a round trip: a unit released and wanted back within it would have cost
// less held (RiskPerUnit per lead window) than its two events
// (2·ChangeCost), so the window is 2·ChangeCost/RiskPerUnit lead windows
// (with the defaults 0.04 and 0.03, 2.7 lead windows: 27 minutes with a
// 5-minute lag and 5-minute decisions). 0 without a change cost.
func RoundTripWindow(t Target, lead time.Duration) time.Duration {
	if t.ChangeCost <= 0 || t.RiskPerUnit <= 0 || lead <= 0 {
		return 0
	}
	w := 2 * t.ChangeCost / t.RiskPerUnit * float64(lead)
	if w >= math.MaxInt64 { // beyond a Duration (a risk per unit near 0)
		return math.MaxInt64
	}
	return time.Duration(w)
}

// MaxRoundTrips bounds State.RoundTrips: a scale-down then costs at most
// MaxRoundTrips change costs and waits at most that many times longer for
// its release, so no count, however it was reached (or a hand-edited state
// file), can stop a target's scale-downs for good. The bound is never
// reached on the eight traces, the tuning set or the held-out series
// (their decisions at capacity p99/20 and p99/50 are byte-identical with
// and without it); 16 would change three of those runs, 8 twenty.
const MaxRoundTrips = 32

// downCost is a scale-down's change cost after st.RoundTrips round trips:
// ChangeCost·(1 + max(0, RoundTrips-1)). The release threshold of twice
// the change cost already prices one round trip per release; each one
// beyond it makes a release wait one change cost longer.
func downCost(t Target, st State) float64 {
	return t.ChangeCost * (1 + max(0, st.RoundTrips-1))
}

// oneUpCost is a one-unit scale-up's change cost after st.RoundTrips round
// trips: downCost, at most twice ChangeCost. Where the pool has gone down
// and back up again and again, a one-unit move up is mostly the
// forecast's wobble from one sample to the next (its median moving by
// about a unit while its quantiles span less), not news; such a move
// would complete one more round trip, whose price is its two events, so
// the cost is capped there. A larger scale-up pays ChangeCost, and none
// is held below what current demand needs (holdSmallChange), so an
// overload is answered at once (docs/tuning.md, "One-unit scale-ups").
func oneUpCost(t Target, st State) float64 {
	return min(downCost(t, st), 2*t.ChangeCost)
}

// roundTripsAfter returns State.RoundTrips and State.ReleasedFrom after
// decision d. Each scale-down (a staircase of scale-downs within
// RoundTripWindow counts as one, released from its top) is judged once,
// at the next scale event: a scale-up within the window adds one round
// trip when the units released would have served the demand that brought
// them back (it needs no more than ReleasedFrom; a burst beyond them is
// new demand, which holding would not have served, and is not judged); any
// event after the window halves the count (the release held).
func (s State) roundTripsAfter(t Target, d Decision) (float64, int) {
	dir, now := d.Direction(), d.Explanation.Now
	w := RoundTripWindow(t, d.Explanation.WindowEnd.Sub(now))
	if w <= 0 {
		return 0, 0
	}
	open := !s.LastScaleDown.IsZero() && !s.LastScaleUp.After(s.LastScaleDown)
	within := open && now.Sub(s.LastScaleDown) <= w
	rt, from := s.RoundTrips, s.ReleasedFrom
	switch {
	case dir == "none":
		return rt, from
	case open && !within:
		rt /= 2
	case within && dir == "up" && t.UnitsFor(d.Explanation.Demand) <= s.ReleasedFrom:
		rt = min(rt+1, MaxRoundTrips)
	}
	if dir == "down" && !within {
		from = d.Explanation.CurrentUnits
	}
	return rt, from
}
