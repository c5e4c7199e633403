package engine

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/policy"
)

// TestIncreasingNextFloat: increasing moves a value at or under the one
// before it to that one plus a billionth of the larger of its size and the
// unit, or to the next float64 above the one before where that adds
// nothing, whichever is higher: checked against the formula on values
// with ties, zeros, signed zeros, denormals and sizes far under the unit.
func TestIncreasingNextFloat(t *testing.T) {
	rng := rand.New(rand.NewPCG(25, 2))
	pick := []float64{0, math.Copysign(0, -1), 5e-324, -5e-324, 1e-300, 1, 1e9, -3, 7}
	nudged := 0
	for c := range 3000 {
		q := make([]policy.Quantile, 2+rng.IntN(12))
		for i := range q {
			q[i].Value = pick[rng.IntN(len(pick))]
		}
		unit := []float64{5e-324, 1e-300, 1, 1e12}[c%4]
		want := make([]float64, len(q))
		for k := range q {
			want[k] = q[k].Value
			if prev := want[max(0, k-1)]; k > 0 && want[k] <= prev {
				want[k] = max(prev+1e-9*max(unit, math.Abs(want[k])), math.Nextafter(prev, math.Inf(1)))
				nudged++
			}
		}
		increasing(q, unit)
		for k := range q {
			require.Equal(t, math.Float64bits(want[k]), math.Float64bits(q[k].Value), "case %d, k %d", c, k)
		}
	}
	require.Greater(t, nudged, 3000)
}
