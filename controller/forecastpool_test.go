package controller_test

import (
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller"
	"github.com/prescale/prescale/controller/app"
	"github.com/prescale/prescale/controller/config"
	"github.com/prescale/prescale/internal/testkit"
)

// poolCycles runs an App of restConfig in mode with actuators over a
// generated trace and then demand rising a step at a time and falling
// once, one cycle per step, and returns per cycle the units the policy decided from, the
// decision, the API's current_units, prescale_current_units and the
// simulated pool's ready plus provisioning units (-1 without it).
func poolCycles(t *testing.T, mode string, actuators []string, logs *testkit.SyncBuffer) [][5]int {
	t.Helper()
	now := time.Date(2026, 3, 2, 12, 0, 30, 0, time.UTC)
	cfg := restConfig(t.TempDir())
	cfg.Mode, cfg.Actuators = mode, actuators
	reg := prometheus.NewRegistry()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	a, err := app.New(cfg, app.Options{Registry: reg, Listener: ln, Now: func() time.Time { return now },
		Logger: slog.New(slog.NewTextHandler(logs, nil))})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, a.Close()) })
	ts, vs := testkit.DailyTrace(576, 5*time.Minute, now.Add(-30*time.Second), 7)
	_, err = a.Store().AppendSeries(t.Context(), testkit.Demand("trace", "gen"), ts, vs)
	require.NoError(t, err)
	var out [][5]int
	for i, v := range []float64{0, 70, 95, 120, 140, 100} {
		if i > 0 {
			now = now.Add(5 * time.Minute)
			_, err = a.Store().AppendSeries(t.Context(), testkit.Demand("trace", "gen"), []int64{now.Add(-30 * time.Second).Unix()}, []float64{v})
			require.NoError(t, err)
		}
		require.NoError(t, a.Controller().ReconcileOnce(t.Context()))
		s := a.Controller().Snapshot().Targets[0]
		pool := -1
		if a.Pool() != nil {
			r, p, _ := a.Pool().Units("web")
			pool = r + p
		}
		out = append(out, [5]int{s.Decision.Explanation.CurrentUnits, s.Decision.Desired, s.Current,
			int(gaugeValue(t, reg, "prescale_current_units")), pool})
	}
	return out
}

// TestForecastOnlyPoolIsNotTheUnits: in forecast-only mode the simulated
// pool is handed nothing, so it is not the units the policy decides from
// nor prescale_current_units: those are the last decision, as in
// forecast-only mode without it, and the pool stays at its start. Before,
// they stayed at the pool's start (min_units, 1) every cycle while demand
// rose and the decisions with it, and nothing warned that the pool is
// never acted on (as it warns for webhook and exec). Act mode with the
// pool (make run) is unchanged: the pool holds each decision at once.
func TestForecastOnlyPoolIsNotTheUnits(t *testing.T) {
	var plain, pooled, act testkit.SyncBuffer
	without := poolCycles(t, controller.ModeForecastOnly, []string{config.ActuatorNone}, &plain)
	with := poolCycles(t, controller.ModeForecastOnly, []string{config.ActuatorSimulated}, &pooled)
	acting := poolCycles(t, controller.ModeAct, []string{config.ActuatorSimulated}, &act)
	t.Logf("without %v\nwith %v\nact %v", without, with, acting)
	for i := range with {
		require.Equal(t, without[i][:4], with[i][:4], "cycle %d: from, desired, current_units, prescale_current_units", i)
		require.Equal(t, 1, with[i][4], "cycle %d: the pool, handed nothing, stays at min_units", i)
		require.Equal(t, acting[i][:4], with[i][:4], "cycle %d: as act mode decides", i)
		require.Equal(t, acting[i][1], acting[i][4], "cycle %d: act mode's pool holds the decision", i)
		if i > 0 {
			require.Equal(t, with[i-1][1], with[i][0], "cycle %d: decided from the last decision", i)
		}
		require.Equal(t, with[i][1], with[i][2], "cycle %d: current_units is the decision", i)
	}
	require.Greater(t, with[len(with)-1][1], with[0][1]+2, "the decisions rose with demand")
	const warn = "PRESCALE_ACTUATOR includes simulated but PRESCALE_MODE is forecast-only"
	require.Contains(t, pooled.String(), warn)
	require.NotContains(t, plain.String(), warn)
	require.NotContains(t, act.String(), warn)
}
