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
