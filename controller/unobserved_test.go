package controller

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/actuator"
	"github.com/prescale/prescale/controller/policy"
	"github.com/prescale/prescale/controller/state"
)

// loggedController is a controller of target on the state in dir, its
// history answering demand, forecast fc, the clock *now, a recording
// actuator acknowledging at once, its log in logs.
func loggedController(t *testing.T, target policy.Target, dir string, demand float64, fc fakeForecaster, now *time.Time, logs *bytes.Buffer) *Controller {
	t.Helper()
	st, err := state.New(dir)
	require.NoError(t, err)
	clock := func() time.Time { return *now }
	reg := prometheus.NewRegistry()
	deps := testDeps(&fakeHistory{value: demand}, fc, st, NewMetrics(reg, []policy.Target{target}), clock)
	deps.Logger = slog.New(slog.NewTextHandler(logs, nil))
	deps.Actuators = []*actuator.Level{actuator.NewLevel(&recorder{}, actuator.LevelConfig{Inline: true, Now: clock, Metrics: actuator.NewMetrics(reg)})}
	c, err := New([]policy.Target{target}, testOptions(ModeAct), deps)
	require.NoError(t, err)
	return c
}

// TestLongGapBetweenCyclesNotCharged: a controller whose next cycle comes
// 3 hours after the last (a stalled process, a suspended machine) charges
// the 10 units it reads for cost.MaxGap before the cycle (5 minutes, PromQL's
// lookback, with the tests' 1-minute interval and step) and logs the rest, 2h55m, as
// unobserved at INFO, once. It charged the 3 hours: 15 of a unit-hour
// price of 0.5 against the daily budget, for units nobody saw.
func TestLongGapBetweenCyclesNotCharged(t *testing.T) {
	now, dir := fixtureStart, t.TempDir()
	var logs bytes.Buffer
	c := loggedController(t, testTarget, dir, 35, confidentForecast, &now, &logs)
	cycle := func() state.Target {
		require.NoError(t, c.ReconcileOnce(t.Context()))
		return c.Snapshot().Targets[0].State
	}
	require.Equal(t, 10, cycle().Policy.LastDesired)
	now = now.Add(time.Minute)
	minute := 10 * 0.5 / 60 // 10 units at 0.5 a unit-hour for a minute
	require.InDelta(t, minute, cycle().CostTotal, 1e-12)
	require.NotContains(t, logs.String(), "not charged")

	now = now.Add(3 * time.Hour)
	ts := cycle()
	require.InDelta(t, 6*minute, ts.CostTotal, 1e-12, "the gap's last 5 minutes charged")
	require.InDelta(t, 6*minute, ts.CostToday, 1e-12)
	require.InDelta(t, 6*minute, testutil.ToFloat64(c.d.Metrics.CostToday.WithLabelValues("web", "web", "instances")), 1e-12, "prescale_cost_today")
	require.Equal(t, 1, strings.Count(logs.String(), "not charged"), logs.String())
	require.Contains(t, logs.String(), `level=INFO msg="cost: time since a target's last cycle beyond max_gap not charged`)
	require.Contains(t, logs.String(), "targets=1 first=web unobserved=2h55m0s max_gap=5m0s")

	now = now.Add(time.Minute)
	require.InDelta(t, 7*minute, cycle().CostTotal, 1e-12)
	require.Equal(t, 1, strings.Count(logs.String(), "not charged"), "the next cycle is on time")
}

// TestTargetAddedBackNotChargedForItsAbsence: a target removed from the
// targets file and added back 31 minutes later (its entry kept: last
// charged then, 4 units acknowledged, 1 of the day spent) is charged its 4
// units at 1 a unit-hour for cost.MaxGap (5 minutes here), not the 31
// minutes it was away: the daily budget of 71 affords the 6 units its
// forecast (upper bound 40, 7 a unit) asks for over the 11.5 hours left
// of the day (69.67 / 11.475 h = 6.07). It was charged the 31 minutes, 2.07
// the controller made up, and the budget capped the scale-up at 5 (67.93 /
// 11.475 h = 5.92), reason budget.
func TestTargetAddedBackNotChargedForItsAbsence(t *testing.T) {
	now, dir := fixtureStart.Add(31*time.Minute), t.TempDir()
	api := testTarget
	api.Name, api.CostPerUnitHour, api.DailyBudget = "api", 1, 71
	st, err := state.New(dir)
	require.NoError(t, err)
	away := now.Add(-31 * time.Minute)
	require.NoError(t, st.Save(state.File{Version: state.Version, SavedAt: now.Add(-10 * time.Second), Targets: map[string]state.Target{"api": {
		Policy: policy.State{LastDesired: 4, HasLast: true}, Acked: map[string]int{"recorder": 4},
		CostDay: "2026-03-02", CostToday: 1, CostTotal: 1, CostAt: away, Capacity: 10, Utilization: 0.7,
	}}}))
	var logs bytes.Buffer
	c := loggedController(t, api, dir, 35, fakeForecaster{mean: 30, upper: 40, conf: 0.9}, &now, &logs)
	require.NoError(t, c.ReconcileOnce(t.Context()))
	ts := c.Snapshot().Targets[0].State
	require.InDelta(t, 1+4*5.0/60, ts.CostToday, 1e-12, "5 minutes of 4 units")
	require.InDelta(t, 1+4*5.0/60, ts.CostTotal, 1e-12)
	d := ts.Decisions[len(ts.Decisions)-1]
	require.Equal(t, 6, d.Desired, "%s", d.Line())
	require.Equal(t, policy.ReasonForecast, d.Reason)
	require.Contains(t, logs.String(), "targets=1 first=api unobserved=26m0s max_gap=5m0s")
}
