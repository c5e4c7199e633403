package controller_test

import (
	"context"
	"testing"
	"time"

	"github.com/kelseyhightower/envconfig"
	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller"
	"github.com/prescale/prescale/controller/config"
	"github.com/prescale/prescale/controller/history"
	"github.com/prescale/prescale/controller/policy"
	"github.com/prescale/prescale/controller/state"
)

// spikeHistory holds demand 2 on the minute grid, but 8 in the two
// minutes from spike.
type spikeHistory struct{ spike time.Time }

func (h spikeHistory) value(t time.Time) float64 {
	if !t.Before(h.spike) && t.Before(h.spike.Add(2*time.Minute)) {
		return 8
	}
	return 2
}

func (h spikeHistory) QueryRange(_ context.Context, _ string, start, end time.Time, step time.Duration) (history.Series, error) {
	var s history.Series
	if start.Equal(end) {
		t := end.Truncate(step)
		s.T, s.V = []int64{t.Unix()}, []float64{h.value(t)}
		return s, nil
	}
	for t := start; !t.After(end); t = t.Add(step) {
		s.T, s.V = append(s.T, t.Unix()), append(s.V, h.value(t))
	}
	return s, nil
}

// usageWindowUnits runs the controller built from the PRESCALE_*
// variables (env, with a 10-minute provisioning lag and a reactive target
// that holds nothing else: no hold-until-ready, cooldowns, tolerance or
// change cost) on demand that needs 2 units but 8 in two minutes, and
// returns the units it decides 9 minutes after the spike began: 8 minutes
// after the last decision whose demand used the 8 units it had. The
// forecaster sees the spike as a gap (anomalous), so only the usage
// window keeps the 8.
func usageWindowUnits(t *testing.T, env map[string]string) int {
	t.Helper()
	for k, v := range map[string]string{
		"TARGET_QUERY": "demand", "TARGET_PROVISIONING_LAG": "10m", "TARGET_CAPACITY_PER_UNIT": "1",
		"TARGET_UTILIZATION": "1", "TARGET_MAX_UNITS": "20", "TARGET_HOLD_UNTIL_READY": "false",
		"TARGET_SCALE_UP_COOLDOWN": "0s", "TARGET_SCALE_DOWN_COOLDOWN": "0s", "TARGET_TOLERANCE": "0",
		"TARGET_CHANGE_COST": "0", "STEP": "1m", "SCALING_INTERVAL": "1m",
		"HISTORY_WINDOW": "6h", "MODE": controller.ModeForecastOnly,
	} {
		t.Setenv(config.EnvPrefix+"_"+k, v)
	}
	for k, v := range env {
		t.Setenv(config.EnvPrefix+"_"+k, v)
	}
	var cfg config.Config
	require.NoError(t, envconfig.Process(config.EnvPrefix, &cfg))
	require.NoError(t, cfg.Validate())
	targets, err := cfg.Targets()
	require.NoError(t, err)
	st, err := state.New(t.TempDir())
	require.NoError(t, err)
	spike := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	now := spike.Add(-30 * time.Minute)
	c, err := controller.New(targets, controller.Options{
		Interval: cfg.ScalingInterval, Window: cfg.HistoryWindow, Step: cfg.Step, Coverage: cfg.Coverage,
		Mode: cfg.Mode, AnomalyThreshold: cfg.AnomalyThreshold,
	}, controller.Deps{
		History: spikeHistory{spike}, NewDetector: controller.DetectorByName(cfg.AnomalyDetector),
		Decide: policy.Decide, State: st, Now: func() time.Time { return now },
	})
	require.NoError(t, err)
	for ; now.Before(spike); now = now.Add(time.Minute) {
		require.NoError(t, c.ReconcileOnce(t.Context()))
	}
	require.Less(t, c.Snapshot().Targets[0].Decision.Desired, 8, "before the spike")
	for ; !now.After(spike.Add(9 * time.Minute)); now = now.Add(time.Minute) {
		require.NoError(t, c.ReconcileOnce(t.Context()))
	}
	return c.Snapshot().Targets[0].Decision.Desired
}

// TestUsageWindowDefaultIsTheLag: a target whose lag is 10 minutes keeps
// the units demand used 8 minutes ago, as `prescale backtest` decides
// (its usage window is the lag); the fixed 5-minute default dropped them.
// PRESCALE_TARGET_USAGE_WINDOW=5m still does, and 0 turns the window off.
func TestUsageWindowDefaultIsTheLag(t *testing.T) {
	require.Equal(t, 8, usageWindowUnits(t, nil), "unset: the 10m lag keeps the 8 units used 8 minutes ago")
	require.Less(t, usageWindowUnits(t, map[string]string{"TARGET_USAGE_WINDOW": "5m"}), 8, "5m: dropped")
	require.Less(t, usageWindowUnits(t, map[string]string{"TARGET_USAGE_WINDOW": "0"}), 8, "0: off")
	require.Equal(t, 8, usageWindowUnits(t, map[string]string{"TARGET_USAGE_WINDOW": "lag"}), "lag: the lag")
}
