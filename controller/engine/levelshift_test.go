package engine_test

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/engine"
	"github.com/prescale/prescale/controller/engine/internal/levelshift"
	"github.com/prescale/prescale/controller/policy"
)

// TestLevelShiftAcceptedInTime runs the live detector on hourly rows: 1500
// hours of noise around 100, then a lasting step to 120. The detector's
// range alone holds a step for a quarter of its 1500-sample window (about
// 15 days of hourly rows), every sample a gap to the forecaster; the engine
// holds it for levelshift.MaxHold (36 hours) and then the detector accepts
// the new level, so from the next samples on the forecaster fits it.
func TestLevelShiftAcceptedInTime(t *testing.T) {
	sp := &spy{}
	det, err := engine.NewDetector(engine.DefaultDetector)
	require.NoError(t, err)
	e, err := engine.New(engine.Config{
		Target: target(), Step: time.Hour, Interval: time.Hour,
		Detector: det, AnomalyThreshold: engine.DefaultAnomalyThreshold,
		NewForecaster: func(int64, int, policy.Target) (engine.Forecaster, error) { return sp, nil },
	})
	require.NoError(t, err)
	rng := rand.New(rand.NewPCG(1, 2))
	hold := int(levelshift.MaxHold / time.Hour)
	fitted := 0
	for i := range 1700 {
		y := 100 + rng.NormFloat64()
		if i >= 1500 {
			y += 20
		}
		_, anomalous, ok := e.Observe(int64(i)*3600, y)
		require.True(t, ok)
		switch k := i - 1500; {
		case k >= 0 && k <= hold:
			require.True(t, anomalous, "hour %d of the step, within the hold", k)
			require.True(t, math.IsNaN(sp.y[i]))
		case k > hold && !anomalous:
			require.InDelta(t, y, sp.y[i], 0)
			fitted++
		}
	}
	require.GreaterOrEqual(t, fitted, 1700-1500-hold-1-5, "the new level is fitted after the hold")
}

// TestBurstHeldAtFineSteps runs the live detector on 15-second rows: 2000
// samples of noise around 100, then a 3-hour plateau 20 higher (720
// samples), then noise. The detector's range alone accepts the plateau
// after a quarter of its 1500-sample window, about 1.6 hours; the engine
// holds an anomaly at least levelshift.MinHold (6 hours) while its samples
// are still away from the level before it, so every sample of the plateau
// stays out of fitting, and the samples after it are fitted again.
func TestBurstHeldAtFineSteps(t *testing.T) {
	sp := &spy{}
	det, err := engine.NewDetector(engine.DefaultDetector)
	require.NoError(t, err)
	e, err := engine.New(engine.Config{
		Target: target(), Step: 15 * time.Second, Interval: 15 * time.Second,
		Detector: det, AnomalyThreshold: engine.DefaultAnomalyThreshold,
		NewForecaster: func(int64, int, policy.Target) (engine.Forecaster, error) { return sp, nil },
	})
	require.NoError(t, err)
	rng := rand.New(rand.NewPCG(5, 6))
	for i := range 3000 {
		y := 100 + rng.NormFloat64()
		plateau := i >= 2000 && i < 2720
		if plateau {
			y += 20
		}
		_, anomalous, ok := e.Observe(int64(i)*15, y)
		require.True(t, ok)
		if plateau {
			require.True(t, anomalous, "plateau sample %d", i-2000)
			require.True(t, math.IsNaN(sp.y[i]))
		}
		if i >= 2730 {
			require.False(t, anomalous, "sample %d after the plateau", i-2720)
			require.InDelta(t, y, sp.y[i], 0)
		}
	}
}
