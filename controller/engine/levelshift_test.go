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

// TestLevelShiftSameAfterRestart: the bounds of an anomaly's hold are
// kept in no state file; a restarted controller's engine, warmed on its
// history window (PRESCALE_HISTORY_WINDOW's default, 14 days at 5
// minutes), finds them again from the samples. On a step followed by a
// climb, held until the 36-hour rebase, an engine restarted before the
// step, inside the hold and after the rebase flags every sample from the
// restart on as the engine that ran on does. (On rows as coarse as the
// detector's 1,500-sample window is longer than the history window, an
// hour, a restart changes the detector's flags anyway.)
func TestLevelShiftSameAfterRestart(t *testing.T) {
	const day, shift, window = 288, 20 * 288, 14 * 288
	rng := rand.New(rand.NewPCG(7, 8))
	ys := make([]float64, 30*day)
	for i := range ys {
		ys[i] = 100 + rng.NormFloat64()
		if k := i - shift; k >= 0 {
			ys[i] += 30 + 0.4*float64(min(k, 600))
		}
	}
	observe := func(from int) []bool {
		det, err := engine.NewDetector(engine.DefaultDetector)
		require.NoError(t, err)
		e, err := engine.New(engine.Config{
			Target: target(), Step: 5 * time.Minute, Interval: 5 * time.Minute,
			Detector: det, AnomalyThreshold: engine.DefaultAnomalyThreshold,
		})
		require.NoError(t, err)
		flags := make([]bool, len(ys))
		for i := from; i < len(ys); i++ {
			_, flags[i], _ = e.Observe(int64(i)*300, ys[i])
		}
		return flags
	}
	ran := observe(0)
	held := 0
	for ran[shift+held] {
		held++
	}
	require.GreaterOrEqual(t, held*300, int(levelshift.MaxHold/time.Second), "held until the rebase")
	for _, hours := range []int{-1, 1, 20, 35, 37, 48} {
		restart := shift + hours*12
		require.Equal(t, ran[restart:], observe(restart - window)[restart:], "restarted %d hours into the step", hours)
	}
}
