package policy

import "sort"

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
// than its events would and is released. It never holds below floor (the units current demand
// needs) or below a shadow HPA floor, so overload is still answered at once.
func holdSmallChange(in Input, t Target, st State, cur, desired, floor int) (bool, float64) {
	if t.ChangeCost <= 0 || t.RiskPerUnit <= 0 || len(in.PeakQuantiles) == 0 || desired == cur {
		return false, 0
	}
	if cur < floor || cur < in.ShadowUnits || cur < t.MinUnits || cur > t.MaxUnits {
		return false, 0
	}
	gain := ExpectedLoss(in.PeakQuantiles, t, cur) - ExpectedLoss(in.PeakQuantiles, t, desired)
	if gain > t.ChangeCost {
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
	if forgone > 2*t.ChangeCost {
		return false, 0
	}
	return true, forgone
}
