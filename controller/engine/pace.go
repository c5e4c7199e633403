package engine

import (
	"cmp"
	"math"
	"slices"

	"github.com/prescale/prescale/controller/internal/simpool"
)

// Event pacing (docs/tuning.md, "Event pacing"): the change cost prices
// one scale event against the lead window's expected loss, and on calm
// series (a flat CPU whose HPA's 10 % tolerance never moves, a slow drift
// followed one unit at a time) every one-unit move pays it, so prescale
// made two to seven times the reactive HPA's events at equal cost where
// the HPA made few. Pacing makes the change cost the price of a budget:
// the engine counts its own decisions' scale events and unit-seconds,
// exponentially weighted as the shadow runs are (ShadowTimeConstant), and
// the shadow HPAs' events beside their unit-seconds; the HPA curve's
// events at prescale's cost (linear between the shadow HPAs sorted by
// cost, clamped to its ends, as the referee interpolates) set the
// allowance. When prescale's events exceed PaceTarget times it, a
// scale-down's change cost (policy.Input.EventPrice) is multiplied by
// (ratio/PaceTarget)², at most PaceMaxPrice: a release waits longer, and
// one the load soon wants back is not made. Scale-ups are not paced (a
// held scale-up is a violation on a rising load). Below the target
// nothing changes. The allowance is at least one event per time constant,
// so a series on which no HPA moves still has one.

// Event pacing's settings, chosen on the eight traces and the tuning set
// (in-sample; docs/tuning.md, "Event pacing").
const (
	// PaceTarget is the events ratio to the HPA's at equal cost above
	// which the change cost rises.
	PaceTarget = 1.5
	// pacePower is how steeply it rises with the excess ratio.
	pacePower = 2
	// PaceMaxPrice bounds the multiplier: a scale-down's change cost of
	// at most 8 × 0.04 = 0.32 (times its round trips), so a surplus unit
	// is still released after at most about 2 × 0.32 / 0.03 lead windows.
	PaceMaxPrice = 8
	// paceMinEvents is the least allowance, in weighted events.
	paceMinEvents = 1
)

// pace is prescale's own record for event pacing: the unit-seconds its
// decisions paid for and their scale events, exponentially weighted.
type pace struct {
	cost, events float64
	// counted is the last decision time whose event was counted (a
	// repeated decision time is counted once).
	counted    int64
	hasCounted bool
}

// account adds the interval of dt seconds with units requested, after
// decaying the older sums.
func (p *pace) account(decay, dt float64, units int) {
	p.cost = p.cost*decay + float64(units)*dt
	p.events *= decay
}

// count records the decision at now: a scale event when it changes the
// units requested. It reports whether one was counted.
func (p *pace) count(now int64, current, desired int) bool {
	if p.hasCounted && now <= p.counted {
		return false
	}
	p.counted, p.hasCounted = now, true
	if desired != current {
		p.events++
		return true
	}
	return false
}

// hpaEventsAt is the HPA curve's weighted events at cost: the shadow
// HPAs sorted by cost (stable: a shared cost keeps their order) read by
// simpool.Interpolate, linear in cost and clamped to the curve's ends; 0
// without HPAs. Where shadow HPAs share a cost, that is the first of them
// in ShadowTargets' order at the cost itself and the last from there on,
// not the fewest events there as backtest's report and
// scripts/autoscale_eval.py read the referee's curve. The event price was
// tuned with this reading (docs/tuning.md, "Event pacing"); the other
// gives the same decisions on the eight traces and the tuning set at
// p99/20 and p99/50, but it would be a change of the decision rule.
func hpaEventsAt(hpas []hpaShadow, cost float64) float64 {
	return curveAt(hpas, cost, func(h *hpaShadow) simpool.CurvePoint {
		return simpool.CurvePoint{Cost: h.score.cost, Value: h.events}
	})
}

// curveAt reads the curve of the shadow HPAs' points (point: one HPA's
// cost and value) at cost, as hpaEventsAt describes.
func curveAt(hpas []hpaShadow, cost float64, point func(*hpaShadow) simpool.CurvePoint) float64 {
	if len(hpas) == 0 {
		return 0
	}
	v, _ := simpool.Interpolate(hpaCurve(hpas, point), cost)
	return v
}

// hpaCurve is the shadow HPAs' points (point: one HPA's cost and value)
// sorted by cost, stable: a shared cost keeps ShadowTargets' order.
func hpaCurve(hpas []hpaShadow, point func(*hpaShadow) simpool.CurvePoint) []simpool.CurvePoint {
	pts := make([]simpool.CurvePoint, len(hpas))
	for i := range hpas {
		pts[i] = point(&hpas[i])
	}
	slices.SortStableFunc(pts, func(a, b simpool.CurvePoint) int { return cmp.Compare(a.Cost, b.Cost) })
	return pts
}

// eventPrice is the multiplier of a scale-down's change cost: 1 while
// prescale's recent events are at most PaceTarget times the HPA curve's
// at its cost, (ratio/PaceTarget)² above, at most PaceMaxPrice.
func (s *shadow) eventPrice() float64 {
	allowance := max(hpaEventsAt(s.hpas, s.pace.cost), paceMinEvents)
	excess := s.pace.events / allowance / PaceTarget
	if !(excess > 1) {
		return 1
	}
	return min(PaceMaxPrice, math.Pow(excess, pacePower))
}
