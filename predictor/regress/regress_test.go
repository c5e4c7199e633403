package regress

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestFitRecoversCoefficients: y = 2 + 3·a − b on 200 rows, with one wild
// row that Huber reweighting discounts; a constant column gets weight 0.
func TestFitRecoversCoefficients(t *testing.T) {
	const n, p = 200, 3
	w := New(n, p, 1e-6, 1)
	for q := range n {
		a, b := math.Sin(float64(q)), math.Cos(float64(q)*0.7)
		w.X[q*p], w.X[q*p+1], w.X[q*p+2] = a, b, 5
		w.Y[q] = 2 + 3*a - b
	}
	w.Y[17] += 500 // an outlier
	c := w.Fit(n)
	require.Len(t, c, p+1)
	require.InDelta(t, 2, c[0], 0.15)
	require.InDelta(t, 3, c[1], 0.15)
	require.InDelta(t, -1, c[2], 0.15)
	require.InDelta(t, 0, c[3], 0, "constant column")
	// Plain least squares (no reweighting) is pulled further by the outlier.
	ls := New(n, p, 1e-6, 0)
	copy(ls.X, w.X)
	copy(ls.Y, w.Y)
	require.Greater(t, math.Abs(ls.Fit(n)[1]-3), math.Abs(c[1]-3))
	// Without the outlier, the first 17 rows give the relation exactly.
	c = w.Fit(17)
	require.InDelta(t, 3, c[1], 1e-3)
}

// TestFitDegenerate: all-zero rows fall back to all-zero coefficients.
func TestFitDegenerate(t *testing.T) {
	w := New(10, 2, 0.01, 1)
	c := w.Fit(10)
	for _, v := range c {
		require.False(t, math.IsNaN(v) || math.IsInf(v, 0))
	}
}

// TestReleasedArraysComeBackZero: a Work made after one was released
// (its arrays filled and fitted on) starts all zero, as a new one, and
// fits as one: a fit on rows it was not given reads zeros, never the
// released Work's values.
func TestReleasedArraysComeBackZero(t *testing.T) {
	const n, p = 40, 3
	fresh := New(n, p, 0.01, 1).Fit(n) // all-zero rows
	w := New(n, p, 0.01, 1)
	for q := range n {
		w.X[q*p], w.X[q*p+1], w.X[q*p+2] = float64(q), math.Sqrt(float64(q)), 1
		w.Y[q] = 3 * float64(q)
	}
	w.Fit(n)
	w.Release()
	require.Nil(t, w.X, "a released Work holds no arrays")
	for range 4 { // sync.Pool may hand back another array
		again := New(n, p, 0.01, 1)
		require.Equal(t, make([]float64, n*p), again.X)
		require.Equal(t, make([]float64, n), again.Y)
		require.Equal(t, fresh, again.Fit(n))
		again.Release()
	}
}

// BenchmarkFit is one of ridge's fits (predictor/forecast's models): 600
// rows of 15 features, one Huber pass.
func BenchmarkFit(b *testing.B) {
	const n, p = 600, 15
	rng := rand.New(rand.NewPCG(1, 2))
	w := New(n, p, 0.01, 1)
	for q := range n {
		var y float64
		for k := range p {
			v := rng.NormFloat64()
			w.X[q*p+k] = v
			y += float64(k%3) * v
		}
		w.Y[q] = y + rng.NormFloat64()
	}
	b.ReportAllocs()
	for b.Loop() {
		w.Fit(n)
	}
}
