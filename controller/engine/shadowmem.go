package engine

import (
	"math"
	"slices"
	"time"

	"github.com/prescale/prescale/controller/internal/simpool"
	"github.com/prescale/prescale/controller/state"
)

// resumable reports whether a memory (the calm hold's, the shadow runs':
// docs/tuning.md, "What a restart costs") last decided at at (unix s) is
// resumed at a first decision at now, at most gap later (not an outage).
func resumable(at, now, gap int64) bool { return now >= at && now-at <= gap }

// resumeGap: calmResumeGap, or two decision intervals where they are longer.
func (e *Engine) resumeGap() int64 { return int64(max(calmResumeGap, 2*e.cfg.Interval) / time.Second) }

// ShadowMemory is the shadow runs' memory as of the last decision, for
// the state file (nil without the shadow HPA or before a decision).
func (e *Engine) ShadowMemory() *state.Shadow {
	s := e.shadow
	if s == nil || !s.started {
		return nil
	}
	m := &state.Shadow{Version: state.ShadowVersion, Target: state.ShadowTarget(e.target), At: s.prev, Started: s.calm.first, Missing: math.IsNaN(s.prevDemand), Pick: s.pick,
		Forecaster: runMemory(&s.fcPool, s.fcScore), FcPolicy: s.fcState, Own: runMemory(&s.own.pool, s.own.score),
		Pace:  state.Pace{Cost: s.pace.cost, Events: s.pace.events, Counted: s.pace.counted},
		Steps: e.steps.Memory()}
	m.FcPolicy.Recent, m.FcPolicy.Used = slices.Clone(s.fcState.Recent), slices.Clone(s.fcState.Used)
	if !m.Missing {
		m.Demand = s.prevDemand
	}
	for i := range s.hpas {
		h := &s.hpas[i]
		m.HPAs = append(m.HPAs, state.HPARun{Run: runMemory(&h.pool, h.score), Last: h.last, Events: h.events,
			LastEvent: h.lastEvent, Window: h.hpa.Window()})
	}
	return m
}

// runMemory and restoreRun save and restore one simulated run.
func runMemory(p *simpool.Pool, sc shadowScore) state.Run {
	return state.Run{Ready: p.Ready, Pending: p.Pending(), Cost: sc.cost, Viol: sc.viol}
}

func restoreRun(r state.Run) (simpool.Pool, shadowScore) {
	return simpool.RestorePool(r.Ready, r.Pending), shadowScore{r.Cost, r.Viol}
}

// ResumeShadow hands the engine, before its first decision, the shadow
// runs' memory persisted before a restart (nil: none), resumed as
// resumeShadow says (ignored without the shadow HPA).
func (e *Engine) ResumeShadow(m *state.Shadow) {
	if e.shadow != nil && !e.shadow.started {
		e.shadow.resume = m
	}
}

// resumeShadow takes the persisted memory, if any, at the first step of
// the shadow runs (now) when resumable, with one run per shadow HPA and
// for a target of the same capacity, utilisation and lag (state.MemoryKey), and reports whether it did.
func (e *Engine) resumeShadow(now int64) bool {
	s, m := e.shadow, e.shadow.resume
	s.resume = nil
	if m == nil || !resumable(m.At, now, e.resumeGap()) || len(m.HPAs) != len(s.hpas) || m.Target != state.ShadowTarget(e.target) {
		return false
	}
	s.started, s.prev, s.prevDemand, s.pick = true, m.At, m.Demand, m.Pick
	if m.Missing {
		s.prevDemand = math.NaN()
	}
	s.fcPool, s.fcScore = restoreRun(m.Forecaster)
	s.fcState = m.FcPolicy
	s.fcState.Recent, s.fcState.Used = slices.Clone(m.FcPolicy.Recent), slices.Clone(m.FcPolicy.Used)
	s.own.pool, s.own.score = restoreRun(m.Own)
	for i, r := range m.HPAs {
		h := &s.hpas[i]
		h.pool, h.score = restoreRun(r.Run)
		h.last, h.events, h.lastEvent = r.Last, r.Events, r.LastEvent
		h.hpa.SetWindow(r.Window)
	}
	s.pace = pace{cost: m.Pace.Cost, events: m.Pace.Events, counted: m.Pace.Counted, hasCounted: true}
	e.steps.Resume(m.Steps)
	// The calm hold's first update (calm.go): the HPAs' curve was watched
	// since they started and they go on, their next moves the demand's.
	c := &s.calm
	c.first, c.hasFirst, c.settleFor, c.gap = m.Started, true, 0, e.resumeGap()
	c.resumeAt(now)
	return true
}
