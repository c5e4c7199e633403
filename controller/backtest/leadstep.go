package backtest

import (
	"math"
	"slices"
	"time"
)

// leadStepQuantile is the quantile of a trace's sample spacings that
// LeadStepOf returns.
const leadStepQuantile = 0.1

// LeadStepOf is the spacing by which the lead window of a trace whose
// samples are spacings seconds apart counts its samples (engine.Config.LeadStep):
// the 10th percentile of the spacings, in whole seconds (at least 1); it
// sorts spacings. On a regular grid it is
// the step, and nothing changes. On irregular timestamps (a log's samples
// a few seconds early or late) a unit requested at sample i is ready at
// t[i]+lag, and the referee's cluster counts it from the first sample at
// or after that: with a lag of one nominal step, each time the next
// spacing is shorter than the step (about half the time) the units arrive
// a sample later than a lead window counted in median steps assumed, and
// the peak distribution did not cover the sample they missed.
func LeadStepOf(spacings []float64) time.Duration {
	if len(spacings) == 0 {
		return 0
	}
	slices.Sort(spacings)
	q := spacings[int(math.Floor(leadStepQuantile*float64(len(spacings)-1)))]
	return time.Duration(max(1, int64(q))) * time.Second
}
