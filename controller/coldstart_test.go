package controller

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/engine"
	"github.com/prescale/prescale/controller/history"
	"github.com/prescale/prescale/controller/policy"
	"github.com/prescale/prescale/controller/state"
)

// freshHistory is a store that starts empty at t0 (a fresh install): from
// then on it holds a host's busy CPU in cores on the grid, between 0.3 and
// 3.7 of 4 cores (an hourly cycle with bursts).
type freshHistory struct{ t0 time.Time }

func (h freshHistory) value(t time.Time) float64 {
	s := t.Sub(h.t0).Seconds()
	v := 2 + 1.2*math.Sin(2*math.Pi*s/3600) + 0.3*math.Sin(s/97)
	if int64(s/60)%37 == 0 {
		v += 0.2 // a short burst
	}
	return v
}

func (h freshHistory) QueryRange(_ context.Context, _ string, start, end time.Time, step time.Duration) (history.Series, error) {
	var s history.Series
	if start.Equal(end) { // instant: the latest sample at or before end
		if !end.Before(h.t0) {
			s.T, s.V = []int64{end.Unix()}, []float64{h.value(end.Truncate(step))}
		}
	} else {
		for t := start; !t.After(end); t = t.Add(step) {
			if !t.Before(h.t0) {
				s.T = append(s.T, t.Unix())
				s.V = append(s.V, h.value(t))
			}
		}
	}
	if len(s.T) == 0 {
		return s, history.ErrNoData
	}
	return s, nil
}

// TestColdStartPublishesForecastWithinThreeMinutes is a fresh install on
// an empty store and data directory, with prescale run's settings for its
// host-cpu target (1-minute step, 30 s interval, 4 cores, at most 8 units of
// one core) and the default forecaster: a forecast is in /api/predictions
// within 3 minutes of the first sample, its interval stays within
// [0, 2 x cores] throughout, its confidence starts low (decisions reactive)
// and rises as samples accumulate until the forecast is trusted.
func TestColdStartPublishesForecastWithinThreeMinutes(t *testing.T) {
	const cores = 4
	t0 := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	tg := policy.Target{
		Name: "host-cpu", Tier: "host", Kind: policy.KindCPU, Query: "q",
		CapacityPerUnit: 1, TargetUtilization: 0.7, MinUnits: 1, MaxUnits: 2 * cores,
		Lag: 5 * time.Minute, ScaleUpCooldown: 3 * time.Minute, ScaleDownCooldown: 10 * time.Minute,
		ConfidenceThreshold: policy.DefaultConfidenceThreshold, HoldUntilReady: true,
		UsageWindow: 5 * time.Minute, RiskPerUnit: engine.DefaultRiskPerUnit, FloorMode: engine.DefaultFloorMode,
	}
	st, err := state.New(t.TempDir())
	require.NoError(t, err)
	now := t0.Add(10 * time.Second)
	c, err := New([]policy.Target{tg}, Options{
		Interval: 30 * time.Second, Window: 336 * time.Hour, Step: time.Minute,
		Coverage: engine.DefaultCoverage, Mode: ModeForecastOnly, AnomalyThreshold: engine.DefaultAnomalyThreshold,
	}, Deps{
		History: freshHistory{t0}, NewDetector: DetectorByName(engine.DefaultDetector), Decide: policy.Decide,
		State: st, Now: func() time.Time { return now },
	})
	require.NoError(t, err)
	var first time.Time
	conf := map[time.Duration]float64{}
	for ; now.Before(t0.Add(3 * time.Hour)); now = now.Add(30 * time.Second) {
		_ = c.ReconcileOnce(t.Context()) // the first cycles find no data yet
		p := c.Snapshot().Targets[0]
		if len(p.Forecast.Mean) == 0 {
			require.True(t, first.IsZero(), "at %s: a forecast, once published, stays: %+v", now, p)
			continue
		}
		if first.IsZero() {
			first = now
		}
		fc := p.Forecast
		for k := range fc.Mean {
			require.GreaterOrEqual(t, fc.Lower[k], 0.0, "at %s", now)
			require.LessOrEqual(t, fc.Lower[k], fc.Mean[k], "at %s", now)
			require.LessOrEqual(t, fc.Mean[k], fc.Upper[k], "at %s", now)
			require.LessOrEqual(t, fc.Upper[k], 2.0*cores, "at %s: interval within 2 x cores", now)
		}
		conf[now.Sub(t0).Truncate(time.Minute)] = fc.Confidence
		d := p.State.Decisions
		if fc.Confidence < tg.ConfidenceThreshold {
			require.NotEqual(t, policy.ReasonForecast, d[len(d)-1].Reason, "at %s: low confidence decides reactively", now)
		}
	}
	t.Logf("first forecast %s after the first sample; confidence by minute: 3 %.2f, 10 %.2f, 30 %.2f, 40 %.2f, 45 %.2f, 50 %.2f, 60 %.2f, 70 %.2f, 120 %.2f", first.Sub(t0), conf[3*time.Minute], conf[10*time.Minute], conf[30*time.Minute], conf[40*time.Minute], conf[45*time.Minute], conf[50*time.Minute], conf[60*time.Minute], conf[70*time.Minute], conf[120*time.Minute])
	require.False(t, first.IsZero(), "a forecast was published")
	require.LessOrEqual(t, first.Sub(t0), 3*time.Minute, "published within 3 minutes of the first sample")
	early, mid, late := conf[3*time.Minute], conf[30*time.Minute], conf[170*time.Minute]
	require.Positive(t, early)
	require.Less(t, early, 0.2, "low at first")
	require.Less(t, early, mid, "rising")
	require.Less(t, mid, tg.ConfidenceThreshold, "still below the threshold after 30 minutes")
	require.GreaterOrEqual(t, late, tg.ConfidenceThreshold, "trusted once calibrated: %v", conf)
}

// TestFirstCycleForecastsFromExistingHistory: with 14 days already in the
// store, the first cycle of a fresh controller fits on them and publishes a
// forecast it trusts at once (no warm-up).
func TestFirstCycleForecastsFromExistingHistory(t *testing.T) {
	now := time.Date(2026, 3, 16, 12, 0, 30, 0, time.UTC)
	tg := testTarget
	tg.RiskPerUnit = engine.DefaultRiskPerUnit
	st, err := state.New(t.TempDir())
	require.NoError(t, err)
	c, err := New([]policy.Target{tg}, Options{
		Interval: time.Minute, Window: 336 * time.Hour, Step: 5 * time.Minute,
		Coverage: engine.DefaultCoverage, Mode: ModeForecastOnly, AnomalyThreshold: engine.DefaultAnomalyThreshold,
	}, Deps{
		History: freshHistory{now.Add(-336 * time.Hour)}, NewDetector: DetectorByName(engine.DefaultDetector),
		Decide: policy.Decide, State: st, Now: func() time.Time { return now },
	})
	require.NoError(t, err)
	require.NoError(t, c.ReconcileOnce(t.Context()))
	p := c.Snapshot().Targets[0]
	require.NotEmpty(t, p.Forecast.Mean, "%+v", p.Forecast)
	require.GreaterOrEqual(t, p.Forecast.Confidence, tg.ConfidenceThreshold, "trusted on the first cycle")
	d := p.State.Decisions[0]
	require.Positive(t, d.Explanation.ForecastPoints)
	require.NotEqual(t, policy.ReasonLowConfidence, d.Reason, "%+v", d)
}
