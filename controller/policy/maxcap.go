package policy

// forecastBeyondMax says whether a decision sized by the peak quantiles
// (RiskUnits, rule forecast) stopped at MaxUnits only because the target
// allows no more: with a higher bound it would have asked for more
// units. Such a decision is bounded by max_units as much as one whose
// units exceeded MaxUnits, and capUnits gives it reason max, so that
// prescale_decisions_total{reason="max"} (and the PrescaleMaxUnitsReached
// alert built on it) counts a forecast that needs more than the target
// may have, not only a current demand that does. The units are unchanged.
func forecastBeyondMax(in Input, t Target, p proposal, floor int) bool {
	if p.rule != RuleForecast || p.units != t.MaxUnits || t.RiskPerUnit <= 0 || len(in.PeakQuantiles) == 0 {
		return false
	}
	wider := t
	wider.MaxUnits = 2 * t.MaxUnits
	k, _ := RiskUnits(in.PeakQuantiles, wider, floor)
	return k > t.MaxUnits
}
