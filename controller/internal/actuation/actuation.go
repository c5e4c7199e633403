// Package actuation is the controller's side of its actuators: what
// each had acknowledged before a restart, told to it at start (Restore);
// a decision handed to them, or logged as a recommendation in
// forecast-only mode (Act); what they acknowledged put into a target's
// state-file entry (Record); and the desired units they had not
// acknowledged at shutdown, logged (LogPending).
package actuation

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/prescale/prescale/controller/actuator"
	"github.com/prescale/prescale/controller/policy"
	"github.com/prescale/prescale/controller/state"
)

// The modes (PRESCALE_MODE); the controller's ModeAct and
// ModeForecastOnly are these.
const (
	ModeAct          = "act"
	ModeForecastOnly = "forecast-only"
)

// Set is the controller's actuators (Levels, in PRESCALE_ACTUATOR
// order), its mode (Mode, ModeAct or ModeForecastOnly: the one fact
// Acting derives from) and its logger.
type Set struct {
	Levels []*actuator.Level
	Mode   string
	Log    *slog.Logger
}

// Acting reports whether the controller acts (act mode): hands its
// decisions to the actuators rather than logging recommendations.
func (s Set) Acting() bool { return s.Mode == ModeAct }

// Restore tells every actuator what it had acknowledged for t
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
func (s Set) Restore(t policy.Target, ts state.Target, savedAt time.Time, interval time.Duration) {
	back := cameBack(ts, savedAt, interval)
	if back && len(s.Levels) > 0 && ts.Policy.HasLast {
		s.Log.Info("target back after another controller or none decided it: its desired units are sent again",
			"target", t.Name, "last_decided", ts.LastSeen().UTC().Format(time.RFC3339), "acknowledged", ts.Acked)
	}
	for _, l := range s.Levels {
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

// Record puts into ts what every actuator acknowledged for its
// target (Acked, never nil, so that a reload tells it from an old file)
// and which of them a delivery failed to since (Unsure).
func (s Set) Record(ts *state.Target, target string) {
	ts.Acked = make(map[string]int, len(s.Levels))
	ts.Unsure = nil
	for _, l := range s.Levels {
		if u, _, ok := l.Acked(target); ok {
			ts.Acked[l.Name()] = u
		}
		if l.Unsure(target) {
			ts.Unsure = append(ts.Unsure, l.Name())
		}
	}
}

// Act logs a decision that changes the units requested (those the
// policy decided from; act mode, with or without actuators; forecast-only
// logs it as a recommendation, see logRecommendation) and hands it, from
// the current units (the receiver's, as published), to every actuator
// (act mode only), each of which delivers it until acknowledged,
// replacing any older desired units it has not delivered yet. A no_data or bad_query hold changes
// nothing: each actuator keeps (re-)sending the last desired units. A
// failed delivery is not a cycle error: the actuator retries it and
// reports it once per outage (log, prescale_actuation_pending,
// /api/system/health).
func (s Set) Act(ctx context.Context, t policy.Target, dec policy.Decision, requested, current int) {
	if dec.Reason.Holds() {
		return
	}
	if !s.Acting() {
		s.logRecommendation(t, dec, requested)
		return
	}
	// Logged without actuators too: KEDA or an HPA scales on the
	// published decision, and the log said nothing of its moves.
	if dec.Desired != requested {
		s.Log.Info("scaling", "target", t.Name, "from", requested, "to", dec.Desired, "reason", dec.Reason)
	}
	if len(s.Levels) == 0 {
		return
	}
	// Direction is relative to the units the receiver is known to have, so
	// a resend of an unacknowledged scale-up is still "up" (and keeps its
	// fingerprint) after later cycles decided the same units again.
	dir := "none"
	switch {
	case dec.Desired > current:
		dir = "up"
	case dec.Desired < current:
		dir = "down"
	}
	a := actuator.Action{
		Target: t.Name, Tier: t.Tier, Kind: string(t.Kind),
		Current: current, Desired: dec.Desired, Direction: dir,
		Reason: string(dec.Reason), Explanation: dec.Line(), Confidence: dec.Explanation.Confidence,
		Forecast: dec.Explanation.MeanUsed, Upper: dec.Explanation.UpperUsed,
		CostPerHour: float64(dec.Desired) * t.CostPerUnitHour, At: dec.Explanation.Now,
	}
	for _, l := range s.Levels {
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
func (s Set) logRecommendation(t policy.Target, dec policy.Decision, requested int) {
	if dec.Desired != requested {
		s.Log.Info("recommendation", "target", t.Name, "from", requested, "to", dec.Desired, "reason", dec.Reason,
			"acted", false, "mode", s.Mode)
	}
}

// LogPending logs one WARN at shutdown naming the targets whose
// current desired units an actuator has not acknowledged (a receiver
// failing, a delivery cut short by the shutdown), up to three, with their
// count: the next start sends them again, and until then the receiver may
// run other units. The shutdown said only "stopped", the receiver's outage
// having been logged once, when it started.
func (s Set) LogPending() {
	var first []string
	n := 0
	for _, l := range s.Levels {
		for _, st := range l.Status() {
			if !st.Pending {
				continue
			}
			n++
			if len(first) < 3 {
				first = append(first, fmt.Sprintf("%s: %d desired, %s acknowledged by %s", st.Target, st.Desired, st.AcknowledgedText(), st.Actuator))
			}
		}
	}
	if n > 0 {
		s.Log.Warn("stopping with desired units not acknowledged: the next start sends them again, and until then the receivers may run other units",
			"pending", n, "first", strings.Join(first, "; "))
	}
}
