// Package cost accrues what a target's units cost into its persisted
// state: the total, and the UTC day's that the daily budget caps, reset
// only on a later day.
package cost

import (
	"time"

	"github.com/prescale/prescale/controller/policy"
	"github.com/prescale/prescale/controller/state"
)

// Accrue accrues the cost of the units (those paid for) since the last
// cycle into ts (target t's state), at t's cost per unit-hour; the daily
// cost resets at UTC midnight and counts only the time since it. The whole time since the last cycle was charged to the day of
// now: a controller stopped at 20:00 and started at 06:00 began the day
// with 10 hours of cost against the daily budget, a week's downtime with
// a week's. It resets only on a day later than its own: a clock stepping
// back across midnight (a state saved "tomorrow" by a clock that was
// ahead, or a step back during a run) keeps it, counting no time until
// its own day's midnight; it was reset, losing the day's cost.
func Accrue(t policy.Target, ts state.Target, now time.Time, units int) state.Target {
	midnight, err := time.Parse(time.DateOnly, ts.CostDay)
	if y, m, d := now.UTC().Date(); err != nil || !midnight.After(time.Date(y, m, d, 0, 0, 0, 0, time.UTC)) {
		midnight = time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
		if ts.CostDay != midnight.Format(time.DateOnly) {
			ts.CostDay, ts.CostToday = midnight.Format(time.DateOnly), 0
		}
	}
	if !ts.CostAt.IsZero() && now.After(ts.CostAt) && t.CostPerUnitHour > 0 {
		perHour := float64(units) * t.CostPerUnitHour
		ts.CostTotal += perHour * now.Sub(ts.CostAt).Hours()
		from := ts.CostAt
		if from.Before(midnight) {
			from = midnight
		}
		if now.After(from) {
			ts.CostToday += perHour * now.Sub(from).Hours()
		}
	}
	ts.CostAt = now
	return ts
}
