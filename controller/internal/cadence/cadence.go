// Package cadence runs the controller's cycles on time: at start, then
// at every whole multiple of the scaling interval on the wall clock,
// sooner with exponential backoff while the history source is down; and
// it tells when cycles take longer than the interval (a WARN when they
// start to, DEBUG while they do, an INFO when one fits again, each
// counted on prescale_cycle_overruns_total).
package cadence

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/prescale/prescale/controller/internal/cyclelog"
	"github.com/prescale/prescale/internal/outage"
)

// Loop is the cycles' schedule: the scaling interval, the clock, the
// logger, prescale_cycle_lateness_seconds and
// prescale_cycle_overruns_total; its overrun outage is its own.
type Loop struct {
	Interval time.Duration
	Now      func() time.Time
	Log      *slog.Logger
	Lateness prometheus.Observer
	Overruns prometheus.Counter

	// overrun is the cycles taking longer than the interval, warm once a
	// cycle read the history.
	overrun outage.Tracker
	warm    bool
}

// Run calls cycle at start, then at every whole multiple of the interval
// (wall clock: with an interval equal to the step, cycles fall on the
// history grid, where a backtest decides) until ctx ends; it never
// returns a cycle's error (failed cycles are logged; the controller
// counts them). While the history source is down (cyclelog.ErrHistory)
// it retries sooner, with exponential backoff from 1 s up to the
// interval.
func (l *Loop) Run(ctx context.Context, cycle func(context.Context) error) error {
	next := l.Now()
	backoff := time.Duration(0)
	for {
		start := l.Now()
		l.Lateness.Observe(max(0, start.Sub(next).Seconds()))
		err := cycle(ctx)
		if ctx.Err() != nil {
			return nil
		}
		now := l.Now()
		l.noteOverrun(now, now.Sub(start), err)
		if rest := cyclelog.Untracked(err); rest != nil {
			// The history source's outages and the targets' query
			// problems are logged once (the controller's cyclelog.Log).
			l.Log.Warn("cycle failed", "err", rest)
		}
		if errors.Is(err, cyclelog.ErrHistory) {
			backoff = min(max(time.Second, 2*backoff), l.Interval)
			next = now.Add(backoff)
		} else {
			backoff = 0
			next = l.nextTick(start, now)
		}
		timer := time.NewTimer(next.Sub(now))
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil
		case <-timer.C:
		}
	}
}

// nextTick is when the cycle after one that ran from start to now
// starts: the first whole multiple of the interval after start that is
// not before now. A ticker's schedule: a cycle that ends exactly on a
// tick (one of the interval started on the previous tick) runs it at
// once, as it fit in the interval; the ticks a longer cycle overran are
// skipped. A cycle ending on a tick once waited a whole extra interval,
// though it was not counted as an overrun. A cycle started off the grid
// (the first, or a backoff's retry) that runs over a tick in less than
// the interval stands for that tick: it is not run, and is no overrun.
func (l *Loop) nextTick(start, now time.Time) time.Time {
	next := now.Truncate(l.Interval)
	if next.Before(now) || !next.After(start) {
		next = next.Add(l.Interval)
	}
	return next
}

// noteOverrun logs one WARN when cycles start to take longer than the
// interval, DEBUG while they do, and one INFO when one fits in it again;
// it counts each such cycle on prescale_cycle_overruns_total, the alert's
// series, so the alert and the log cannot disagree.
// Run skips the ticks a cycle overran, so decisions then come less often
// than PRESCALE_SCALING_INTERVAL says, and prescale_cycle_lateness_seconds
// stays at 0: a history source answering in 8 s a query (within
// PRESCALE_QUERY_TIMEOUT) made 5 s cycles 20 s apart without a word. A
// cycle that failed on the history source is its outage's to log, and
// the first that read it, which reads every target's whole window, is
// slow by design (at start, or once the source answers if it was down
// then).
func (l *Loop) noteOverrun(now time.Time, took time.Duration, err error) {
	if errors.Is(err, cyclelog.ErrHistory) {
		return
	}
	if !l.warm {
		l.warm = true
		return
	}
	if took > l.Interval {
		l.Overruns.Inc()
		l.overrun.Fail(l.Log, now, fmt.Errorf("the cycle took %s", took.Round(time.Millisecond)),
			"cycles take longer than PRESCALE_SCALING_INTERVAL: the ticks they overrun are skipped, so decisions come less often "+
				"(prescale_cycle_phase_duration_seconds names the slow phase; query: the history source)",
			"interval", l.Interval.String())
		return
	}
	l.overrun.OK(l.Log, now, "cycles fit in PRESCALE_SCALING_INTERVAL again", "interval", l.Interval.String())
}
