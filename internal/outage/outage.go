// Package outage logs a dependency's outage as prescale's operators read
// it: one WARN when it starts (with the reason), DEBUG at each further
// failure while it lasts, and one INFO when it ends (with its duration,
// the failures it took and, for a store refusing samples, the samples it
// lost), however often the caller retries in between.
package outage

import (
	"log/slog"
	"time"
)

// Tracker follows one dependency's outage. Its zero value is up. It is not
// safe for concurrent use: its owner serialises the calls.
type Tracker struct {
	// Since is when the current outage started; zero while up.
	Since time.Time
	// Failures counts the failures of the current outage.
	Failures int
	// LastErr is the current outage's latest error; empty while up.
	LastErr string
	// Seen is when a problem that counts only after a grace period was
	// first seen (see First); zero while none is.
	Seen time.Time
	// Lost counts the samples the current outage lost, as its owner
	// reports them with Lose (a store refusing appends).
	Lost int
	// losing is whether Lose was called since the last outage ended:
	// OK's INFO then gives Lost as samples_lost, zero included.
	losing bool
	// sightings counts First's calls while no outage is under way: the
	// failures of a grace period, which the outage it becomes counts.
	sightings int
}

// Lose adds n samples to those the current outage lost (an owner may call
// it at every attempt, with 0 while up); the INFO that ends the outage
// reports their sum as samples_lost.
func (t *Tracker) Lose(n int) {
	t.Lost += n
	t.losing = true
}

// First returns when the problem seen at now was first seen, starting
// the count at now if none was: a caller that gives a problem a grace
// period (a store that has just started has no data for a few seconds)
// calls it at each failure and Fail once now is far enough past it. The
// outage then counts from that first sighting, each sighting a failure:
// the INFO ending it said failing_for=15s for a target without data for
// 1m15s, the grace left out. OK clears it.
func (t *Tracker) First(now time.Time) time.Time {
	if t.Seen.IsZero() {
		t.Seen = now
	}
	if !t.Failing() {
		t.sightings++
	}
	return t.Seen
}

// Failing reports whether an outage is under way.
func (t *Tracker) Failing() bool { return !t.Since.IsZero() }

// Fail records a failure at now: it logs msg at WARN with attrs and err
// when it starts an outage, at DEBUG (with the failure's number) while one
// lasts. It reports whether the outage started.
func (t *Tracker) Fail(log *slog.Logger, now time.Time, err error, msg string, attrs ...any) bool {
	t.Failures++
	t.LastErr = err.Error()
	attrs = append(attrs, "err", err)
	if t.Failing() {
		log.Debug(msg, append(attrs, "failures", t.Failures)...)
		return false
	}
	t.Since = now
	if !t.Seen.IsZero() && t.Seen.Before(now) { // after a grace period (First)
		t.Since, t.Failures = t.Seen, max(t.Failures, t.sightings)
	}
	log.Warn(msg, attrs...)
	return true
}

// OK records a success at now: when it ends an outage it logs msg at INFO
// with attrs, samples_lost (when it counted losses: Lose), failing_for
// (since the first failure, to the second) and failed_attempts, and the
// tracker is up again. It reports whether an outage ended.
func (t *Tracker) OK(log *slog.Logger, now time.Time, msg string, attrs ...any) bool {
	if !t.Failing() {
		t.Seen, t.sightings = time.Time{}, 0
		return false
	}
	if t.losing {
		attrs = append(attrs, "samples_lost", t.Lost)
	}
	log.Info(msg, append(attrs, "failing_for", now.Sub(t.Since).Round(time.Second).String(), "failed_attempts", t.Failures)...)
	*t = Tracker{}
	return true
}

// Record records one attempt's outcome at now: Fail with failMsg when err
// is not nil, else OK with okMsg; attrs go with either.
func (t *Tracker) Record(log *slog.Logger, now time.Time, err error, failMsg, okMsg string, attrs ...any) {
	if err != nil {
		t.Fail(log, now, err, failMsg, attrs...)
		return
	}
	t.OK(log, now, okMsg, attrs...)
}
