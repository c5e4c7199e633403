package controller_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/api"
	"github.com/prescale/prescale/controller/app"
	"github.com/prescale/prescale/controller/history"
	"github.com/prescale/prescale/internal/testkit"
)

// TestReplayCoarseTraceEndToEnd replays traces sampled every 30 and every
// 5 minutes through the embedded store, started at a time off the step
// grid: the first cycle has a forecast and the target's data stays present
// between two replayed samples.
func TestReplayCoarseTraceEndToEnd(t *testing.T) {
	for _, step := range []time.Duration{30 * time.Minute, 5 * time.Minute} {
		t.Run(step.String(), func(t *testing.T) {
			now := time.Date(2026, 3, 2, 12, 7, 30, 0, time.UTC) // off the grid
			dir := t.TempDir()
			cfg := restConfig(dir)
			cfg.Step, cfg.HistoryWindow, cfg.ScalingInterval = step, 400*step, time.Minute
			cfg.TargetQuery = `demand{trace="gen"}`
			store, err := history.OpenEmbedded(dir+"/tsdb", history.EmbeddedOptions{LookbackDelta: history.LookbackFor(step)})
			require.NoError(t, err)
			ts, vs := testkit.DailyTrace(600, step, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), 3)
			rp, err := history.NewReplay(store, testkit.Demand("trace", "gen"), ts, vs, 500, now)
			require.NoError(t, err)
			_, err = rp.AdvanceTo(t.Context(), now)
			require.NoError(t, err)
			clock := now
			reg := prometheus.NewRegistry()
			a, err := app.New(cfg, app.Options{Registry: reg, Embedded: store, Now: func() time.Time { return clock }})
			require.NoError(t, err)
			t.Cleanup(func() { require.NoError(t, a.Close()) })

			require.NoError(t, a.Controller().ReconcileOnce(t.Context()))
			var resp struct {
				Predictions []api.Prediction `json:"predictions"`
			}
			rec := httptest.NewRecorder()
			a.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/predictions", nil))
			require.Equal(t, http.StatusOK, rec.Code)
			require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &resp))
			preds := resp.Predictions
			require.Len(t, preds, 1)
			require.NotEmpty(t, preds[0].Forecast, "forecast on the first cycle: %+v", preds[0])
			require.Empty(t, preds[0].Error)
			dataOK := func() float64 {
				return gaugeValue(t, reg, "prescale_target_data_ok")
			}
			require.InDelta(t, 1.0, dataOK(), 0)
			// Between two samples: 80% of a step after the last grid point.
			clock = now.Truncate(step).Add(step * 8 / 10)
			_, err = rp.AdvanceTo(t.Context(), clock)
			require.NoError(t, err)
			require.NoError(t, a.Controller().ReconcileOnce(t.Context()))
			require.InDelta(t, 1.0, dataOK(), 0, "data present between samples")
		})
	}
}

// gaugeValue gathers reg and returns the value of the one series of name.
func gaugeValue(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	require.NoError(t, err)
	for _, mf := range mfs {
		if mf.GetName() == name {
			require.Len(t, mf.GetMetric(), 1, name)
			return mf.GetMetric()[0].GetGauge().GetValue()
		}
	}
	t.Fatalf("%s not gathered", name)
	return 0
}
