package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"io"
	"math"
	"math/big"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller"
	"github.com/prescale/prescale/controller/api"
	"github.com/prescale/prescale/controller/engine"
	"github.com/prescale/prescale/controller/history"
	"github.com/prescale/prescale/controller/policy"
	"github.com/prescale/prescale/controller/state"
	"github.com/prescale/prescale/internal/trace"
)

// traceHistory serves a trace as a store would: the grid points of a
// range (NaN where the trace has a gap), or for an instant query the
// latest sample at or before it.
type traceHistory struct{ tr *trace.Trace }

func (h traceHistory) QueryRange(_ context.Context, _ string, start, end time.Time, _ time.Duration) (history.Series, error) {
	var s history.Series
	for i, ts := range h.tr.T {
		if ts > end.Unix() {
			break
		}
		if start.Equal(end) {
			s.T, s.V = []int64{ts}, []float64{h.tr.V[i]}
		} else if ts >= start.Unix() {
			s.T, s.V = append(s.T, ts), append(s.V, h.tr.V[i])
		}
	}
	if len(s.T) == 0 {
		return s, history.ErrNoData
	}
	return s, nil
}

// TestForecastMatchesController: `prescale forecast` (default model) and
// the live controller, fed the same samples, publish the same forecasts.
// The controller runs one cycle per sample with a lead window of H steps
// (lag 15 min, interval = step = 5 min) and no anomaly detector, so its
// forecaster sees exactly the samples the command's does; both build it
// with engine.DefaultForecaster, whose refit phase comes from the target's
// name (the command's forecaster takes the same name here).
func TestForecastMatchesController(t *testing.T) {
	const n, H, name = 1500, 3, "web"
	step := 5 * time.Minute
	// forecastTestTrace's samples, moved onto the 5-minute grid the
	// controller queries (multiples of the step since the epoch).
	tr, err := trace.ReadFile(forecastTestTrace(t, n))
	require.NoError(t, err)
	for i := range tr.T {
		tr.T[i] += 100
	}

	cfg, err := parseForecastFlags([]string{"--trace", "unused", "--out", "unused", "--horizon", strconv.Itoa(H),
		"--coverage", strconv.FormatFloat(engine.DefaultCoverage, 'g', -1, 64)}, io.Discard, io.Discard)
	require.NoError(t, err)
	cfg.target = name
	var out bytes.Buffer
	require.NoError(t, writeForecasts(t.Context(), tr, cfg, &out, io.Discard))
	rows, err := csv.NewReader(&out).ReadAll()
	require.NoError(t, err)

	tg := policy.Target{
		Name: name, Tier: "web", Kind: policy.KindInstances, Query: "q", CapacityPerUnit: 10, TargetUtilization: 0.7,
		MinUnits: 1, MaxUnits: 20, Lag: 15 * time.Minute, ConfidenceThreshold: 0.7, RiskPerUnit: engine.DefaultRiskPerUnit,
	}
	require.Equal(t, H, engine.LeadSteps(tg.Lag, step, step))
	st, err := state.New(t.TempDir())
	require.NoError(t, err)
	var now time.Time
	c, err := controller.New([]policy.Target{tg}, controller.Options{
		Interval: step, Step: step, Window: time.Duration(n) * step, Coverage: engine.DefaultCoverage,
		Mode: controller.ModeForecastOnly, AnomalyThreshold: engine.DefaultAnomalyThreshold,
	}, controller.Deps{
		History: traceHistory{tr}, NewDetector: controller.DetectorByName("none"), Decide: policy.Decide,
		State: st, Now: func() time.Time { return now },
	})
	require.NoError(t, err)
	v := api.NewView(c, api.Info{})

	start := evalStart(big.NewRat(7, 10), n)
	compared := 0
	for q, row := range rows[1:] {
		i := start + q/H
		h := q % H
		if h == 0 {
			now = time.Unix(tr.T[i], 0).UTC()
			require.NoError(t, c.ReconcileOnce(t.Context()))
		}
		p := v.Predictions()[0]
		require.Len(t, p.Forecast, H, "origin %d: %s", i, p.Error)
		pt := p.Forecast[h]
		require.Equal(t, row[1], strconv.FormatInt(pt.T.Unix(), 10), "origin %d horizon %d: target time", i, h+1)
		for k, want := range []float64{pt.Mean, pt.Lower, pt.Upper} {
			got, err := strconv.ParseFloat(row[3+k], 64)
			require.NoError(t, err)
			require.InDelta(t, want, got, 0, "origin %d horizon %d column %d", i, h+1, 3+k)
		}
		compared++
	}
	require.Equal(t, (n-H-start)*H, compared)
	require.True(t, math.IsNaN(tr.V[7]), "the fixture's gap is at sample 7")
}
