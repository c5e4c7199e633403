package controller

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/prescale/prescale/controller/actuator"
	"github.com/prescale/prescale/controller/history"
	"github.com/prescale/prescale/controller/internal/cyclelog"
	"github.com/prescale/prescale/controller/policy"
	"github.com/prescale/prescale/controller/state"
)

// restoreActuation tells every actuator what it had acknowledged for t
// before a restart, and whether a delivery failed since (state.Target's
// Unsure), or the target comes back after the controller that saved the
// file at savedAt had not decided it (cameBack): unsure either way, so
// the current desired units are sent even when they equal the
// acknowledged ones. A state file written before level-triggered
// actuation (Acked nil) counts its last decision as acknowledged, as the
// controller that wrote it assumed. A target without a decision is
// assumed at its minimum units (the simulated pool starts there too),
// which no receiver acknowledged: unsure, so that its first decision is
// sent whatever its units. A first decision of min_units was taken as
// delivered already and never sent: the receiver stayed where it was
// (with a current_query showing that, PrescaleScalingDecisionPending
// fired, pointing at the platform).
func (c *Controller) restoreActuation(t policy.Target, ts state.Target, savedAt time.Time) {
	back := cameBack(ts, savedAt, c.o.Interval)
	if back && len(c.d.Actuators) > 0 && ts.Policy.HasLast {
		c.log.Info("target back after another controller or none decided it: its desired units are sent again",
			"target", t.Name, "last_decided", ts.LastSeen().UTC().Format(time.RFC3339), "acknowledged", ts.Acked)
	}
	for _, l := range c.d.Actuators {
		unsure := back || !ts.Policy.HasLast || slices.Contains(ts.Unsure, l.Name())
		switch u, ok := ts.Acked[l.Name()]; {
		case !ts.Policy.HasLast:
			l.Restore(t.Name, t.MinUnits, unsure)
		case ts.Acked == nil:
			l.Restore(t.Name, ts.Policy.LastDesired, unsure)
		case ok && u >= 0:
			l.Restore(t.Name, u, unsure)
		}
	}
}

// cameBack reports whether a state file's entry was last decided well
// before the file was saved (more than an hour, or two scaling intervals):
// the controller that saved it did not own the target then (removed from
// the targets file, or another shard's), and its entry is kept a week
// (state.KeepUnconfigured). Whoever decided the target meanwhile (the
// other shard, a person) may have set its receiver to other units than
// the entry's acknowledged ones: before, a decision equal to them was not
// sent, and the receiver stayed where the other had left it, with
// prescale_current_units showing the stale acknowledgement. A restart
// after downtime is not this: every entry was decided in the last cycle.
func cameBack(ts state.Target, savedAt time.Time, interval time.Duration) bool {
	seen := ts.LastSeen()
	return !seen.IsZero() && seen.Before(savedAt.Add(-max(time.Hour, 2*interval)))
}

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
// charged the 1 before them.
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
	if cur == snap.current && paid == snap.paid {
		return
	}
	c.d.Metrics.PublishCurrent(t, cur, paid, c.d.Now())
	c.mu.Lock()
	c.snaps[i].current, c.snaps[i].paid = cur, paid
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
	s, err := c.d.History.QueryRange(ctx, t.CurrentQuery, at, at, c.o.Step)
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
	c.logPendingAtStop()
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

// logPendingAtStop logs one WARN at shutdown naming the targets whose
// current desired units an actuator has not acknowledged (a receiver
// failing, a delivery cut short by the shutdown), up to three, with their
// count: the next start sends them again, and until then the receiver may
// run other units. The shutdown said only "stopped", the receiver's outage
// having been logged once, when it started.
func (c *Controller) logPendingAtStop() {
	var first []string
	n := 0
	for _, l := range c.d.Actuators {
		for _, s := range l.Status() {
			if !s.Pending {
				continue
			}
			n++
			if len(first) < 3 {
				first = append(first, fmt.Sprintf("%s: %d desired, %s acknowledged by %s", s.Target, s.Desired, s.AcknowledgedText(), s.Actuator))
			}
		}
	}
	if n > 0 {
		c.log.Warn("stopping with desired units not acknowledged: the next start sends them again, and until then the receivers may run other units",
			"pending", n, "first", strings.Join(first, "; "))
	}
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
			c.recordActuation(&ts, t.Name)
			c.file.Targets[t.Name] = ts
		}
	}
	file := c.copyFileLocked()
	c.mu.Unlock()
	return c.persist(c.d.Now(), file)
}

// recordActuation puts into ts what every actuator acknowledged for its
// target (Acked, never nil, so that a reload tells it from an old file)
// and which of them a delivery failed to since (Unsure).
func (c *Controller) recordActuation(ts *state.Target, target string) {
	ts.Acked = make(map[string]int, len(c.d.Actuators))
	ts.Unsure = nil
	for _, l := range c.d.Actuators {
		if u, _, ok := l.Acked(target); ok {
			ts.Acked[l.Name()] = u
		}
		if l.Unsure(target) {
			ts.Unsure = append(ts.Unsure, l.Name())
		}
	}
}

// act logs a decision that changes the units (act mode, with or without
// actuators; forecast-only logs it as a recommendation, see
// logRecommendation) and hands it to every actuator (act mode only), each
// of which delivers it until acknowledged, replacing any older desired
// units it has not delivered yet. A no_data or bad_query hold changes
// nothing: each actuator keeps (re-)sending the last desired units. A
// failed delivery is not a cycle error: the actuator retries it and
// reports it once per outage (log, prescale_actuation_pending,
// /api/system/health).
func (c *Controller) act(ctx context.Context, t policy.Target, dec policy.Decision, snap snapshot) {
	if dec.Reason.Holds() {
		return
	}
	if c.o.Mode != ModeAct {
		c.logRecommendation(t, dec, snap)
		return
	}
	// Logged without actuators too: KEDA or an HPA scales on the
	// published decision, and the log said nothing of its moves.
	if dec.Desired != snap.requested {
		c.log.Info("scaling", "target", t.Name, "from", snap.requested, "to", dec.Desired, "reason", dec.Reason)
	}
	if len(c.d.Actuators) == 0 {
		return
	}
	// Direction is relative to the units the receiver is known to have, so
	// a resend of an unacknowledged scale-up is still "up" (and keeps its
	// fingerprint) after later cycles decided the same units again.
	dir := "none"
	switch {
	case dec.Desired > snap.current:
		dir = "up"
	case dec.Desired < snap.current:
		dir = "down"
	}
	a := actuator.Action{
		Target: t.Name, Tier: t.Tier, Kind: string(t.Kind),
		Current: snap.current, Desired: dec.Desired, Direction: dir,
		Reason: string(dec.Reason), Explanation: Explain(dec), Confidence: dec.Explanation.Confidence,
		Forecast: dec.Explanation.MeanUsed, Upper: dec.Explanation.UpperUsed,
		CostPerHour: float64(dec.Desired) * t.CostPerUnitHour, At: dec.Explanation.Now,
	}
	for _, l := range c.d.Actuators {
		_ = l.Act(ctx, a) // see above
	}
}

// logRecommendation logs one INFO `recommendation` in forecast-only mode
// when the decision changes the units the policy decided from (the
// previous decision; the first: the current_query's or min_units; the
// app gives the controller no units source in that mode), with the
// fields of act mode's `scaling` and acted=false: what prescale would
// have done.
// Nothing was logged, so an operator evaluating it before letting it act
// saw no move in the log. Its own message: `scaling` stays the moves made
// (a forecast-only standby beside the acting controller doubled them).
func (c *Controller) logRecommendation(t policy.Target, dec policy.Decision, snap snapshot) {
	if dec.Desired != snap.requested {
		c.log.Info("recommendation", "target", t.Name, "from", snap.requested, "to", dec.Desired, "reason", dec.Reason,
			"acted", false, "mode", c.o.Mode)
	}
}
