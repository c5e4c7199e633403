package controller

import (
	"errors"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/policy"
	"github.com/prescale/prescale/controller/state"
)

// TestDecisionTimeBeforeTheFirstCycle: before its first cycle a controller
// publishes prescale_last_decision_timestamp_seconds only from a decision
// the state file holds (its time); a new target's is absent until its
// first cycle sets it. It was pre-initialised at 0: a last decision in
// 1970, and after a restart the file's decision's time was lost until the
// first cycle.
func TestDecisionTimeBeforeTheFirstCycle(t *testing.T) {
	decided := fixtureStart.Add(-2 * time.Minute)
	for _, c := range []struct {
		name   string
		file   *state.Target
		before float64 // the gauge before the first cycle; -1: absent
	}{
		{"a new target", nil, -1},
		{"a decision in the state file", &state.Target{Policy: policy.State{LastDesired: 4, HasLast: true},
			Decisions: []policy.Decision{{Desired: 4, Explanation: policy.Explanation{Now: decided}}}, Capacity: 10, Utilization: 0.7}, float64(decided.Unix())},
		{"a state file without its decisions", &state.Target{Policy: policy.State{LastDesired: 4, HasLast: true}, Capacity: 10, Utilization: 0.7}, -1},
	} {
		t.Run(c.name, func(t *testing.T) {
			now, dir := fixtureStart, t.TempDir()
			if c.file != nil {
				st, err := state.New(dir)
				require.NoError(t, err)
				require.NoError(t, st.Save(state.File{Version: state.Version, SavedAt: now.Add(-time.Minute), Targets: map[string]state.Target{"web": *c.file}}))
			}
			h := &fakeHistory{value: 35, err: errors.New("connection refused")}
			ctl := costController(t, testTarget, dir, costSetup{mode: ModeForecastOnly}, h, &now)
			g := ctl.d.Metrics.LastDecision
			if c.before < 0 {
				require.Zero(t, testutil.CollectAndCount(g), "absent")
			} else {
				require.InDelta(t, c.before, testutil.ToFloat64(g.WithLabelValues("web", "web", "instances")), 0)
			}
			costCycle(t, ctl)
			require.InDelta(t, float64(now.Unix()), testutil.ToFloat64(g.WithLabelValues("web", "web", "instances")), 0, "the first cycle's")
		})
	}
}
