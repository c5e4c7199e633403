package online

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// peakQuantileAfresh is PeakQuantile computed from the forecaster's
// parts, one level on its own, without the memo: what PeakQuantiles must
// give at every level.
func peakQuantileAfresh(f *Forecaster, p float64) (float64, bool) {
	if !f.started || len(f.sorted) < f.cfg.MinResiduals {
		return 0, false
	}
	z, _ := f.quantile(p)
	z += f.shift
	n := len(f.base) - 1
	v := f.inv(f.capped(f.base[n]+z*f.scale[n], f.base[n]))
	return v, !math.IsNaN(v) && !math.IsInf(v, 0)
}

// TestPeakQuantilesIsPeakQuantile: the quantiles read at many levels in
// one pass are each level's computed afresh, bit for bit, and so are
// PeakQuantile's, on a raw-scale member with tracking and on a capped
// log-scale one (levels that share the cap or a residual, asked out of
// order too), through gaps, bursts and zeros; ok is false exactly when
// one of the levels has none.
func TestPeakQuantilesIsPeakQuantile(t *testing.T) {
	levels := []float64{0.5, 0.7, 0.9, 0.9, 0.95, 0.99, 0.999, 0.5}
	for _, cfg := range []Config{
		{Step: 300, Horizon: 3, TrackRate: 0.01, TrackLevel: 0.97},
		{Step: 300, Horizon: 3, LogOffset: 2, CapAtWindowMax: true, Window: 300},
	} {
		f, err := NewForecaster(cfg)
		require.NoError(t, err)
		rng := rand.New(rand.NewPCG(11, 12))
		v := make([]float64, len(levels))
		seen := 0
		for i := range 3000 {
			y := 50 + 30*math.Sin(float64(i)/288*2*math.Pi) + 5*rng.NormFloat64()
			switch {
			case i%97 == 3:
				y = math.NaN()
			case i%401 == 0:
				y *= 40
			case i >= 1500 && i < 1600:
				y = 0
			}
			f.Update(int64(i)*300, y)
			ok := f.PeakQuantiles(levels, v)
			want := true
			for k, p := range levels {
				w, wok := peakQuantileAfresh(f, p)
				one, oneOK := f.PeakQuantile(p)
				require.Equal(t, wok, oneOK)
				want = want && wok
				if ok {
					require.Equal(t, math.Float64bits(w), math.Float64bits(v[k]), "log %v, sample %d, p %v", cfg.LogOffset, i, p)
					require.Equal(t, math.Float64bits(w), math.Float64bits(one), "log %v, sample %d, p %v", cfg.LogOffset, i, p)
				}
			}
			require.Equal(t, want, ok, "sample %d", i)
			if ok {
				seen++
			}
		}
		require.Greater(t, seen, 2900, "quantiles from the 30th residual on")
	}
}

// TestResidualOrderKept: the residual window's order after every push is
// the one it is defined as (each position once, residuals increasing,
// equals newest first: what deleting the oldest and inserting the new one
// made), through the window's filling and thousands of replacements, with
// many ties and a run of one value longer than the window.
func TestResidualOrderKept(t *testing.T) {
	const window = 50
	f, err := NewForecaster(Config{Step: 300, Window: window})
	require.NoError(t, err)
	rng := rand.New(rand.NewPCG(25, 3))
	for n := range 5000 {
		z := float64(rng.IntN(9)) - 4 // ties everywhere
		if n >= 3000 && n < 3100 {
			z = 1.5
		}
		f.push(z)
		full := len(f.res) == window
		age := func(p int) int { // 0: the oldest in the window
			if !full {
				return p
			}
			return (p - f.resAt + window) % window
		}
		require.Len(t, f.sorted, len(f.res))
		seen := make([]bool, len(f.res))
		for k, p := range f.sorted {
			require.False(t, seen[p], "push %d: position %d twice", n, p)
			seen[p] = true
			if k == 0 {
				continue
			}
			prev := f.sorted[k-1]
			a, b := f.res[prev], f.res[p]
			require.LessOrEqual(t, a, b, "push %d, rank %d", n, k)
			if a == b {
				require.Greater(t, age(int(prev)), age(int(p)), "push %d, rank %d: equals newest first", n, k)
			}
		}
	}
}
