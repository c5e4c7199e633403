package engine

import (
	"github.com/prescale/prescale/controller/internal/simpool"
)

// The wide band (docs/tuning.md, "Wide band where violations are spare"):
// on a flat or slowly swinging level, event pacing's release band still
// leaves the pool following the top of the wobble one unit at a time,
// where the reactive HPA, whose 10 % tolerance moves only once the load
// has moved by 10 %, makes a fraction of the events. Coarser moves cost
// units or violations, and at equal cost the HPA gets the units too; but
// where prescale's violations are a small share of the HPA curve's, even
// at a little more cost, they are to spare. The engine therefore also
// runs its own decisions on a simulated pool (the referee's cluster
// model, as the shadow HPAs) and weighs their violated seconds as the
// shadow scores are (ShadowTimeConstant). While event pacing's release
// band is in force and those violations are at most spareShare of the
// HPA curve's at spareCostUp more than prescale's cost (and the curve
// has some), the band becomes wideFactor times as wide and works both
// ways (policy.Input.WideBand): a scale-up goes the band beyond the units
// it wants, and a scale-down waits until the wanted units are twice the
// band below the current ones, then goes to them.

// Wide band settings, chosen on the tuning set and synthetic flat series
// (in-sample; docs/tuning.md, "Wide band where violations are spare").
const (
	// spareShare is the largest share of the HPA curve's violations
	// prescale's may be for violations to be spare.
	spareShare = 0.1
	// spareCostUp is how much above prescale's cost the HPA curve is
	// read: the wide band holds more units, and the HPA's violations at
	// equal cost fall steeply with cost near its busiest targets.
	spareCostUp = 0.02
	// wideFactor is the wide band in release bands.
	wideFactor = 2
)

// ownRun is prescale's own decisions on a simulated pool, scored as the
// shadow runs are (shadowScore.add; the wide band reads its violated
// seconds).
type ownRun struct {
	pool  simpool.Pool
	score shadowScore
}

// decided applies a decision of desired units at now (unix seconds) with
// provisioning lag seconds, as the referee does: promote, set, promote.
func (o *ownRun) decided(now, lag float64, desired int) {
	o.pool.Promote(now)
	o.pool.SetDesired(desired, now+lag)
	o.pool.Promote(now)
}

// hpaViolationsAt is the HPA curve's weighted violated seconds at cost,
// read as hpaEventsAt reads its events.
func hpaViolationsAt(hpas []hpaShadow, cost float64) float64 {
	return curveAt(hpas, cost, func(h *hpaShadow) simpool.CurvePoint {
		return simpool.CurvePoint{Cost: h.score.cost, Value: h.score.viol}
	})
}

// spare reports whether prescale's recent violations are to spare: at
// most spareShare of the HPA curve's at spareCostUp more than its cost,
// the curve having some.
func (s *shadow) spare() bool {
	hpa := hpaViolationsAt(s.hpas, s.pace.cost*(1+spareCostUp))
	return hpa > 0 && s.own.score.viol <= spareShare*hpa
}

// wideBand is the wide band in units for a release band of b units: 0
// when b is 0 or violations are not to spare.
func (s *shadow) wideBand(b int) int {
	if b <= 0 || !s.spare() {
		return 0
	}
	return wideFactor * b
}
