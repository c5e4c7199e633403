package controller

import (
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/policy"
	"github.com/prescale/prescale/controller/state"
	"github.com/prescale/prescale/internal/testkit"
	"github.com/prescale/prescale/predictor"
)

// overflowingForecaster is fakeForecaster whose forecast overflows
// float64 while over is set (a demand near 1e308), as the live
// forecaster's does.
type overflowingForecaster struct {
	fakeForecaster
	over *atomic.Bool
}

func (f overflowingForecaster) Forecast(h int, coverage float64) (predictor.Forecast, error) {
	if f.over.Load() {
		return predictor.Forecast{}, fmt.Errorf("engine: %w", predictor.ErrNotFinite)
	}
	return f.fakeForecaster.Forecast(h, coverage)
}

// TestNotFiniteForecastLogsOnce: a forecast that is not finite (values
// near ±MaxFloat64) is logged as the cycle log logs a target's other
// problems: one WARN naming the target when it starts, none while it
// lasts, one INFO when the forecast is finite again. It showed only in
// /api/predictions' error and prescale_model_error.
func TestNotFiniteForecastLogsOnce(t *testing.T) {
	now := fixtureStart
	st, err := state.New(t.TempDir())
	require.NoError(t, err)
	over := &atomic.Bool{}
	fc := overflowingForecaster{fakeForecaster: confidentForecast, over: over}
	deps := testDeps(&fakeHistory{value: 35}, fc, st, NewMetrics(prometheus.NewRegistry(), []policy.Target{testTarget}), func() time.Time { return now })
	logs := &testkit.SyncBuffer{}
	deps.Logger = slog.New(slog.NewTextHandler(logs, nil))
	c, err := New([]policy.Target{testTarget}, testOptions(ModeForecastOnly), deps)
	require.NoError(t, err)
	cycle := func() {
		require.NoError(t, c.ReconcileOnce(t.Context()))
		now = now.Add(time.Minute)
	}
	cycle()
	over.Store(true)
	for range 3 {
		cycle()
	}
	require.Contains(t, c.Snapshot().Targets[0].ForecastErr, "not finite")
	out := logs.String()
	require.Equal(t, 1, strings.Count(out, "level=WARN"), "%s", out)
	require.Contains(t, out, `level=WARN msg="target forecast not finite: decisions without a forecast" target=web err="engine: predictor: forecast is not finite`)
	over.Store(false)
	cycle()
	cycle()
	out = logs.String()
	require.Equal(t, 1, strings.Count(out, "level=INFO msg=\"target forecast finite again\""), "%s", out)
	require.Contains(t, out, `level=INFO msg="target forecast finite again" target=web failing_for=3m0s`)
}
