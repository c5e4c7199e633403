package online

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// idleForecaster is a small-window forecaster for the idle-run tests.
func idleForecaster(t *testing.T) *Forecaster {
	t.Helper()
	f, err := NewForecaster(Config{Step: 300, Horizon: 2, Season: -1, Window: 200, TrackRate: 0.01, TrackLevel: 0.9})
	require.NoError(t, err)
	return f
}

// TestIdleRunEndRestartsCalibration: a run of zeros longer than half the
// window (a service idle before its launch; a gap inside it neither
// extends nor ends it) leaves a window of zero residuals. When the values
// move again the calibration restarts, so the peak quantiles spread as
// soon as the moving values have given MinResiduals residuals; without
// the restart the 50 % and 75 % peak quantiles were both the constant's
// zero residual. The record of realised peaks under the 90 % quantile
// (the confidence) restarts with it.
func TestIdleRunEndRestartsCalibration(t *testing.T) {
	f := idleForecaster(t)
	rng := rand.New(rand.NewPCG(3, 7))
	i := 0
	feed := func(n int, v func() float64) {
		for range n {
			f.Update(int64(i)*300, v())
			i++
		}
	}
	feed(150, func() float64 { return 0 })
	feed(5, math.NaN)
	feed(150, func() float64 { return 0 })
	require.Len(t, f.res, 200)
	z50, _ := f.quantile(0.5)
	require.Zero(t, z50, "the run's residuals are zeros")
	feed(60, func() float64 { return 40 + 3*rng.NormFloat64() })
	// The origins inside the run (the last two, Horizon) are realised
	// before the restart; the 59 after it each give a residual but the
	// last Horizon.
	require.Len(t, f.res, 58)
	require.Zero(t, f.shift)
	require.LessOrEqual(t, f.hitLen, 58, "the record of realised peaks restarts too")
	require.Zero(t, f.hitAt, "its ring from its start: the first peaks after the restart are the first evicted")
	q25, _ := f.quantile(0.25)
	q50, _ := f.quantile(0.5)
	q75, _ := f.quantile(0.75)
	require.Less(t, q25, q50)
	require.Less(t, q50, q75)
	p50, ok := f.PeakQuantile(0.5)
	require.True(t, ok)
	p90, _ := f.PeakQuantile(0.9)
	require.Greater(t, p90, p50)
}

// TestShortIdleRunsKeepTheirResiduals: runs of zeros shorter than half
// the window that recur between bursts (an idle disk) are what the series
// does: their residuals stay in the window when a burst ends them (440
// samples, the window of 200 residuals full).
func TestShortIdleRunsKeepTheirResiduals(t *testing.T) {
	f := idleForecaster(t)
	rng := rand.New(rand.NewPCG(5, 9))
	i := 0
	for range 4 {
		for range 90 {
			f.Update(int64(i)*300, 0)
			i++
		}
		for range 20 {
			f.Update(int64(i)*300, 50*rng.Float64())
			i++
		}
	}
	require.Len(t, f.res, 200, "no run restarted the calibration")
}

// TestIdleRunOfHalfTheWindow: a run of exactly half the window (100 of
// 200) restarts the calibration when it ends; one value shorter does not.
func TestIdleRunOfHalfTheWindow(t *testing.T) {
	for _, c := range []struct {
		run  int
		want bool
	}{{100, true}, {99, false}} {
		f := idleForecaster(t)
		for i := range c.run {
			f.Update(int64(i)*300, 0)
		}
		require.False(t, f.restart, "run of %d: not ended yet", c.run)
		f.Update(int64(c.run)*300, 40)
		require.Equal(t, c.want, f.restart, "run of %d", c.run)
	}
}
