package anomaly

import (
	"math"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

// detectorScores scores a series of 3,000 five-minute samples times scale
// with the named detector: a daily cycle around 20 with a ±0.5 % wobble
// and a jump up by half at sample 2,500.
func detectorScores(t *testing.T, name string, scale float64) []float64 {
	t.Helper()
	d, err := NewDetector(name)
	require.NoError(t, err)
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

// TestScoresScaleInvariant: a series and the same series times
// 1e-12, 1e-9 or 1e9 score alike. The robust scale's floor was 1e-9
// absolute below a median of 1, larger than the spread of a series of
// about 2e-11: at 1e-12 the scores differed from the 100th sample on
// (NAB's art_daily_jumpsup times 1e-12 had 6 scores of 0.5 or more for
// its own 32).
//
// The zscore detector's constant test (a standard deviation under
// 1e-12·max(1, |mean|)) was absolute below a mean of 1 alike: at 1e-12
// its scores differed from the 31st sample on.
func TestScoresScaleInvariant(t *testing.T) {
	for _, name := range DetectorNames() {
		want := detectorScores(t, name, 1)
		require.Greater(t, slices.Max(want[2500:2510]), slices.Max(want[2000:2500]), "%s: the jump scores above the 500 samples before it", name)
		for _, scale := range []float64{1e-12, 1e-9, 1e9} {
			got := detectorScores(t, name, scale)
			for i := range want {
				require.InDelta(t, want[i], got[i], 1e-9, "%s at scale %g, sample %d", name, scale, i)
			}
		}
	}
}
