package controller

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/policy"
	"github.com/prescale/prescale/controller/state"
)

// pendingSince is target web's prescale_scaling_pending_since_timestamp_seconds,
// and whether it is published.
func pendingSince(t *testing.T, ctl *Controller) (time.Time, bool) {
	t.Helper()
	g := ctl.d.Metrics.PendingSince
	if testutil.CollectAndCount(g) == 0 {
		return time.Time{}, false
	}
	v := testutil.ToFloat64(g.WithLabelValues("web", "web", "instances"))
	return time.Unix(0, int64(v*1e9)).UTC(), true
}

// The pending time is the decision's (the injected clock) at the first
// cycle whose desired units (10) differ from the current ones (1), kept
// by the next cycle still waiting for the acknowledgement, and deleted at
// once when the acknowledgement arrives (ack-on-arrival, before any next
// cycle); the cycle after it, in balance, leaves it absent. Fails without
// the gauge's setPending: kept or moved to the second cycle's time.
func TestPendingSinceSetKeptClearedOnAck(t *testing.T) {
	now := fixtureStart
	ctl, l := ackControllerFor(t, testTarget, &fakeHistory{value: 35}, &recorder{}, &now)
	_, ok := pendingSince(t, ctl)
	require.False(t, ok, "absent before the first decision")
	require.NoError(t, ctl.ReconcileOnce(t.Context()))
	s := ctl.Snapshot().Targets[0]
	require.Equal(t, 10, s.Decision.Desired)
	require.Equal(t, 1, s.Current)
	since, ok := pendingSince(t, ctl)
	require.True(t, ok, "pending from the first differing cycle")
	require.True(t, since.Equal(fixtureStart), "%v, want the decision's time %v", since, fixtureStart)

	now = now.Add(time.Minute)
	require.NoError(t, ctl.ReconcileOnce(t.Context()))
	require.Equal(t, 1, ctl.Snapshot().Targets[0].Current, "not acknowledged yet")
	since, ok = pendingSince(t, ctl)
	require.True(t, ok)
	require.True(t, since.Equal(fixtureStart), "kept across cycles: %v", since)

	f, err := ctl.d.State.Load()
	require.NoError(t, err)
	require.Equal(t, &state.Pending{Since: fixtureStart, Current: 1}, f.Targets["web"].Pending, "saved by the cycle")

	now = now.Add(30 * time.Second)
	l.Sync(t.Context()) // acknowledged: current = desired = 10
	require.Equal(t, 10, ctl.Snapshot().Targets[0].Current)
	_, ok = pendingSince(t, ctl)
	require.False(t, ok, "cleared when the acknowledgement arrives")
	require.NoError(t, ctl.SaveState())
	f, err = ctl.d.State.Load()
	require.NoError(t, err)
	require.Nil(t, f.Targets["web"].Pending, "the shutdown's save after the acknowledgement")

	now = now.Add(time.Minute)
	require.NoError(t, ctl.ReconcileOnce(t.Context()))
	_, ok = pendingSince(t, ctl)
	require.False(t, ok, "in balance")
}

// With a current_query the acknowledgement does not make the units
// current: the pending time stays the first cycle's until the query reads
// more of the desired units, moves to the cycle that reads part of them
// (4 of 10: they arrive), stays while the query reads no more, and is
// deleted when it reads them all.
func TestPendingSinceWithCurrentQuery(t *testing.T) {
	now := fixtureStart
	tgt := replicasTarget()
	h := &fakeHistory{value: 35}
	h.setQuery(tgt.CurrentQuery, 1)
	ctl, l := ackControllerFor(t, tgt, h, &recorder{}, &now)
	require.NoError(t, ctl.ReconcileOnce(t.Context()))
	now = now.Add(30 * time.Second)
	l.Sync(t.Context())
	want := fixtureStart
	for _, replicas := range []float64{1, 4, 4, 10} {
		since, ok := pendingSince(t, ctl)
		require.True(t, ok, "pending before %v replicas read", replicas)
		require.True(t, since.Equal(want), "%v, want %v", since, want)
		now = now.Add(time.Minute)
		h.setQuery(tgt.CurrentQuery, replicas)
		require.NoError(t, ctl.ReconcileOnce(t.Context()))
		if replicas == 4 && since.Equal(fixtureStart) {
			want = now // the cycle that read 4 of 10
		}
	}
	_, ok := pendingSince(t, ctl)
	require.False(t, ok, "the query reads the desired units")
}

// restarted is a new controller of tgt on the state directory dir, with
// history h and the clock now, as after a restart.
func restarted(t *testing.T, dir string, tgt policy.Target, h *fakeHistory, now *time.Time) *Controller {
	t.Helper()
	st, err := state.New(dir)
	require.NoError(t, err)
	ctl, err := New([]policy.Target{tgt}, testOptions(ModeAct), testDeps(h, confidentForecast, st, nil, func() time.Time { return *now }))
	require.NoError(t, err)
	return ctl
}

// The state file holds the pending time with the current units last
// seen: a controller restarted with the decision still pending
// (current_query reads 1 of 10) publishes it before its first cycle and
// keeps it at the cycle that still reads 1; restarted once more after
// the units moved toward the desired ones (4 of 10), its first cycle sets
// it, as one without the restart would. A file without it (written before
// it was kept, or stripped) counts from the first cycle, as before.
// Without the persistence the first restart published nothing before its
// first cycle and the first cycle's time from it.
func TestPendingSinceAfterRestart(t *testing.T) {
	now := fixtureStart
	dir := t.TempDir()
	tgt := replicasTarget()
	h := &fakeHistory{value: 35}
	h.setQuery(tgt.CurrentQuery, 1)
	start := func() *Controller { return restarted(t, dir, tgt, h, &now) }
	require.NoError(t, start().ReconcileOnce(t.Context()))

	now = now.Add(2 * time.Minute)
	ctl := start()
	require.InDelta(t, 10, testutil.ToFloat64(ctl.d.Metrics.Desired.WithLabelValues("web", "web", "instances")), 0)
	since, ok := pendingSince(t, ctl)
	require.True(t, ok, "published before the first cycle")
	require.True(t, since.Equal(fixtureStart), "the saved pending time: %v", since)
	require.NoError(t, ctl.ReconcileOnce(t.Context()))
	since, ok = pendingSince(t, ctl)
	require.True(t, ok)
	require.True(t, since.Equal(fixtureStart), "kept: the units did not move: %v", since)

	now = now.Add(2 * time.Minute)
	h.setQuery(tgt.CurrentQuery, 4)
	ctl = start()
	require.NoError(t, ctl.ReconcileOnce(t.Context()))
	since, _ = pendingSince(t, ctl)
	require.True(t, since.Equal(now), "the units moved toward the desired ones while it was down: %v", since)

	st, err := state.New(dir)
	require.NoError(t, err)
	f, err := st.Load()
	require.NoError(t, err)
	ts := f.Targets["web"]
	require.NotNil(t, ts.Pending)
	ts.Pending = nil // as an older controller wrote it
	f.Targets["web"] = ts
	require.NoError(t, st.Save(f))
	now = now.Add(2 * time.Minute)
	ctl = start()
	_, ok = pendingSince(t, ctl)
	require.False(t, ok, "an older file: not before the first cycle")
	require.NoError(t, ctl.ReconcileOnce(t.Context()))
	since, _ = pendingSince(t, ctl)
	require.True(t, since.Equal(now), "an older file: from the first cycle: %v", since)
}

// A manual scaling's save holds the pending time it set: in balance at 10
// (acknowledged), a manual scaling to 4 at a later time makes the units
// pending from it, and the state file Override writes says so, so a
// restart before the next cycle carries it on. Published after that save
// (as before the state file kept it) the file held none.
func TestPendingSinceSavedByManualScaling(t *testing.T) {
	now := fixtureStart
	ctl, l := ackControllerFor(t, testTarget, &fakeHistory{value: 35}, &recorder{}, &now)
	require.NoError(t, ctl.ReconcileOnce(t.Context()))
	l.Sync(t.Context())
	require.NoError(t, ctl.SaveState())
	f, err := ctl.d.State.Load()
	require.NoError(t, err)
	require.Nil(t, f.Targets["web"].Pending, "in balance at 10")

	now = now.Add(time.Minute)
	_, err = ctl.Override(t.Context(), "web", 4, time.Hour)
	require.NoError(t, err)
	since, ok := pendingSince(t, ctl)
	require.True(t, ok)
	require.True(t, since.Equal(now), "pending from the manual scaling: %v", since)
	f, err = ctl.d.State.Load()
	require.NoError(t, err)
	require.Equal(t, &state.Pending{Since: now, Current: 10}, f.Targets["web"].Pending, "saved by the manual scaling")
}

// The pending time is resumed after a downtime (from the state file's
// save to the start) of at most the wait PrescaleScalingDecisionPending
// allows, 2 x lag + 5m (15 minutes for testTarget's 5-minute lag), and
// not after a longer one: its first cycle starts the count, still 1 of
// 10 read. Without the bound, a controller down for a day fired the alert
// at its first cycle on the wait from before the downtime.
func TestPendingSinceAfterLongDowntime(t *testing.T) {
	now := fixtureStart
	dir := t.TempDir()
	tgt := replicasTarget()
	h := &fakeHistory{value: 35}
	h.setQuery(tgt.CurrentQuery, 1)
	start := func() *Controller { return restarted(t, dir, tgt, h, &now) }
	require.NoError(t, start().ReconcileOnce(t.Context()))
	require.Equal(t, 15*time.Minute, pendingResumeWithin(tgt))

	now = fixtureStart.Add(15 * time.Minute)
	since, ok := pendingSince(t, start())
	require.True(t, ok, "down for the alert's wait: resumed")
	require.True(t, since.Equal(fixtureStart), "%v", since)

	now = fixtureStart.Add(15*time.Minute + time.Second)
	ctl := start()
	_, ok = pendingSince(t, ctl)
	require.False(t, ok, "down for longer: not before the first cycle")
	require.NoError(t, ctl.ReconcileOnce(t.Context()))
	since, ok = pendingSince(t, ctl)
	require.True(t, ok, "still pending: 1 of 10 read")
	require.True(t, since.Equal(now), "counted from the first cycle: %v", since)
}
