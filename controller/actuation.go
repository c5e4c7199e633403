package controller

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/prescale/prescale/controller/history"
	"github.com/prescale/prescale/controller/internal/cyclelog"
	"github.com/prescale/prescale/controller/policy"
	"github.com/prescale/prescale/controller/state"
)

// requestedUnits are the units the policy decides from: ready plus
// provisioning in the simulated pool, else the last decision (the units
// requested, delivered or being delivered), else what the target's
// current_query read this cycle (within [min, max]), else the minimum.
// A new controller started from the minimum: its first decision held
// without data (no_data) was min_units, which KEDA applied to a workload
// running many more.
func (c *Controller) requestedUnits(t policy.Target, ts state.Target, snap snapshot) int {
	if c.d.Units != nil {
		if r, p, ok := c.d.Units.Units(t.Name); ok {
			return r + p
		}
	}
	if ts.Policy.HasLast {
		return ts.Policy.LastDesired
	}
	if snap.observedOK {
		return min(max(snap.observed, t.MinUnits), t.MaxUnits)
	}
	return t.MinUnits
}

// currentUnits are the units published as the target's current ones
// (prescale_current_units, the API's current_units): what the target's
// current_query read this cycle; else, in act mode with actuators, what
// the first actuator (in PRESCALE_ACTUATOR order) that acknowledged
// anything for the target acknowledged, never a value no receiver
// accepted; otherwise the requested units.
func (c *Controller) currentUnits(t policy.Target, requested int, snap snapshot) int {
	if snap.observedOK {
		return snap.observed
	}
	if c.d.Units == nil && c.o.Mode == ModeAct {
		for _, l := range c.d.Actuators {
			if u, _, ok := l.Acked(t.Name); ok {
				return u
			}
		}
	}
	return requested
}

// currentAssumed tells whether target t's current units (currentUnits)
// are only assumed: a first hold's (snap.guess: no units read back, no
// decision before, no simulated pool's) that no receiver acknowledged
// in this process (ackedHere), min_units. They are not published
// (prescale_current_units stays absent) until known.
func (c *Controller) currentAssumed(t policy.Target, snap snapshot) bool {
	return snap.guess && !snap.observedOK && !c.ackedHere(t)
}

// ackedHere tells whether a receiver acknowledged units for target t in
// this process (act mode with actuators, no simulated pool). What a level
// holds as acknowledged from a state file without a last decision is
// min_units at no time (actuation.Set.Restore): assumed, not this.
func (c *Controller) ackedHere(t policy.Target) bool {
	if c.d.Units != nil || c.o.Mode != ModeAct {
		return false
	}
	for _, l := range c.d.Actuators {
		if _, at, ok := l.Acked(t.Name); ok && !at.IsZero() {
			return true
		}
	}
	return false
}

// pooled tells whether the simulated pool reports target t's units.
func (c *Controller) pooled(t policy.Target) bool {
	if c.d.Units == nil {
		return false
	}
	_, _, ok := c.d.Units.Units(t.Name)
	return ok
}

// chargedUnits are the units target idx's cost accrues at for the time
// since its last charge (cost.Accrue, at now), ts being its state before
// the decision now and snap the cycle's reading: its paid units (of
// snap.current, paidUnits) when they are known, that is read back by its
// current_query, the simulated pool's, the last decision (a cycle's, a
// manual scaling's or the state file's: the units the controller asked
// for) or acknowledged by a receiver in this process. Otherwise they are
// only assumed, min_units before a new target's first decision (its
// first holds without data, currentAssumed): none accrue. They were
// charged, and the daily budget counted spend nobody could say was made.
func (c *Controller) chargedUnits(idx int, t policy.Target, ts state.Target, snap snapshot, now time.Time) int {
	if !snap.observedOK && !ts.Policy.HasLast && !c.pooled(t) && !c.ackedHere(t) {
		return 0
	}
	return c.paidUnits(idx, t, snap.current, now)
}

// afterAct is target i's current and paid units once the decision in ts
// (a cycle's, or a manual scaling's) was acted on, as published
// (prescale_current_units, prescale_cost_per_hour, the API's
// current_units and cost_per_hour): currentUnits from the units
// requested now (the simulated pool's ready plus provisioning, else the
// decision), what an actuator acknowledged by now (at once for the
// simulated pool, Inline; a webhook's or a command's arriving later when
// it arrives, see acknowledged), or what the current_query
// read this cycle; paid for, a delivered scale-up's units starting too
// (watchLag sees a delivery now, timed from its acknowledgement). They
// were those read before the decision, so a change in place at once (the
// simulated pool; without actuators, KEDA reading the decision) showed
// an interval late. An actuator's Action.Current stays the units before
// the decision: a notification says from what to what.
func (c *Controller) afterAct(i int, t policy.Target, ts state.Target, snap snapshot) (cur, paid int) {
	c.watchLag(i, t, snap)
	cur = c.currentUnits(t, c.requestedUnits(t, ts, snap), snap)
	return cur, c.paidUnits(i, t, cur, snap.at)
}

// acknowledged publishes target's current units and cost per hour
// (afterAct's, PublishCurrent) when an actuator's receiver acknowledges
// a background delivery (a webhook's, a command's: Level.OnAck, set by
// New). They showed from the next cycle, an interval late. It waits for
// a cycle's decide, act and persist phases or a manual scaling (cycleMu),
// which publish their own; the decision is not published again. As a
// cycle and a manual scaling do, it sets the metrics before the snapshot
// and generation the API answers from: a client that sees the units
// acknowledged (or a new generation) scrapes them too. The snapshot
// first let a reader see 10 units while prescale_cost_per_hour still
// charged the 1 before them. Units still only assumed (currentAssumed)
// are not published.
func (c *Controller) acknowledged(target string) {
	i, ok := c.byName[target]
	if !ok {
		return
	}
	t := c.targets[i]
	c.cycleMu.Lock()
	defer c.cycleMu.Unlock()
	c.mu.RLock()
	ts, snap := c.file.Targets[t.Name], c.snaps[i]
	c.mu.RUnlock()
	cur, paid := c.afterAct(i, t, ts, snap)
	known := !c.currentAssumed(t, snap)
	if !known || cur == snap.current && paid == snap.paid && snap.known {
		return
	}
	c.d.Metrics.PublishCurrent(t, cur, paid, c.d.Now())
	c.mu.Lock()
	c.snaps[i].current, c.snaps[i].paid, c.snaps[i].known = cur, paid, true
	c.gen.Add(1)
	c.mu.Unlock()
}

// readCurrent reads the units the target has from its current_query (an
// instant query at the cycle's time), rounded to whole units. Missing or
// unusable data only falls back to the acknowledged units (the reason is
// kept for the API); a query the source rejects, or whose value is negative
// or more than any pool holds, is also a cycle error (its tracker logs it).
func (c *Controller) readCurrent(ctx context.Context, t policy.Target, snap *snapshot) error {
	if t.CurrentQuery == "" || !snap.histUp {
		return nil
	}
	at := snap.at.Truncate(time.Millisecond)
	s, err := c.query(ctx, t.CurrentQuery, at, at)
	if err != nil {
		snap.currentErr = err.Error()
		if history.IsQueryError(err) {
			snap.currentBad = true
			return cyclelog.Tracked(fmt.Errorf("target current_query %q: %w", t.CurrentQuery, err))
		}
		return nil
	}
	_, v, ok := s.Last()
	if ok && v > math.MaxInt32 {
		// More units than any pool holds: a wrong query (bytes, not replicas).
		snap.currentErr, snap.currentBad = fmt.Sprintf("value %g is not a unit count (more than %d)", v, math.MaxInt32), true
		return cyclelog.Tracked(fmt.Errorf("target current_query %q: %s", t.CurrentQuery, snap.currentErr))
	}
	if !ok || math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
		snap.currentErr = fmt.Sprintf("current_query %q gave no usable value", t.CurrentQuery)
		return nil
	}
	snap.observed, snap.observedOK = int(math.Round(v)), true
	return nil
}

// watchLag measures the provisioning lag the controller observes
// (lagwatch.Watch): from a scale-up being delivered (what the first
// actuator acknowledged; without actuators, KEDA or an HPA reading
// prescale_desired_units, the published decision when it changed) to the
// target's current_query showing at least its units, timed at the
// decision cycles (prescale_observed_provisioning_lag_seconds). Act mode
// only.
func (c *Controller) watchLag(idx int, t policy.Target, snap snapshot) {
	if t.CurrentQuery == "" || c.o.Mode != ModeAct || !snap.observedOK {
		return
	}
	w := &c.lags[idx]
	var u int
	var at time.Time
	var ok bool
	if len(c.d.Actuators) > 0 {
		u, at, ok = c.d.Actuators[0].Acked(t.Name)
	} else {
		u, at, ok = w.Published(snap.decision.Desired, snap.at, snap.hasDecision)
	}
	if units, lag, done := w.See(snap.at, snap.observed, u, at, ok); done {
		c.d.Metrics.LagObserved.WithLabelValues(t.Name, t.Tier, string(t.Kind)).Observe(lag.Seconds())
		c.log.Debug("observed provisioning lag", "target", t.Name, "units", units, "lag", lag.Seconds(), "configured", t.Lag.Seconds())
	}
}

// paidUnits are the units target idx is paid for at now while it has
// current units: those, or more while a delivered scale-up's units start
// (lagwatch.Watch.Starting). The cost accrued, prescale_cost_per_hour and the API's
// cost_per_hour are of these.
func (c *Controller) paidUnits(idx int, t policy.Target, current int, now time.Time) int {
	return max(current, c.lags[idx].Starting(now, t.Lag))
}

// ErrStateNotSaved is SaveState's error when the state file on disk is
// older than the decisions at shutdown (its last save failed).
var ErrStateNotSaved = errors.New("state file not saved at shutdown")

// SaveState writes the state file once more with what every actuator has
// acknowledged by now. The cycles write it, so an acknowledgement that
// arrived after the last cycle was lost at shutdown: a restart published
// the older units as current and sent the decision again. App.Run calls it
// once the loop and the actuators have stopped; a failure is logged as
// persist logs the cycles'. While saves fail (a full disk, this save or
// the last cycle's), it also logs at ERROR that the state file is older
// than the decisions (the shutdown said only "stopped", the failure being
// logged once at its start, maybe hours before) and returns
// ErrStateNotSaved, so the program exits 1 and its supervisor sees it
// (it exited 0).
func (c *Controller) SaveState() error {
	err := c.saveAcks()
	c.acts.LogPending()
	c.mu.Lock()
	failing, last, lastErr := c.saveOut.Failing(), c.savedOK, c.saveOut.LastErr
	c.mu.Unlock()
	if failing {
		at := "never"
		if !last.IsZero() {
			at = last.UTC().Format(time.RFC3339)
		}
		c.log.Error("stopping with the state file not saved: the next start resumes from its last save, and what was decided and acknowledged since is lost (cooldowns, last decisions, acknowledged units)",
			"last_saved", at, "err", lastErr)
		return fmt.Errorf("%w (last saved %s): %s", ErrStateNotSaved, at, lastErr)
	}
	return err
}

// saveAcks writes the state file with the acknowledgements received since
// the last cycle (with actuators; nothing changes between cycles without).
func (c *Controller) saveAcks() error {
	if len(c.d.Actuators) == 0 {
		return nil // nothing changes between cycles
	}
	c.cycleMu.Lock()
	defer c.cycleMu.Unlock()
	c.mu.Lock()
	for _, t := range c.targets {
		if ts, ok := c.file.Targets[t.Name]; ok {
			c.acts.Record(&ts, t.Name)
			c.file.Targets[t.Name] = ts
		}
	}
	file := c.copyFileLocked()
	c.mu.Unlock()
	return c.persist(c.d.Now(), file)
}
