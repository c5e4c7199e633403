package anomaly

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestRebaseAcceptsLevel: after a noisy step of 20 standard deviations the
// robust detector stays surprised for about a quarter of its window; told
// to rebase on the step's first 30 samples, it is not surprised by the
// next ones, while its level window holds exactly the last 90 samples and
// grows back as samples arrive. A detector not told stays surprised. (The
// seasonal term is off: it accepts a shift after a day by itself.)
func TestRebaseAcceptsLevel(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	cfg := RobustConfig{Season: -1}
	told, left := NewRobustDetector(cfg), NewRobustDetector(cfg)
	var ys []float64
	for i := range 1600 {
		y := 100 + rng.NormFloat64()
		if i >= 1500 {
			y += 20
		}
		ys = append(ys, y)
		told.Update(int64(i)*300, y)
		left.Update(int64(i)*300, y)
		if i == 1529 {
			told.Rebase(30)
			require.Equal(t, 90, told.level.len())
			want := slices.Sorted(slices.Values(ys[len(ys)-90:]))
			for k, v := range want {
				require.InDelta(t, v, told.level.at(k), 0)
			}
		}
		if i >= 1530 {
			require.False(t, told.Surprising(), "sample %d of the step after the rebase", i-1500)
			require.True(t, left.Surprising(), "sample %d of the step without it", i-1500)
		}
	}
	require.Equal(t, 90+70, told.level.len(), "the level window grows back")
	told.Rebase(0)
	require.Equal(t, 160, told.level.len(), "rebasing on no samples changes nothing")
}
