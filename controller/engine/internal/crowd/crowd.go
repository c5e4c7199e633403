// Package crowd is the engine's crowd trend: a floor under the decision
// while a flagged anomaly, a flash crowd, climbs (controller/engine,
// rule crowd_trend).
package crowd

import (
	"math"
	"time"

	"github.com/prescale/prescale/controller/policy"
	"github.com/prescale/prescale/predictor/series"
)

// Crowd follows an ongoing anomaly, a flash crowd, that the forecaster
// does not see. The detector keeps every flagged sample out of fitting
// (issue 11: a long anomaly must not become the model's normal), so
// through a surge each decision is the HPA formula on current demand (the
// reactive floor), which a crowd climbing steadily outgrows by its growth
// over the lag before the units are ready. Once the anomaly has lasted the
// lag, and the lag holds at least crowdMinSamples of its samples (data
// sampled faster than the lag: on 5-minute data with a 5-minute lag one
// step's rise is a spike as often as a climb, docs/tuning.md, "Bursty
// traffic"), a rising Theil–Sen line through those samples (the median of
// the pairwise slopes, which one spike does not move) projected to the
// lead window's end is a floor under the decision (policy.Input.TrendUnits,
// rule crowd_trend; docs/tuning.md, "Flash crowds").
type Crowd struct {
	lag, lead int64 // seconds: the lag, and from the last sample to the lead window's end
	start     int64 // first flagged sample of the ongoing anomaly
	ts        []int64
	vs        []float64
	pairs     []float64 // scratch
}

// crowdMinSamples is the fewest samples within the lag for a trend;
// crowdMaxSamples bounds those kept (the newest), so a fine step and a
// long lag do not make every decision quadratic in the lag's samples.
const (
	crowdMinSamples = 4
	crowdMaxSamples = 32
)

// New follows crowds for a target with provisioning lag lag, decided
// every interval.
func New(lag, interval time.Duration) *Crowd {
	return &Crowd{lag: int64(lag / time.Second), lead: int64((lag + interval) / time.Second)}
}

// Observe records sample (t, v) and whether the detector flagged it; a
// present sample that is not flagged ends the anomaly, a missing one
// changes nothing.
func (c *Crowd) Observe(t int64, v float64, anomalous bool) {
	if math.IsNaN(v) {
		return
	}
	if !anomalous {
		c.ts, c.vs = c.ts[:0], c.vs[:0]
		return
	}
	if len(c.ts) == 0 {
		c.start = t
	}
	c.ts, c.vs = append(c.ts, t), append(c.vs, v)
	drop := 0
	for drop < len(c.ts) && (c.ts[drop] < t-c.lag || len(c.ts)-drop > crowdMaxSamples) {
		drop++
	}
	if drop > 0 {
		c.ts = append(c.ts[:0], c.ts[drop:]...)
		c.vs = append(c.vs[:0], c.vs[drop:]...)
	}
}

// projection is the demand the crowd's trend puts at the lead window's
// end, when the anomaly is ongoing at last (its last sample), has lasted
// the lag, holds crowdMinSamples and rises; ok is false otherwise.
func (c *Crowd) projection(last int64) (float64, bool) {
	n := len(c.ts)
	if n < crowdMinSamples || c.ts[n-1] != last || last-c.start < c.lag {
		return 0, false
	}
	c.pairs = c.pairs[:0]
	for i := range n {
		for j := i + 1; j < n; j++ {
			c.pairs = append(c.pairs, (c.vs[j]-c.vs[i])/float64(c.ts[j]-c.ts[i]))
		}
	}
	slope := series.Median(c.pairs)
	if !(slope > 0) {
		return 0, false
	}
	// The line's level at the last sample: the median of the samples
	// carried along the slope.
	c.pairs = c.pairs[:0]
	for i := range n {
		c.pairs = append(c.pairs, c.vs[i]+slope*float64(last-c.ts[i]))
	}
	return series.Median(c.pairs) + slope*float64(c.lead), true
}

// TrendUnits is the crowd trend floor for a decision at last (0: none),
// capped at max_units.
func (c *Crowd) TrendUnits(last int64, t policy.Target) int {
	v, ok := c.projection(last)
	if !ok {
		return 0
	}
	return min(t.MaxUnits, t.UnitsFor(v))
}
