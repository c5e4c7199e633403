package online

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

// peaksAt runs a raw-scale forecaster over a calm series (a slow cycle and
// a ±0.2 % wobble around 10) times scale and returns its 99 % peak
// quantiles divided by scale.
func peaksAt(t *testing.T, scale float64) []float64 {
	t.Helper()
	f, err := NewForecaster(Config{Step: 300, Horizon: 2})
	require.NoError(t, err)
	var out []float64
	for i := range 1500 {
		w := float64((i*7919)%101)/100 - 0.5
		f.Update(int64(i*300), scale*10*(1+0.01*math.Sin(2*math.Pi*float64(i)/288)+0.004*w))
		if q, ok := f.PeakQuantile(0.99); ok {
			out = append(out, q/scale)
		}
	}
	return out
}

// TestPeakQuantilesScaleInvariant: the peak quantiles of a series times
// 1e-12, 1e-9 or 1e9 are the series' own times the same factor. The
// errors' scale had an absolute floor of 1e-9 below a level of 1, five
// times the errors of a level of 1e-8 here: the 99 % peak quantile of
// the series times 1e-9 was far above the series' own.
func TestPeakQuantilesScaleInvariant(t *testing.T) {
	want := peaksAt(t, 1)
	require.NotEmpty(t, want)
	for _, scale := range []float64{1e-12, 1e-9, 1e9} {
		got := peaksAt(t, scale)
		require.Len(t, got, len(want))
		for i := range want {
			require.InEpsilon(t, want[i], got[i], 1e-6, "scale %g, quantile %d", scale, i)
		}
	}
}

// TestScaleFloor: never 0 (a series of zeros divides by 1e-9 as it
// always did), relative to the series' size below 1, 1e-9·max(1, |level|)
// from 1 up.
func TestScaleFloor(t *testing.T) {
	for _, tc := range []struct {
		name         string
		s, lvl, size float64
		want         float64
	}{
		{"a series of zeros", 0, 0, 0, 1e-9},
		{"relative below 1", 0, 1e-8, 1e-8, 1e-17},
		{"the series' size, when above the level", 0, 1e-8, 2e-8, 2e-17},
		{"1e-9·max(1, |level|) once a value reached 1", 0, 0.5, 10, 1e-9},
		{"a level above 1", 0, -20, 30, 2e-8},
		{"the errors' scale above the floor", 0.3, 10, 10, 0.3},
		{"never 0", 0, 0, math.SmallestNonzeroFloat64, math.SmallestNonzeroFloat64},
	} {
		require.InEpsilon(t, tc.want, scaleFloor(tc.s, tc.lvl, tc.size), 1e-12, tc.name)
	}
}
