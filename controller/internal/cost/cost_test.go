package cost

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/policy"
	"github.com/prescale/prescale/controller/state"
)

const week = 7 * 24 * time.Hour

// TestCostTodayCountsFromMidnight: the daily cost (what the daily budget
// caps) counts the time since UTC midnight only; the total counts all of
// it. The whole time since the last cycle was charged to the new day: a
// controller stopped at 20:00 and started at 06:00 began the day with 10
// hours of cost, and a cycle across midnight charged the minutes before it
// to the new day. UTC's day, whatever the zone of the times. (Charged up
// to a week here, longer than any of these gaps: what the day counts of
// the time charged; TestLongGapNotCharged bounds that time.)
func TestCostTodayCountsFromMidnight(t *testing.T) {
	tg := policy.Target{CostPerUnitHour: 0.5}
	hawaii := time.FixedZone("HST", -10*3600)
	for _, c := range []struct {
		name      string
		at, now   time.Time
		today     float64
		costToday float64
	}{
		{"downtime across midnight", time.Date(2026, 3, 1, 20, 0, 0, 0, time.UTC), time.Date(2026, 3, 2, 6, 0, 0, 0, time.UTC), 4 * 0.5 * 6, 0},
		{"a cycle across midnight", time.Date(2026, 3, 1, 23, 59, 30, 0, time.UTC), time.Date(2026, 3, 2, 0, 0, 30, 0, time.UTC), 4 * 0.5 / 120, 0},
		{"a week down", time.Date(2026, 2, 23, 6, 0, 0, 0, time.UTC), time.Date(2026, 3, 2, 6, 0, 0, 0, time.UTC), 4 * 0.5 * 6, 0},
		{"times of a zone behind UTC", time.Date(2026, 3, 1, 10, 0, 0, 0, hawaii), time.Date(2026, 3, 1, 20, 0, 0, 0, hawaii), 4 * 0.5 * 6, 0},
		{"within the day", time.Date(2026, 3, 2, 5, 0, 0, 0, time.UTC), time.Date(2026, 3, 2, 6, 0, 0, 0, time.UTC), 7 + 4*0.5, 7},
	} {
		t.Run(c.name, func(t *testing.T) {
			ts := state.Target{CostDay: c.at.UTC().Format(time.DateOnly), CostToday: c.costToday, CostTotal: 100, CostAt: c.at}
			ts, _ = Accrue(tg, ts, c.now, 4, week)
			require.Equal(t, "2026-03-02", ts.CostDay)
			require.InDelta(t, c.today, ts.CostToday, 1e-9)
			require.InDelta(t, 100+4*0.5*c.now.Sub(c.at).Hours(), ts.CostTotal, 1e-9, "the total counts the whole time")
			require.Equal(t, c.now, ts.CostAt)
		})
	}
}

// TestCostTodayKeptWhenTheClockStepsBack: a clock stepping back across UTC
// midnight (a state saved "tomorrow" by a clock that was ahead, its times
// moved back at load; or a step back during a run) keeps the day's cost:
// it is reset only on a day later than the one it belongs to. It was reset
// whenever the day read now differed from the stored one, losing what had
// accrued. The time before the day's own midnight is not the day's: none
// is counted until it (and none negative), the total counts it.
func TestCostTodayKeptWhenTheClockStepsBack(t *testing.T) {
	tg := policy.Target{CostPerUnitHour: 0.5}
	for _, c := range []struct {
		name    string
		at, now time.Time
		total   float64
	}{
		{"times moved back at load", time.Date(2026, 3, 1, 23, 30, 0, 0, time.UTC), time.Date(2026, 3, 1, 23, 40, 0, 0, time.UTC), 4 * 0.5 / 6},
		{"a step back during a run", time.Date(2026, 3, 2, 0, 10, 0, 0, time.UTC), time.Date(2026, 3, 1, 23, 55, 0, 0, time.UTC), 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			ts := state.Target{CostDay: "2026-03-02", CostToday: 7, CostTotal: 100, CostAt: c.at}
			ts, _ = Accrue(tg, ts, c.now, 4, week)
			require.Equal(t, "2026-03-02", ts.CostDay)
			require.InDelta(t, 7.0, ts.CostToday, 1e-9, "kept, and no time before its midnight counted")
			require.InDelta(t, 100+c.total, ts.CostTotal, 1e-9)
			require.Equal(t, c.now, ts.CostAt)
			ts, _ = Accrue(tg, ts, time.Date(2026, 3, 2, 0, 20, 0, 0, time.UTC), 4, week)
			require.Equal(t, "2026-03-02", ts.CostDay, "not reset at its own midnight")
			require.InDelta(t, 7+4*0.5/3, ts.CostToday, 1e-9, "the 20 minutes since its midnight")
			ts, _ = Accrue(tg, ts, time.Date(2026, 3, 3, 0, 0, 0, 0, time.UTC), 4, week)
			require.Equal(t, "2026-03-03", ts.CostDay, "reset on a later day")
			require.InDelta(t, 0.0, ts.CostToday, 1e-9)
		})
	}
}

// TestLongGapNotCharged: the time between two cycles is charged at the
// units the second reads for at most MaxGap before it (7.5 minutes at
// the defaults: 60 s cycles, PromQL's lookback 1.5 steps of 5 minutes);
// the rest is unobserved, returned and not charged, neither to the total
// nor to the day. The whole gap was charged: a target added back to the
// targets file after 31 minutes at 4 units at 1 a unit-hour went from 0.13
// to 2.17 (2.07 for 31 minutes, where now 0.5 for 7.5), a controller down
// from 20:00 to 06:00 began the day with 6 hours of cost against the
// daily budget.
func TestLongGapNotCharged(t *testing.T) {
	gap := MaxGap(time.Minute, 7*time.Minute+30*time.Second)
	require.Equal(t, 7*time.Minute+30*time.Second, gap)
	day := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	const charged = 4 * 7.5 / 60 // 4 units for 7.5 minutes at 1 a unit-hour
	for _, c := range []struct {
		name           string
		price          float64
		at, now        time.Time
		charged, today float64
		unobserved     time.Duration
	}{
		{"a cycle", 1, day.Add(6 * time.Hour), day.Add(6*time.Hour + time.Minute), 4.0 / 60, 4.0 / 60, 0},
		{"a restart within the bound", 1, day.Add(6 * time.Hour), day.Add(6*time.Hour + gap), charged, charged, 0},
		{"a target added back after 31 minutes", 1, day.Add(6 * time.Hour), day.Add(6*time.Hour + 31*time.Minute), charged, charged, 23*time.Minute + 30*time.Second},
		{"down from 20:00 to 06:00", 1, day.Add(-4 * time.Hour), day.Add(6 * time.Hour), charged, charged, 10*time.Hour - gap},
		{"the time charged straddles midnight", 1, day.Add(-20 * time.Minute), day.Add(3 * time.Minute), charged, 4 * 3.0 / 60, 23*time.Minute - gap},
		{"suspended for a day", 1, day.Add(-18 * time.Hour), day.Add(6 * time.Hour), charged, charged, 24*time.Hour - gap},
		{"cost not tracked: nothing unobserved", 0, day.Add(-4 * time.Hour), day.Add(6 * time.Hour), 0, 0, 0},
		{"the first cycle", 1, time.Time{}, day.Add(6 * time.Hour), 0, 0, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			ts := state.Target{CostDay: c.at.UTC().Format(time.DateOnly), CostTotal: 100, CostAt: c.at}
			ts, unobserved := Accrue(policy.Target{CostPerUnitHour: c.price}, ts, c.now, 4, gap)
			require.Equal(t, c.unobserved, unobserved)
			require.InDelta(t, 100+c.charged, ts.CostTotal, 1e-9)
			require.InDelta(t, c.today, ts.CostToday, 1e-9)
			require.Equal(t, c.now, ts.CostAt)
		})
	}
	require.Equal(t, 20*time.Minute, MaxGap(10*time.Minute, 5*time.Minute), "two intervals where longer than the lookback")
}

// TestToday: the day's cost a restarted controller shows before its first
// cycle is its own on the same UTC day, and on a day later than now's (a
// clock stepped back, as Accrue keeps it); 0 on a later day or without a
// readable day, as Accrue resets it. Nothing is charged: the total and
// the last charge's time stay.
func TestToday(t *testing.T) {
	now := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	at := now.Add(-time.Hour)
	for _, c := range []struct {
		name, day, wantDay string
		today              float64
	}{
		{"the same day", "2026-03-02", "2026-03-02", 7},
		{"a day before", "2026-03-01", "2026-03-02", 0},
		{"a day after (a clock stepped back)", "2026-03-03", "2026-03-03", 7},
		{"no day (a file before cost_day)", "", "2026-03-02", 0},
		{"an unreadable day", "2 March", "2026-03-02", 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			ts := Today(state.Target{CostDay: c.day, CostToday: 7, CostTotal: 30, CostAt: at}, now)
			require.Equal(t, c.wantDay, ts.CostDay)
			require.InDelta(t, c.today, ts.CostToday, 0)
			require.InDelta(t, 30, ts.CostTotal, 0)
			require.Equal(t, at, ts.CostAt)
		})
	}
}

// TestDayCountsFromMidnightExactly: the day's cost counts the time from
// UTC midnight itself, to the nanosecond, not from a moment after it (at
// a unit-nanosecond priced 1, a cycle from 10 ns before midnight to 10 ns
// after charges the day 10 and the total 20).
func TestDayCountsFromMidnightExactly(t *testing.T) {
	midnight := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	at, now := midnight.Add(-10), midnight.Add(10)
	ts := state.Target{CostDay: "2026-03-01", CostToday: 5, CostAt: at}
	ts, unobserved := Accrue(policy.Target{CostPerUnitHour: float64(time.Hour)}, ts, now, 1, time.Minute)
	require.Zero(t, unobserved)
	require.Equal(t, "2026-03-02", ts.CostDay)
	require.InDelta(t, 10, ts.CostToday, 1e-6)
	require.InDelta(t, 20, ts.CostTotal, 1e-6)
}

// TestCostAtOnTheWallClock: the time Accrue records is now without its
// monotonic clock reading, so that what later compares it with a
// time.Now (state's Prune, through LastSeen) does so on the wall clock
// too, as Accrue does: the monotonic clock stops while the machine sleeps.
func TestCostAtOnTheWallClock(t *testing.T) {
	now := time.Now()
	require.NotEqual(t, now.Round(0), now, "time.Now carries a monotonic reading")
	ts, _ := Accrue(policy.Target{CostPerUnitHour: 1}, state.Target{CostAt: now.Add(-time.Minute)}, now, 4, time.Hour)
	require.Equal(t, now.Round(0), ts.CostAt)
	ts, _ = Accrue(policy.Target{}, state.Target{}, now, 4, time.Hour)
	require.Equal(t, now.Round(0), ts.CostAt, "with no cost too")
}
