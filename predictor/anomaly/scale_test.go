package anomaly

import (
	"math"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

// robustScores scores a series of 3,000 five-minute samples times scale:
// a daily cycle around 20 with a ±0.5 % wobble and a jump up by half at
// sample 2,500.
func robustScores(scale float64) []float64 {
	d := NewRobustDetector(RobustConfig{})
	out := make([]float64, 3000)
	for i := range out {
		w := float64((i*7919)%101)/100 - 0.5
		v := 20 * (1 + 0.2*math.Sin(2*math.Pi*float64(i)/288) + 0.01*w)
		if i >= 2500 {
			v *= 1.5
		}
		out[i] = d.Update(int64(i)*300, scale*v)
	}
	return out
}

// TestRobustScoresScaleInvariant: a series and the same series times
// 1e-12, 1e-9 or 1e9 score alike. The robust scale's floor was 1e-9
// absolute below a median of 1, larger than the spread of a series of
// about 2e-11: at 1e-12 the scores differed from the 100th sample on
// (NAB's art_daily_jumpsup times 1e-12 had 6 scores of 0.5 or more for
// its own 32).
func TestRobustScoresScaleInvariant(t *testing.T) {
	want := robustScores(1)
	require.Greater(t, slices.Max(want[2500:2510]), 0.9, "the jump is an anomaly")
	for _, scale := range []float64{1e-12, 1e-9, 1e9} {
		got := robustScores(scale)
		for i := range want {
			require.InDelta(t, want[i], got[i], 1e-9, "scale %g, sample %d", scale, i)
		}
	}
}
