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

// logPeaksAt runs a log-scale member (LogOffset 5, the engine's half a
// unit of capacity 10; a calibration window of 500) over n samples of a
// noisy series around 10 (a slow cycle of ±5 % and a fixed pseudo-random
// wobble of ±2 %), the series and the offset times scale, and returns
// its 99 % peak quantile after each sample divided by scale (NaN while
// it has none).
func logPeaksAt(t *testing.T, scale float64, n int) []float64 {
	t.Helper()
	f, err := NewForecaster(Config{Step: 300, Horizon: 2, LogOffset: 5 * scale, ScaleAlpha: 0.02, Window: 500, CapAtWindowMax: true})
	require.NoError(t, err)
	out := make([]float64, n)
	for i := range n {
		w := float64((i*7919)%101)/100 - 0.5
		f.Update(int64(i*300), scale*10*(1+0.05*math.Sin(2*math.Pi*float64(i)/288)+0.04*w))
		out[i] = math.NaN()
		if q, ok := f.PeakQuantile(0.99); ok {
			out[i] = q / scale
		}
	}
	return out
}

// TestLogPeakQuantilesUnitDependence documents a known limitation
// (docs/tuning.md, "The log members' starting error scale in any unit"):
// a log-scale member starts its errors' scale at 5 % of
// |log(y + LogOffset)|, which a change of unit shifts by log(factor)
// (0.13 for the series here, 1.17 for it times 1e9, 1.25 times 1e-12),
// so the residuals realised while the scale settles differ and the peak
// quantiles differ for as long as those residuals are in the
// calibration window. Unit-free starts (0.05; 0.05·y/(y + LogOffset);
// 5 % of log(1 + y/LogOffset)) made them agree but failed the decision
// gates, so the limitation stays, bounded: once the window has turned
// over after the scale settled (ScaleAlpha 0.02: 0.98^1000 of the start
// is left after 1,000 samples), the quantiles agree up to the float32
// levels' rounding. The first window's disagreement is asserted too, so
// that a fix shows here and in the log.
func TestLogPeakQuantilesUnitDependence(t *testing.T) {
	const n, settled = 2500, 1600 // settled: 1,000 samples, then a window of 500 (and the horizon)
	want := logPeaksAt(t, 1, n)
	for _, scale := range []float64{1e-12, 1e-6, 1e9} {
		got := logPeaksAt(t, scale, n)
		early := 0.0
		for i := range want {
			require.Equal(t, math.IsNaN(want[i]), math.IsNaN(got[i]), "scale %g, sample %d", scale, i)
			if math.IsNaN(want[i]) {
				continue
			}
			if i >= settled {
				require.InEpsilon(t, want[i], got[i], 2e-5, "scale %g, sample %d", scale, i)
			} else {
				early = max(early, math.Abs(got[i]/want[i]-1))
			}
		}
		require.Greater(t, early, 1e-4, "scale %g: the first window's quantiles agree; the limitation is fixed, update docs/tuning.md", scale)
		t.Logf("scale %g: the first window's quantiles differ by up to %.2g of their value", scale, early)
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
