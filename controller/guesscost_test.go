package controller

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/actuator"
	"github.com/prescale/prescale/controller/policy"
	"github.com/prescale/prescale/controller/state"
)

// poolUnits is a simulated pool that always reports units ready.
type poolUnits struct{ units int }

func (p poolUnits) Units(string) (ready, provisioning int, ok bool) { return p.units, 0, true }

// costSetup is how a cost test's controller is built: its mode, whether
// it has an actuator acknowledging at once, and its simulated pool.
type costSetup struct {
	mode     string
	actuator bool
	pool     UnitsSource
}

// costController is a controller of target on the state in dir, its
// history h, forecast confidentForecast (10 units of testTarget), the
// clock *now.
func costController(t *testing.T, target policy.Target, dir string, s costSetup, h *fakeHistory, now *time.Time) *Controller {
	t.Helper()
	st, err := state.New(dir)
	require.NoError(t, err)
	clock := func() time.Time { return *now }
	reg := prometheus.NewRegistry()
	deps := testDeps(h, confidentForecast, st, NewMetrics(reg, []policy.Target{target}), clock)
	deps.Units = s.pool
	if s.actuator {
		deps.Actuators = []*actuator.Level{actuator.NewLevel(&recorder{}, actuator.LevelConfig{Inline: true, Now: clock, Metrics: actuator.NewMetrics(reg)})}
	}
	c, err := New([]policy.Target{target}, testOptions(s.mode), deps)
	require.NoError(t, err)
	return c
}

// costCycle runs a cycle at *now (its error, no_data's, ignored) and
// returns the target's state after it, checking prescale_cost_today says
// its cost today.
func costCycle(t *testing.T, c *Controller) state.Target {
	t.Helper()
	_ = c.ReconcileOnce(t.Context())
	ts := c.Snapshot().Targets[0].State
	tg := c.targets[0]
	got := testutil.ToFloat64(c.d.Metrics.CostToday.WithLabelValues(tg.Name, tg.Tier, string(tg.Kind)))
	require.InDelta(t, ts.CostToday, got, 1e-12, "prescale_cost_today")
	return ts
}

// TestGuessedHoldsAccrueNoCost: a new target's first holds without data
// (the history source down at start), whose units nothing read back,
// decided, acknowledged or pooled, accrue no cost: min_units were only
// assumed (current_units null, prescale_cost_per_hour absent). Nor does
// the time up to the first decision from data; the units it decides (and,
// in act mode, a receiver acknowledges) accrue from then on. Units read
// back by current_query or reported by the simulated pool are known from
// the first hold and accrue as before. Three holds 1 minute apart, then
// two cycles on data deciding 10 units, at 0.5 a unit-hour. The holds were
// charged min_units (1) for each minute: 1.5/60 by the first decision.
func TestGuessedHoldsAccrueNoCost(t *testing.T) {
	const minute = 0.5 / 60 // one unit for a minute
	for _, c := range []struct {
		name        string
		setup       costSetup
		current     float64 // what current_query reads; 0: none
		held, after float64 // cost total after the holds, and two cycles on data
	}{
		{"forecast-only, nothing read back", costSetup{mode: ModeForecastOnly}, 0, 0, 10 * minute},
		{"act mode, acknowledged at once", costSetup{mode: ModeAct, actuator: true}, 0, 0, 10 * minute},
		{"act mode, no actuator (KEDA reads the decision)", costSetup{mode: ModeAct}, 0, 0, 10 * minute},
		// The scale-up to 10 is paid for while it starts (within its lag).
		{"units read back by current_query", costSetup{mode: ModeAct, actuator: true}, 4, 2 * 4 * minute, (3*4 + 10) * minute},
		{"the simulated pool's units", costSetup{mode: ModeAct, pool: poolUnits{3}}, 0, 2 * 3 * minute, 4 * 3 * minute},
	} {
		t.Run(c.name, func(t *testing.T) {
			now := fixtureStart
			tg, h := testTarget, &fakeHistory{value: 35}
			if c.current > 0 {
				// Read while the demand has no fresh point (history up: the
				// current_query is read only then).
				tg.CurrentQuery, h.byQuery = "cur", map[string]float64{"cur": c.current}
				h.until = now.Add(-time.Hour).Unix()
			} else {
				h.err = errors.New("connection refused")
			}
			ctl := costController(t, tg, t.TempDir(), c.setup, h, &now)
			var ts state.Target
			for range 3 {
				ts = costCycle(t, ctl)
				now = now.Add(time.Minute)
			}
			require.InDelta(t, c.held, ts.CostTotal, 1e-12, "after the holds")
			require.InDelta(t, c.held, ts.CostToday, 1e-12)
			h.err, h.until = nil, 0
			for range 2 {
				ts = costCycle(t, ctl)
				now = now.Add(time.Minute)
			}
			require.Equal(t, 10, ts.Policy.LastDesired)
			require.InDelta(t, c.after, ts.CostTotal, 1e-12, "after two cycles on data")
			require.InDelta(t, c.after, ts.CostToday, 1e-12)
		})
	}
}

// TestGuessedHoldOverrideAccruesNoCost: a manual scaling during a new
// target's first holds without data charges nothing for the time before
// it (min_units assumed); its units accrue from it on. It charged min_units
// (1) since the last hold.
func TestGuessedHoldOverrideAccruesNoCost(t *testing.T) {
	now := fixtureStart
	h := &fakeHistory{value: 35, err: errors.New("connection refused")}
	c := costController(t, testTarget, t.TempDir(), costSetup{mode: ModeAct, actuator: true}, h, &now)
	costCycle(t, c)
	now = now.Add(time.Minute)
	costCycle(t, c)
	now = now.Add(time.Minute)
	s, err := c.Override(t.Context(), "web", 6, time.Hour)
	require.NoError(t, err)
	require.Zero(t, s.State.CostTotal, "the holds' and the time to the scaling: assumed")
	require.Zero(t, s.State.CostToday)
	now = now.Add(time.Minute)
	ts := costCycle(t, c)
	require.InDelta(t, 6*0.5/60, ts.CostTotal, 1e-12, "the scaling's 6 units for a minute")
	require.InDelta(t, 6*0.5/60, ts.CostToday, 1e-12)
}

// TestCostAcrossRestart: the cost accrued is kept across a restart (the
// state file's cost_today, cost_total, cost_day and cost_at), and the
// restarted controller charges the last decision the file holds, known,
// even through holds without data; a file saved during a new target's
// first holds without data (no decision in it) resumes them charging
// nothing. That restart charged min_units (1) for each hold.
func TestCostAcrossRestart(t *testing.T) {
	const minute = 0.5 / 60 // one unit for a minute
	for _, c := range []struct {
		name          string
		decided       bool // the first controller decided on data
		saved, resume float64
	}{
		{"after a decision", true, 10 * minute, 10*minute + 2*10*minute},
		{"during the first holds", false, 0, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			now, dir := fixtureStart, t.TempDir()
			h := &fakeHistory{value: 35}
			if !c.decided {
				h.err = errors.New("connection refused")
			}
			setup := costSetup{mode: ModeAct, actuator: true}
			first := costController(t, testTarget, dir, setup, h, &now)
			costCycle(t, first)
			now = now.Add(time.Minute)
			saved := costCycle(t, first)
			require.InDelta(t, c.saved, saved.CostTotal, 1e-12)

			now = now.Add(time.Minute)
			h.err = errors.New("connection refused") // holds after the restart
			again := costController(t, testTarget, dir, setup, h, &now)
			ts := again.Snapshot().Targets[0].State
			require.Equal(t, math.Float64bits(saved.CostToday), math.Float64bits(ts.CostToday), "the state file round trip")
			require.Equal(t, math.Float64bits(saved.CostTotal), math.Float64bits(ts.CostTotal))
			require.Equal(t, saved.CostDay, ts.CostDay)
			require.True(t, saved.CostAt.Equal(ts.CostAt))
			costCycle(t, again)
			now = now.Add(time.Minute)
			ts = costCycle(t, again)
			require.InDelta(t, c.resume, ts.CostTotal, 1e-12)
			require.InDelta(t, c.resume, ts.CostToday, 1e-12)
		})
	}
}

// TestBudgetNotSpentOnGuessedHolds: the daily budget reads the cost
// accrued, which the guessed holds no longer fill. A new target (8 to 20
// units at 1 a unit-hour, a budget of 12 a day) whose history source is
// down from 22:00:30 to 23:00:30, then forecasts 10 units: the budget
// affords 12 units for the 59.5 minutes left of the day (12 / 0.99), so
// 10 are decided. The hour of holds was charged 8 units: 8 spent, 4 left,
// and the scale-up capped at the 8 assumed (reason budget).
func TestBudgetNotSpentOnGuessedHolds(t *testing.T) {
	now := time.Date(2026, 3, 2, 22, 0, 30, 0, time.UTC)
	tg := testTarget
	tg.MinUnits, tg.CostPerUnitHour, tg.DailyBudget = 8, 1, 12
	h := &fakeHistory{value: 35, err: errors.New("connection refused")}
	c := costController(t, tg, t.TempDir(), costSetup{mode: ModeAct, actuator: true}, h, &now)
	for range 12 { // every 5 minutes: within max_gap, each charged in full before
		ts := costCycle(t, c)
		require.False(t, ts.Policy.HasLast, "a guess")
		now = now.Add(5 * time.Minute)
	}
	h.err = nil
	ts := costCycle(t, c)
	d := ts.Decisions[len(ts.Decisions)-1]
	require.Equal(t, 10, d.Desired, "%s", d.Line())
	require.Equal(t, policy.ReasonForecast, d.Reason)
	require.Equal(t, 12, d.Explanation.AffordableUnits)
	require.Zero(t, ts.CostToday, "nothing known ran before the decision")
}

// TestRestartShowsTheDaysCost: before its first cycle a restarted
// controller shows the day's cost the state file holds, in
// prescale_cost_today and the API's cost_today (the snapshot's state):
// the file's when of today, 0 when of an earlier UTC day (or of no day, a
// file before cost_day), as the first cycle's accrual resets it; the
// total is kept. prescale_cost_today said 0 until the first cycle, and
// cost_today the day before's cost.
func TestRestartShowsTheDaysCost(t *testing.T) {
	for _, c := range []struct {
		name, day string
		today     float64
	}{
		{"saved today", "2026-03-02", 7},
		{"saved the day before", "2026-03-01", 0},
		{"a file without cost_day", "", 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			now, dir := fixtureStart, t.TempDir()
			st, err := state.New(dir)
			require.NoError(t, err)
			require.NoError(t, st.Save(state.File{Version: state.Version, SavedAt: now.Add(-time.Minute), Targets: map[string]state.Target{"web": {
				Policy: policy.State{LastDesired: 4, HasLast: true}, CostDay: c.day, CostToday: 7, CostTotal: 30, CostAt: now.Add(-time.Minute),
				Capacity: 10, Utilization: 0.7,
			}}}))
			h := &fakeHistory{value: 35, err: errors.New("connection refused")}
			ctl := costController(t, testTarget, dir, costSetup{mode: ModeForecastOnly}, h, &now)
			ts := ctl.Snapshot().Targets[0].State
			require.InDelta(t, c.today, ts.CostToday, 0, "the API's cost_today")
			require.InDelta(t, 30, ts.CostTotal, 0)
			got := testutil.ToFloat64(ctl.d.Metrics.CostToday.WithLabelValues("web", "web", "instances"))
			require.InDelta(t, c.today, got, 0, "prescale_cost_today before the first cycle")
			ts = costCycle(t, ctl)
			require.InDelta(t, c.today+4*0.5/60, ts.CostToday, 1e-12, "the first cycle charges the decision's minute")
		})
	}
}
