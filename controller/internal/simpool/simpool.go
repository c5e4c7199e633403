// Package simpool is the referee's cluster model (../shared/bench/README.md,
// autoscale_score.py), shared by the backtest's simulator and the engine's
// shadow HPA: a pool whose scale-up is ready after the lag and whose
// scale-down is immediate (newest pending units first), the reference HPA
// rule that scales it, and the HPA curve (one run per utilisation target)
// read at a cost, as the referee compares a scaler with it.
package simpool

import (
	"math"
	"slices"
	"time"
)

// Pool is a simulated pool: ready units plus pending ones, each with the
// time (unix seconds) it becomes ready.
type Pool struct {
	Ready   int
	pending []float64 // ready times, oldest request first
}

// NewPool returns a pool with ready units and nothing pending.
func NewPool(ready int) *Pool { return &Pool{Ready: ready} }

// RestorePool is a pool with ready units and pending ones ready at the
// times given (oldest request first, as Pending gives them; copied).
func RestorePool(ready int, pending []float64) Pool {
	return Pool{Ready: ready, pending: slices.Clone(pending)}
}

// Pending is the ready times of the pending units, oldest request first
// (a copy).
func (p *Pool) Pending() []float64 { return slices.Clone(p.pending) }

// Requested is ready plus pending units: what is paid for.
func (p *Pool) Requested() int { return p.Ready + len(p.pending) }

// Promote makes pending units whose ready time is <= now ready.
func (p *Pool) Promote(now float64) {
	k := 0
	for k < len(p.pending) && p.pending[k] <= now {
		k++
	}
	if k > 0 {
		p.Ready += k
		p.pending = p.pending[k:]
	}
}

// SetDesired scales to desired units: new units become ready at readyAt;
// scale-down is immediate, newest pending units first, then ready ones.
func (p *Pool) SetDesired(desired int, readyAt float64) {
	change := desired - p.Requested()
	for range change {
		p.pending = append(p.pending, readyAt)
	}
	for range -change {
		if n := len(p.pending); n > 0 {
			p.pending = p.pending[:n-1]
		} else {
			p.Ready--
		}
	}
}

// HPA is the referee's reference reactive policy, modelled on the
// Kubernetes HPA algorithm (kubernetes pkg/controller/podautoscaler): at a
// sample with known demand, ratio = demand/(ready·capacity)/target; within
// the 0.1 tolerance the raw recommendation is the requested count,
// otherwise ceil(ready·ratio) (with no ready unit, max(min,
// ceil(demand/(capacity·target)))); the applied value is the highest raw
// recommendation in [t−300 s, t]. A sample with missing demand means no
// action. It runs online, one sample at a time.
type HPA struct {
	Target   float64
	Capacity float64
	Min      int
	recent   []Recommendation
}

// Recommendation is one raw recommendation (Raw units at At, unix
// seconds) the HPA keeps for its window (in the controller's state file:
// controller/state).
type Recommendation struct {
	At  int64 `json:"at"`
	Raw int   `json:"raw"`
}

// Window is the raw recommendations the HPA keeps, oldest first (a copy).
func (h *HPA) Window() []Recommendation { return slices.Clone(h.recent) }

// SetWindow replaces them (copied), as Window gave them.
func (h *HPA) SetWindow(w []Recommendation) { h.recent = slices.Clone(w) }

// HPAWindow is the HPA's stabilisation window: it applies the highest raw
// recommendation of the last HPAWindow (Kubernetes' default
// --horizontal-pod-autoscaler-downscale-stabilization, 5 minutes).
const HPAWindow = 300 * time.Second

// Step returns the HPA's desired units at now (ok false: no action).
func (h *HPA) Step(now int64, demand float64, pool *Pool) (int, bool) {
	const tolerance, window, eps = 0.1, int64(HPAWindow / time.Second), 1e-9
	if math.IsNaN(demand) {
		return 0, false
	}
	var raw int
	if pool.Ready == 0 {
		raw = max(h.Min, ceilUnits(demand/(h.Capacity*h.Target)-eps))
	} else {
		ratio := demand / (float64(pool.Ready) * h.Capacity) / h.Target
		if math.Abs(ratio-1) <= tolerance {
			raw = pool.Requested()
		} else {
			raw = ceilUnits(float64(pool.Ready)*ratio - eps)
		}
	}
	h.recent = append(h.recent, Recommendation{now, raw})
	k := 0
	for k < len(h.recent) && h.recent[k].At < now-window {
		k++
	}
	h.recent = h.recent[k:]
	best := raw
	for _, r := range h.recent {
		best = max(best, r.Raw)
	}
	return best, true
}

// ceilUnits is ceil(x) as a unit count, saturating at math.MaxInt32 (a
// float beyond int's range converts to an arbitrary value).
func ceilUnits(x float64) int {
	if !(x < math.MaxInt32) {
		return math.MaxInt32
	}
	return int(math.Ceil(x))
}
