package controller

import (
	"fmt"
	"log/slog"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/actuator"
	"github.com/prescale/prescale/controller/actuator/simulated"
	"github.com/prescale/prescale/controller/policy"
	"github.com/prescale/prescale/controller/state"
)

// requirePending checks prescale_actuation_pending of the fixture's one
// target and actuator.
func (f *fixture) requirePending(t *testing.T, v int) {
	t.Helper()
	want := fmt.Sprintf(`# HELP prescale_actuation_pending 1 while the actuator has not acknowledged the target's current desired units (being delivered, or failing and re-sent with backoff), else 0.
# TYPE prescale_actuation_pending gauge
prescale_actuation_pending{actuator="recorder",target="web"} %d
`, v)
	require.NoError(t, testutil.GatherAndCompare(f.reg, strings.NewReader(want), "prescale_actuation_pending"))
}

// TestActuationLevelTriggered: a decision the actuator refuses is not
// claimed as current, degrades health (not readiness), and is re-sent with
// the then current desired units until acknowledged.
func TestActuationLevelTriggered(t *testing.T) {
	now := fixtureStart
	h := &fakeHistory{value: 35}
	f := newFixture(t, t.TempDir(), h, confidentForecast, ModeAct, &now)
	f.requirePending(t, 0)
	f.act.setDown(true)
	require.NoError(t, f.c.ReconcileOnce(t.Context()), "a failed delivery is the actuator's to retry, not a failed cycle")
	m := f.c.d.Metrics
	require.InDelta(t, 10, f.gauge(t, m.Desired), 0)
	f.requirePending(t, 1)
	hl := f.c.Health()
	require.Equal(t, "degraded", hl.Status)
	require.NoError(t, f.c.Ready(), "still deciding: ready")
	var detail string
	for _, c := range hl.Components {
		if c.Name == "actuator recorder" {
			require.False(t, c.Healthy)
			detail = c.Detail
		}
	}
	require.Contains(t, detail, "target web: 10 desired units not acknowledged, deliveries failing since 2026-03-02T12:00:30Z")
	require.Contains(t, detail, "HTTP 500")
	require.Len(t, hl.Actuation, 1)
	require.Equal(t, 1, *hl.Actuation[0].Acknowledged)

	now = now.Add(time.Minute)
	require.NoError(t, f.c.ReconcileOnce(t.Context()))
	require.InDelta(t, 1, f.gauge(t, m.Current), 0, "current units are the acknowledged ones, never the refused 10")
	require.Equal(t, 1, currentUnits(f.c))

	// The receiver recovers: the next cycle delivers the current desired.
	h.set(50, nil) // demand 50: upper forecast 70 still needs 10
	f.act.setDown(false)
	now = now.Add(time.Minute)
	require.NoError(t, f.c.ReconcileOnce(t.Context()))
	f.requirePending(t, 0)
	require.Equal(t, "ok", f.c.Health().Status)
	now = now.Add(time.Minute)
	require.NoError(t, f.c.ReconcileOnce(t.Context()))
	require.InDelta(t, 10, f.gauge(t, m.Current), 0)
	var sent []int
	for _, a := range f.act.actions() {
		sent = append(sent, a.Desired)
	}
	require.Equal(t, []int{10, 10, 10}, sent, "re-sent until acknowledged, then not again")
	for _, a := range f.act.actions() {
		require.Equal(t, 1, a.Current, "current: what the receiver acknowledged")
		require.Equal(t, "up", a.Direction, "relative to what the receiver has, so every resend is the same scale-up")
	}
}

// failedDeliveryBeforeRestart runs one cycle in dir whose delivery of the
// scale-up fails (the receiver is down) and returns the state file it left,
// which still records the receiver's acknowledged 1.
func failedDeliveryBeforeRestart(t *testing.T, dir string, now *time.Time) (*state.Store, state.File) {
	t.Helper()
	f := newFixture(t, dir, &fakeHistory{value: 35}, confidentForecast, ModeAct, now)
	f.act.setDown(true)
	require.NoError(t, f.c.ReconcileOnce(t.Context()))
	st, err := state.New(dir)
	require.NoError(t, err)
	file, err := st.Load()
	require.NoError(t, err)
	require.Equal(t, map[string]int{"recorder": 1}, file.Targets["web"].Acked)
	return st, file
}

// TestActuationSurvivesRestart: desired units no actuator acknowledged
// before a restart are delivered after it; the state file records what was
// acknowledged.
func TestActuationSurvivesRestart(t *testing.T) {
	now := fixtureStart
	dir := t.TempDir()
	st, _ := failedDeliveryBeforeRestart(t, dir, &now)

	now = now.Add(time.Minute)
	f2 := newFixture(t, dir, &fakeHistory{value: 35}, confidentForecast, ModeAct, &now)
	f2.requirePending(t, 0) // restored: nothing asked of it yet
	require.NoError(t, f2.c.ReconcileOnce(t.Context()))
	acts := f2.act.actions()
	require.Len(t, acts, 1)
	require.Equal(t, 10, acts[0].Desired)
	file, err := st.Load()
	require.NoError(t, err)
	require.Equal(t, map[string]int{"recorder": 10}, file.Targets["web"].Acked)
}

// TestActuationUnsureSurvivesRestart: a delivery that failed may have
// been applied (a command that scaled, then timed out), so the state file
// keeps it beside the acknowledged units, and after a restart a decision
// back to the acknowledged units is sent, not taken as in place. Before,
// the flag lived only in memory: 10 failed (the receiver may be at 10), a
// restart, and a manual scaling to the acknowledged 1 sent nothing.
func TestActuationUnsureSurvivesRestart(t *testing.T) {
	now := fixtureStart
	dir := t.TempDir()
	st, file := failedDeliveryBeforeRestart(t, dir, &now)
	require.Equal(t, []string{"recorder"}, file.Targets["web"].Unsure)

	now = now.Add(time.Minute)
	f2 := newFixture(t, dir, &fakeHistory{value: 35}, confidentForecast, ModeAct, &now)
	require.True(t, f2.c.d.Actuators[0].Unsure("web"), "restored: the acknowledged 1 may not be in place")
	_, err := f2.c.Override(t.Context(), "web", 1, time.Hour)
	require.NoError(t, err)
	acts := f2.act.actions()
	require.Len(t, acts, 1, "the acknowledged units are sent again: the receiver may be at 10")
	require.Equal(t, 1, acts[0].Desired)
	f2.requirePending(t, 0)
	file, err = st.Load()
	require.NoError(t, err)
	require.Equal(t, map[string]int{"recorder": 1}, file.Targets["web"].Acked)
	require.Empty(t, file.Targets["web"].Unsure, "acknowledged since: sure again")
}

// TestActuationOldStateFile: a state file from before level-triggered
// actuation (no "acked") counts its last decision as acknowledged: no
// action after the upgrade.
func TestActuationOldStateFile(t *testing.T) {
	now := fixtureStart
	dir := t.TempDir()
	f1 := newFixture(t, dir, &fakeHistory{value: 35}, confidentForecast, ModeAct, &now)
	require.NoError(t, f1.c.ReconcileOnce(t.Context()))
	st, err := state.New(dir)
	require.NoError(t, err)
	file, err := st.Load()
	require.NoError(t, err)
	ts := file.Targets["web"]
	ts.Acked = nil
	file.Targets["web"] = ts
	require.NoError(t, st.Save(file))

	now = now.Add(time.Minute)
	f2 := newFixture(t, dir, &fakeHistory{value: 35}, confidentForecast, ModeAct, &now)
	require.NoError(t, f2.c.ReconcileOnce(t.Context()))
	require.Empty(t, f2.act.actions())
	require.InDelta(t, 10, f2.gauge(t, f2.c.d.Metrics.Current), 0)
}

// TestActuationTargetBackResends: a target that comes back to a
// controller after it did not own it (removed from the targets file,
// another shard's while the shard count was changed and changed back) has
// an entry kept from before, whose acknowledged units may no longer be
// what its receiver has: whoever decided it meanwhile may have changed
// them. Its desired units are sent again even when they equal the
// acknowledged ones; before, nothing was sent and prescale_current_units
// showed the stale acknowledgement. A restart after which every target
// was decided in the file's last cycle sends nothing
// (TestActuationOldStateFile, TestE2ERealPrometheus).
func TestActuationTargetBackResends(t *testing.T) {
	now := fixtureStart
	dir := t.TempDir()
	f1 := newFixture(t, dir, &fakeHistory{value: 35}, confidentForecast, ModeAct, &now)
	require.NoError(t, f1.c.ReconcileOnce(t.Context()))
	require.Len(t, f1.act.actions(), 1)
	st, err := state.New(dir)
	require.NoError(t, err)
	file, err := st.Load()
	require.NoError(t, err)
	require.Equal(t, map[string]int{"recorder": 10}, file.Targets["web"].Acked)
	// The controller ran two more days without "web" (its other targets
	// decided, the file saved), then "web" came back.
	file.SavedAt = file.SavedAt.Add(48 * time.Hour)
	require.NoError(t, st.Save(file))

	now = now.Add(48*time.Hour + time.Minute)
	f2 := newFixture(t, dir, &fakeHistory{value: 35}, confidentForecast, ModeAct, &now)
	require.True(t, f2.c.d.Actuators[0].Unsure("web"), "the acknowledged 10 may not be in place")
	require.NoError(t, f2.c.ReconcileOnce(t.Context()))
	acts := f2.act.actions()
	require.Len(t, acts, 1, "the desired 10 is sent again")
	require.Equal(t, 10, acts[0].Desired)
	require.False(t, f2.c.d.Actuators[0].Unsure("web"), "acknowledged: sure again")
}

// TestActuationAfterBoundsChange: min_units or max_units changed between
// restarts across the units the receiver acknowledged. The decision that
// brings them within the new bounds is sent as the move it is, from the
// acknowledged units; they were forgotten as out of range, and the move
// went out from the clamped last decision as "none" (seen live: 20
// acknowledged, max_units lowered to 15, the webhook said "from 15 to 15,
// direction none" to a receiver at 20).
func TestActuationAfterBoundsChange(t *testing.T) {
	for _, c := range []struct {
		name     string
		min, max int
		dir      string
	}{{"max below", 1, 6, "down"}, {"min above", 12, 20, "up"}} {
		t.Run(c.name, func(t *testing.T) {
			now := fixtureStart
			dir := t.TempDir()
			f1 := newFixture(t, dir, &fakeHistory{value: 35}, confidentForecast, ModeAct, &now)
			require.NoError(t, f1.c.ReconcileOnce(t.Context()))
			require.Equal(t, 10, f1.act.actions()[0].Desired)

			now = now.Add(time.Minute)
			tg := testTarget
			tg.MinUnits, tg.MaxUnits = c.min, c.max
			f2 := newFixtureFor(t, tg, dir, &fakeHistory{value: 35}, confidentForecast, ModeAct, &now)
			require.NoError(t, f2.c.ReconcileOnce(t.Context()))
			acts := f2.act.actions()
			require.Len(t, acts, 1)
			want := min(max(10, c.min), c.max)
			require.Equal(t, []any{want, 10, c.dir}, []any{acts[0].Desired, acts[0].Current, acts[0].Direction})
		})
	}
}

// TestOverrideAfterBoundsChange: an operator's override in force outside
// bounds changed between restarts (max_units lowered below it) is clamped
// while in force, as the policy clamps any override, and in force again at
// its units once the bounds allow them. It was dropped at start, and the
// policy decided at once.
func TestOverrideAfterBoundsChange(t *testing.T) {
	now := fixtureStart
	dir := t.TempDir()
	f1 := newFixture(t, dir, &fakeHistory{value: 35}, confidentForecast, ModeAct, &now)
	_, err := f1.c.Override(t.Context(), "web", 15, time.Hour)
	require.NoError(t, err)

	for _, c := range []struct{ max, want int }{{6, 6}, {20, 15}} {
		now = now.Add(time.Minute)
		tg := testTarget
		tg.MaxUnits = c.max
		f := newFixtureFor(t, tg, dir, &fakeHistory{value: 35}, confidentForecast, ModeAct, &now)
		require.NoError(t, f.c.ReconcileOnce(t.Context()))
		acts := f.act.actions()
		require.Len(t, acts, 1, "max_units %d", c.max)
		require.Equal(t, []any{c.want, "manual"}, []any{acts[0].Desired, acts[0].Reason}, "max_units %d", c.max)
	}
}

// replicasTarget is testTarget reading its units back from kube-state-metrics.
func replicasTarget() policy.Target {
	t := testTarget
	t.CurrentQuery = `kube_deployment_status_replicas{deployment="web"}`
	return t
}

// replicasFixture is a fixture of replicasTarget, demand 35, whose
// current_query reads current.
func replicasFixture(t *testing.T, now *time.Time, current float64) (*fixture, *fakeHistory, policy.Target) {
	t.Helper()
	tgt := replicasTarget()
	h := &fakeHistory{value: 35}
	h.setQuery(tgt.CurrentQuery, current)
	return newFixtureFor(t, tgt, t.TempDir(), h, confidentForecast, ModeAct, now), h, tgt
}

// TestCurrentQueryAndObservedLag: with a current_query the current units
// are what it reads back, not what was acknowledged, and the time from an
// acknowledged scale-up to the query showing its units is published next to
// the configured lag (injected clock: cycles one minute apart).
func TestCurrentQueryAndObservedLag(t *testing.T) {
	now := fixtureStart
	f, h, tgt := replicasFixture(t, &now, 1)
	m := f.c.d.Metrics
	lv := []string{"web", "web", "instances"}
	require.InDelta(t, 300, testutil.ToFloat64(m.LagConfigured.WithLabelValues(lv...)), 0, "configured lag 5m")

	require.NoError(t, f.c.ReconcileOnce(t.Context())) // scale-up to 10, acknowledged at once
	require.Len(t, f.act.actions(), 1)
	require.InDelta(t, 1, f.gauge(t, m.Current), 0)

	for i, replicas := range []float64{4, 9} { // capacity arriving
		now = now.Add(time.Minute)
		h.setQuery(tgt.CurrentQuery, replicas)
		require.NoError(t, f.c.ReconcileOnce(t.Context()))
		require.InDelta(t, replicas, f.gauge(t, m.Current), 0, "cycle %d: current units are what current_query reads, not the acknowledged 10", i)
		require.Equal(t, int(replicas), currentUnits(f.c))
	}
	require.Equal(t, 0, histCount(t, f, lv), "not all 10 units there yet")
	now = now.Add(time.Minute)
	h.setQuery(tgt.CurrentQuery, 10)
	require.NoError(t, f.c.ReconcileOnce(t.Context()))
	require.Equal(t, 1, histCount(t, f, lv))
	require.InDelta(t, 180, histSum(t, f, lv), 0, "acknowledged at 12:00:30, seen at 12:03:30")
	now = now.Add(time.Minute)
	require.NoError(t, f.c.ReconcileOnce(t.Context()))
	require.Equal(t, 1, histCount(t, f, lv), "one scale-up, one observation")
	require.Len(t, f.act.actions(), 1, "the decision was acknowledged: never re-sent while capacity arrives")
}

// TestCurrentQueryMissingFallsBack: without a value from current_query the
// current units are the acknowledged ones.
func TestCurrentQueryMissingFallsBack(t *testing.T) {
	now := fixtureStart
	f, _, _ := replicasFixture(t, &now, math.NaN())
	require.NoError(t, f.c.ReconcileOnce(t.Context()))
	now = now.Add(time.Minute)
	require.NoError(t, f.c.ReconcileOnce(t.Context()))
	require.InDelta(t, 10, f.gauge(t, f.c.d.Metrics.Current), 0)
	require.Contains(t, f.c.snaps[0].currentErr, "gave no usable value")
}

func histMetric(t *testing.T, f *fixture, lv []string) *dto.Histogram {
	t.Helper()
	var mm dto.Metric
	require.NoError(t, f.c.d.Metrics.LagObserved.WithLabelValues(lv...).(prometheus.Metric).Write(&mm))
	return mm.GetHistogram()
}

func histCount(t *testing.T, f *fixture, lv []string) int {
	return int(histMetric(t, f, lv).GetSampleCount())
}

func histSum(t *testing.T, f *fixture, lv []string) float64 {
	return histMetric(t, f, lv).GetSampleSum()
}

// TestObservedLagWithoutActuator: with KEDA or an HPA reading
// prescale_desired_units (PRESCALE_ACTUATOR=none), the lag runs from the
// decision that raised the units.
func TestObservedLagWithoutActuator(t *testing.T) {
	now := fixtureStart
	f, h, tgt := replicasFixture(t, &now, 1)
	f.c.d.Actuators = nil
	lv := []string{"web", "web", "instances"}
	require.NoError(t, f.c.ReconcileOnce(t.Context())) // desired 10 published
	for _, replicas := range []float64{1, 6, 10, 10} {
		now = now.Add(time.Minute)
		h.setQuery(tgt.CurrentQuery, replicas)
		require.NoError(t, f.c.ReconcileOnce(t.Context()))
	}
	require.Equal(t, 1, histCount(t, f, lv))
	require.InDelta(t, 180, histSum(t, f, lv), 0)
}

// currentUnits is the first target's current units as the API shows them.
func currentUnits(c *Controller) int {
	return c.Snapshot().Targets[0].Current
}

// TestHealthLastOK: each health component says when it last worked (the
// API's last_ok, "null until the component first worked"): the history
// source's last answer, the last cycle with data for every target, the
// last cycle, the last state file saved and the actuator's last
// acknowledgement, kept while the part fails. Before, only the history
// source had one: a state file saved every cycle read as never saved.
func TestHealthLastOK(t *testing.T) {
	now := fixtureStart
	h := &fakeHistory{value: 35}
	f := newFixture(t, t.TempDir(), h, confidentForecast, ModeAct, &now)
	require.NoError(t, f.c.ReconcileOnce(t.Context()))
	first := now
	lastOK := func() map[string]time.Time {
		out := map[string]time.Time{}
		for _, c := range f.c.Health().Components {
			out[c.Name] = c.LastOK
		}
		return out
	}
	require.Equal(t, map[string]time.Time{"history": first, "target data": first, "loop": first, "state file": first, "actuator recorder": first}, lastOK())

	now = now.Add(time.Minute)
	f.act.setDown(true)
	h.set(50, nil)
	require.NoError(t, f.c.ReconcileOnce(t.Context()))
	got := lastOK()
	require.Equal(t, now, got["loop"])
	require.Equal(t, now, got["state file"])
	require.Equal(t, first, got["actuator recorder"], "its last acknowledgement")
}

// TestFirstDecisionStartsFromCurrentQuery: a controller without a prior
// decision for a target (a new install, a lost state file) starts from
// the units its current_query reads. It started from min_units, so a
// first cycle without demand data held at 1 and published
// prescale_desired_units 1, which KEDA applied to a workload running 12.
func TestFirstDecisionStartsFromCurrentQuery(t *testing.T) {
	now := fixtureStart
	target := testTarget
	target.CurrentQuery = `max(kube_deployment_status_replicas_available{deployment="web"})`
	h := &fakeHistory{value: 35, until: fixtureStart.Add(-time.Hour).Unix()} // no fresh demand
	h.setQuery(target.CurrentQuery, 12)
	f := newFixtureFor(t, target, t.TempDir(), h, confidentForecast, ModeAct, &now)
	require.NoError(t, f.c.ReconcileOnce(t.Context()))
	dec := f.c.snaps[0].decision
	require.Equal(t, policy.ReasonNoData, dec.Reason)
	require.Equal(t, 12, dec.Desired, "held at what the target runs")
	require.InDelta(t, 12, f.gauge(t, f.c.d.Metrics.Desired), 0)

	// Above max_units: the policy's bounds still hold.
	h.setQuery(target.CurrentQuery, 500)
	f = newFixtureFor(t, target, t.TempDir(), h, confidentForecast, ModeAct, &now)
	require.NoError(t, f.c.ReconcileOnce(t.Context()))
	require.Equal(t, target.MaxUnits, f.c.snaps[0].decision.Desired)
}

// TestCostCountsUnitsStarting: while a delivered scale-up's units do not
// show in current_query yet (available replicas: pods still starting), the
// cost counts them, for at most the target's lag; after it, the units read
// back (a scale-up the HPA caps is not paid for). The cost counted only
// the units read back, so every scale-up's lag went unpaid in the cost and
// the daily budget.
func TestCostCountsUnitsStarting(t *testing.T) {
	now := fixtureStart
	f, h, tgt := replicasFixture(t, &now, 1)
	require.NoError(t, f.c.ReconcileOnce(t.Context())) // scale-up to 10 at 12:00:30, acknowledged at once
	h.setQuery(tgt.CurrentQuery, 4)
	var perMinute []float64
	prev := 0.0
	for range 8 { // 12:01:30 .. 12:08:30: 4 units show, lag 5m
		now = now.Add(time.Minute)
		require.NoError(t, f.c.ReconcileOnce(t.Context()))
		cost := f.gauge(t, f.c.d.Metrics.CostToday)
		perMinute = append(perMinute, math.Round((cost-prev)*60/0.5*1e9)/1e9)
		prev = cost
		if len(perMinute) == 5 {
			require.InDelta(t, 10*0.5, f.gauge(t, f.c.d.Metrics.CostPerHour), 1e-9, "12:05:30: the 10 units are still paid for")
			require.Equal(t, 10, f.c.Snapshot().Targets[0].Paid, "the API's cost_per_hour reads it")
		}
	}
	require.Equal(t, []float64{10, 10, 10, 10, 10, 4, 4, 4}, perMinute, "units paid for each minute")
	require.InDelta(t, 4*0.5, f.gauge(t, f.c.d.Metrics.CostPerHour), 1e-9, "beyond the lag: the units read back")
	require.InDelta(t, 4, f.gauge(t, f.c.d.Metrics.Current), 0, "current units are still what current_query reads")
}

// A manual scaling publishes its decision's series as a cycle does
// (metrics.PublishUnits): its time in prescale_last_decision_timestamp_seconds
// and prescale_budget_capped 0 (reason manual) besides the units and cost.
// It left both at the last cycle's: a budget-capped cycle, then a manual
// scaling, showed budget_capped 1 and the cycle's time beside a manual
// decision counted in prescale_decisions_total.
func TestOverridePublishesAsACycle(t *testing.T) {
	now := fixtureStart
	tg := testTarget
	tg.DailyBudget = 1e-6 // every scale-up capped: budget
	f := newFixtureFor(t, tg, t.TempDir(), &fakeHistory{value: 35}, confidentForecast, ModeAct, &now)
	m := f.c.d.Metrics
	require.NoError(t, f.c.ReconcileOnce(t.Context()))
	now = now.Add(time.Minute)
	require.NoError(t, f.c.ReconcileOnce(t.Context()))
	require.InDelta(t, 1, f.gauge(t, m.BudgetCapped), 0, "the cycle's decision was capped")
	require.InDelta(t, float64(now.Unix()), f.gauge(t, m.LastDecision), 0)

	now = now.Add(30 * time.Second)
	_, err := f.c.Override(t.Context(), "web", 3, time.Hour)
	require.NoError(t, err)
	require.InDelta(t, float64(now.Unix()), f.gauge(t, m.LastDecision), 0, "the manual scaling's time")
	require.InDelta(t, 0, f.gauge(t, m.BudgetCapped), 0, "a manual decision is not capped")
	require.InDelta(t, 3, f.gauge(t, m.Desired), 0)
	require.InDelta(t, 1, testutil.ToFloat64(m.Decisions.WithLabelValues("web", "up", string(policy.ReasonManual))), 0)
}

// TestOverrideUpdatesCost: a manual scaling (POST /api/scaling/execute)
// updates the cost per hour, the current units and the cost so far at
// once, as the next cycle would: they waited for that cycle (up to an
// interval) and the cycle then charged the new units back to the cycle
// before the scaling. Without a current_query, the inline actuator's
// acknowledgement is the current units; with one, a scale-up's units are
// paid for while they start.
func TestOverrideUpdatesCost(t *testing.T) {
	now := fixtureStart
	f := newFixture(t, t.TempDir(), &fakeHistory{value: 35}, confidentForecast, ModeAct, &now)
	m := f.c.d.Metrics
	require.NoError(t, f.c.ReconcileOnce(t.Context())) // 1 -> 10
	now = now.Add(time.Minute)
	require.NoError(t, f.c.ReconcileOnce(t.Context()))
	require.InDelta(t, 10*0.5, f.gauge(t, m.CostPerHour), 1e-9)
	before := f.gauge(t, m.CostToday)

	now = now.Add(30 * time.Second)
	s, err := f.c.Override(t.Context(), "web", 3, time.Hour)
	require.NoError(t, err)
	require.InDelta(t, 3*0.5, f.gauge(t, m.CostPerHour), 1e-9, "the manual scaling's units at once")
	require.InDelta(t, 3, f.gauge(t, m.Current), 0)
	require.Equal(t, 3, s.Current, "the API's current_units")
	require.Equal(t, 3, s.Paid, "the API's cost_per_hour reads it")
	halfMinute := 10 * 0.5 * 30.0 / 3600
	require.InDelta(t, before+halfMinute, f.gauge(t, m.CostToday), 1e-12, "10 units charged until the scaling")
	require.InDelta(t, before+halfMinute, s.State.CostToday, 1e-12)

	now = now.Add(30 * time.Second)
	require.NoError(t, f.c.ReconcileOnce(t.Context()))
	require.InDelta(t, before+halfMinute+3*0.5*30.0/3600, f.gauge(t, m.CostToday), 1e-12, "3 units since")

	// With a current_query, a delivered manual scale-up is paid for while
	// it starts (within the lag), as a cycle's is.
	now = fixtureStart
	f2, _, _ := replicasFixture(t, &now, 4)
	require.NoError(t, f2.c.ReconcileOnce(t.Context())) // 4 -> 10, acknowledged
	now = now.Add(time.Minute)
	require.NoError(t, f2.c.ReconcileOnce(t.Context()))
	now = now.Add(30 * time.Second)
	s, err = f2.c.Override(t.Context(), "web", 15, time.Hour)
	require.NoError(t, err)
	require.Equal(t, 4, s.Current, "current_query's last read")
	require.Equal(t, 15, s.Paid)
	require.InDelta(t, 15*0.5, f2.gauge(t, f2.c.d.Metrics.CostPerHour), 1e-9)
}

// prescale_current_units, the API's current_units and the cost per hour
// are read after the cycle's actuation: a scale-up (1 -> 10) in place at
// once shows in the cycle that decided it, acknowledged by an inline
// actuator, requested from the simulated pool (ready plus provisioning)
// or, without actuators (KEDA reads prescale_desired_units), as the
// decision; one a receiver has not acknowledged yet does not. The
// action handed on keeps the units before it (a notification's from).
// They were read before the decision: 1 and 0.5/h until the next cycle,
// which then charged 10 units for that interval.
func TestCurrentUnitsAfterActuation(t *testing.T) {
	now := fixtureStart
	f := newFixture(t, t.TempDir(), &fakeHistory{value: 35}, confidentForecast, ModeAct, &now)
	require.NoError(t, f.c.ReconcileOnce(t.Context()))
	m := f.c.d.Metrics
	s := f.c.Snapshot().Targets[0]
	require.Equal(t, 10, s.Decision.Desired)
	require.InDelta(t, 10, f.gauge(t, m.Current), 0, "acknowledged in the act phase")
	require.Equal(t, 10, s.Current, "the API's current_units")
	require.InDelta(t, 5, f.gauge(t, m.CostPerHour), 1e-12)
	require.Equal(t, 1, f.act.actions()[0].Current, "the action says from what")

	for _, c := range []struct {
		name     string
		mode     string
		actuated bool
		want     int
	}{
		{"no actuator", ModeAct, false, 10},
		{"forecast-only", ModeForecastOnly, false, 10},
		{"not acknowledged yet", ModeAct, true, 1},
		{"simulated pool", ModeAct, true, 10},
	} {
		now := fixtureStart
		st, err := state.New(t.TempDir())
		require.NoError(t, err)
		deps := testDeps(&fakeHistory{value: 35}, confidentForecast, st, nil, func() time.Time { return now })
		switch {
		case c.name == "simulated pool": // 1 ready and 9 provisioning after the act phase, as the app wires it
			pool := simulated.NewPool(deps.Now, nil)
			pool.Register("web", 1, testTarget.Lag, testTarget.CostPerUnitHour)
			deps.Units = pool
			deps.Actuators = []*actuator.Level{actuator.NewLevel(pool, actuator.LevelConfig{Now: deps.Now, Inline: true})}
		case c.actuated: // background delivery, not run: nothing acknowledged
			deps.Actuators = []*actuator.Level{actuator.NewLevel(&recorder{}, actuator.LevelConfig{Now: deps.Now})}
		}
		ctl, err := New([]policy.Target{testTarget}, testOptions(c.mode), deps)
		require.NoError(t, err)
		require.NoError(t, ctl.ReconcileOnce(t.Context()))
		s := ctl.Snapshot().Targets[0]
		require.Equal(t, 10, s.Decision.Desired, c.name)
		require.Equal(t, c.want, s.Current, c.name)
		require.InDelta(t, float64(c.want), testutil.ToFloat64(ctl.d.Metrics.Current.WithLabelValues("web", "web", "instances")), 0, c.name)
	}
}

// TestShutdownWithActuationPendingWarns: stopping while a receiver has not
// acknowledged a target's desired units logs one WARN naming the target,
// its desired and acknowledged units and the actuator: the shutdown said
// only "stopped", and the receiver's outage was logged once, when it
// started (tried live: a webhook receiver hanging, SIGTERM, nothing said
// that the 15 units decided were never received). A stop with every
// decision acknowledged says nothing of it.
func TestShutdownWithActuationPendingWarns(t *testing.T) {
	now := fixtureStart
	st, err := state.New(t.TempDir())
	require.NoError(t, err)
	reg := prometheus.NewRegistry()
	act := &recorder{}
	clock := func() time.Time { return now }
	deps := testDeps(&fakeHistory{value: 35}, confidentForecast, st, NewMetrics(reg, []policy.Target{testTarget}), clock)
	deps.Actuators = []*actuator.Level{actuator.NewLevel(act, actuator.LevelConfig{Inline: true, Now: clock, Metrics: actuator.NewMetrics(reg)})}
	var logs strings.Builder
	deps.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	c, err := New([]policy.Target{testTarget}, testOptions(ModeAct), deps)
	require.NoError(t, err)

	require.NoError(t, c.ReconcileOnce(t.Context()))
	require.NoError(t, c.SaveState())
	require.NotContains(t, logs.String(), "stopping with desired units not acknowledged", "all acknowledged")

	act.setDown(true)
	now = now.Add(time.Minute)
	_, err = c.Override(t.Context(), "web", 14, time.Hour)
	require.NoError(t, err)
	logs.Reset()
	require.NoError(t, c.SaveState())
	require.Equal(t, 1, strings.Count(logs.String(), "level=WARN"), logs.String())
	require.Contains(t, logs.String(), `level=WARN msg="stopping with desired units not acknowledged: the next start sends them again, and until then the receivers may run other units" pending=1 first="web: 14 desired, 10 acknowledged by recorder"`)
}

// TestScalingLoggedWithoutActuator: a decision that changes the units logs
// one INFO `scaling` in act mode with or without actuators: without them
// KEDA or an HPA scales on the published decision (tried live: a target
// going from 5 to 12 units with PRESCALE_ACTUATOR=none logged nothing).
// Forecast-only scales nothing and logs no such line (its own:
// TestRecommendationLoggedOnceInForecastOnly).
func TestScalingLoggedWithoutActuator(t *testing.T) {
	for _, c := range []struct {
		mode     string
		actuated bool
		logged   bool
	}{{ModeAct, false, true}, {ModeAct, true, true}, {ModeForecastOnly, false, false}} {
		now := fixtureStart
		st, err := state.New(t.TempDir())
		require.NoError(t, err)
		deps := testDeps(&fakeHistory{value: 35}, confidentForecast, st, nil, func() time.Time { return now })
		if c.actuated {
			deps.Actuators = []*actuator.Level{actuator.NewLevel(&recorder{}, actuator.LevelConfig{Now: deps.Now, Inline: true})}
		}
		var logs strings.Builder
		deps.Logger = slog.New(slog.NewTextHandler(&logs, nil))
		ctl, err := New([]policy.Target{testTarget}, testOptions(c.mode), deps)
		require.NoError(t, err)
		require.NoError(t, ctl.ReconcileOnce(t.Context()))
		require.Equal(t, 10, ctl.Snapshot().Targets[0].Decision.Desired)
		require.Equal(t, c.logged, strings.Contains(logs.String(), `msg=scaling target=web from=1 to=10 reason=forecast`), "%+v: %s", c, logs.String())
	}
}

// TestRecommendationLoggedOnceInForecastOnly: in forecast-only mode a
// decision that changes the units logs one INFO `recommendation` (what
// prescale would have done, not acted on), once per change: from the
// previous decision, the first from the units decided from (min_units,
// or what the current_query reads). Nothing was logged (tried: an
// operator evaluating forecast-only mode saw no move in the log). With the
// simulated pool, which forecast-only hands nothing (and does not read as
// the units: TestForecastOnlyPoolIsNotTheUnits), the same.
func TestRecommendationLoggedOnceInForecastOnly(t *testing.T) {
	for _, c := range []struct {
		name, first string
	}{
		{"no actuator", "from=1"},
		{"current_query", "from=4"},
		{"simulated pool", "from=1"},
	} {
		now := fixtureStart
		st, err := state.New(t.TempDir())
		require.NoError(t, err)
		h := &fakeHistory{value: 35}
		deps := testDeps(h, confidentForecast, st, nil, func() time.Time { return now })
		target := testTarget
		switch c.name {
		case "current_query":
			target.CurrentQuery = "cur"
			h.setQuery("cur", 4)
		case "simulated pool": // as the app wires it in forecast-only mode: not the Units
			pool := simulated.NewPool(deps.Now, nil)
			pool.Register("web", 1, testTarget.Lag, testTarget.CostPerUnitHour)
			deps.Actuators = []*actuator.Level{actuator.NewLevel(pool, actuator.LevelConfig{Now: deps.Now, Inline: true})}
		}
		var logs strings.Builder
		deps.Logger = slog.New(slog.NewTextHandler(&logs, nil))
		ctl, err := New([]policy.Target{target}, testOptions(ModeForecastOnly), deps)
		require.NoError(t, err)
		cycle := func(want int) {
			t.Helper()
			require.NoError(t, ctl.ReconcileOnce(t.Context()))
			require.Equal(t, want, ctl.Snapshot().Targets[0].Decision.Desired, c.name)
			now = now.Add(time.Minute)
		}
		cycle(10)
		cycle(10)
		cycle(10)
		h.set(140, nil) // 20 units on demand
		cycle(20)
		cycle(20)
		out := logs.String()
		require.Equal(t, 2, strings.Count(out, "msg=recommendation "), "%s: %s", c.name, out)
		require.Contains(t, out, `level=INFO msg=recommendation target=web `+c.first+` to=10 reason=forecast acted=false mode=forecast-only`, c.name)
		require.Contains(t, out, `level=INFO msg=recommendation target=web from=10 to=20 `, c.name)
		require.NotContains(t, out, "msg=scaling", c.name)
	}
}
