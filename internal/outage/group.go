package outage

import (
	"log/slog"
	"strings"
	"time"
)

// Group logs the outages of many like members (a controller's targets)
// that start or end in the same round (one cycle over them) together, so
// that a cause they share (one exporter gone under 1,000 targets) is one
// line and not one per member: up to Few members starting (ending) in a
// round each log their own WARN (INFO) as a Tracker does; more log one
// WARN (INFO) with ManyFailMsg (ManyOKMsg), their count (targets), the
// first Few names in round order (first) and the first one's error, each
// member at DEBUG. Call Fail or OK for each member in the round, then
// Flush. Its zero value with the messages set is ready; like Tracker it
// is not safe for concurrent use.
type Group struct {
	// Key is the attribute naming a member ("target").
	Key string
	// Few is how many members starting (ending) in one round still log a
	// line each; 0 means 3.
	Few int
	// FailMsg and OKMsg are a member's, as Tracker's Fail and OK log them.
	FailMsg, OKMsg string
	// ManyFailMsg and ManyOKMsg are the round's when more than Few start
	// (end) in it.
	ManyFailMsg, ManyOKMsg string

	started, ended []groupEvent
}

type groupEvent struct {
	name       string
	attrs      []any
	err        error
	failingFor time.Duration
	failures   int
}

var discard = slog.New(slog.DiscardHandler)

// Fail records member name's failure at now in t: a failure of an outage
// under way logs at DEBUG as Tracker.Fail does, one that starts an outage
// waits for Flush.
func (g *Group) Fail(log *slog.Logger, t *Tracker, now time.Time, err error, name string, attrs ...any) {
	attrs = append([]any{g.Key, name}, attrs...)
	if t.Failing() {
		t.Fail(log, now, err, g.FailMsg, attrs...)
		return
	}
	t.Fail(discard, now, err, g.FailMsg)
	g.started = append(g.started, groupEvent{name: name, attrs: attrs, err: err})
}

// OK records member name's success at now in t: an outage it ends waits
// for Flush.
func (g *Group) OK(t *Tracker, now time.Time, name string, attrs ...any) {
	if !t.Failing() {
		t.OK(discard, now, "")
		return
	}
	ev := groupEvent{name: name, attrs: append([]any{g.Key, name}, attrs...), failingFor: now.Sub(t.Since), failures: t.Failures}
	t.OK(discard, now, "")
	g.ended = append(g.ended, ev)
}

// Flush logs the outages that started and ended since the last Flush and
// starts a new round.
func (g *Group) Flush(log *slog.Logger) {
	few := g.Few
	if few <= 0 {
		few = 3
	}
	if n := len(g.started); n > few {
		log.Warn(g.ManyFailMsg, "targets", n, "first", g.names(g.started, few), "err", g.started[0].err)
	}
	for _, ev := range g.started {
		attrs := append(ev.attrs, "err", ev.err)
		if len(g.started) > few {
			log.Debug(g.FailMsg, attrs...)
		} else {
			log.Warn(g.FailMsg, attrs...)
		}
	}
	if n := len(g.ended); n > few {
		longest, most := time.Duration(0), 0
		for _, ev := range g.ended {
			longest, most = max(longest, ev.failingFor), max(most, ev.failures)
		}
		log.Info(g.ManyOKMsg, "targets", n, "first", g.names(g.ended, few),
			"failing_for", longest.Round(time.Second).String(), "failed_attempts", most)
	}
	for _, ev := range g.ended {
		attrs := append(ev.attrs, "failing_for", ev.failingFor.Round(time.Second).String(), "failed_attempts", ev.failures)
		if len(g.ended) > few {
			log.Debug(g.OKMsg, attrs...)
		} else {
			log.Info(g.OKMsg, attrs...)
		}
	}
	g.started, g.ended = g.started[:0], g.ended[:0]
}

// names joins the names of the first few events.
func (g *Group) names(evs []groupEvent, few int) string {
	names := make([]string, 0, few)
	for _, ev := range evs[:min(few, len(evs))] {
		names = append(names, ev.name)
	}
	return strings.Join(names, ", ")
}
