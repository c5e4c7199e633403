package controller

import (
	"context"
	"fmt"
	"time"

	"github.com/prescale/prescale/controller/internal/cost"
	"github.com/prescale/prescale/controller/policy"
)

// Override is a manual scaling: target is held at units for dur (0:
// Options.ManualDuration), decided by the same policy (reason manual),
// acted on at once in act mode, its decision, current units and cost
// published at once as a cycle's are (afterAct, PublishUnits) and
// persisted (a failed save is logged, not
// returned: the scaling is in effect). It is serialised with the
// cycles' decide, act and persist phases (not their history queries) and
// returns the target's snapshot afterwards.
func (c *Controller) Override(ctx context.Context, target string, units int, dur time.Duration) (TargetSnapshot, error) {
	i, ok := c.byName[target]
	if !ok {
		return TargetSnapshot{}, fmt.Errorf("unknown target %q", target)
	}
	t := c.targets[i]
	if units < t.MinUnits || units > t.MaxUnits {
		return TargetSnapshot{}, fmt.Errorf("%d not in [%d, %d] for target %q", units, t.MinUnits, t.MaxUnits, t.Name)
	}
	if dur <= 0 {
		dur = c.o.ManualDuration
	}
	c.cycleMu.Lock()
	defer c.cycleMu.Unlock()
	now := c.d.Now()
	c.mu.Lock()
	ts := c.file.Targets[t.Name]
	snap := c.snaps[i]
	ts.Policy.Manual = &policy.Override{Units: units, Until: now.Add(dur)}
	c.mu.Unlock()
	snap.requested = c.requestedUnits(t, ts, snap)
	snap.current = c.currentUnits(t, snap.requested, snap)
	// The units held until now are charged until now (if known): the next
	// cycle charged the scaling's units back to the cycle before it.
	ts, snap.unobserved = cost.Accrue(t, ts, now, c.chargedUnits(i, t, ts, snap, now), c.maxGap())
	c.logUnobserved([]policy.Target{t}, []snapshot{snap})
	ts.Capacity, ts.Utilization = t.CapacityPerUnit, t.TargetUtilization // what its units are sized at (state.Target.Resize)
	ts.Interval = c.interval                                             // what its forgone gain is accrued at
	ts.Lag = t.Lag.String()                                              // and over (state.Target.Resize)
	in := policy.Input{Now: now, Interval: c.o.Interval, CurrentUnits: snap.requested, DataPresent: snap.present, Demand: snap.demand,
		Forecast: snap.fc, ForecastStep: c.o.Step, AnomalyScore: snap.anomScore, Anomaly: snap.anomaly, CostToday: ts.CostToday}
	if snap.partial != "" { // as the cycle's decide: the last cycle's reading
		in.Partial, in.Problem = true, snap.partial
	}
	dec := c.d.Decide(in, t, ts.Policy)
	ts.Policy = ts.Policy.Record(t, dec)
	ts.Decisions = appendBounded(ts.Decisions, dec, c.o.KeepDecisions)
	snap.decision, snap.hasDecision, snap.at = dec, true, now
	c.acts.Act(ctx, t, dec, snap.requested, snap.current)
	c.acts.Record(&ts, t.Name)
	snap.current, snap.paid = c.afterAct(i, t, ts, snap)
	// Decided: its units are known.
	snap.guess, snap.known = false, true
	c.d.Metrics.PublishUnits(t, unitsOf(snap, ts)) // before the copy: its pending time is saved

	c.mu.Lock()
	c.file.Targets[t.Name] = ts
	c.snaps[i].decision = dec
	c.snaps[i].current, c.snaps[i].paid, c.snaps[i].known = snap.current, snap.paid, true
	return c.saveUnlock(i, now), nil
}

// EndOverride ends target's manual override in force now (ended false
// when none is: expired, ended already, or never set): it is kept,
// marked cancelled at now (policy.Override.Cancelled), and persisted, so
// that it stays ended across a restart. Nothing is acted on here: the
// next cycle's decision (the one under way if it has not decided yet) is
// the policy's without it, names it in its explanation (manual_ended)
// and drops it. Serialised with the cycles' decide, act and persist
// phases as Override is.
func (c *Controller) EndOverride(target string) (snap TargetSnapshot, ended bool, err error) {
	i, ok := c.byName[target]
	if !ok {
		return TargetSnapshot{}, false, fmt.Errorf("unknown target %q", target)
	}
	c.cycleMu.Lock()
	defer c.cycleMu.Unlock()
	now := c.d.Now()
	c.mu.Lock()
	ts := c.file.Targets[target]
	if !ts.Policy.Manual.InForce(now) {
		defer c.mu.Unlock()
		return c.targetSnapshotLocked(i), false, nil
	}
	m := *ts.Policy.Manual
	m.Cancelled = now
	ts.Policy.Manual = &m
	c.file.Targets[target] = ts
	return c.saveUnlock(i, now), true, nil
}

// saveUnlock, with c.mu held, marks the answers changed, copies the
// state file, unlocks c.mu and saves the copy, and returns target i's
// snapshot. A failed save does not undo a manual scaling or its end,
// in effect: it is logged and shown in health as the cycles' are, and
// the next save writes it. Answering an error made clients retry a
// scaling in effect.
func (c *Controller) saveUnlock(i int, now time.Time) TargetSnapshot {
	c.gen.Add(1)
	c.file.SavedAt = now // its times are after the last cycle's (state.Target.ClampPast)
	file := c.copyFileLocked()
	c.mu.Unlock()
	_ = c.persist(now, file)
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.targetSnapshotLocked(i)
}
