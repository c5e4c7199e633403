package controller

import (
	"bytes"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/actuator"
	"github.com/prescale/prescale/controller/policy"
	"github.com/prescale/prescale/controller/state"
)

// TestStateFileFromTheFuture: a state file saved a day ahead of the clock
// that reads it (the clock was ahead when it was written and has been set
// right since) has its times moved back to now, with a warning: a scale-up
// two minutes before the save keeps its 10-minute scale-down cooldown for
// ten minutes, not for a day more. Before, the restarted controller held
// 19 units (reason cooldown) for a day while the forecast needed 10.
func TestStateFileFromTheFuture(t *testing.T) {
	now := fixtureStart
	ahead := 24 * time.Hour
	dir := t.TempDir()
	st, err := state.New(dir)
	require.NoError(t, err)
	saved := now.Add(ahead)
	require.NoError(t, st.Save(state.File{Version: state.Version, SavedAt: saved, Targets: map[string]state.Target{"web": {
		Policy: policy.State{LastDesired: 19, HasLast: true, LastScaleUp: saved.Add(-2 * time.Minute),
			Recent: []policy.Recommendation{{At: saved.Add(-2 * time.Minute), Units: 19}},
			Manual: &policy.Override{Units: 19, Until: saved.Add(-time.Minute)},
		},
		Acked: map[string]int{"recorder": 19},
	}}}))

	var logs bytes.Buffer
	clock := func() time.Time { return now }
	reg := prometheus.NewRegistry()
	deps := testDeps(&fakeHistory{value: 35}, confidentForecast, st, NewMetrics(reg, []policy.Target{testTarget}), clock)
	deps.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	act := &recorder{}
	deps.Actuators = []*actuator.Level{actuator.NewLevel(act, actuator.LevelConfig{Inline: true, Now: clock, Metrics: actuator.NewMetrics(reg)})}
	c, err := New([]policy.Target{testTarget}, testOptions(ModeAct), deps)
	require.NoError(t, err)
	require.Contains(t, logs.String(), `level=WARN msg="state file saved in the future`)
	require.Contains(t, logs.String(), "ahead=24h0m0s")

	now = now.Add(7 * time.Minute) // 9 minutes after the scale-up: its cooldown holds
	require.NoError(t, c.ReconcileOnce(t.Context()))
	last := func() policy.Decision {
		ds := c.Snapshot().Targets[0].State.Decisions
		return ds[len(ds)-1]
	}
	d := last()
	require.Equal(t, 19, d.Desired)
	require.Equal(t, policy.ReasonCooldown, d.Reason)

	now = now.Add(2 * time.Minute)
	require.NoError(t, c.ReconcileOnce(t.Context()))
	d = last()
	require.Equal(t, 10, d.Desired, "scaled down to the forecast's 10 units: %+v", d)
	require.Equal(t, policy.ReasonForecast, d.Reason)
}

// TestStateFileEventAfterTheSave: a hand-edited or corrupt state file
// with a normal saved_at and a last scale-up ten years after it has that
// time moved to saved_at at start, with a warning: its 10-minute
// scale-down cooldown ends ten minutes after the save. Before, the
// restarted controller held 19 units (reason cooldown) for ten years.
func TestStateFileEventAfterTheSave(t *testing.T) {
	now := fixtureStart
	dir := t.TempDir()
	st, err := state.New(dir)
	require.NoError(t, err)
	saved := now.Add(-time.Minute)
	require.NoError(t, st.Save(state.File{Version: state.Version, SavedAt: saved, Targets: map[string]state.Target{"web": {
		Policy: policy.State{LastDesired: 19, HasLast: true, LastScaleUp: saved.AddDate(10, 0, 0)},
		Acked:  map[string]int{"recorder": 19},
	}}}))

	var logs bytes.Buffer
	clock := func() time.Time { return now }
	reg := prometheus.NewRegistry()
	deps := testDeps(&fakeHistory{value: 35}, confidentForecast, st, NewMetrics(reg, []policy.Target{testTarget}), clock)
	deps.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	c, err := New([]policy.Target{testTarget}, testOptions(ModeAct), deps)
	require.NoError(t, err)
	require.Contains(t, logs.String(), `level=WARN msg="state file value out of range"`)
	require.Contains(t, logs.String(), "last_scale_up "+saved.AddDate(10, 0, 0).Format(time.RFC3339)+" after saved_at "+saved.Format(time.RFC3339))

	now = now.Add(8 * time.Minute) // 9 minutes after the save: the cooldown holds
	require.NoError(t, c.ReconcileOnce(t.Context()))
	ds := c.Snapshot().Targets[0].State.Decisions
	require.Equal(t, policy.ReasonCooldown, ds[len(ds)-1].Reason)
	now = now.Add(2 * time.Minute)
	require.NoError(t, c.ReconcileOnce(t.Context()))
	ds = c.Snapshot().Targets[0].State.Decisions
	require.Equal(t, 10, ds[len(ds)-1].Desired, "scaled down to the forecast's 10 units: %+v", ds[len(ds)-1])
}

// TestStateFileFromTheFarFuture: a state file saved further ahead than a
// time.Duration reaches (year 9999) is refused at start, as a file that
// cannot be read (the program exits 2). Moved back by the saturated
// difference, its last scale-up stayed in year 9707 and held every
// scale-up for good.
func TestStateFileFromTheFarFuture(t *testing.T) {
	st, err := state.New(t.TempDir())
	require.NoError(t, err)
	saved := time.Date(9999, 12, 31, 23, 0, 0, 0, time.UTC)
	require.NoError(t, st.Save(state.File{Version: state.Version, SavedAt: saved, Targets: map[string]state.Target{"web": {
		Policy: policy.State{LastDesired: 19, HasLast: true, LastScaleUp: saved.Add(-2 * time.Minute)}}}}))
	deps := testDeps(&fakeHistory{value: 35}, confidentForecast, st, nil, func() time.Time { return fixtureStart })
	_, err = New([]policy.Target{testTarget}, testOptions(ModeAct), deps)
	require.ErrorContains(t, err, "state: "+st.Path()+": saved_at 9999-12-31T23:00:00Z is more than ")
	require.ErrorContains(t, err, "further than its times can be moved back (about 292 years); move it aside to start without it")
}

// TestStatePrunesTargetsNotConfigured: the state file's entry of a target
// no longer configured here (removed, or another shard's) is removed once
// it was last decided a week ago, at start or by the cycle that finds it
// that old, with one INFO; a younger one is kept for a target that comes
// back. They were kept forever.
func TestStatePrunesTargetsNotConfigured(t *testing.T) {
	now := fixtureStart
	dir := t.TempDir()
	st, err := state.New(dir)
	require.NoError(t, err)
	seen := func(at time.Time) state.Target {
		return state.Target{CostAt: at, Policy: policy.State{LastDesired: 7, HasLast: true}}
	}
	require.NoError(t, st.Save(state.File{Version: state.Version, SavedAt: now, Targets: map[string]state.Target{
		"web": seen(now.Add(-time.Minute)), "removed": seen(now.Add(-8 * 24 * time.Hour)), "moved": seen(now.Add(-time.Hour)),
	}}))
	var logs bytes.Buffer
	deps := testDeps(&fakeHistory{value: 35}, confidentForecast, st, NewMetrics(prometheus.NewRegistry(), []policy.Target{testTarget}), func() time.Time { return now })
	deps.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	c, err := New([]policy.Target{testTarget}, testOptions(ModeAct), deps)
	require.NoError(t, err)
	require.NoError(t, c.ReconcileOnce(t.Context()))
	saved := func() []string {
		f, err := st.Load()
		require.NoError(t, err)
		return slices.Sorted(maps.Keys(f.Targets))
	}
	require.Equal(t, []string{"moved", "web"}, saved())
	require.Contains(t, logs.String(), `level=INFO msg="state file: removed the entries of targets not configured here, last decided over a week ago" targets=1 first=removed`)

	now = now.Add(7*24*time.Hour - time.Hour - time.Second)
	require.NoError(t, c.ReconcileOnce(t.Context()))
	require.Equal(t, []string{"moved", "web"}, saved(), "a second short of a week")
	now = now.Add(time.Second)
	require.NoError(t, c.ReconcileOnce(t.Context()))
	require.Equal(t, []string{"web"}, saved())
	require.Equal(t, 2, strings.Count(logs.String(), "state file: removed"), logs.String())
}

// TestClockSteppedBack: when the clock steps back an hour between two
// cycles (an NTP step, a VM restored from a snapshot), the state's times
// read from the file (wall clock only, as the injected clock's) move back
// with it, with one warning: a scale-up's 10-minute scale-down cooldown
// from before the restart ends ten minutes after it, as elapsed. Before,
// the running controller held 19 units (reason cooldown) for an hour more
// while the forecast needed 10. (Times set from time.Now move as wall
// clock times too: state's TestShiftMovesMonotonicTimesOnTheWallClock.)
func TestClockSteppedBack(t *testing.T) {
	now := fixtureStart
	dir := t.TempDir()
	st, err := state.New(dir)
	require.NoError(t, err)
	require.NoError(t, st.Save(state.File{Version: state.Version, SavedAt: now, Targets: map[string]state.Target{"web": {
		Policy: policy.State{LastDesired: 19, HasLast: true, LastScaleUp: now.Add(-2 * time.Minute),
			Recent: []policy.Recommendation{{At: now.Add(-2 * time.Minute), Units: 19}}},
		Acked: map[string]int{"recorder": 19},
	}}}))
	var logs bytes.Buffer
	clock := func() time.Time { return now }
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg, []policy.Target{testTarget})
	deps := testDeps(&fakeHistory{value: 35}, confidentForecast, st, m, clock)
	deps.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	act := &recorder{}
	deps.Actuators = []*actuator.Level{actuator.NewLevel(act, actuator.LevelConfig{Inline: true, Now: clock, Metrics: actuator.NewMetrics(reg)})}
	c, err := New([]policy.Target{testTarget}, testOptions(ModeAct), deps)
	require.NoError(t, err)
	last := func() policy.Decision {
		ds := c.Snapshot().Targets[0].State.Decisions
		return ds[len(ds)-1]
	}
	require.NoError(t, c.ReconcileOnce(t.Context()))
	require.Equal(t, policy.ReasonCooldown, last().Reason)
	cost := testutil.ToFloat64(m.CostToday.WithLabelValues("web", "web", "instances"))

	// The clock steps back an hour at the next cycle (an injected clock
	// has no monotonic reading: no time elapsed across the step).
	now = now.Add(-time.Hour)
	require.NoError(t, c.ReconcileOnce(t.Context()))
	for range 7 { // to 9 minutes after the scale-up, a cycle a minute (cost.MaxGap): its cooldown holds
		now = now.Add(time.Minute)
		require.NoError(t, c.ReconcileOnce(t.Context()))
	}
	require.Equal(t, 19, last().Desired)
	require.Equal(t, policy.ReasonCooldown, last().Reason)

	now = now.Add(2 * time.Minute)
	require.NoError(t, c.ReconcileOnce(t.Context()))
	require.Equal(t, 10, last().Desired, "scaled down once the cooldown has run: %+v", last())
	require.InDelta(t, cost+19*0.5*9/60, testutil.ToFloat64(m.CostToday.WithLabelValues("web", "web", "instances")), 1e-9,
		"nine minutes of 19 units accrued")
	require.Contains(t, logs.String(), `level=WARN msg="the clock stepped back since the last cycle`)
	require.Contains(t, logs.String(), "back=1h0m0s")
	require.Equal(t, 1, strings.Count(logs.String(), "the clock stepped back"), "one warning per step")
}

// TestOverrideSavesItsTime: a manual scaling and its end between cycles
// save the state file with saved_at at their own time, not the last
// cycle's: their times (the override's end, the cost accrual, the
// scale) are not after saved_at, so a restart keeps them as they are
// (state.Target.ClampPast). Saved with the last cycle's time, a restart
// moved them back to it.
func TestOverrideSavesItsTime(t *testing.T) {
	now := fixtureStart
	f := newFixture(t, t.TempDir(), &fakeHistory{value: 35}, confidentForecast, ModeAct, &now)
	require.NoError(t, f.c.ReconcileOnce(t.Context()))
	check := func() {
		t.Helper()
		file, err := f.c.d.State.Load()
		require.NoError(t, err)
		require.Equal(t, now, file.SavedAt)
		ts := file.Targets["web"]
		require.Empty(t, ts.ClampPast(file.SavedAt))
	}
	now = now.Add(30 * time.Second)
	_, err := f.c.Override(t.Context(), "web", 3, time.Hour)
	require.NoError(t, err)
	check()
	now = now.Add(30 * time.Second)
	_, ended, err := f.c.EndOverride("web")
	require.NoError(t, err)
	require.True(t, ended)
	check()
}

// TestCycleSavesAtItsEnd: a manual scaling made while a cycle reads the
// history (the controller's clock 30 s past the cycle's start) is saved
// by the cycle with saved_at at the cycle's save, not its start: the
// scaling's times (its scale-down, its cost accrual) are not after
// saved_at, so a restart keeps them as they are (state.Target.ClampPast).
// Saved at the cycle's start, a restart moved them back 30 s.
func TestCycleSavesAtItsEnd(t *testing.T) {
	now := fixtureStart
	f := newFixture(t, t.TempDir(), &fakeHistory{value: 35}, confidentForecast, ModeAct, &now)
	require.NoError(t, f.c.ReconcileOnce(t.Context())) // 10 units
	var mu sync.Mutex
	clock := fixtureStart.Add(time.Minute)
	f.c.d.Now = func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return clock
	}
	start, manual := clock, clock.Add(30*time.Second)
	var once sync.Once
	var overrideErr error
	f.c.d.History = steppingHistory{h: f.h, step: func() {
		once.Do(func() { // in the cycle's query phase, as a REST call made then
			mu.Lock()
			clock = manual
			mu.Unlock()
			_, overrideErr = f.c.Override(t.Context(), "web", 3, time.Hour)
		})
	}}
	require.NoError(t, f.c.ReconcileOnce(t.Context()))
	require.NoError(t, overrideErr)
	ds := f.c.Snapshot().Targets[0].State.Decisions
	require.Equal(t, policy.ReasonManual, ds[len(ds)-1].Reason, "the cycle decided with the manual scaling")
	require.Equal(t, start, f.c.lastCycle, "the cycle's time is its start")

	file, err := f.c.d.State.Load()
	require.NoError(t, err)
	require.Equal(t, manual, file.SavedAt, "saved when written, not at the cycle's start")
	ts := file.Targets["web"]
	require.Equal(t, manual, ts.Policy.LastScaleDown, "the manual scale-down from 10 to 3")
	require.Empty(t, ts.ClampPast(file.SavedAt), "a restart keeps the manual scaling's times")
}
