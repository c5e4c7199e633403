package controller

import (
	"errors"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/actuator"
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
	tg := testTarget
	tg.HoldUntilReady = true
	st, err := state.New(t.TempDir())
	require.NoError(t, err)
	reg := prometheus.NewRegistry()
	h := &fakeHistory{value: 91}
	c, err := New([]policy.Target{tg}, Options{
		Interval: time.Minute, Window: time.Hour, Step: time.Minute, Coverage: 0.8, Mode: ModeAct, AnomalyThreshold: 0.95,
	}, Deps{
		History: h, NewForecaster: newFake(fakeForecaster{mean: 40, upper: 50, conf: 0.2}),
		NewDetector: func() (predictor.Detector, error) { return quietDetector{}, nil },
		Decide:      policy.Decide,
		Actuators:   []*actuator.Level{actuator.NewLevel(&recorder{}, actuator.LevelConfig{Inline: true, Now: func() time.Time { return now }, Metrics: actuator.NewMetrics(reg)})},
		State:       st, Metrics: NewMetrics(reg, []policy.Target{tg}), Now: func() time.Time { return now },
	})
	require.NoError(t, err)
	require.Equal(t, 5*time.Minute, c.Targets()[0].StabilizationWindow)
	cycle := func() policy.Decision {
		_ = c.ReconcileOnce(t.Context())
		c.mu.RLock()
		defer c.mu.RUnlock()
		return c.snaps[0].decision
	}

	require.Equal(t, 13, cycle().Desired)
	h.set(0, errors.New("connection refused"))
	for range 20 {
		now = now.Add(time.Minute)
		d := cycle()
		require.Equal(t, 13, d.Desired)
		require.Equal(t, policy.ReasonNoData, d.Reason)
	}
	h.set(56, nil)
	back := now.Add(time.Minute)
	for now = back; now.Sub(back) < 5*time.Minute; now = now.Add(time.Minute) {
		d := cycle()
		require.Equal(t, 13, d.Desired, "%s after data returned: %s", now.Sub(back), Explain(d))
		require.Equal(t, policy.RuleOutageHold, d.Explanation.Rule)
	}
	d := cycle()
	require.Equal(t, 8, d.Desired, "the window has passed on fresh data: %s", Explain(d))
	require.Equal(t, policy.ReasonLowConfidence, d.Reason)
}
