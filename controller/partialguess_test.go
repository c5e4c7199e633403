package controller

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/actuator"
	"github.com/prescale/prescale/controller/policy"
	"github.com/prescale/prescale/controller/state"
)

// TestNewControllerOnAPartialDemandPublishesNoGuess: a new controller (no
// state, no current_query, nothing acknowledged) whose first cycles read a
// partial demand (a host of the sum down) that needs no more than
// min_units knows nothing but the guess no_data holds at: the remaining
// host's 5 needs 1 unit, a lower bound of what the workload runs. Like
// that guess it is neither published as prescale_desired_units nor acted
// on nor saved as the last decision (KEDA or a receiver would scale a
// running workload to its minimum on it); the first decision on a whole
// demand is.
func TestNewControllerOnAPartialDemandPublishesNoGuess(t *testing.T) {
	now := time.Date(2026, 3, 2, 12, 1, 0, 0, time.UTC)
	h := &hostsHistory{factor: 0.1, downFrom: now.Add(-2 * time.Hour).Unix()}
	tg := testTarget
	tg.CompleteQuery = "hosts_up"
	dir := t.TempDir()
	st, err := state.New(dir)
	require.NoError(t, err)
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg, []policy.Target{tg})
	clock := func() time.Time { return now }
	deps := testDeps(h, fakeForecaster{conf: 0.1}, st, m, clock)
	act := &recorder{}
	deps.Actuators = []*actuator.Level{actuator.NewLevel(act, actuator.LevelConfig{Inline: true, Now: clock, Metrics: actuator.NewMetrics(reg)})}
	c, err := New([]policy.Target{tg}, testOptions(ModeAct), deps)
	require.NoError(t, err)

	for range 2 {
		require.NoError(t, c.ReconcileOnce(t.Context()))
		d := c.Snapshot().Targets[0].Decision
		require.True(t, d.Explanation.Partial, d.Line())
		require.Equal(t, 1, d.Desired, d.Line())
		require.Equal(t, 0, testutil.CollectAndCount(m.Desired), "a guess on a lower bound: no prescale_desired_units")
		require.Empty(t, act.actions(), "nor acted on")
		now = now.Add(time.Minute)
	}
	f, err := st.Load()
	require.NoError(t, err)
	require.False(t, f.Targets["web"].Policy.HasLast, "nor saved as the last decision")

	h.set(func(h *hostsHistory) { h.downTo = now.Add(-time.Minute).Unix() })
	require.NoError(t, c.ReconcileOnce(t.Context()))
	require.False(t, c.Snapshot().Targets[0].Decision.Explanation.Partial)
	require.InDelta(t, 2, testutil.ToFloat64(m.Desired.WithLabelValues("web", "web", "instances")), 0, "the whole 10 needs 2: published")
	require.Len(t, act.actions(), 1)
}
