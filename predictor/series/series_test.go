package series

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/floats/scalar"
)

func TestQuantileSorted(t *testing.T) {
	for _, tc := range []struct {
		name string
		x    []float64
		p    float64
		want float64
	}{
		// Type 7: h = p*(n-1); by hand.
		{"median odd", []float64{1, 2, 3}, 0.5, 2},
		{"median even", []float64{1, 2, 3, 4}, 0.5, 2.5}, // h=1.5
		{"p10 of 0..10", []float64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 0.1, 1},
		{"p90 of 1..4", []float64{1, 2, 3, 4}, 0.9, 3.7}, // h=2.7: 3+0.7
		{"p0", []float64{-1, 5}, 0, -1},
		{"p1", []float64{-1, 5}, 1, 5},
		{"single", []float64{7}, 0.3, 7},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := QuantileSorted(tc.x, tc.p)
			require.True(t, scalar.EqualWithinAbsOrRel(got, tc.want, 1e-12, 1e-12), "got %v want %v", got, tc.want)
		})
	}
	require.True(t, math.IsNaN(QuantileSorted(nil, 0.5)))
}

func TestACF(t *testing.T) {
	alt := []float64{1, -1, 1, -1}
	for _, tc := range []struct {
		name string
		x    []float64
		k    int
		want float64
		tol  float64
	}{
		// Mean 0, sum of squares 4; lag 1: 3 products of -1 → -3/4.
		{"alternating lag 1", alt, 1, -0.75, 1e-12},
		// Lag 2: 2 products of +1 → 2/4.
		{"alternating lag 2", alt, 2, 0.5, 1e-12},
		// x = 1..4, mean 2.5, squares 5; lag 1: (-1.5)(-0.5)+(-0.5)(0.5)+(0.5)(1.5) = 1.25 → 0.25.
		{"ramp lag 1", []float64{1, 2, 3, 4}, 1, 0.25, 1e-12},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := ACF(tc.x, tc.k)
			require.True(t, scalar.EqualWithinAbsOrRel(got, tc.want, tc.tol, tc.tol), "got %v want %v", got, tc.want)
		})
	}
	require.True(t, math.IsNaN(ACF([]float64{3, 3, 3}, 1)), "constant series has no ACF")
	require.True(t, math.IsNaN(ACF([]float64{1, 2}, 2)), "lag beyond the data")
}

func TestDetectSeason(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	noise := make([]float64, 3000)
	for i := range noise {
		noise[i] = rng.NormFloat64()
	}
	daily5m := sine(4*288, 288)
	hourly := sine(10*24, 24)
	odd := sine(600, 50)
	withGaps := append([]float64(nil), daily5m...)
	for i := 0; i < len(withGaps); i += 7 {
		withGaps[i] = math.NaN()
	}
	for _, tc := range []struct {
		name string
		y    []float64
		step int64
		want int
	}{
		{"calendar day at 5 min", daily5m, 300, 288},   // 86400/300
		{"calendar day hourly", hourly, 3600, 24},      // 86400/3600
		{"non-calendar period by search", odd, 60, 50}, // generated with period 50
		{"white noise has none", noise, 300, 0},        // iid: no peak above 0.3
		{"gaps carried forward", withGaps, 300, 288},   // every 7th sample NaN
		{"too short", []float64{1, 2, 3}, 300, 0},      // fewer than 2 days, no lag to search
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, DetectSeason(tc.y, tc.step))
		})
	}
}

func TestDetectSeasonFineStep(t *testing.T) {
	// 15-second samples over 5 days: one day is 5760 samples, longer than
	// the 6000-sample search window allows for two days; the calendar
	// check reads 4 days instead.
	y := sine(5*5760, 5760)
	require.Equal(t, 5760, DetectSeason(y, 15)) // 86400/15
}

// sine returns n samples of 10 + 5*sin(2πi/p).
func sine(n, p int) []float64 {
	y := make([]float64, n)
	for i := range n {
		y[i] = 10 + 5*math.Sin(2*math.Pi*float64(i)/float64(p))
	}
	return y
}
