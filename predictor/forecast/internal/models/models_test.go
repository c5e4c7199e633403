package models

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/predictor/series"
)

// daily returns n 5-minute samples: a daily cycle, AR(1) noise and
// occasional spikes (seeded PCG).
func daily(n int, seed uint64) ([]int64, []float64) {
	rng := rand.New(rand.NewPCG(seed, 7))
	t := make([]int64, n)
	y := make([]float64, n)
	var ar float64
	for i := range n {
		t[i] = 1_500_000_000 - 1_500_000_000%86400 + int64(i)*300
		ar = 0.5*ar + rng.NormFloat64()
		y[i] = 50 + 10*math.Sin(2*math.Pi*float64(i)/288) + 3*ar
		if rng.Float64() < 0.01 {
			y[i] += 20 * rng.ExpFloat64()
		}
	}
	return t, y
}

func TestSeasonalNaiveCore(t *testing.T) {
	// Season 4; sample 5 is missing, so the forecast for target 9 (one
	// season back is 5) steps back one more season to sample 1.
	y := []float64{0, 1, 2, 3, 10, math.NaN(), 12, 13}
	tt := make([]int64, len(y))
	for i := range tt {
		tt[i] = int64(i)
	}
	s, err := series.NewFrom(tt, y, false)
	require.NoError(t, err)
	out := make([]float64, 6)
	seasonalNaive{m: 4}.Forecast(s, s.N(), out)
	// Targets 8..13: seasons back 4, 1 (5 missing), 6, 7, then 8-4*... by hand.
	require.Equal(t, []float64{10, 1, 12, 13, 10, 1}, out)
	naive{}.Forecast(s, s.N(), out)
	require.Equal(t, []float64{13, 13, 13, 13, 13, 13}, out)
}

func TestMedianLevelCore(t *testing.T) {
	// Last 5 samples are 4, 100 (a spike), 5, 6, 3: median 5, by hand.
	y := []float64{9, 9, 4, 100, 5, 6, 3}
	tt := make([]int64, len(y))
	for i := range tt {
		tt[i] = int64(i)
	}
	s, err := series.NewFrom(tt, y, false)
	require.NoError(t, err)
	c := &medianLevel{w: 5}
	require.NoError(t, c.Fit(s, s.N(), 2))
	out := make([]float64, 2)
	c.Forecast(s, s.N(), out)
	require.Equal(t, []float64{5, 5}, out)
	require.ErrorIs(t, (&medianLevel{w: 50}).Fit(s, s.N(), 2), ErrShort)
}

func TestSeasonalMedianCore(t *testing.T) {
	// Season 3, last 3 seasons at each phase (by hand):
	// phase 0: 1, 7(one-off), 1 → 1; phase 1: 2, 2, NaN(skipped) and 2 → 2;
	// phase 2: 3, 4, 5 → 4.
	nan := math.NaN()
	y := []float64{0, 2, 9, 1, 2, 3, 7, 2, 4, 1, nan, 5}
	tt := make([]int64, len(y))
	for i := range tt {
		tt[i] = int64(i)
	}
	s, err := series.NewFrom(tt, y, false)
	require.NoError(t, err)
	c := &seasonalMedian{m: 3, k: 3}
	require.NoError(t, c.Fit(s, s.N(), 3))
	out := make([]float64, 3)
	c.Forecast(s, s.N(), out)
	require.Equal(t, []float64{1, 2, 4}, out)
	require.ErrorIs(t, (&seasonalMedian{m: 0, k: 3}).Fit(s, s.N(), 3), ErrShort)
}

// TestRidgeReach: ridge fitted on a noisy level of 34 whose one-sample dips
// to 30 recover at once learns to expect a return to the level; after a
// drop to 1 it would forecast a climb of about 33, ten times any change it
// was fitted on (tune_grok_asg_anomaly_5m's drop: ridge forecast 41 from
// 0.7). Its forecast moves at most as far as the changes it was fitted on
// reach (ridgeReach).
func TestRidgeReach(t *testing.T) {
	const n, fitEnd, H = 2000, 1990, 12
	rng := rand.New(rand.NewPCG(11, 4))
	ts, ys := make([]int64, n), make([]float64, n)
	for i := range n {
		ts[i] = 1_400_000_000 + int64(i)*300
		ys[i] = 34 + rng.NormFloat64()
		if i%50 == 49 {
			ys[i] = 30
		}
		if i >= fitEnd {
			ys[i] = 1
		}
	}
	s, err := series.NewFrom(ts, ys, false)
	require.NoError(t, err)
	r := &ridge{}
	require.NoError(t, r.Fit(s, fitEnd, H))
	var widest float64 // the largest change over at most H samples in the fitted part
	for i := range fitEnd {
		for h := 1; h <= H && i+h < fitEnd; h++ {
			widest = max(widest, math.Abs(ys[i+h]-ys[i]))
		}
	}
	out := make([]float64, H)
	r.Forecast(s, n, out)
	for k, v := range out {
		require.LessOrEqual(t, math.Abs(v-1), (1+2*ridgeReach)*widest, "h=%d: %v", k+1, v)
	}
}

// Ridge models on the same sample grid share one read-only calendar
// table, and the table gives the features computed from the time itself.
func TestRidgeCalendarTableShared(t *testing.T) {
	tt, y := daily(4032, 4)
	s1, err := series.NewFrom(tt, y, false)
	require.NoError(t, err)
	s2, err := series.NewFrom(tt[300:], y[300:], false)
	require.NoError(t, err)
	se := Seasonality{M: 288, Step: 300, Calendar: true}
	r1, r2 := &ridge{se: se}, &ridge{se: se, log: true}
	require.NoError(t, r1.Fit(s1, s1.N(), 12))
	require.NoError(t, r2.Fit(s2, s2.N(), 12))
	require.Len(t, r1.cal, 7*288*series.CalendarFeatures)
	require.Same(t, &r1.cal[0], &r2.cal[0], "one table for both models")
	for _, tj := range []int64{tt[0], tt[0] + 7*86400*3 + 600, tt[0] - 86400*9 - 300} {
		d := tj - r1.calT0
		k := ((d/300)%2016 + 2016) % 2016
		require.Equal(t, series.Calendar(tj, nil), r1.cal[k*series.CalendarFeatures:(k+1)*series.CalendarFeatures], "t=%d", tj)
	}
}

// A fitted MSTL model holds its profiles and level, not the scratch of
// its decompositions.
func TestMSTLHoldsNoScratch(t *testing.T) {
	tt, y := daily(4032, 5)
	s, err := series.NewFrom(tt, y, false)
	require.NoError(t, err)
	c := &mstl{periods: []int{288, 2016}}
	require.NoError(t, c.Fit(s, 3000, 12))
	out := make([]float64, 12)
	c.Forecast(s, 3500, out)
	c.Forecast(s, 3510, out)
	require.Nil(t, c.sa)
	require.Nil(t, c.tr)
	require.Nil(t, c.cs)
	require.Nil(t, c.cnt)
	require.Len(t, c.seas, 2)
}

// Holt-Winters fitted on fewer than two seasons (plus 10 samples) is
// Holt's damped trend: no seasonal state.
func TestHoltWintersTrendOnlyBelowTwoSeasons(t *testing.T) {
	tt, y := daily(600, 8)
	s, err := series.NewFrom(tt, y, false)
	require.NoError(t, err)
	short := &holtWinters{p: 288}
	require.NoError(t, short.Fit(s, 2*288+9, 3))
	require.Empty(t, short.fitted.season)
	full := &holtWinters{p: 288}
	require.NoError(t, full.Fit(s, 2*288+10, 3))
	require.Len(t, full.fitted.season, 288)
}

// TestForecastPathDependence: a core that is not PathDependent forecasts
// from an origin the same whichever origins it forecast from before
// (predictor/forecast's guard reuses such a forecast instead of making it
// again); MSTL, alone or on a grid, is PathDependent, and does differ.
func TestForecastPathDependence(t *testing.T) {
	tt, y := daily(4032, 11)
	s, err := series.NewFrom(tt, y, false)
	require.NoError(t, err)
	se := Seasonality{M: 288, Step: 300, Calendar: true}
	cores := func() []Core {
		return []Core{
			NewNaive(), NewSeasonalNaive(288), NewMedianLevel(25), NewSeasonalMedian(288, 5),
			NewRidge(se, false), NewRidge(se, true), NewHoltWinters(288),
			NewOnGrid(NewHoltWinters(288), 300),
			NewMSTL([]int{288}, false), NewMSTL([]int{288}, true),
			NewOnGrid(NewMSTL([]int{288}, false), 300),
		}
	}
	const fitEnd, o, H = 3000, 3990, 12
	for q, c := range cores() {
		fresh := cores()[q]
		require.NoError(t, c.Fit(s, fitEnd, H), c.Name())
		require.NoError(t, fresh.Fit(s, fitEnd, H), c.Name())
		want, got := make([]float64, H), make([]float64, H)
		fresh.Forecast(s, o, want)
		// A later origin, an earlier one (a step back), then o.
		for _, end := range []int{o + 5, o - 10, o} {
			c.Forecast(s, end, got)
		}
		p, ok := c.(PathDependent)
		if ok && p.PathDependent() {
			require.NotEqual(t, want, got, "%d %s: marked PathDependent, the test should show it", q, c.Name())
			continue
		}
		require.Equal(t, want, got, "%d %s", q, c.Name())
	}
}
