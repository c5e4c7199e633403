package engine

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// A cycle within the hour is met by the peak distribution on a series
// hours old: 5-minute samples about 100, each hour's eleventh at 140 and
// twelfth at 180 (a job at the hour's end). From the ninth hour on, the
// peak quantile a decision sizes by (1 − RiskPerUnit), read after the
// eleventh sample, covers the twelfth, and read mid-hour it stays near
// the level: the hour member's seasonal change carries the ramp
// (controller/engine/internal/hourly). The daily members alone see the
// ramp as residuals and cover it by headroom at every phase (mid-hour
// 132 to 146 here, against 102 to 110).
func TestPeakFollowsAnHourlyCycle(t *testing.T) {
	pe, err := peakEnsemble(300, 1, peakTarget())
	require.NoError(t, err)
	rng := rand.New(rand.NewPCG(41, 42))
	var before, mid []float64
	for i := range 20 * 12 {
		y := 100 + 2*rng.NormFloat64()
		switch i % 12 {
		case 10:
			y += 40
		case 11:
			y += 80
		}
		pe.Update(int64(i)*300, y)
		if i < 9*12 {
			continue
		}
		q, ok := pe.PeakQuantile(1 - DefaultRiskPerUnit)
		require.True(t, ok)
		switch i % 12 {
		case 10:
			before = append(before, q)
		case 4:
			mid = append(mid, q)
		}
	}
	t.Logf("before the ramp's top %.1f, mid-hour %.1f", before, mid)
	for k := range before {
		require.Greater(t, before[k], 175.0, "hour %d: the ramp's top is not covered", 9+k)
		require.Less(t, mid[k], 130.0, "hour %d: headroom mid-hour", 9+k)
	}
}

// On a series with no cycle within the hour the hour member does not
// answer (hourly.Selector: no cycle of an hour in the one-step changes).
// Without the selector it answers at 613 of 2,304 samples here (8 days
// of 5-minute noise about a daily swing), its loss as often a little
// below the reactive member's as above.
func TestHourMemberWaitsForItsMargin(t *testing.T) {
	pe, err := peakEnsemble(300, 1, peakTarget())
	require.NoError(t, err)
	rng := rand.New(rand.NewPCG(43, 44))
	hour, n := 0, 0
	for i := range 8 * 288 {
		y := 100 + 20*math.Sin(2*math.Pi*float64(i)/288) + 3*rng.NormFloat64()
		pe.Update(int64(i)*300, y)
		n++
		if pe.Best() == 5 {
			hour++
		}
	}
	require.Equal(t, 2304, n)
	require.Zero(t, hour, "the hour member answered at %d samples", hour)
}

// A lead window longer than an hour (a lag of 65 minutes at 5-minute
// steps: 14 steps) leaves the hour member out: its seasonal term would
// read the level's change over the window one hour back, part of which
// has not happened (it panicked reading past the latest level).
func TestHourMemberNotBeyondItsSeason(t *testing.T) {
	for _, horizon := range []int{12, 14} {
		pe, err := peakEnsemble(300, horizon, peakTarget())
		require.NoError(t, err)
		for i := range 3 * 288 {
			pe.Update(int64(i)*300, 100+float64(i%12))
		}
		_, ok := pe.PeakQuantile(0.97)
		require.True(t, ok, "horizon %d", horizon)
	}
}
