// Package simulated is a resource pool modelled in process that carries
// out the controller's decisions (an actuator.Deliverer), for demos and
// prescale run: Pool.
package simulated

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/prescale/prescale/controller/actuator"
)

// Pool is an in-process model of a resource pool, for demos and
// `prescale run`: units asked for become ready after the target's
// provisioning lag, removed units go at once, and every unit (ready or
// provisioning) costs its price per hour. It models capacity only; it never
// invents demand. Its name, metrics (prescale_simulated_pool_*) and API
// output all say "simulated".
type Pool struct {
	mu      sync.Mutex
	now     func() time.Time
	pools   map[string]*simPool
	ready   *prometheus.GaugeVec
	pending *prometheus.GaugeVec
	cost    *prometheus.CounterVec
}

type simPool struct {
	ready     int
	pending   []simBatch
	lag       time.Duration
	price     float64
	costSoFar float64
	last      time.Time
}

type simBatch struct {
	units   int
	readyAt time.Time
}

var _ actuator.Deliverer = (*Pool)(nil)

// NewPool builds an empty pool; reg may be nil.
func NewPool(now func() time.Time, reg prometheus.Registerer) *Pool {
	p := &Pool{
		now:     now,
		pools:   map[string]*simPool{},
		ready:   gaugeVec("ready_units", "SIMULATED pool: units ready to serve, per target."),
		pending: gaugeVec("provisioning_units", "SIMULATED pool: units asked for and not ready yet (provisioning lag), per target."),
		cost: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "prescale", Subsystem: "simulated_pool", Name: "cost_total",
			Help: "SIMULATED pool: cost accrued (ready plus provisioning units times price per unit-hour), per target."}, []string{"target"}),
	}
	if reg != nil {
		reg.MustRegister(p.ready, p.pending, p.cost)
	}
	return p
}

// gaugeVec is a per-target gauge prescale_simulated_pool_<name>.
func gaugeVec(name, help string) *prometheus.GaugeVec {
	return prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: "prescale", Subsystem: "simulated_pool", Name: name, Help: help}, []string{"target"})
}

// Name implements actuator.Deliverer.
func (p *Pool) Name() string { return "simulated" }

// Register adds a target with its starting units, provisioning lag and
// price per unit-hour. Registering again keeps the units.
func (p *Pool) Register(target string, units int, lag time.Duration, pricePerUnitHour float64) {
	p.Resume(target, units, nil, lag, pricePerUnitHour)
}

// Step is units asked of a simulated pool at a time.
type Step struct {
	At    time.Time
	Units int
}

// Resume is Register for a pool rebuilt after a restart: start units
// ready, then each step's units asked at its time, scaled as Deliver
// scales, so the units asked less than the lag before now are still
// provisioning (a pool registered with its last units made them ready at
// once). The steps accrue no cost (a restart's is restored apart); one
// after now (written by a clock that was ahead) counts as asked at now.
func (p *Pool) Resume(target string, start int, steps []Step, lag time.Duration, pricePerUnitHour float64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if sp, ok := p.pools[target]; ok {
		sp.lag, sp.price = lag, pricePerUnitHour
		return
	}
	now := p.now()
	sp := &simPool{ready: start, lag: lag, price: pricePerUnitHour}
	for _, s := range steps {
		at := minTime(s.At, now)
		sp.last = at
		p.advance(target, sp, at)
		p.scale(target, sp, s.Units, at)
	}
	sp.last = now
	p.advance(target, sp, now)
	p.pools[target] = sp
	p.cost.WithLabelValues(target)
}

// advance moves due batches to ready and accrues cost up to now.
func (p *Pool) advance(target string, sp *simPool, now time.Time) {
	// Accrue piecewise so that units turning ready mid-interval are priced right
	// (provisioning units cost too, so the total only changes at Act).
	if now.After(sp.last) {
		units := sp.ready
		for _, b := range sp.pending {
			units += b.units
		}
		c := float64(units) * sp.price * now.Sub(sp.last).Hours()
		sp.costSoFar += c
		p.cost.WithLabelValues(target).Add(c)
		sp.last = now
	}
	keep := sp.pending[:0]
	for _, b := range sp.pending {
		if !b.readyAt.After(now) {
			sp.ready += b.units
		} else {
			keep = append(keep, b)
		}
	}
	sp.pending = keep
	p.ready.WithLabelValues(target).Set(float64(sp.ready))
	p.pending.WithLabelValues(target).Set(float64(pendingUnits(sp)))
}

// minTime is the earlier of a and b.
func minTime(a, b time.Time) time.Time {
	if a.After(b) {
		return b
	}
	return a
}

func pendingUnits(sp *simPool) int {
	n := 0
	for _, b := range sp.pending {
		n += b.units
	}
	return n
}

// Deliver implements actuator.Deliverer: scale-ups join the provisioning queue,
// scale-downs cancel provisioning units first and then remove ready ones at
// once. It is acknowledged at once (unless the target is unknown).
func (p *Pool) Deliver(_ context.Context, a actuator.Action) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	sp, ok := p.pools[a.Target]
	if !ok {
		return fmt.Errorf("actuator: simulated pool has no target %q", a.Target)
	}
	now := p.now()
	p.advance(a.Target, sp, now)
	p.scale(a.Target, sp, a.Desired, now)
	return nil
}

// scale asks desired units of target's pool at now (advanced to now):
// scale-ups join the provisioning queue, scale-downs cancel provisioning
// units first, newest first, and then remove ready ones.
func (p *Pool) scale(target string, sp *simPool, desired int, now time.Time) {
	total := sp.ready + pendingUnits(sp)
	switch {
	case desired > total:
		sp.pending = append(sp.pending, simBatch{units: desired - total, readyAt: now.Add(sp.lag)})
		if sp.lag <= 0 {
			p.advance(target, sp, now)
		}
	case desired < total:
		drop := total - desired
		for i := len(sp.pending) - 1; i >= 0 && drop > 0; i-- {
			d := min(drop, sp.pending[i].units)
			sp.pending[i].units -= d
			drop -= d
		}
		keep := sp.pending[:0]
		for _, b := range sp.pending {
			if b.units > 0 {
				keep = append(keep, b)
			}
		}
		sp.pending = keep
		sp.ready -= drop
	}
	p.ready.WithLabelValues(target).Set(float64(sp.ready))
	p.pending.WithLabelValues(target).Set(float64(pendingUnits(sp)))
}

// Status is one target's simulated pool state.
type Status struct {
	Target       string  `json:"target"`
	Simulated    bool    `json:"simulated"`
	Ready        int     `json:"ready_units"`
	Provisioning int     `json:"provisioning_units"`
	CostSoFar    float64 `json:"cost_so_far"`
}

// Units returns ready and provisioning units of a target after advancing the pool to now.
func (p *Pool) Units(target string) (ready, provisioning int, ok bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	sp, ok := p.pools[target]
	if !ok {
		return 0, 0, false
	}
	p.advance(target, sp, p.now())
	return sp.ready, pendingUnits(sp), true
}

// SetCostSoFar restores accrued cost after a restart.
func (p *Pool) SetCostSoFar(target string, cost float64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if sp, ok := p.pools[target]; ok {
		sp.costSoFar = cost
	}
}

// Status lists every target, sorted by name.
func (p *Pool) Status() []Status {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	out := make([]Status, 0, len(p.pools))
	for name, sp := range p.pools {
		p.advance(name, sp, now)
		out = append(out, Status{Target: name, Simulated: true, Ready: sp.ready, Provisioning: pendingUnits(sp), CostSoFar: sp.costSoFar})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Target < out[j].Target })
	return out
}
