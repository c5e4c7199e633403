package controller

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/actuator"
	"github.com/prescale/prescale/controller/engine"
	"github.com/prescale/prescale/controller/policy"
	"github.com/prescale/prescale/controller/state"
	"github.com/prescale/prescale/predictor"
)

// TestHoldFloorAfterHistoryOutage is issue 11's fourth report, with an
// injected clock: a target holds 13 units (demand 91 at 7 per unit) when
// the history source goes down for 20 minutes; it comes back with a
// demand that needs 8, through an untrusted forecast (the low-confidence
// path, which went 13 -> 8 at once). With the controller's defaults (lag
// 5m, hold until ready: a 4m30s stabilisation window at a 1m interval) no
// decision goes below 13 until that window has passed on fresh data.
func TestHoldFloorAfterHistoryOutage(t *testing.T) {
	now := fixtureStart
	h := &fakeHistory{value: 91}
	c := outageController(t, t.TempDir(), h, &now)
	require.Equal(t, 5*time.Minute, c.Targets()[0].StabilizationWindow)

	require.Equal(t, 13, outageCycle(t, c).Desired)
	h.set(0, errors.New("connection refused"))
	for range 20 {
		now = now.Add(time.Minute)
		d := outageCycle(t, c)
		require.Equal(t, 13, d.Desired)
		require.Equal(t, policy.ReasonNoData, d.Reason)
	}
	requireOutageHold(t, c, h, &now)
}

// TestHoldFloorSurvivesRestart: as above, but the controller is restarted
// on its state file two minutes after data came back, inside the window.
// The hold and the time data came back live in the state file
// (outage_hold, resumed): the new controller keeps the 13 units until the
// window has passed since data came back, as the first would have; one
// that forgot the hold decided 8 at once. (Checked live too: Prometheus
// stopped for 6 minutes with the controller restarted during it; rule
// outage_hold held 13 for the 2-minute window after data came back.)
func TestHoldFloorSurvivesRestart(t *testing.T) {
	now := fixtureStart
	dir := t.TempDir()
	h := &fakeHistory{value: 91}
	c := outageController(t, dir, h, &now)
	require.Equal(t, 13, outageCycle(t, c).Desired)
	h.set(0, errors.New("connection refused"))
	for range 5 {
		now = now.Add(time.Minute)
		require.Equal(t, policy.ReasonNoData, outageCycle(t, c).Reason)
	}
	h.set(56, nil)
	back := now.Add(time.Minute)
	for now = back; now.Sub(back) < 2*time.Minute; now = now.Add(time.Minute) {
		require.Equal(t, policy.RuleOutageHold, outageCycle(t, c).Explanation.Rule)
	}
	require.NoError(t, c.SaveState())

	c = outageController(t, dir, h, &now)
	for ; now.Sub(back) < 5*time.Minute; now = now.Add(time.Minute) {
		d := outageCycle(t, c)
		require.Equal(t, 13, d.Desired, "%s after data returned, restarted at 2m: %s", now.Sub(back), Explain(d))
		require.Equal(t, policy.RuleOutageHold, d.Explanation.Rule)
	}
	d := outageCycle(t, c)
	require.Equal(t, 8, d.Desired, "the window has passed on fresh data: %s", Explain(d))
}

// outageController is a controller of testTarget (hold until ready: a
// 4m30s stabilisation window rounded to 5m at a 1m interval) on the state
// in dir, with an untrusted forecast (the low-confidence path) and the
// clock *now.
func outageController(t *testing.T, dir string, h *fakeHistory, now *time.Time) *Controller {
	t.Helper()
	tg := testTarget
	tg.HoldUntilReady = true
	st, err := state.New(dir)
	require.NoError(t, err)
	reg := prometheus.NewRegistry()
	clock := func() time.Time { return *now }
	c, err := New([]policy.Target{tg}, Options{
		Interval: time.Minute, Window: time.Hour, Step: time.Minute, Coverage: 0.8, Mode: ModeAct, AnomalyThreshold: 0.95,
	}, Deps{
		History: h, NewForecaster: newFake(fakeForecaster{mean: 40, upper: 50, conf: 0.2}),
		NewDetector: func() (predictor.Detector, error) { return quietDetector{}, nil },
		Decide:      policy.Decide,
		Actuators:   []*actuator.Level{actuator.NewLevel(&recorder{}, actuator.LevelConfig{Inline: true, Now: clock, Metrics: actuator.NewMetrics(reg)})},
		State:       st, Metrics: NewMetrics(reg, []policy.Target{tg}), Now: clock,
	})
	require.NoError(t, err)
	return c
}

// outageCycle runs one cycle of c and returns its decision.
func outageCycle(t *testing.T, c *Controller) policy.Decision {
	_ = c.ReconcileOnce(t.Context())
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.snaps[0].decision
}

// requireOutageHold brings history back with a demand that needs 8 units
// and checks that c holds 13 (rule outage_hold) until the 5-minute window
// has passed on fresh data, then decides 8.
func requireOutageHold(t *testing.T, c *Controller, h *fakeHistory, now *time.Time) {
	t.Helper()
	h.set(56, nil)
	back := now.Add(time.Minute)
	for *now = back; now.Sub(back) < 5*time.Minute; *now = now.Add(time.Minute) {
		d := outageCycle(t, c)
		require.Equal(t, 13, d.Desired, "%s after data returned: %s", now.Sub(back), Explain(d))
		require.Equal(t, policy.RuleOutageHold, d.Explanation.Rule)
	}
	d := outageCycle(t, c)
	require.Equal(t, 8, d.Desired, "the window has passed on fresh data: %s", Explain(d))
	require.Equal(t, policy.ReasonLowConfidence, d.Reason)
}

// TestStartupHoldOfAnOlderStateFile: a fresh install's start-up hold in
// progress (three no_data decisions at 13 units, then one on data) in a
// state file of a version before the policy kept "startup": the
// controller started on it marks the hold from the target's decisions
// (state.Target.MarkStartup), so its first cycle names it startup_hold,
// as the controller that wrote the file would now have; it read
// outage_hold. The units are the same.
func TestStartupHoldOfAnOlderStateFile(t *testing.T) {
	dir := t.TempDir()
	tg := testTarget
	tg.HoldUntilReady = true
	tg = engine.Resolve(tg, time.Minute)
	var ts state.Target
	now, cur := fixtureStart, 13
	for k := range 4 {
		in := policy.Input{Now: now, Interval: time.Minute, CurrentUnits: cur, Demand: math.NaN(), ForecastStep: time.Minute}
		if k == 3 {
			in.DataPresent, in.Demand = true, 56
		}
		d := policy.Decide(in, tg, ts.Policy)
		ts.Policy, cur, now = ts.Policy.Record(tg, d), d.Desired, now.Add(time.Minute)
		ts.Decisions = append(ts.Decisions, d)
		require.Equal(t, 13, d.Desired)
	}
	require.True(t, ts.Policy.Startup)
	ts.Policy.Startup = false // as an older version wrote it
	st, err := state.New(dir)
	require.NoError(t, err)
	require.NoError(t, st.Save(state.File{SavedAt: now, Targets: map[string]state.Target{tg.Name: ts}}))

	c := outageController(t, dir, &fakeHistory{value: 56}, &now)
	d := outageCycle(t, c)
	require.Equal(t, 13, d.Desired, "%s", Explain(d))
	require.Equal(t, policy.RuleStartupHold, d.Explanation.Rule, "%s", Explain(d))
	require.Equal(t, 13, d.Explanation.StartupHold)
	require.Zero(t, d.Explanation.OutageHold)
}
