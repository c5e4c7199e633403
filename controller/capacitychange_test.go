package controller

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/engine"
	"github.com/prescale/prescale/controller/policy"
	"github.com/prescale/prescale/controller/state"
)

// capacityTarget is a reactive-enough target for the capacity_per_unit
// change tests: capacity cap, utilisation 1, up to 20 units, a 5-minute
// lag, the stabilisation window and scale-down cooldown given.
func capacityTarget(capacity float64, window, cooldown time.Duration) policy.Target {
	return policy.Target{
		Name: "web", Tier: "web", Kind: policy.KindInstances, Query: "q",
		CapacityPerUnit: capacity, TargetUtilization: 1, MinUnits: 1, MaxUnits: 20,
		Lag: 5 * time.Minute, StabilizationWindow: window, ScaleDownCooldown: cooldown, ConfidenceThreshold: 0.7,
	}
}

// flat is a confident forecast of demand d throughout.
func flat(d float64) fakeForecaster { return fakeForecaster{mean: d, upper: d, conf: 0.9} }

// cycleAt runs one cycle of a controller on dir for target tg at now,
// demand and its forecast d, and returns its decision.
func cycleAt(t *testing.T, dir string, tg policy.Target, now time.Time, d float64) policy.Decision {
	t.Helper()
	f := newFixtureFor(t, tg, dir, &fakeHistory{value: d}, flat(d), ModeAct, &now)
	require.NoError(t, f.c.ReconcileOnce(t.Context()))
	return f.c.Snapshot().Targets[0].State.Decisions[len(f.c.Snapshot().Targets[0].State.Decisions)-1]
}

// A restart with capacity_per_unit raised from 1 to 4 (bigger units):
// 15 units decided on demand 15, their raw recommendation 15 in the
// 30-minute stabilisation window; the restart 16 minutes after that
// scale event (the 10-minute scale-down cooldown over) on demand 20
// wants ceil(20/4) = 5. The window's 15 units of capacity 1 are 15 of
// demand, ceil(15/4) = 4 units of capacity 4, below the 5: the first
// decision scales down to 5 at once. Before, the window held the 15 units
// (reason stabilization) for its 30 minutes: 10 units that serve nothing.
func TestCapacityRaisedConvertsTheWindow(t *testing.T) {
	dir, t0 := t.TempDir(), fixtureStart
	small := capacityTarget(1, 30*time.Minute, 10*time.Minute)
	require.Equal(t, 15, cycleAt(t, dir, small, t0, 15).Desired)
	require.InDelta(t, 1, loadState(t, dir).Targets["web"].Capacity, 0, "saved with the capacity its units are sized at")

	big := small
	big.CapacityPerUnit = 4
	d := cycleAt(t, dir, big, t0.Add(16*time.Minute), 20)
	require.Equal(t, 15, d.Explanation.CurrentUnits, "the receiver's units carry over")
	require.Equal(t, 5, d.Desired, "%s", d.Line())
	require.NotEqual(t, policy.ReasonStabilization, d.Reason)

	require.InDelta(t, 4, loadState(t, dir).Targets["web"].Capacity, 0)
}

// A restart with capacity_per_unit lowered from 4 to 2 (smaller units):
// 15 units held since demand 60, then demand 40 whose raw recommendation,
// 10, the 20-minute cooldown held at 15; the restart 21 minutes after the
// scale-up (the cooldown over; the 10-minute window holds the 10 alone)
// on demand 12 wants 6. The window's 10 units of capacity 4 are 40 of
// demand, 20 units of capacity 2: a floor above the 15 held, which it
// keeps (reason stabilization). Before, the window's floor stayed 10
// units, now of capacity 2 (20 of demand, half what it remembered), and
// the decision scaled down to 10.
func TestCapacityLoweredKeepsTheConvertedFloor(t *testing.T) {
	dir, t0 := t.TempDir(), fixtureStart
	big := capacityTarget(4, 10*time.Minute, 20*time.Minute)
	require.Equal(t, 15, cycleAt(t, dir, big, t0, 60).Desired)
	held := cycleAt(t, dir, big, t0.Add(15*time.Minute), 40)
	require.Equal(t, 15, held.Desired, "%s", held.Line())
	require.Equal(t, []policy.Recommendation{{At: t0.Add(15 * time.Minute), Units: 10}}, loadState(t, dir).Targets["web"].Policy.Recent)

	small := big
	small.CapacityPerUnit = 2
	d := cycleAt(t, dir, small, t0.Add(21*time.Minute), 12)
	require.Equal(t, 15, d.Desired, "%s", d.Line())
	require.Equal(t, policy.ReasonStabilization, d.Reason)
}

// loadState reads the state file in dir.
func loadState(t *testing.T, dir string) state.File {
	t.Helper()
	st, err := state.New(dir)
	require.NoError(t, err)
	file, err := st.Load()
	require.NoError(t, err)
	return file
}

// With the shadow HPA (risk_per_unit), a restart at capacity 4 from a
// file saved at capacity 1 resumes the calm hold's memory, its wanted
// units converted (before, sized at another capacity, it was ignored and
// the hold waited 12 hours again), drops the shadow runs' (simulated at
// the old capacity), and says both, at INFO, once each.
func TestCapacityChangeConvertsTheCalmHold(t *testing.T) {
	dir, now := t.TempDir(), fixtureStart
	small := capacityTarget(1, 30*time.Minute, 10*time.Minute)
	small.RiskPerUnit = engine.DefaultRiskPerUnit
	cycleAt(t, dir, small, now, 15)
	saved := loadState(t, dir).Targets["web"]
	require.NotNil(t, saved.Calm)
	require.NotNil(t, saved.Shadow)
	require.Len(t, saved.Calm.Wanted, 1)

	big := small
	big.CapacityPerUnit = 4
	now = now.Add(time.Minute)
	st, err := state.New(dir)
	require.NoError(t, err)
	var logs bytes.Buffer
	deps := testDeps(&fakeHistory{value: 15}, flat(15), st, nil, func() time.Time { return now })
	deps.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	c, err := New([]policy.Target{big}, testOptions(ModeForecastOnly), deps)
	require.NoError(t, err)
	require.NoError(t, c.ReconcileOnce(t.Context()))

	calm := c.Snapshot().Targets[0].State.Calm
	require.Equal(t, state.ShadowTarget(big), calm.Target)
	require.Equal(t, []int{state.ConvertUnits(saved.Calm.Wanted[0], 1, 4, 0, policy.MaxUnitsLimit), 4}, calm.Wanted, "resumed, converted")
	out := logs.String()
	require.Equal(t, 1, strings.Count(out, `level=INFO msg="state file: capacity_per_unit 1 when saved, 4 now: units remembered of the demand served converted to it`), out)
	require.Contains(t, out, "calm hold's 1 wanted units")
	require.Equal(t, 1, strings.Count(out, `level=INFO msg="state file: shadow runs' memory, simulated at capacity 1, target_utilization 1, lag 5m0s, dropped`), out)
	require.NotContains(t, out, "WARN")
}

// A restart with target_utilization raised from 0.5 to 1 (capacity 1
// throughout): a unit is sized for capacity × utilisation of demand, 0.5
// then 1. 14 units decided on demand 7, their raw recommendation 14 in
// the 30-minute stabilisation window; the restart 16 minutes after that
// scale event (the 10-minute scale-down cooldown over) on demand 6 wants
// 6. The window's 14 units of 0.5 are 7 of demand, 7 units of 1: the
// floor halved, which the first decision keeps (reason stabilization).
// Before, the window held the 14 units for its 30 minutes.
func TestUtilizationRaisedHalvesTheFloor(t *testing.T) {
	dir, t0 := t.TempDir(), fixtureStart
	half := capacityTarget(1, 30*time.Minute, 10*time.Minute)
	half.TargetUtilization = 0.5
	require.Equal(t, 14, cycleAt(t, dir, half, t0, 7).Desired)
	require.InDelta(t, 0.5, loadState(t, dir).Targets["web"].Utilization, 0, "saved with the utilisation its units are sized at")

	full := half
	full.TargetUtilization = 1
	d := cycleAt(t, dir, full, t0.Add(16*time.Minute), 6)
	require.Equal(t, 14, d.Explanation.CurrentUnits, "the receiver's units carry over")
	require.Equal(t, 7, d.Desired, "%s", d.Line())
	require.Equal(t, policy.ReasonStabilization, d.Reason)
	require.InDelta(t, 1, loadState(t, dir).Targets["web"].Utilization, 0)
}

// A file written before the entries kept their capacity_per_unit
// (d7394d5) and without the shadow runs' memory (a target without the
// shadow HPA's risk sizing keeps none, or it was dropped): the calm hold's
// memory names the capacity its units were sized at, and a restart at
// capacity 4 converts from it: the stabilisation window's 15 units of 1
// become 4, the calm hold's wanted 15 too, with the INFO line.
func TestCapacityOfAnOlderFileFromTheCalmHold(t *testing.T) {
	dir, now := t.TempDir(), fixtureStart
	old := capacityTarget(1, 30*time.Minute, 10*time.Minute)
	st, err := state.New(dir)
	require.NoError(t, err)
	require.NoError(t, st.Save(state.File{Version: state.Version, SavedAt: now.Add(-time.Minute), Targets: map[string]state.Target{"web": {
		Policy: policy.State{LastDesired: 15, HasLast: true, LastScaleUp: now.Add(-16 * time.Minute),
			Recent: []policy.Recommendation{{At: now.Add(-16 * time.Minute), Units: 15}}},
		Calm: &state.Calm{Version: state.CalmVersion, Target: state.ShadowTarget(old), At: now.Unix() - 60, Wanted: []int{15}},
	}}}))

	big := old
	big.CapacityPerUnit = 4
	var logs bytes.Buffer
	deps := testDeps(&fakeHistory{value: 16}, flat(16), st, nil, func() time.Time { return now })
	deps.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	c, err := New([]policy.Target{big}, testOptions(ModeForecastOnly), deps)
	require.NoError(t, err)
	require.Contains(t, logs.String(), "state file: capacity_per_unit 1 when saved, 4 now", "converted from the calm hold's capacity")

	ts := c.file.Targets["web"]
	require.Equal(t, 4, ts.Policy.Recent[0].Units, "15 units of 1: 15 of demand, 4 units of 4")
	require.Equal(t, []int{4}, ts.Calm.Wanted)
	require.Equal(t, state.ShadowTarget(big), ts.Calm.Target)
	require.InDelta(t, 4, ts.Capacity, 0)
}

// A manual scaling before a new target's first cycle makes its entry:
// the entry saves the capacity and utilisation its units are sized at,
// so that a restart under another capacity converts them. Without them,
// the next start took the units as sized at the new capacity.
func TestOverrideBeforeTheFirstCycleSavesTheSize(t *testing.T) {
	dir := t.TempDir()
	now := fixtureStart
	tg := capacityTarget(2, 30*time.Minute, time.Minute)
	tg.TargetUtilization = 0.5
	f := newFixtureFor(t, tg, dir, &fakeHistory{value: 10}, flat(10), ModeAct, &now)
	_, err := f.c.Override(t.Context(), "web", 7, time.Hour)
	require.NoError(t, err)
	st, err := state.New(dir)
	require.NoError(t, err)
	file, err := st.Load()
	require.NoError(t, err)
	require.InDelta(t, 2, file.Targets["web"].Capacity, 0)
	require.InDelta(t, 0.5, file.Targets["web"].Utilization, 0)
}

// Each entry saves the scaling interval its forgone gain was accrued at
// (a cycle and a manual scaling alike), and a restart at another resets
// the gain with one INFO line; at the same interval it is kept.
func TestIntervalChangeResetsForgone(t *testing.T) {
	dir, now := t.TempDir(), fixtureStart
	tg := capacityTarget(1, 30*time.Minute, 10*time.Minute)
	cycleAt(t, dir, tg, now, 5)
	file := loadState(t, dir)
	ts := file.Targets["web"]
	require.Equal(t, "1m0s", ts.Interval, "saved with the interval (testOptions')")
	ts.Policy.Forgone = 0.0982 // held scale-downs' account
	file.Targets["web"] = ts
	st, err := state.New(dir)
	require.NoError(t, err)
	require.NoError(t, st.Save(file))

	for _, c := range []struct {
		interval time.Duration
		forgone  float64
	}{{time.Minute, 0.0982}, {30 * time.Second, 0}} {
		var logs bytes.Buffer
		deps := testDeps(&fakeHistory{value: 5}, flat(5), st, nil, func() time.Time { return now })
		deps.Logger = slog.New(slog.NewTextHandler(&logs, nil))
		o := testOptions(ModeForecastOnly)
		o.Interval = c.interval
		ctl, err := New([]policy.Target{tg}, o, deps)
		require.NoError(t, err)
		got := ctl.file.Targets["web"]
		require.InDelta(t, c.forgone, got.Policy.Forgone, 0, "%s", c.interval)
		require.Equal(t, c.interval.String(), got.Interval)
		said := strings.Count(logs.String(), `level=INFO msg="state file: scaling interval 1m0s when saved, 30s now: held scale-down's forgone gain 0.0982 reset"`)
		require.Equal(t, map[bool]int{true: 1}[c.forgone == 0], said, logs.String())
	}

	f := newFixtureFor(t, tg, t.TempDir(), &fakeHistory{value: 5}, flat(5), ModeAct, &now)
	_, err = f.c.Override(t.Context(), "web", 7, time.Hour)
	require.NoError(t, err)
	require.Equal(t, "1m0s", loadState(t, f.dir).Targets["web"].Interval, "a manual scaling's entry too")
}

// Each entry saves the lag its forgone gain was accrued over (a cycle and
// a manual scaling alike), so an entry with neither a calm nor a shadow
// memory, whose keys named it before, has its gain reset by a restart at
// another lag, with one INFO line; at the same lag it is kept. It was
// kept at any lag.
func TestLagChangeResetsForgone(t *testing.T) {
	dir, now := t.TempDir(), fixtureStart
	tg := capacityTarget(1, 30*time.Minute, 10*time.Minute)
	cycleAt(t, dir, tg, now, 5)
	file := loadState(t, dir)
	ts := file.Targets["web"]
	require.Equal(t, "5m0s", ts.Lag, "saved with the lag")
	ts.Policy.Forgone, ts.Calm, ts.Shadow = 0.0982, nil, nil
	file.Targets["web"] = ts
	st, err := state.New(dir)
	require.NoError(t, err)
	require.NoError(t, st.Save(file))

	for _, lag := range []time.Duration{5 * time.Minute, 2 * time.Minute} {
		var logs bytes.Buffer
		deps := testDeps(&fakeHistory{value: 5}, flat(5), st, nil, func() time.Time { return now })
		deps.Logger = slog.New(slog.NewTextHandler(&logs, nil))
		fast := tg
		fast.Lag = lag
		ctl, err := New([]policy.Target{fast}, testOptions(ModeForecastOnly), deps)
		require.NoError(t, err)
		got := ctl.file.Targets["web"]
		reset := lag != tg.Lag
		require.InDelta(t, map[bool]float64{false: 0.0982}[reset], got.Policy.Forgone, 0, "%s", lag)
		require.Equal(t, lag.String(), got.Lag)
		said := strings.Count(logs.String(), `level=INFO msg="state file: lag 5m0s when saved, 2m0s now: held scale-down's forgone gain 0.0982 reset"`)
		require.Equal(t, map[bool]int{true: 1}[reset], said, logs.String())
	}

	f := newFixtureFor(t, tg, t.TempDir(), &fakeHistory{value: 5}, flat(5), ModeAct, &now)
	_, err = f.c.Override(t.Context(), "web", 7, time.Hour)
	require.NoError(t, err)
	require.Equal(t, "5m0s", loadState(t, f.dir).Targets["web"].Lag, "a manual scaling's entry too")
}
