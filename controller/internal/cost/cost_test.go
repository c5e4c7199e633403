package cost

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/policy"
	"github.com/prescale/prescale/controller/state"
)

// TestCostTodayCountsFromMidnight: the daily cost (what the daily budget
// caps) counts the time since UTC midnight only; the total counts all of
// it. The whole time since the last cycle was charged to the new day: a
// controller stopped at 20:00 and started at 06:00 began the day with 10
// hours of cost, and a cycle across midnight charged the minutes before it
// to the new day. UTC's day, whatever the zone of the times.
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
			ts = Accrue(tg, ts, c.now, 4)
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
			ts = Accrue(tg, ts, c.now, 4)
			require.Equal(t, "2026-03-02", ts.CostDay)
			require.InDelta(t, 7.0, ts.CostToday, 1e-9, "kept, and no time before its midnight counted")
			require.InDelta(t, 100+c.total, ts.CostTotal, 1e-9)
			require.Equal(t, c.now, ts.CostAt)
			ts = Accrue(tg, ts, time.Date(2026, 3, 2, 0, 20, 0, 0, time.UTC), 4)
			require.Equal(t, "2026-03-02", ts.CostDay, "not reset at its own midnight")
			require.InDelta(t, 7+4*0.5/3, ts.CostToday, 1e-9, "the 20 minutes since its midnight")
			ts = Accrue(tg, ts, time.Date(2026, 3, 3, 0, 0, 0, 0, time.UTC), 4)
			require.Equal(t, "2026-03-03", ts.CostDay, "reset on a later day")
			require.InDelta(t, 0.0, ts.CostToday, 1e-9)
		})
	}
}
