package controller

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/policy"
	"github.com/prescale/prescale/controller/state"
)

// TestRestartedGuessedHoldChargesThePool: a target whose state file holds
// no decision (its first holds without data were guesses, HasLast false)
// but its accrual time, restarted with the simulated pool, is charged the
// pool's units for the time since, as known units are: the pool reports
// what runs. Without data and without a decision, only the pool makes
// them known (chargedUnits' pooled); with it left out they were charged
// nothing. In a running controller the pool's first hold keeps its
// decision, so this is the one case where the pool alone decides.
func TestRestartedGuessedHoldChargesThePool(t *testing.T) {
	now, dir := fixtureStart, t.TempDir()
	st, err := state.New(dir)
	require.NoError(t, err)
	require.NoError(t, st.Save(state.File{Version: state.Version, SavedAt: now.Add(-time.Minute), Targets: map[string]state.Target{"web": {
		Policy: policy.State{}, CostDay: "2026-03-02", CostAt: now.Add(-time.Minute), Capacity: 10, Utilization: 0.7,
	}}}))
	h := &fakeHistory{value: 35, err: errors.New("connection refused")}
	ctl := costController(t, testTarget, dir, costSetup{mode: ModeAct, pool: poolUnits{3}}, h, &now)
	ts := costCycle(t, ctl)
	require.InDelta(t, 3*0.5/60, ts.CostTotal, 1e-12, "the pool's 3 units for the minute since the file's cost_at")
	require.InDelta(t, 3*0.5/60, ts.CostToday, 1e-12)
}
