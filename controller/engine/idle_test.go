package engine_test

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/engine"
)

// TestLaunchAfterIdleWeekSpreadsThePeak: a target at exactly 0 for a week
// and a day (a service idle before its launch) whose demand then moves
// around 40 (sd 3). Eight hours after the launch, the default forecaster's
// 90 % peak quantile stands above its median by about the noise; with the
// week of zero errors in its calibration window the two were equal for
// days (docs/tuning.md, "Idle stretches").
func TestLaunchAfterIdleWeekSpreadsThePeak(t *testing.T) {
	fc, err := engine.DefaultForecaster(300, 1, target())
	require.NoError(t, err)
	pq, ok := fc.(engine.PeakQuantiler)
	require.True(t, ok)
	rng := rand.New(rand.NewPCG(2, 9))
	t0 := int64(1_700_000_000)
	i := 0
	for ; i < 2300; i++ {
		fc.Update(t0+int64(i)*300, 0)
	}
	for end := i + 96; i < end; i++ {
		fc.Update(t0+int64(i)*300, 40+3*rng.NormFloat64())
	}
	p50, ok := pq.PeakQuantile(0.5)
	require.True(t, ok)
	p90, _ := pq.PeakQuantile(0.9)
	require.Greater(t, p90-p50, 1.5, "p50 %.2f, p90 %.2f", p50, p90)
}
