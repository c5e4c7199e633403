package app

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller"
	"github.com/prescale/prescale/controller/actuator/simulated"
	"github.com/prescale/prescale/controller/policy"
	"github.com/prescale/prescale/controller/state"
)

// TestResumePoolKeepsProvisioningUnits: prescale run's simulated pool,
// rebuilt at a restart from the decisions the state file keeps, has the
// units asked for less than the lag (5 minutes) before still
// provisioning until their time: registered with the last decision's
// units, it had them all ready at once (8 ready, 0 provisioning).
func TestResumePoolKeepsProvisioningUnits(t *testing.T) {
	t0 := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	now := t0
	dec := func(at time.Duration, from, to int) policy.Decision {
		return policy.Decision{Desired: to, Explanation: policy.Explanation{Now: t0.Add(at), CurrentUnits: from}}
	}
	target := func(name string, last int, d ...policy.Decision) controller.TargetSnapshot {
		return controller.TargetSnapshot{
			Target: policy.Target{Name: name, MinUnits: 1, MaxUnits: 20, Lag: 5 * time.Minute, CostPerUnitHour: 1},
			State:  state.Target{Policy: policy.State{HasLast: last > 0, LastDesired: last}, Decisions: d},
		}
	}
	pool := simulated.NewPool(func() time.Time { return now }, nil)
	resumePool(pool, []controller.TargetSnapshot{
		// 2 -> 5 ten minutes ago (ready), 5 -> 8 two minutes ago.
		target("up", 8, dec(-10*time.Minute, 2, 5), dec(-2*time.Minute, 5, 8)),
		// 2 -> 6 four minutes ago, 6 -> 4 a minute ago: two of the four
		// provisioning cancelled.
		target("down", 4, dec(-4*time.Minute, 2, 6), dec(-time.Minute, 6, 4)),
		target("never", 0),
		// A record whose last decision is not the last units: those, ready.
		target("other", 7, dec(-time.Minute, 2, 6)),
		// Written by a clock an hour ahead: asked for now at the latest.
		target("ahead", 6, dec(time.Hour, 2, 6)),
	})
	units := func(name string) [2]int {
		r, p, ok := pool.Units(name)
		require.True(t, ok, name)
		return [2]int{r, p}
	}
	require.Equal(t, [2]int{5, 3}, units("up"), "ready, provisioning")
	require.Equal(t, [2]int{2, 2}, units("down"))
	require.Equal(t, [2]int{1, 0}, units("never"), "min_units")
	require.Equal(t, [2]int{7, 0}, units("other"))
	require.Equal(t, [2]int{2, 4}, units("ahead"))
	for _, s := range pool.Status() {
		require.Zero(t, s.CostSoFar, "%s: the replay accrues no cost", s.Target)
	}
	now = t0.Add(time.Minute)
	require.Equal(t, [2]int{4, 0}, units("down"), "ready 5 minutes after they were asked for")
	require.Equal(t, [2]int{5, 3}, units("up"))
	now = t0.Add(3 * time.Minute)
	require.Equal(t, [2]int{8, 0}, units("up"))
	now = t0.Add(5 * time.Minute)
	require.Equal(t, [2]int{6, 0}, units("ahead"), "ready a lag after now, not after the hour ahead")
}
