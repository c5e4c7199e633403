// Package cyclelog logs the problems of the controller's cycles as
// outages, each once: the history source down, a target's query or
// current_query failing, a target without fresh data, its demand partial
// or its forecast not finite. Each logs one WARN
// when it starts, DEBUG at each cycle while it lasts and one INFO with its
// duration when it ends. It also marks the cycle errors such a log
// reports (Tracked), so that the loop does not log them again as a failed
// cycle (Untracked).
package cyclelog

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/prescale/prescale/controller/policy"
	"github.com/prescale/prescale/internal/outage"
)

// NoDataGrace is how long a target may have no fresh data (or its
// current_query no value) before it is logged: a store that has just
// started (prescale run's first cycle, a rate() waiting for its second
// scrape) has none for a few seconds.
const NoDataGrace = time.Minute

// Target names a target and its queries in the log.
type Target struct {
	Name, Query, CurrentQuery string
}

// Facts are what one cycle found of a target's queries.
type Facts struct {
	// HistUp: the source answered (else the target's queries were not
	// evaluated, and their problems neither last nor end).
	HistUp bool
	// BadQuery: the store answered, the target's query is at fault.
	BadQuery bool
	// HistErr is the query's problem (or why there is no fresh data).
	HistErr string
	// Present: the cycle had a fresh demand sample.
	Present bool
	// CurrentBad: the store answered, the current_query is at fault
	// (rejected, negative, not a unit count).
	CurrentBad bool
	// CurrentErr is why the current_query gave no units ("" when it did,
	// or none is configured).
	CurrentErr string
	// Partial is why the demand was a lower bound (the target's
	// complete_query did not say complete); "" when it was whole.
	Partial string
	// NotFinite is why the target's forecast was not finite (values near
	// ±MaxFloat64: predictor.ErrNotFinite); "" when it was, or there was
	// none for another reason (warming up, no fresh data).
	NotFinite string
}

// Log holds the outages of one controller's history source and targets
// (fixed for its life); its methods write to the logger they are given. Not safe for concurrent use: the controller calls
// it under its cycle lock.
type Log struct {
	targets []Target
	hist    outage.Tracker
	// query, current and data are per target: its query's problems, its
	// current_query's, its time without fresh data while the store
	// answers (the tracker's Seen: when that began); partial its demand
	// read as a lower bound (complete_query); notFinite its forecast not
	// finite.
	query, current, data, partial, notFinite []outage.Tracker
	// dataGroup logs the data outages that start (end) in one cycle: more
	// than a few as one line (an exporter gone under many targets);
	// queryGroup the query problems (a store's limit lowered under many
	// targets' full reads).
	dataGroup, queryGroup outage.Group
}

// New returns the log of targets' outages.
func New(targets []Target) *Log {
	n := len(targets)
	return &Log{targets: targets,
		query: make([]outage.Tracker, n), current: make([]outage.Tracker, n), data: make([]outage.Tracker, n),
		partial: make([]outage.Tracker, n), notFinite: make([]outage.Tracker, n),
		dataGroup: outage.Group{Key: "target",
			FailMsg: "target has no fresh data: decisions hold (no_data)", OKMsg: "target data back",
			ManyFailMsg: "targets have no fresh data: decisions hold (no_data)", ManyOKMsg: "targets data back"},
		queryGroup: outage.Group{Key: "target",
			FailMsg: "target query failing: decisions hold", OKMsg: "target query recovered",
			ManyFailMsg: "targets' queries failing: decisions hold", ManyOKMsg: "targets' queries recovered"}}
}

// History logs the history source's outages as the actuators log theirs:
// one WARN when one starts, DEBUG at each retry (1 s, 2 s, 4 s ... then
// every interval), one INFO when it ends with its duration. lastOK is the
// source's last answer (zero: none yet).
func (l *Log) History(log *slog.Logger, now time.Time, up bool, histErr string, lastOK time.Time) {
	if up {
		l.hist.OK(log, now, "history source recovered")
		return
	}
	attrs := []any{}
	if !lastOK.IsZero() {
		attrs = append(attrs, "last_ok", lastOK.UTC().Format(time.RFC3339))
	}
	l.hist.Fail(log, now, errors.New(histErr),
		"history source down: decisions hold (no_data) and cycles retry with backoff", attrs...)
}

// Targets logs the problems of each target's query (reason bad_query),
// data and current_query as History logs the source's outages: one WARN
// naming the target when one starts, DEBUG at each cycle while it lasts,
// one INFO with its duration when the target decides normally again (its
// current_query reads again, its demand is whole again), and so is its
// forecast not finite (a demand near 1e308). More than three
// targets' queries (or data) starting (ending) to fail in one cycle log
// one line with their count and first names (outage.Group): a store's
// limit lowered under 1,000 targets logged 1,000 WARN lines at once, and
// 1,000 INFO when raised again. facts[i] is target i's.
func (l *Log) Targets(log *slog.Logger, now time.Time, facts []Facts) {
	for i, f := range facts {
		name := l.targets[i].Name
		switch {
		case f.BadQuery:
			l.queryGroup.Fail(log, &l.query[i], now, errors.New(f.HistErr), name, "reason", policy.ReasonBadQuery)
		case f.HistUp:
			l.queryGroup.OK(&l.query[i], now, name)
		}
		l.data1(log, now, i, f)
		l.current1(log, now, i, f)
		switch {
		case f.Partial != "":
			l.partial[i].Fail(log, now, errors.New(f.Partial), "target demand partial: no scale-down below the units held",
				"target", name, "reason", policy.ReasonPartialData)
		case f.Present:
			l.partial[i].OK(log, now, "target demand whole again", "target", name)
		}
		switch {
		case f.NotFinite != "":
			l.notFinite[i].Fail(log, now, errors.New(f.NotFinite), "target forecast not finite: decisions without a forecast", "target", name)
		case f.Present:
			l.notFinite[i].OK(log, now, "target forecast finite again", "target", name)
		}
	}
	l.queryGroup.Flush(log)
	l.dataGroup.Flush(log)
}

// current1 logs the problems of target i's current_query: one a query's
// fault at once, one without a value (a series no longer there, a
// misspelt label) once it has lasted NoDataGrace, as data1 does; it fell
// back to the acknowledged units without a word.
func (l *Log) current1(log *slog.Logger, now time.Time, i int, f Facts) {
	t := l.targets[i]
	fail := func() {
		l.current[i].Fail(log, now, fmt.Errorf("current_query %q: %s", t.CurrentQuery, f.CurrentErr), "target current_query failing: current units fall back",
			"target", t.Name, "reason", "current_query")
	}
	switch {
	case f.CurrentBad:
		fail()
	case !f.HistUp:
		// The source's problem: current_query was not evaluated.
	case f.CurrentErr != "":
		if now.Sub(l.current[i].First(now)) >= NoDataGrace {
			fail()
		}
	default:
		l.current[i].OK(log, now, "target current_query recovered", "target", t.Name)
	}
}

// data1 logs target i without fresh data while the store answers (a query
// that matches no series, an exporter gone) once it has lasted
// NoDataGrace: one WARN naming the target and why, DEBUG at each cycle,
// one INFO when data is back. When more than three targets start (stop)
// missing in the same cycle, the cycle logs one WARN (INFO) with their
// count and the first three names instead; health names every one.
func (l *Log) data1(log *slog.Logger, now time.Time, i int, f Facts) {
	t := l.targets[i]
	switch {
	case !f.HistUp || f.BadQuery:
		// The source's or the query's problem, logged as such.
	case f.Present:
		l.dataGroup.OK(&l.data[i], now, t.Name)
	default:
		if since := l.data[i].First(now); now.Sub(since) >= NoDataGrace {
			l.dataGroup.Fail(log, &l.data[i], now, errors.New(f.HistErr), t.Name,
				"query", t.Query, "missing_since", since.UTC().Format(time.RFC3339))
		}
	}
}
