package regress

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

// fitAt fits y = 3 + 2·x on 200 rows of a feature x around 10 with a
// ±1 % wobble, x and y times scale, and returns the fitted slope and the
// intercept over scale.
func fitAt(scale float64) (slope, intercept float64) {
	w := New(200, 1, 1e-6, 0)
	defer w.Release()
	for q := range 200 {
		x := 10 * (1 + 0.01*math.Sin(float64(q)))
		w.X[q], w.Y[q] = scale*x, scale*(3+2*x)
	}
	c := w.Fit(200)
	return c[1], c[0] / scale
}

// TestFitScaleInvariant: a regression on features and targets times
// 1e-12 or 1e-9 fits the same slope. A feature counted as constant when
// its standard deviation was under 1e-12·(1 + |mean|), absolute below a
// mean of 1: times 1e-12 (sd 7e-14) it was dropped and the slope was 0.
func TestFitScaleInvariant(t *testing.T) {
	slope, intercept := fitAt(1)
	require.InDelta(t, 2, slope, 1e-3)
	for _, scale := range []float64{1e-12, 1e-9, 1e9} {
		s, i := fitAt(scale)
		require.InDelta(t, slope, s, 1e-6, "slope at scale %g", scale)
		require.InDelta(t, intercept, i, 1e-5, "intercept at scale %g", scale)
	}
}
