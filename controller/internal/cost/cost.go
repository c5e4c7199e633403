// Package cost accrues what a target's units cost into its persisted
// state: the total, and the UTC day's that the daily budget caps, reset
// only on a later day.
package cost

import (
	"time"

	"github.com/prescale/prescale/controller/policy"
	"github.com/prescale/prescale/controller/state"
)

// MaxGap is the longest time before a cycle that Accrue charges at the
// units the cycle reads (its upTo): PromQL's lookback the controller's
// reads use (lookback: history.LookbackFor, 5 minutes, or 1.5 steps of
// the history where longer; a sample older than that is stale to
// Prometheus too), or two scaling intervals where longer (a late or
// skipped cycle). The controller sees a target's units only at its
// cycles; beyond this it did not see them: a controller down for hours
// (or suspended, or stalled), a target removed from the targets file and
// added back.
func MaxGap(interval, lookback time.Duration) time.Duration { return max(2*interval, lookback) }

// Accrue accrues the cost of the units (those paid for) since the last
// cycle into ts (target t's state), at t's cost per unit-hour, for at most
// upTo (> 0) before now, and returns the time before that it did not
// charge (0 when none, or when t has no cost): unobserved, the controller
// does not know what ran then. The whole time since the last cycle was
// charged at the units read now: a target added back to the targets file
// after 31 minutes was charged its 4 units for the 31 minutes, and a
// daily budget could then refuse a scale-up it needed for spend invented
// so. The times are compared on the wall clock: the monotonic one stops
// while the machine sleeps (Linux), so a suspended laptop's hours were
// not charged, and not reported either.
//
// The daily cost resets at UTC midnight and counts only the time since
// it. It resets only on a day later than its own: a clock stepping back
// across midnight (a state saved "tomorrow" by a clock that was ahead, or
// a step back during a run) keeps it, counting no time until its own
// day's midnight; it was reset, losing the day's cost.
func Accrue(t policy.Target, ts state.Target, now time.Time, units int, upTo time.Duration) (state.Target, time.Duration) {
	now = now.Round(0)
	ts, midnight := dayOf(ts, now)
	var unobserved time.Duration
	if at := ts.CostAt.Round(0); !at.IsZero() && now.After(at) && t.CostPerUnitHour > 0 {
		from := at
		if now.Sub(at) > upTo {
			from = now.Add(-upTo)
			unobserved = from.Sub(at)
		}
		perHour := float64(units) * t.CostPerUnitHour
		ts.CostTotal += perHour * now.Sub(from).Hours()
		if from.Before(midnight) {
			from = midnight
		}
		if now.After(from) {
			ts.CostToday += perHour * now.Sub(from).Hours()
		}
	}
	ts.CostAt = now
	return ts, unobserved
}

// Today is ts with its daily cost as of now, nothing charged: reset on a
// UTC day later than its own (or when its day is unreadable), as Accrue
// resets it. A restarted controller shows it before its first cycle:
// prescale_cost_today said 0 then, and the API's cost_today the file's
// value even when it was the day before's.
func Today(ts state.Target, now time.Time) state.Target {
	ts, _ = dayOf(ts, now.Round(0))
	return ts
}

// dayOf returns ts with its daily cost on now's UTC day (reset when its
// own day is earlier or unreadable) and the midnight that cost counts
// from: its own day's when later than now's (a clock stepped back).
func dayOf(ts state.Target, now time.Time) (state.Target, time.Time) {
	midnight, err := time.Parse(time.DateOnly, ts.CostDay)
	if y, m, d := now.UTC().Date(); err != nil || !midnight.After(time.Date(y, m, d, 0, 0, 0, 0, time.UTC)) {
		midnight = time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
		if ts.CostDay != midnight.Format(time.DateOnly) {
			ts.CostDay, ts.CostToday = midnight.Format(time.DateOnly), 0
		}
	}
	return ts, midnight
}
