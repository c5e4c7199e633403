package conformal

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestMiss: on exchangeable errors the replay keeps the miss rate near
// its target; errors that grow past the window's make it fall, and errors
// that shrink make it rise (clamped at half and twice the target).
func TestMiss(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 9))
	n := 600
	ends := make([]int, n)
	same := make([]float64, n)
	grow := make([]float64, n)
	shrink := make([]float64, n)
	for o := range n {
		ends[o] = 1000 + 2*o
		z := rng.NormFloat64()
		same[o] = z
		grow[o], shrink[o] = z, 4*z
		if o >= n-100 {
			grow[o], shrink[o] = 4*z, z/4
		}
	}
	const alpha = 0.164
	rp := Replay{Gamma: 0.02, Alpha: alpha, Window: 400, MinErrors: 100}
	fast := rp
	fast.Gamma = 0.2
	require.InDelta(t, alpha, rp.Miss(same, ends, 1), 0.1)
	require.Less(t, rp.Miss(grow, ends, 1), 0.6*alpha)
	require.GreaterOrEqual(t, fast.Miss(grow, ends, 1), alpha/2)
	require.Greater(t, rp.Miss(shrink, ends, 1), 1.5*alpha)
	require.LessOrEqual(t, fast.Miss(shrink, ends, 1), 2*alpha)
	// A missing error is skipped, not counted as a miss.
	nan := append([]float64(nil), same...)
	for o := n - 100; o < n; o++ {
		nan[o] = math.NaN()
	}
	require.InDelta(t, alpha, rp.Miss(nan, ends, 1), 0.1)
	// Too few errors: nothing is replayed, the target comes back.
	few := rp
	few.MinErrors = n
	require.InDelta(t, alpha, few.Miss(grow, ends, 1), 0)
}

// TestMissByHand: origins one sample apart at horizon 1 (alpha 0.2,
// gamma 0.1, window 1, one error enough). An origin's error counts from
// the origin its target is observed at (ends[i]+h <= end), and leaves the
// window once its origin is Window samples older than that
// (ends[i] <= end-h-Window).
func TestMissByHand(t *testing.T) {
	rp := Replay{Gamma: 0.1, Alpha: 0.2, Window: 1, MinErrors: 1}
	// At origin 1 the interval is [0, 0] (r[0], observed at 1): 5 is a
	// miss, a = 0.2 + 0.1·(0.2 - 1) = 0.12.
	require.InDelta(t, 0.12, rp.Miss([]float64{0, 5}, []int{0, 1}, 1), 1e-12)
	// At origin 2 r[0] has left the window: the interval is [10, 10]
	// (r[1]) and 5 a miss again: 0.12 - 0.08 = 0.04, kept at alpha/2.
	require.InDelta(t, 0.1, rp.Miss([]float64{0, 10, 5}, []int{0, 1, 2}, 1), 1e-12)
}

// TestLevel: the issued level is never narrower than the nominal
// coverage, and a miss-rate ratio under 1 widens it.
func TestLevel(t *testing.T) {
	require.InDelta(t, 0.8, Level(0.8, 0.82, 2), 1e-12)
	require.InDelta(t, 0.91, Level(0.8, 0.82, 0.5), 1e-12)
}

// TestNormalizer: the divisor is the mean absolute change of the window's
// observed pairs plus the floor's share of the fitted span's; a series
// without change (floor 0) leaves the errors as they are.
func TestNormalizer(t *testing.T) {
	z := []float64{0, 4, 0, 4, 5, 6, 7, 8}
	obs := []bool{true, true, true, true, true, false, true, true}
	require.InDelta(t, 1.0, MeanAbsChange(z, obs, 8, 4), 1e-12) // pairs 3-4, 6-7
	require.InDelta(t, 2.8, MeanAbsChange(z, obs, 8, 8), 1e-12) // 4+4+4+1+1 over 5
	require.Zero(t, MeanAbsChange(z, obs, 1, 4))
	nz := Normalizer{Window: 4, FloorShare: 0.5}.Fit(z, obs, 8, 8)
	require.InDelta(t, 1+1.4, nz.Scale(z, obs, 8), 1e-12)
	require.InDeltaSlice(t, []float64{1 + 1.4, 4 + 1.4}, nz.Scales(z, obs, []int{8, 4}), 1e-12)
	flat := make([]float64, 8)
	nz = Normalizer{Window: 4, FloorShare: 0.5}.Fit(flat, obs, 8, 8)
	require.InDelta(t, 1.0, nz.Scale(flat, obs, 8), 0)
}
