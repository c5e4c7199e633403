package forecast

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/predictor"
)

// dailyBursty returns 10 days of 5-minute samples times scale: a daily
// cycle between about 2 and 60 with multiplicative pseudo-random noise,
// the kind of series the log-scale members are for.
func dailyBursty(scale float64) ([]int64, []float64) {
	const n = 10 * 288
	t := make([]int64, n)
	y := make([]float64, n)
	for i := range n {
		t[i] = 1_700_000_000 - 1_700_000_000%86400 + int64(i)*300
		w := float64((i*7919)%101)/100 - 0.5
		y[i] = scale * math.Exp(2+1.7*math.Sin(2*math.Pi*float64(i)/288)) * (1 + 0.6*w)
	}
	return t, y
}

// meansAt fits m on dailyBursty(scale) and returns its 12 forecasts and
// interval bounds divided by scale.
func meansAt(t *testing.T, m predictor.Model, scale float64) []float64 {
	t.Helper()
	ts, y := dailyBursty(scale)
	require.NoError(t, m.Fit(ts, y))
	f, err := m.Forecast(12, 0.8)
	require.NoError(t, err)
	var out []float64
	for _, v := range [][]float64{f.Mean, f.Lower, f.Upper} {
		for _, x := range v {
			out = append(out, x/scale)
		}
	}
	return out
}

// TestLogModelsScaleInvariant: a log-scale model forecasts a series in
// any unit alike, its forecasts times the unit's factor. With log1p's
// absolute offset of 1 the series in thousandths (values 0.002..0.06)
// was almost linear on the model's scale and the series in thousands
// nearly logarithmic, and ridge_log's forecasts of the three differed
// by several per cent (docs/tuning.md, "The log scale's offset follows
// the series' unit").
func TestLogModelsScaleInvariant(t *testing.T) {
	opts := Options{Horizon: 12}
	for _, mk := range []func() predictor.Model{
		func() predictor.Model { return NewRidge(opts, true) },
		func() predictor.Model { return NewAuto(opts) },
	} {
		want := meansAt(t, mk(), 1)
		for _, scale := range []float64{1e-3, 1e3} {
			got := meansAt(t, mk(), scale)
			for i := range want {
				require.InEpsilon(t, want[i], got[i], 1e-6, "scale %g, value %d", scale, i)
			}
		}
	}
}
