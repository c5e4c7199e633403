package forecast

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/floats/scalar"

	"github.com/prescale/prescale/predictor"
	"github.com/prescale/prescale/predictor/series"
)

// lineSine returns n samples with step seconds of a + b*i + amp*sin(2πi/p).
func lineSine(n int, step int64, a, b, amp float64, p int) ([]int64, []float64) {
	t := make([]int64, n)
	y := make([]float64, n)
	for i := range n {
		t[i] = int64(i) * step
		y[i] = a + b*float64(i)
		if p > 0 {
			y[i] += amp * math.Sin(2*math.Pi*float64(i)/float64(p))
		}
	}
	return t, y
}

// requireSane checks the invariants every forecast must satisfy.
func requireSane(t *testing.T, f predictor.Forecast, h int) {
	t.Helper()
	require.Len(t, f.Mean, h)
	require.Len(t, f.Lower, h)
	require.Len(t, f.Upper, h)
	for k := range h {
		for _, v := range []float64{f.Mean[k], f.Lower[k], f.Upper[k]} {
			require.False(t, math.IsNaN(v) || math.IsInf(v, 0), "horizon %d: non-finite %v", k+1, v)
		}
		require.LessOrEqual(t, f.Lower[k], f.Mean[k], "horizon %d", k+1)
		require.LessOrEqual(t, f.Mean[k], f.Upper[k], "horizon %d", k+1)
	}
	require.GreaterOrEqual(t, f.Confidence, 0.0)
	require.LessOrEqual(t, f.Confidence, 1.0)
	require.NotEmpty(t, f.Model)
}

func TestSelectMedian(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{1, 2, 5, 100, 101} {
		x := make([]float64, n)
		for i := range x {
			x[i] = rng.NormFloat64()
		}
		want := series.Median(append([]float64(nil), x...))
		got := series.SelectMedian(x)
		if n%2 == 1 {
			// Odd n: both are the middle order statistic.
			require.InDelta(t, want, got, 0, "n=%d", n)
		} else {
			// Even n: the select returns the upper middle, which is at
			// least the interpolated median.
			require.GreaterOrEqual(t, got, want, "n=%d", n)
		}
	}
}

func TestModelsNoiseless(t *testing.T) {
	// Linear trend plus a daily sine, hourly: the continuation is known in
	// closed form, truth(i) = 50 + 0.1 i + 10 sin(2πi/24).
	const n, H = 600, 6
	tt, y := lineSine(n, 3600, 50, 0.1, 10, 24)
	for _, tc := range []struct {
		name  string
		model predictor.Model
		tol   float64 // absolute, on a series of range ~100
	}{
		// Ridge: the direct regressions fit seasonal lags + intercept; the
		// small error is the ridge penalty (measured 0.03).
		{"ridge", NewRidge(Options{Horizon: H}, false), 0.1},
		{"ridge_log", NewRidge(Options{Horizon: H}, true), 0.5},
		// Holt-Winters with a damped trend under-extrapolates slightly and
		// its seasonal smoothing lags (measured 0.45 at h=6).
		{"holt_winters", NewHoltWinters(Options{Horizon: H}), 1},
		// Seasonal naive misses the trend by 0.1*24 = 2.4 per season.
		{"seasonal_naive", NewSeasonalNaive(Options{Horizon: H}), 2.4 + 1e-9},
		{"auto", NewAuto(Options{Horizon: H}), 0.5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.NoError(t, tc.model.Fit(tt, y))
			f, err := tc.model.Forecast(H, 0.8)
			require.NoError(t, err)
			requireSane(t, f, H)
			for k := range H {
				i := float64(n + k)
				truth := 50 + 0.1*i + 10*math.Sin(2*math.Pi*i/24)
				require.True(t, scalar.EqualWithinAbs(f.Mean[k], truth, tc.tol),
					"h=%d: got %v want %v ± %v", k+1, f.Mean[k], truth, tc.tol)
			}
		})
	}
}

func TestPredictRobust(t *testing.T) {
	nan := math.NaN()
	rng := rand.New(rand.NewPCG(3, 4))
	seq := func(n int, f func(i int) float64) ([]int64, []float64) {
		tt := make([]int64, n)
		y := make([]float64, n)
		for i := range n {
			tt[i] = 1_600_000_000 + int64(i)*300
			y[i] = f(i)
		}
		return tt, y
	}
	irregular := func() ([]int64, []float64) {
		tt, y := seq(2000, func(i int) float64 { return 20 + 5*math.Sin(float64(i)/20) + rng.NormFloat64() })
		for i := range tt {
			tt[i] += int64(i%5) * 37 // jitter
			if i > 1000 {
				tt[i] += 3600 // a one-hour gap in the clock
			}
		}
		return tt, y
	}
	for _, tc := range []struct {
		name  string
		data  func() ([]int64, []float64)
		opts  Options
		model string // "" = any
	}{
		{"one sample", func() ([]int64, []float64) { return seq(1, func(int) float64 { return 4 }) }, Options{}, "naive_fallback"},
		{"two samples", func() ([]int64, []float64) { return seq(2, func(i int) float64 { return float64(i) }) }, Options{}, "naive_fallback"},
		{"leading NaNs", func() ([]int64, []float64) {
			return seq(30, func(i int) float64 {
				if i < 10 {
					return nan
				}
				return float64(i)
			})
		}, Options{}, ""},
		{"constant", func() ([]int64, []float64) { return seq(1500, func(int) float64 { return 42 }) }, Options{}, ""},
		{"constant zero", func() ([]int64, []float64) { return seq(1500, func(int) float64 { return 0 }) }, Options{}, ""},
		{"many NaNs", func() ([]int64, []float64) {
			return seq(1500, func(i int) float64 {
				if i%3 == 0 || (i > 700 && i < 900) {
					return nan
				}
				return 10 + math.Sin(float64(i)/10)
			})
		}, Options{}, ""},
		{"trailing NaN run", func() ([]int64, []float64) {
			return seq(1500, func(i int) float64 {
				if i > 1450 {
					return nan
				}
				return float64(i % 17)
			})
		}, Options{}, ""},
		{"negative values", func() ([]int64, []float64) {
			return seq(1500, func(i int) float64 { return -50 + 10*math.Sin(float64(i)/30) + rng.NormFloat64() })
		}, Options{}, ""},
		{"huge values", func() ([]int64, []float64) {
			return seq(1500, func(i int) float64 { return 1e300 * (1 + 0.1*math.Sin(float64(i))) })
		}, Options{}, ""},
		{"irregular steps", irregular, Options{}, ""},
		{"counter with resets", func() ([]int64, []float64) {
			return seq(1500, func(i int) float64 { return float64((i % 400) * 7) })
		}, Options{Counter: true}, ""},
		{"season forced off", func() ([]int64, []float64) {
			return seq(1500, func(i int) float64 { return math.Sin(float64(i) / 5) })
		}, Options{Season: -1}, ""},
		{"season longer than history", func() ([]int64, []float64) {
			return seq(300, func(i int) float64 { return float64(i) })
		}, Options{Season: 1000}, ""},
		{"long horizon", func() ([]int64, []float64) {
			return seq(1500, func(i int) float64 { return math.Sin(float64(i) / 5) })
		}, Options{Horizon: 500}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tt, y := tc.data()
			h := 12
			if tc.opts.Horizon > 0 {
				h = tc.opts.Horizon
			}
			f, err := Predict(tt, y, h, tc.opts)
			require.NoError(t, err)
			requireSane(t, f, h)
			if tc.model != "" {
				require.Equal(t, tc.model, f.Model)
			}
		})
	}
}

func TestPredictCounterReset(t *testing.T) {
	// A counter rising 10 per sample that resets to 0 at sample 200: the
	// forecast continues the raw counter from its last value, 990, by 10
	// per step (closed form; the regression fits the constant increase,
	// to 1e-5 of it: the refreshed ridge's rows hold the reset's own
	// step, an increase of 0 as Prometheus counts one).
	tt, y := lineSine(300, 60, 0, 10, 0, 0)
	for i := 200; i < 300; i++ {
		y[i] = float64(10 * (i - 200))
	}
	f, err := Predict(tt, y, 3, Options{Counter: true})
	require.NoError(t, err)
	requireSane(t, f, 3)
	for k, want := range []float64{1000, 1010, 1020} {
		require.True(t, scalar.EqualWithinAbsOrRel(f.Mean[k], want, 1e-6, 1e-5), "h=%d: got %v want %v", k+1, f.Mean[k], want)
	}
}

func TestPredictErrors(t *testing.T) {
	nan := math.NaN()
	for _, tc := range []struct {
		name string
		t    []int64
		y    []float64
		h    int
		msg  string
	}{
		{"length mismatch", []int64{1, 2}, []float64{1}, 1, "len(t)=2 != len(y)=1"},
		{"decreasing t", []int64{2, 1}, []float64{1, 1}, 1, "t must not decrease"},
		{"infinite y", []int64{1, 2}, []float64{1, math.Inf(1)}, 1, "y[1] is infinite"},
		{"all NaN", []int64{1, 2}, []float64{nan, nan}, 1, "no finite samples"},
		{"empty", nil, nil, 1, "no finite samples"},
		{"zero horizon", []int64{1, 2}, []float64{1, 2}, 0, "horizon h=0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Predict(tc.t, tc.y, tc.h, Options{})
			require.ErrorContains(t, err, tc.msg)
		})
	}
	a := NewAuto(Options{Horizon: 3})
	_, err := a.Forecast(1, 0.8)
	require.ErrorContains(t, err, "before a successful Fit")
	require.NoError(t, a.Fit([]int64{1, 2, 3}, []float64{1, 2, 3}))
	_, err = a.Forecast(4, 0.8)
	require.ErrorContains(t, err, "horizon h=4 outside 1..3")
	_, err = a.Forecast(1, 1)
	require.ErrorContains(t, err, "coverage=1")
}

func TestConfidence(t *testing.T) {
	for _, tc := range []struct {
		name                string
		ratio, width, level float64
		want                float64
	}{
		// sqrt(clamp(1.5-r) * 1/(1+W/L)), by hand.
		{"as good as naive, width = level", 1, 10, 10, 0.5},
		{"half naive's error, zero width", 0.5, 0, 10, 1},
		{"1.5 times worse than naive", 1.5, 0, 10, 0},
		{"no backtest", math.NaN(), 0, 10, 0},
		{"zero level, zero width", 0.2, 0, 0, 1},
		{"zero level, some width", 0.2, 1, 0, 0},
		{"r=0.8, W/L=0.25", 0.8, 2.5, 10, math.Sqrt(0.7 * 0.8)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := confidence(tc.ratio, tc.width, tc.level)
			require.True(t, scalar.EqualWithinAbsOrRel(got, tc.want, 1e-12, 1e-12), "got %v want %v", got, tc.want)
		})
	}
}

// noisySeasonal returns a 5-minute series: daily cycle, AR(1) noise and
// occasional spikes (seeded PCG).
func noisySeasonal(n int, seed uint64) ([]int64, []float64) {
	rng := rand.New(rand.NewPCG(seed, 99))
	t := make([]int64, n)
	y := make([]float64, n)
	var ar float64
	for i := range n {
		t[i] = 1_500_000_000 - 1_500_000_000%86400 + int64(i)*300
		ar = 0.6*ar + rng.NormFloat64()
		y[i] = 100 + 20*math.Sin(2*math.Pi*float64(i)/288) + 4*ar
		if rng.Float64() < 0.01 {
			y[i] += 40 * rng.ExpFloat64()
		}
	}
	return t, y
}

func TestRollingCausality(t *testing.T) {
	const n, H, k = 3000, 12, 2400
	tt, y := noisySeasonal(n, 5)
	changed := append([]float64(nil), y...)
	rng := rand.New(rand.NewPCG(11, 12))
	for i := k + 1; i < n; i++ {
		changed[i] = 1000 * rng.Float64() // everything after the origin k
	}
	var origins []int
	for i := 2000; i+H < n; i += 7 {
		origins = append(origins, i)
	}
	run := func(y []float64) map[int]predictor.Forecast {
		out := map[int]predictor.Forecast{}
		err := Rolling(tt, y, origins, H, Options{}, 24, 0.8, func(i int, f predictor.Forecast) error {
			out[i] = f
			return nil
		})
		require.NoError(t, err)
		return out
	}
	a, b := run(y), run(changed)
	differ := false
	for _, i := range origins {
		if i <= k {
			require.Equal(t, a[i], b[i], "origin %d <= %d must not see later data", i, k)
			continue
		}
		differ = differ || a[i].Mean[0] != b[i].Mean[0]
	}
	require.True(t, differ, "forecasts after the change should differ (sanity)")
}

func TestRollingCoverage(t *testing.T) {
	// The empirical 80 % intervals should cover about 80 % of outcomes on
	// a stationary noisy series. Bounds are the benchmark's acceptance band.
	const n, H = 6000, 12
	tt, y := noisySeasonal(n, 21)
	var origins []int
	for i := 4000; i+H < n; i += 5 {
		origins = append(origins, i)
	}
	var in, all int
	var maeModel, maeNaive float64
	err := Rolling(tt, y, origins, H, Options{}, 24, 0.8, func(i int, f predictor.Forecast) error {
		for h := 1; h <= H; h++ {
			v := y[i+h]
			if f.Lower[h-1] <= v && v <= f.Upper[h-1] {
				in++
			}
			all++
			maeModel += math.Abs(v - f.Mean[h-1])
			maeNaive += math.Abs(v - y[i])
		}
		return nil
	})
	require.NoError(t, err)
	cov := float64(in) / float64(all)
	require.GreaterOrEqual(t, cov, 0.75)
	require.LessOrEqual(t, cov, 0.88)
	require.Less(t, maeModel, 0.9*maeNaive, "the model should beat naive on a seasonal series")
}

func TestRollingErrors(t *testing.T) {
	tt, y := lineSine(100, 60, 0, 1, 0, 0)
	noop := func(int, predictor.Forecast) error { return nil }
	require.ErrorContains(t, Rolling(tt, y, []int{5, 5}, 1, Options{}, 1, 0.8, noop), "out of order")
	require.ErrorContains(t, Rolling(tt, y, []int{100}, 1, Options{}, 1, 0.8, noop), "outside 0..99")
	nan := math.NaN()
	var got []predictor.Forecast
	err := Rolling([]int64{1, 2, 3}, []float64{nan, nan, 5}, []int{0, 2}, 1, Options{}, 1, 0.8, func(_ int, f predictor.Forecast) error {
		got = append(got, f)
		return nil
	})
	require.NoError(t, err)
	require.Nil(t, got[0].Mean, "no finite sample yet: empty forecast")
	require.Equal(t, []float64{5}, got[1].Mean)
}

func TestUpdateMatchesRefitFreeForecast(t *testing.T) {
	// Updating a fitted model sample by sample must give the same forecast
	// as a model whose fixed-parameter state reached the same point by a
	// backtest pass: both use the same parameters and data.
	tt, y := noisySeasonal(3000, 8)
	a := NewAuto(Options{})
	require.NoError(t, a.Fit(tt[:2500], y[:2500]))
	for i := 2500; i < 2600; i++ {
		a.Update(tt[i], y[i])
	}
	f1, err := a.Forecast(12, 0.8)
	require.NoError(t, err)
	requireSane(t, f1, 12)
	b := NewAuto(Options{})
	require.NoError(t, b.Fit(tt[:2500], y[:2500]))
	for i := 2500; i < 2600; i += 10 { // forecasts in between advance the state
		for j := i; j < i+10; j++ {
			b.Update(tt[j], y[j])
		}
		_, err := b.Forecast(12, 0.8)
		require.NoError(t, err)
	}
	f2, err := b.Forecast(12, 0.8)
	require.NoError(t, err)
	for k := range f1.Mean {
		require.True(t, scalar.EqualWithinAbsOrRel(f1.Mean[k], f2.Mean[k], 1e-9, 1e-9), "h=%d", k+1)
	}
}

func TestHoltWintersColdStart(t *testing.T) {
	// 40 hourly samples of a line with a forced daily season of 24: the
	// fit window (20 samples) is shorter than two seasons, so the model is
	// Holt's damped trend (trend only). It must still follow the line
	// 5 + 2i; the damping (φ <= 0.995) costs at most a few tenths over 3
	// steps (tolerance set from φ's lower bound 0.8: 2*(3 - (0.8+0.64+0.512)) ≈ 2.1).
	tt, y := lineSine(40, 3600, 5, 2, 0, 0)
	m := NewHoltWinters(Options{Horizon: 3, Season: 24})
	require.NoError(t, m.Fit(tt, y))
	f, err := m.Forecast(3, 0.8)
	require.NoError(t, err)
	requireSane(t, f, 3)
	for k := range 3 {
		want := 5 + 2*float64(40+k)
		require.True(t, scalar.EqualWithinAbs(f.Mean[k], want, 2.1), "h=%d: got %v want %v", k+1, f.Mean[k], want)
	}
}

func TestConfidenceOrdersSeries(t *testing.T) {
	// A clean seasonal series must get a higher confidence than white
	// noise (where nothing beats a level by much and intervals are wide).
	tt, clean := lineSine(3000, 300, 100, 0, 30, 288)
	rng := rand.New(rand.NewPCG(5, 6))
	noise := make([]float64, len(clean))
	for i := range noise {
		noise[i] = 100 + 30*rng.NormFloat64()
	}
	fc, err := Predict(tt, clean, 12, Options{})
	require.NoError(t, err)
	fn, err := Predict(tt, noise, 12, Options{})
	require.NoError(t, err)
	require.Greater(t, fc.Confidence, 0.9)
	require.Less(t, fn.Confidence, 0.7)
}

func TestPredictRandomInputs(t *testing.T) {
	// Seeded random series of random length with NaN runs, spikes, flat
	// stretches, negative values and resets: Predict must return a sane
	// forecast (finite, ordered interval, confidence in [0, 1]) every time.
	rng := rand.New(rand.NewPCG(2026, 11))
	for c := range 60 {
		n := 1 + rng.IntN(1500)
		step := []int64{15, 60, 300, 3600}[rng.IntN(4)]
		tt := make([]int64, n)
		y := make([]float64, n)
		level := rng.NormFloat64() * 100
		for i := range n {
			tt[i] = 1_600_000_000 + int64(i)*step
			if rng.IntN(10) == 0 {
				tt[i] += step / 2 // jitter
			}
			switch r := rng.Float64(); {
			case r < 0.05:
				y[i] = math.NaN()
			case r < 0.07:
				y[i] = level + 1000*rng.ExpFloat64()
			case r < 0.09:
				level = rng.NormFloat64() * 100 // level shift
				y[i] = level
			default:
				y[i] = level + rng.NormFloat64()
			}
		}
		opts := Options{Counter: rng.IntN(4) == 0, Season: []int{0, 0, -1, 7}[rng.IntN(4)]}
		h := 1 + rng.IntN(24)
		t.Run(fmt.Sprintf("case %d n=%d step=%d h=%d", c, n, step, h), func(t *testing.T) {
			f, err := Predict(tt, y, h, opts)
			if allNaN(y) {
				require.ErrorIs(t, err, series.ErrNoData)
				return
			}
			require.NoError(t, err)
			requireSane(t, f, h)
		})
	}
}

func allNaN(y []float64) bool {
	for _, v := range y {
		if !math.IsNaN(v) {
			return false
		}
	}
	return true
}

func TestPredictOverflowIsAnError(t *testing.T) {
	// Values alternating between ±math.MaxFloat64 overflow the h-step
	// changes behind the interval (MaxFloat64 - (-MaxFloat64) = +Inf, and
	// quantiles of ±Inf give NaN): Predict must say so, never return NaN.
	for _, tc := range []struct {
		name    string
		counter bool
	}{
		{"gauge", false},
		{"counter", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const n = 600
			tt := make([]int64, n)
			y := make([]float64, n)
			for i := range n {
				tt[i] = 1_600_000_000 + int64(i)*300
				y[i] = math.MaxFloat64
				if i%2 == 1 {
					y[i] = -math.MaxFloat64
				}
			}
			f, err := Predict(tt, y, 12, Options{Counter: tc.counter})
			if err == nil {
				requireSane(t, f, 12)
				return
			}
			require.ErrorContains(t, err, "not finite")
			require.ErrorIs(t, err, predictor.ErrNotFinite, "the controller logs it")
		})
	}
}

// TestFallbackIntervalWidensWithHorizon: with a few samples (a fresh
// install) the horizons that have too few changes of their own take the
// one-step changes scaled by sqrt(h): the interval holds the forecast,
// widens with the horizon and never collapses to the last value.
func TestFallbackIntervalWidensWithHorizon(t *testing.T) {
	ts := []int64{0, 60, 120, 180, 240}
	y := []float64{1.0, 1.2, 0.9, 1.1, 1.0}
	f, err := Predict(ts, y, 4, Options{Horizon: 4})
	require.NoError(t, err)
	require.Equal(t, "naive_fallback", f.Model)
	prev := 0.0
	for k := range 4 {
		require.LessOrEqual(t, f.Lower[k], f.Mean[k])
		require.LessOrEqual(t, f.Mean[k], f.Upper[k])
		w := f.Upper[k] - f.Lower[k]
		require.Positive(t, w, "horizon %d", k+1)
		require.GreaterOrEqual(t, w, prev-1e-12, "horizon %d narrower than %d", k+1, k)
		prev = w
	}
	require.GreaterOrEqual(t, f.Lower[0], 0.0, "a non-negative series stays non-negative")
}
