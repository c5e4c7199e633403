package online

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// After the noise triples for a day, a week's window still holds mostly
// calm residuals and the slow scale lags: the 97 % peak quantile misses 28
// of the day's 288 samples (3 % would be 9). The tracked shift rises with
// the misses and removes a third of them (19); once the calm noise is back
// and the window has absorbed the noisy spell, the shift is 0 again.
func TestTrackShiftFollowsMisses(t *testing.T) {
	run := func(rate float64) (misses int, shiftAfter, shiftEnd float64) {
		f, err := NewForecaster(Config{Step: 300, Season: -1, LevelAlpha: 0.05, ScaleAlpha: 0.005, TrackRate: rate, TrackLevel: 0.97})
		require.NoError(t, err)
		rng := rand.New(rand.NewPCG(11, 12))
		sd := func(i int) float64 {
			if i >= 3000 && i < 3288 {
				return 3
			}
			return 1
		}
		for i := range 8000 {
			y := 100 + sd(i)*rng.NormFloat64()
			if i >= 3000 && i < 3288 {
				if q, ok := f.PeakQuantile(0.97); ok && y > q {
					misses++
				}
			}
			f.Update(int64(i)*300, y)
			if i == 3287 {
				shiftAfter = f.shift
			}
		}
		return misses, shiftAfter, f.shift
	}
	off, shiftOff, _ := run(0)
	on, shiftOn, shiftEnd := run(0.05)
	require.Zero(t, shiftOff, "no shift without TrackRate")
	require.Greater(t, off, 20, "the window alone misses the noisy day (3 % would be 9)")
	require.Less(t, float64(on), 0.75*float64(off), "the shift answers the misses")
	require.Greater(t, shiftOn, 0.0)
	require.Zero(t, shiftEnd, "back to the window's own quantile")
}

func TestTrackConfigErrors(t *testing.T) {
	_, err := NewForecaster(Config{Step: 300, TrackRate: 2, TrackLevel: 0.9})
	require.ErrorContains(t, err, "TrackRate must be in [0, 1]")
	_, err = NewForecaster(Config{Step: 300, TrackRate: 0.1})
	require.ErrorContains(t, err, "TrackLevel must be in (0, 1)")
	_, err = NewForecaster(Config{Step: 300, TrackLevel: 5})
	require.NoError(t, err, "TrackLevel is unused without TrackRate")
}
