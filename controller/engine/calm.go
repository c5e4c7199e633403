package engine

import (
	"slices"
	"time"

	"github.com/prescale/prescale/controller/engine/internal/ring"
	"github.com/prescale/prescale/controller/internal/simpool"
	"github.com/prescale/prescale/controller/state"
)

// Calm hold (docs/tuning.md, "Calm hold"): on a flat level the forecast's
// peak distribution moves by a unit or two from one sample to the next,
// and the decisions follow it (41 → 43 → 41 units on a flat demand of
// about 38), where the reactive HPA, whose 10 % tolerance moves only once
// demand has moved by 10 %, makes no event at all. Event pacing does not
// see it when the shadow HPAs' 72-hour memory still holds their events
// of noisier days before (a price of 1 throughout). The HPA curve's
// silence does: while the shadow HPAs on either side of prescale's cost
// have made no scale event for calmWindow, and prescale has made
// calmEvents or more in that window, the target is calm until one of
// them moves again. While it is calm and event pacing is not in force,
// the decision goes to the median of the units wanted by the last
// calmDecisions decisions, and only when that is more than one unit from
// the current units (policy.Input.CalmUnits, the explanation's
// calm_units); an overload and the shadow HPA and crowd trend floors are
// answered as before.

// Calm hold settings, chosen on the eight traces and the tuning set
// (in-sample; docs/tuning.md, "Calm hold").
const (
	// calmWindow is how long the HPA curve at prescale's cost must have
	// been silent, and the window prescale's own events are counted in.
	calmWindow = 12 * time.Hour
	// calmEvents is the fewest scale events prescale must have made
	// within calmWindow (and since the HPA curve last moved).
	calmEvents = 6
	// calmDecisions is the number of recent decisions whose wanted units'
	// median a calm decision goes to (an hour of 5-minute decisions).
	calmDecisions = 12
)

// calm is the calm hold's record: prescale's last calmEvents scale event
// times, whether the target is calm and since which HPA event, and the
// units wanted by the last calmDecisions decisions.
type calm struct {
	events []int64 // oldest first, at most calmEvents
	on     bool
	since  int64 // the HPA curve's last event time when calm began
	wanted ring.Median
	at     int64 // the last decision time whose wanted units were taken
	hasAt  bool
	// first is the first time update saw: the HPA curve's silence is
	// only known from then on (the shadow HPAs start afresh with the
	// engine, after a restart too).
	first    int64
	hasFirst bool
	// resume is a memory persisted before a restart, resumed at the
	// first update (see resumeAt); settleFor is how long the restarted
	// shadow HPAs take to settle (the lag and the HPA's window), and
	// settled the time until which a resumed hold ignores their curve.
	resume    *state.Calm
	settleFor int64
	settled   int64
	gap       int64 // the longest gap resumed (Engine.resumeGap)
}

// calmResumeGap is the longest time from a persisted memory's last
// decision to the first one after a restart for it to be resumed (or two
// intervals, where longer: Engine.resumeGap): a restart (a rollout, a
// rescheduled pod) takes seconds to minutes; after an outage the wanted
// units no longer describe the series and the HPA curve's moves in it
// were not seen: the hold waits its calmWindow again. Not tuned on data.
const calmResumeGap = 15 * time.Minute

// event records a scale event of prescale's at now.
func (c *calm) event(now int64) {
	if len(c.events) == calmEvents {
		c.events = append(c.events[:0], c.events[1:]...)
	}
	c.events = append(c.events, now)
}

// want takes the units wanted by the decision at now (once per decision
// time).
func (c *calm) want(now int64, units int) {
	if c.hasAt && now <= c.at {
		return
	}
	c.at, c.hasAt = now, true
	c.wanted.Push(float64(units), calmDecisions)
}

// update re-reads whether the target is calm at now, last being the HPA
// curve's last event time at prescale's cost: calm ends when the curve
// has moved since it began, and begins when the curve has been silent
// for calmWindow while prescale made calmEvents scale events in it (so
// all of them after the curve's last event: last <= from < events[0]).
// A curve without an event yet is silent only since the engine's first
// update, so calm cannot begin in the first calmWindow.
func (c *calm) update(now, last int64) {
	if !c.hasFirst {
		c.first, c.hasFirst = now, true
		c.resumeAt(now)
	}
	if c.on && last > max(c.since, c.settled) {
		c.on = false
	}
	from := now - int64(calmWindow/time.Second)
	silent := last <= from && c.first <= from
	if !c.on && silent && len(c.events) == calmEvents && c.events[0] > from {
		c.on, c.since = true, last
	}
}

// resumeAt takes the persisted memory, if any, at the first update (now)
// when its last decision is at most c.gap before now: its events
// and wanted units (the last calmEvents and calmDecisions of them), and
// calm if it was, since now: the shadow HPAs restart with the engine
// from prescale's units, and their steps to their own units are events
// of the curve that say nothing of the demand, so only the curve's events
// after they settled (settleFor after now) end it. That is more than
// their first step: a first scale-up is pending for the lag, while they
// re-read the demand against the units ready before it and step again,
// and the HPA keeps its highest recommendation for its window after. The
// curve's silence before now is not known: calm cannot begin again
// before calmWindow has passed, as at any start.
func (c *calm) resumeAt(now int64) {
	m := c.resume
	c.resume = nil
	if m == nil || !resumable(m.At, now, c.gap) {
		return
	}
	c.events = append(c.events[:0], m.Events[max(0, len(m.Events)-calmEvents):]...)
	for _, u := range m.Wanted[max(0, len(m.Wanted)-calmDecisions):] {
		c.wanted.Push(float64(u), calmDecisions)
	}
	c.at, c.hasAt = m.At, true
	c.on, c.since = m.On, now
	c.settled = now + c.settleFor
}

// memory is the calm hold's memory for the state file, as of the last
// decision (nil before one).
func (c *calm) memory(target string) *state.Calm {
	if !c.hasAt {
		return nil
	}
	m := &state.Calm{Version: state.CalmVersion, Target: target, At: c.at, On: c.on, Since: c.since,
		Events: slices.Clone(c.events), Wanted: make([]int, 0, c.wanted.Len())}
	for _, u := range c.wanted.OldestFirst() {
		m.Wanted = append(m.Wanted, int(u))
	}
	return m
}

// CalmMemory is the calm hold's memory as of the last decision, for the
// state file (nil without the shadow HPA or before a decision).
func (e *Engine) CalmMemory() *state.Calm {
	if e.shadow == nil {
		return nil
	}
	return e.shadow.calm.memory(state.ShadowTarget(e.target))
}

// ResumeCalm hands the engine, before its first decision, the calm hold's
// memory persisted before a restart (nil: none), resumed at the first
// decision if within Engine.resumeGap of its last (calm.resumeAt).
// Ignored without the shadow HPA, or sized at another capacity, utilisation or lag
// (its wanted units would be of another size).
func (e *Engine) ResumeCalm(m *state.Calm) {
	if e.shadow != nil && !e.shadow.calm.hasFirst && (m == nil || m.Target == state.ShadowTarget(e.target)) {
		c := &e.shadow.calm
		c.resume, c.settleFor, c.gap = m, int64((e.target.Lag+simpool.HPAWindow)/time.Second), e.resumeGap()
	}
}

// units is the median of the units wanted by the last calmDecisions
// decisions (the upper one of an even count), 0 before there are that
// many.
func (c *calm) units() int {
	if c.wanted.Len() < calmDecisions {
		return 0
	}
	sorted := c.wanted.Sorted()
	return int(sorted[len(sorted)/2])
}

// calmUnits is policy.Input.CalmUnits for a decision at event price
// price: the median wanted units while the target is calm and pacing is
// not in force, else 0.
func (s *shadow) calmUnits(price float64) int {
	s.calm.update(s.prev, hpaLastEventAt(s.hpas, s.pace.cost))
	if !s.calm.on || price > 1 {
		return 0
	}
	return s.calm.units()
}

// hpaLastEventAt is the last scale event time of the HPA curve at cost:
// the later of the two shadow HPAs whose costs bracket it, where
// hpaEventsAt reads the curve (simpool.Bracket; one of them at the
// curve's first cost, and the cheapest's or dearest's beyond the curve's
// ends), not an interpolation of the two times; 0 without HPAs or events.
// (Unix seconds are exact in a float64.)
func hpaLastEventAt(hpas []hpaShadow, cost float64) int64 {
	pts := hpaCurve(hpas, func(h *hpaShadow) simpool.CurvePoint {
		return simpool.CurvePoint{Cost: h.score.cost, Value: float64(h.lastEvent)}
	})
	i, j, _ := simpool.Bracket(pts, cost)
	if i < 0 {
		return 0
	}
	return int64(max(pts[i].Value, pts[j].Value))
}
