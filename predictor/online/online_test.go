package online

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/predictor"
)

func TestForecasterErrors(t *testing.T) {
	_, err := NewForecaster(Config{})
	require.ErrorContains(t, err, "Step must be > 0")
	f, err := NewForecaster(Config{Step: 60})
	require.NoError(t, err)
	_, err = f.Forecast(3, 0.8)
	require.ErrorContains(t, err, "no data")
	f.Update(0, 1)
	_, err = f.Forecast(0, 0.8)
	require.ErrorContains(t, err, "horizon")
	_, err = f.Forecast(1, 1)
	require.ErrorContains(t, err, "coverage")
	_, ok := f.PeakQuantile(0.9)
	require.False(t, ok, "no quantile before MinResiduals residuals")
}

// TestForecasterCalibration: on i.i.d. normal noise the p-quantile of
// the peak over the horizon covers about p of the realised peaks.
func TestForecasterCalibration(t *testing.T) {
	for _, tc := range []struct {
		name    string
		horizon int
		log     float64
	}{
		{"one step", 1, 0},
		{"peak of five steps", 5, 0},
		{"log scale", 1, 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(3, 4))
			f, err := NewForecaster(Config{Step: 300, Horizon: tc.horizon, Season: -1, LevelAlpha: 0.05, LogOffset: tc.log})
			require.NoError(t, err)
			y := make([]float64, 6000)
			for i := range y {
				y[i] = 100 + 10*rng.NormFloat64()
			}
			covered, total := 0, 0
			for i := range len(y) - tc.horizon {
				f.Update(int64(i*300), y[i])
				q, ok := f.PeakQuantile(0.9)
				if !ok || i < 1000 {
					continue
				}
				peak := math.Inf(-1)
				for h := 1; h <= tc.horizon; h++ {
					peak = max(peak, y[i+h])
				}
				total++
				if peak <= q {
					covered++
				}
			}
			// Nominal 0.9; the tolerance allows for the sliding window's noise.
			require.InDelta(t, 0.9, float64(covered)/float64(total), 0.03)
			fc, err := f.Forecast(tc.horizon, 0.8)
			require.NoError(t, err)
			require.InDelta(t, 1, fc.Confidence, 0.1)
			for k := range fc.Mean {
				require.LessOrEqual(t, fc.Lower[k], fc.Mean[k])
				require.LessOrEqual(t, fc.Mean[k], fc.Upper[k])
			}
		})
	}
}

// TestForecasterSeasonal: the seasonal term follows a daily ramp that
// a level alone lags behind.
func TestForecasterSeasonal(t *testing.T) {
	f, err := NewForecaster(Config{Step: 3600, Horizon: 3, LevelAlpha: 1})
	require.NoError(t, err)
	require.Equal(t, 24, f.Config().Season)
	value := func(i int) float64 { return 100 + 50*math.Sin(2*math.Pi*float64(i)/24) }
	for i := range 24 * 8 {
		f.Update(int64(i*3600), value(i))
	}
	fc, err := f.Forecast(3, 0.8)
	require.NoError(t, err)
	for k := range 3 {
		// Exact up to rounding: the past seasons repeat the same change
		// (past levels are held as float32: 1e-7 of the level).
		require.InDelta(t, value(24*8+k), fc.Mean[k], 1e-7*150)
	}
}

func TestEnsembleSelectsTheBetterMember(t *testing.T) {
	// A random walk: the naive level (alpha 1) beats a slow average.
	e := randomWalkEnsemble(t, EnsembleOptions{}, 300, 1000, 10, 5)
	require.Equal(t, 1, e.Best())
	fc, err := e.Forecast(1, 0.8)
	require.NoError(t, err)
	require.Equal(t, "online_ensemble[1]", fc.Model)

	_, err = NewEnsemble(nil, EnsembleOptions{})
	require.Error(t, err)
	_, err = NewEnsemble([]Config{{Step: 60, Horizon: 1}, {Step: 60, Horizon: 2}}, EnsembleOptions{})
	require.ErrorContains(t, err, "horizon")
}

func TestEnsembleDecisionLoss(t *testing.T) {
	// With a provisioning rule "the 0.9 quantile", and a high cost per unit
	// of capacity, the sharper (naive) member on a random walk still wins.
	opt := EnsembleOptions{
		ProvisionCost: 0.001,
		Provision:     func(m *Forecaster) (float64, bool) { return m.PeakQuantile(0.9) },
	}
	e := randomWalkEnsemble(t, opt, 60, 500, 5, 7)
	require.Equal(t, 1, e.Best())
	// No allocation a member a sample (a method value made at each
	// call was most of a warming controller's).
	i := int64(4000)
	allocs := testing.AllocsPerRun(100, func() {
		e.Update(i*60, 500)
		i++
	})
	require.Zero(t, allocs)
}

// A handicapped member answers only while its loss, times the handicap,
// is below every other member's: the naive member that wins a random walk
// (TestEnsembleSelectsTheBetterMember) keeps winning with a small
// handicap and loses with a large or an infinite one, also when it has
// been answering; the selector sees every sample.
func TestEnsembleSelector(t *testing.T) {
	for _, c := range []struct {
		handicap [2]float64
		switchAt int
		best     int
	}{
		{[2]float64{1, 1.01}, -1, 1}, {[2]float64{1, 1000}, -1, 0}, {[2]float64{1000, 1}, -1, 1},
		{[2]float64{1, math.Inf(1)}, -1, 0}, {[2]float64{1, math.Inf(1)}, 3000, 0}, {[2]float64{1, 1}, 3000, 1},
	} {
		sel := &fixedSelector{h: c.handicap, switchAt: c.switchAt}
		e := randomWalkEnsemble(t, EnsembleOptions{Selector: sel}, 300, 1000, 10, 5)
		require.Equal(t, c.best, e.Best(), "handicap %v from %d", c.handicap, c.switchAt)
		require.Equal(t, 4000, sel.seen)
	}
}

// fixedSelector's handicaps are h from sample switchAt on (-1: always),
// 1 before.
type fixedSelector struct {
	h              [2]float64
	switchAt, seen int
}

func (s *fixedSelector) Observe(int64, float64) { s.seen++ }

func (s *fixedSelector) Handicap(m int) float64 {
	if s.switchAt >= 0 && s.seen <= s.switchAt {
		return 1
	}
	return s.h[m]
}

// randomWalkEnsemble feeds an ensemble of a slow average (alpha 0.02) and
// the naive level (alpha 1) 4000 steps of a seeded Gaussian random walk
// from start with steps of sigma.
func randomWalkEnsemble(t *testing.T, opt EnsembleOptions, step int64, start, sigma float64, seed uint64) *Ensemble {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, seed+1))
	e, err := NewEnsemble([]Config{
		{Step: step, Season: -1, LevelAlpha: 0.02},
		{Step: step, Season: -1, LevelAlpha: 1},
	}, opt)
	require.NoError(t, err)
	y := start
	for i := range 4000 {
		y += sigma * rng.NormFloat64()
		e.Update(int64(i)*step, y)
	}
	return e
}

func BenchmarkForecaster(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	y := make([]float64, 40000)
	for i := range y {
		y[i] = 100 + 30*math.Sin(2*math.Pi*float64(i)/1440) + 5*rng.NormFloat64()
	}
	for _, h := range []int{1, 5} {
		b.Run(fmt.Sprintf("40k_samples_horizon_%d", h), func(b *testing.B) {
			for b.Loop() {
				f, _ := NewForecaster(Config{Step: 60, Horizon: h})
				for i, v := range y {
					f.Update(int64(i*60), v)
					_, _ = f.PeakQuantile(0.95)
				}
			}
		})
	}
}

func ExampleForecaster() {
	f, _ := NewForecaster(Config{Step: 60, Horizon: 1, Season: -1, LevelAlpha: 1, MinResiduals: 5})
	for i, v := range []float64{10, 12, 11, 13, 12, 14, 13, 15, 14, 16} {
		f.Update(int64(i*60), v)
	}
	q, _ := f.PeakQuantile(0.9)
	fc, _ := f.Forecast(1, 0.8)
	fmt.Printf("mean %.1f, 90%% peak quantile %.2f\n", fc.Mean[0], q)
	// Output: mean 16.0, 90% peak quantile 20.60
}

// TestForecasterLevelWindow: the level is the highest of the last
// LevelWindow values, missing ones skipped.
func TestForecasterLevelWindow(t *testing.T) {
	f, err := NewForecaster(Config{Step: 300, Season: -1, LevelWindow: 3})
	require.NoError(t, err)
	for i, y := range []float64{5, 9, 4, math.NaN(), 2, 3} {
		f.Update(int64(i*300), y)
		fc, err := f.Forecast(1, 0.8)
		require.NoError(t, err)
		want := []float64{5, 9, 9, 9, 4, 3}[i]
		require.InDelta(t, want, fc.Mean[0], 1e-12, "after sample %d", i)
	}
}

// TestForecasterCapAtWindowMax: after a quiet week, bursts make a
// log-scale model's locally scaled residuals explode; the cap keeps its
// quantiles at or below the highest value seen in the window.
func TestForecasterCapAtWindowMax(t *testing.T) {
	for _, capped := range []bool{false, true} {
		f, err := NewForecaster(Config{Step: 300, Season: -1, LevelAlpha: 1, LogOffset: 2.5, Window: 500, CapAtWindowMax: capped})
		require.NoError(t, err)
		rng := rand.New(rand.NewPCG(1, 2))
		for i := range 1002 { // ends inside a burst
			y := 0.1 + 0.01*rng.Float64()
			if i > 800 && i%10 < 3 {
				y = 60 + 40*rng.Float64()
			}
			f.Update(int64(i*300), y)
		}
		q, ok := f.PeakQuantile(0.99)
		require.True(t, ok)
		fc, err := f.Forecast(1, 0.95)
		require.NoError(t, err)
		if capped {
			require.LessOrEqual(t, q, 100.0)
			require.LessOrEqual(t, fc.Upper[0], 100.0)
		} else {
			require.Greater(t, q, 1000.0, "the uncapped log model extrapolates far beyond the data")
		}
	}
}

// TestForecasterOverflowIsAnError: values near ±MaxFloat64 make the
// level and scale arithmetic overflow; the forecaster must say so rather
// than return NaN or ±Inf as a forecast or a peak quantile.
func TestForecasterOverflowIsAnError(t *testing.T) {
	f, err := NewForecaster(Config{Step: 300, Horizon: 2, LevelAlpha: 0.5, ScaleAlpha: 0.05})
	require.NoError(t, err)
	for i := range 400 {
		y := math.MaxFloat64
		if i%2 == 1 {
			y = -math.MaxFloat64
		}
		f.Update(int64(i)*300, y)
	}
	fc, err := f.Forecast(2, 0.8)
	if err == nil {
		for _, xs := range [][]float64{fc.Mean, fc.Lower, fc.Upper} {
			for _, v := range xs {
				require.False(t, math.IsNaN(v) || math.IsInf(v, 0), "non-finite forecast %v without an error", v)
			}
		}
	} else {
		require.ErrorIs(t, err, predictor.ErrNotFinite, "the controller logs it")
	}
	if v, ok := f.PeakQuantile(0.9); ok {
		require.False(t, math.IsNaN(v) || math.IsInf(v, 0), "non-finite peak quantile %v with ok", v)
	}
}

// PeakQuantile on the log scale remembers its last mapping back: asked in
// any order, between updates, with levels that share a value (capped), it
// answers what the mapping computed afresh gives.
func TestPeakQuantileLogMemo(t *testing.T) {
	f, err := NewForecaster(Config{Step: 60, Horizon: 5, LogOffset: 1, CapAtWindowMax: true, Window: 200})
	require.NoError(t, err)
	rng := rand.New(rand.NewPCG(7, 7))
	levels := []float64{0.5, 0.9, 0.99, 0.999, 0.9, 0.9, 0.5, 0.999}
	for i := range 600 {
		f.Update(int64(i)*60, 50+20*rng.NormFloat64())
		for _, p := range levels {
			v, ok := f.PeakQuantile(p)
			if !ok {
				continue
			}
			z, _ := f.quantile(p)
			n := len(f.base) - 1
			want := math.Exp(f.capped(f.base[n]+z*f.scale[n], f.base[n])) - 1
			require.InDelta(t, want, v, 0, "sample %d, p=%v", i, p)
		}
	}
}

// A forecaster's history arrays stay within what they were first given
// (a week of levels and trimSlack to its size class, the last rkeep
// values and recentSlack). At 5-minute samples the levels fit in 8 KB,
// the size class of the 2,020 a week and a horizon of 3 read (with 64
// entries of slack they took the next class, 9.25 KB).
func TestForecasterHistoryBounded(t *testing.T) {
	f, err := NewForecaster(Config{Step: 300, Horizon: 3})
	require.NoError(t, err)
	for i := range 5000 {
		f.Update(int64(i)*300, float64(i%288))
		require.GreaterOrEqual(t, cap(f.level), f.keep+trimSlack, "after %d samples", i+1)
		require.LessOrEqual(t, 4*cap(f.level), 8192, "after %d samples", i+1)
		require.Less(t, len(f.y), f.rkeep+recentSlack)
		require.Equal(t, f.rkeep+recentSlack, cap(f.y), "never grown")
	}
}

// The residual order (positions sorted by residual) holds exactly the last
// Window residuals, ties included: every quantile is the one of a sorted
// copy of them.
func TestResidualOrderMatchesSortedWindow(t *testing.T) {
	f, err := NewForecaster(Config{Step: 60, Window: 50})
	require.NoError(t, err)
	rng := rand.New(rand.NewPCG(3, 3))
	var all []float64
	for i := range 400 {
		z := float64(rng.IntN(6)) // many ties
		if i%7 == 0 {
			z = rng.NormFloat64()
		}
		f.push(z)
		all = append(all, float64(float32(z))) // residuals are held as float32
		want := slices.Clone(all[max(0, len(all)-50):])
		slices.Sort(want)
		got := make([]float64, len(f.sorted))
		for k, p := range f.sorted {
			got[k] = float64(f.res[p])
		}
		require.Equal(t, want, got, "after %d residuals", i+1)
	}
}

// The ring of realised-peak hits (one bit each) counts the hits of exactly
// the last Window pushes, for a Window that is not a multiple of 64.
func TestHitRingCountsLastWindow(t *testing.T) {
	f, err := NewForecaster(Config{Step: 60, Window: 70})
	require.NoError(t, err)
	rng := rand.New(rand.NewPCG(4, 4))
	var all []bool
	for i := range 500 {
		hit := rng.IntN(3) > 0
		f.pushHit(hit)
		all = append(all, hit)
		last := all[max(0, len(all)-70):]
		want := 0
		for _, h := range last {
			if h {
				want++
			}
		}
		require.Equal(t, want, f.hits, "after %d", i+1)
		require.Equal(t, len(last), f.hitLen)
	}
	_, err = NewForecaster(Config{Step: 60, Window: MaxWindow + 1})
	require.ErrorContains(t, err, "Window must be at most")
}

// footprint is the bytes a forecaster's arrays take (their capacity).
func (f *Forecaster) footprint() int {
	n := 4*(cap(f.level)+cap(f.res)) + 8*(cap(f.y)+cap(f.base)+cap(f.scale)+cap(f.path)+cap(f.maxVal)+cap(f.maxIdx))
	n += int(unsafe.Sizeof(uint16(0)))*cap(f.sorted) + 8*cap(f.hitRing)
	return n
}

// A member of the controller's peak ensemble (5-minute samples, a daily
// season of seven days, the default Window of 2016 residuals) holds at
// most 22 KB once its windows are full: a week of levels and the
// residuals in float32 (8.3 KB and 8.1 KB), their order in 2-byte
// positions (4 KB), the hits in bits and the last horizon's values, bases
// and scales (0.5 KB; 3 KB while they grew by doubling to 128; 46 KB in
// all with float64 levels and residuals, 4-byte positions and a byte per
// hit).
func TestForecasterFootprint(t *testing.T) {
	f, err := NewForecaster(Config{Step: 300, Horizon: 3})
	require.NoError(t, err)
	for i := range 6000 {
		f.Update(int64(i)*300, 100+10*math.Sin(float64(i)/288*2*math.Pi)+float64(i%7))
	}
	require.Len(t, f.res, 2016)
	require.LessOrEqual(t, f.footprint(), 22_000)
}

// Members of an Ensemble that read an earlier member's levels and window
// maximum (share.go) answer exactly as forecasters holding their own, on
// values with gaps, a run of zeros and steps far apart in size (where a
// level that moves by the whole step is not exactly the value); the
// reactive members hold no levels.
func TestEnsembleSharedStateAnswersAsOwn(t *testing.T) {
	const off = 0.02
	cfgs := []Config{
		{Step: 300, Horizon: 3, LevelAlpha: 0.5},
		{Step: 300, Horizon: 3, LevelAlpha: 1},
		{Step: 300, Horizon: 3, LevelAlpha: 0.5, LogOffset: off, CapAtWindowMax: true},
		{Step: 300, Horizon: 3, LevelAlpha: 1, LogOffset: off, CapAtWindowMax: true},
		{Step: 300, Horizon: 3, LevelAlpha: 1, LevelWindow: 6, LogOffset: off, CapAtWindowMax: true, SeasonTrim: true},
		{Step: 300, Horizon: 3, LevelAlpha: 1, LevelWindow: 3, LogOffset: off, CapAtWindowMax: true, SeasonTrim: true, Season: 12},
	}
	e, err := NewEnsemble(cfgs, EnsembleOptions{})
	require.NoError(t, err)
	own := make([]*Forecaster, len(cfgs))
	for m, c := range cfgs {
		own[m], err = NewForecaster(c)
		require.NoError(t, err)
	}
	require.Same(t, e.members[3], e.members[4].levelFrom)
	require.Same(t, e.members[3], e.members[5].levelFrom)
	require.Same(t, e.members[2], e.members[4].maxFrom)
	noted := 0
	for i := range 9000 {
		y := 50 + 40*math.Sin(float64(i)/288*2*math.Pi) + float64(i%13)
		switch {
		case i%97 < 3 || i%1009 == 5:
			y = math.NaN()
		case i >= 3000 && i < 3400:
			y = 0
		case i%211 == 0:
			y = 1e9 // a burst many orders above
		case i%307 == 0:
			y = 1e-7
		}
		e.Update(int64(i)*300, y)
		for m, f := range own {
			f.Update(int64(i)*300, y)
			for _, p := range []float64{0.5, 0.9, 0.97, 0.99} {
				a, aok := e.members[m].PeakQuantile(p)
				b, bok := f.PeakQuantile(p)
				require.Equal(t, bok, aok)
				require.Equal(t, math.Float64bits(b), math.Float64bits(a), "member %d, p %v, after %d", m, p, i+1)
			}
			if i%50 == 0 {
				a, aerr := e.members[m].Forecast(3, 0.8)
				b, berr := f.Forecast(3, 0.8)
				require.Equal(t, berr, aerr)
				require.Equal(t, b, a, "member %d after %d", m, i+1)
			}
		}
		noted = max(noted, len(e.members[4].levelExc))
	}
	// About one a gap (3 missing values every 97 samples: 21 in the
	// week held), not a level in a dozen (170 when the highest was taken
	// over one value too few).
	require.Positive(t, noted, "no level differed: the notes went untested")
	require.LessOrEqual(t, noted, 50, "levels noted")
	require.Nil(t, e.members[4].level)
	require.Nil(t, e.members[5].level)
	require.Nil(t, e.members[4].maxVal)
}
