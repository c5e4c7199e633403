package engine

import (
	"math"
	"time"

	"github.com/prescale/prescale/controller/internal/simpool"
	"github.com/prescale/prescale/controller/policy"
	"github.com/prescale/prescale/controller/state"
)

// The shadow HPA: a safety net for traffic the forecaster does not suit.
// At every decision the engine also runs, on simulated pools with the
// referee's cluster model (scale-up ready after the lag, scale-down
// immediate, newest pending units first; cost counts pending units):
//
//   - the forecaster's own policy (the decision function with the forecast
//     and no shadow, on its own pool and state: what prescale would do
//     without the safety net), and
//   - a reactive HPA (the Kubernetes rule the referee uses: ratio =
//     demand/(ready·capacity)/u with a 0.1 tolerance, the highest raw
//     recommendation over the last 300 s) at each utilisation u in
//     ShadowTargets,
//
// and scores each on the decision's own objective, over an exponentially
// weighted trailing window (time constant ShadowTimeConstant):
// RiskPerUnit per unit-interval paid for plus 1 per interval with a
// violation (demand above the ready units at full capacity). When some
// shadow HPA has had a lower recent loss than the forecaster's policy, the
// recommendation of the best one is a floor under the forecast (policy
// Input.ShadowUnits: reason reactive, rule shadow_hpa). Everything is
// causal (the interval before now is scored with the demand seen at its
// start, decisions use samples up to now) and deterministic, so the live
// controller and a backtest that decide at the same times agree.

// ShadowTargets are the utilisation targets of the shadow HPAs.
func ShadowTargets() []float64 {
	return []float64{0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95}
}

// ShadowTimeConstant is the memory of the shadow comparison.
const ShadowTimeConstant = 72 * time.Hour

// shadowScore is an exponentially weighted record of one policy:
// unit-seconds paid for and seconds in violation.
type shadowScore struct {
	cost, viol float64
}

// loss is the decision's objective: r per unit-interval plus 1 per
// interval in violation (both per second here).
func (sc shadowScore) loss(r float64) float64 { return sc.cost*r + sc.viol }

// hpaShadow is the reference HPA at one utilisation target on its own pool.
type hpaShadow struct {
	hpa   simpool.HPA
	pool  simpool.Pool
	last  int // the last (clamped) recommendation
	score shadowScore
	// events are its scale events, weighted as score (event pacing, pace.go).
	events float64
	// lastEvent is the time of its last scale event (the calm hold,
	// calm.go).
	lastEvent int64
}

// shadow holds the forecaster's and the HPAs' simulated runs.
type shadow struct {
	rate       float64 // loss per unit-second (Target.RiskPerUnit)
	started    bool
	prev       int64   // time of the last decision stepped
	prevDemand float64 // its demand (NaN: missing)
	fcPool     simpool.Pool
	fcState    policy.State
	fcScore    shadowScore
	hpas       []hpaShadow
	pick       int // the HPA whose recommendation is the floor, -1: none
	// pace is the real decisions' record for event pacing (pace.go).
	pace pace
	// own is the real decisions on a simulated pool (the wide band,
	// spare.go).
	own ownRun
	// calm is the calm hold's record (calm.go).
	calm calm
	// resume is a memory persisted before a restart, resumed at the
	// first step (shadowmem.go).
	resume *state.Shadow
}

func newShadow(rate float64) *shadow {
	s := &shadow{rate: rate, pick: -1}
	for _, u := range ShadowTargets() {
		s.hpas = append(s.hpas, hpaShadow{hpa: simpool.HPA{Target: u}})
	}
	return s
}

// account scores the interval [prev, now) of every run (the ready units
// after the decision at prev against the demand seen at prev) and decays
// the older sums; current is the units the real decisions requested over
// it (event pacing).
func (s *shadow) account(now int64, capacity float64, current int) {
	dt := float64(now - s.prev)
	decay := math.Exp(-dt / ShadowTimeConstant.Seconds())
	s.fcScore.add(decay, dt, s.prevDemand, capacity, &s.fcPool)
	for i := range s.hpas {
		s.hpas[i].score.add(decay, dt, s.prevDemand, capacity, &s.hpas[i].pool)
		s.hpas[i].events *= decay
	}
	s.pace.account(decay, dt, current)
	s.own.score.add(decay, dt, s.prevDemand, capacity, &s.own.pool)
}

// add decays the sums and adds the interval of dt seconds in which pool p
// requested its units and demand (NaN: missing) was above its ready
// units of capacity.
func (sc *shadowScore) add(decay, dt, demand, capacity float64, p *simpool.Pool) {
	sc.cost = sc.cost*decay + float64(p.Requested())*dt
	sc.viol *= decay
	if !math.IsNaN(demand) && demand > float64(p.Ready)*capacity {
		sc.viol += dt
	}
}

// choose returns the index of the shadow HPA with the lowest recent loss
// if it is lower than the forecaster's policy's, else -1.
func (s *shadow) choose() int {
	best, bl := -1, s.fcScore.loss(s.rate)
	for i := range s.hpas {
		if l := s.hpas[i].score.loss(s.rate); l < bl {
			best, bl = i, l
		}
	}
	return best
}

// floor is the chosen HPA's recommendation and target (0 when none, or
// without data: the decision then holds).
func (s *shadow) floor(dataPresent bool) (int, float64) {
	if s.pick < 0 || !dataPresent {
		return 0, 0
	}
	h := &s.hpas[s.pick]
	return h.last, h.hpa.Target
}

// stepShadow advances the shadow runs to pin.Now (once per decision time;
// a repeated time reuses the last choice) and returns the floor.
func (e *Engine) stepShadow(pin policy.Input, current int) (int, float64) {
	s, t := e.shadow, e.target
	now := pin.Now.Unix()
	switch {
	case !s.started && e.resumeShadow(now):
		if now == s.prev {
			return s.floor(pin.DataPresent)
		}
		s.account(now, t.CapacityPerUnit, current)
	case !s.started:
		u := max(t.MinUnits, min(t.MaxUnits, current))
		s.fcPool = *simpool.NewPool(u)
		s.own.pool = *simpool.NewPool(u)
		for i := range s.hpas {
			s.hpas[i].pool, s.hpas[i].last = *simpool.NewPool(u), u
		}
		s.started = true
	case now > s.prev:
		s.account(now, t.CapacityPerUnit, current)
	default:
		return s.floor(pin.DataPresent)
	}
	// The referee's order at each decision: promote, apply the decision
	// (new units ready at now + lag), promote again (for a zero lag).
	nowF, readyAt := float64(now), float64(now+int64(t.Lag/time.Second))
	// The forecaster's own policy, without the safety net.
	s.fcPool.Promote(nowF)
	fin := pin
	fin.CurrentUnits, fin.ShadowUnits, fin.ShadowTarget = s.fcPool.Requested(), 0, 0
	d := e.cfg.Decide(fin, t, s.fcState)
	s.fcState = s.fcState.Record(t, d)
	s.fcPool.SetDesired(d.Desired, readyAt)
	s.fcPool.Promote(nowF)
	for i := range s.hpas {
		h := &s.hpas[i]
		h.pool.Promote(nowF)
		h.hpa.Capacity, h.hpa.Min = t.CapacityPerUnit, t.MinUnits
		if pin.DataPresent { // missing demand: no action
			if raw, ok := h.hpa.Step(now, pin.Demand, &h.pool); ok {
				h.last = max(t.MinUnits, min(t.MaxUnits, raw))
				if h.last != h.pool.Requested() {
					h.events++
					h.lastEvent = now
				}
				h.pool.SetDesired(h.last, readyAt)
				h.pool.Promote(nowF)
			}
		}
	}
	s.prev, s.prevDemand = now, pin.Demand
	if !pin.DataPresent {
		s.prevDemand = math.NaN()
	}
	s.pick = s.choose()
	return s.floor(pin.DataPresent)
}
