package policy

import (
	"fmt"
	"time"
)

// Line renders the decision's explanation as one line for logs, webhooks
// and exec commands. The units it started from are the ones requested
// (ready plus provisioning), named so: a webhook's current_units is what
// the receiver acknowledged, and "current" beside it read as a contradiction.
//
// The forecast part names what sized the forecast's units: the peak
// quantiles and the exceedance left with risk sizing (the default), the
// interval's upper bound without. "forecast upper 3.8 ... needs 5" read as
// if 3.8 needed only 5 units when the peak quantiles had sized them. A
// manual override that ended before the decision is named last.
func (d Decision) Line() string {
	e := d.Explanation
	sized := fmt.Sprintf("forecast upper %.4g", e.UpperUsed)
	if p := e.Peak; p != nil {
		sized = fmt.Sprintf("forecast peak p50 %.4g p90 %.4g p99 %.4g", p.P50, p.P90, p.P99)
	}
	needs := fmt.Sprintf("needs %d", e.ForecastUnits)
	if e.Peak != nil {
		needs += fmt.Sprintf(" (exceedance %.3g)", e.ExceedanceProbability)
	}
	line := fmt.Sprintf("%s -> %d units (rule %s): demand %.4g, reactive floor %d, %s over %s..%s (%d points, model %q, confidence %.2f, threshold %.2f) %s, anomaly score %.2f, requested before %d",
		d.Reason, d.Desired, e.Rule, e.Demand, e.ReactiveFloor, sized,
		e.WindowStart.UTC().Format(time.RFC3339), e.WindowEnd.UTC().Format(time.RFC3339),
		e.ForecastPoints, e.Model, e.Confidence, e.ConfidenceThreshold, needs, e.AnomalyScore, e.CurrentUnits)
	if e.Partial {
		line += "; partial demand, a lower bound (never below the units held): " + e.Problem
	}
	if m := e.ManualEnded; m != nil {
		line += fmt.Sprintf("; manual override of %d units ended: ", m.Units)
		if !m.Cancelled.IsZero() {
			line += "cancelled by an operator at " + m.Cancelled.UTC().Format(time.RFC3339)
		} else {
			line += "expired at " + m.Until.UTC().Format(time.RFC3339)
		}
	}
	return line
}
