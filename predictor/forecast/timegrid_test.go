package forecast

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/predictor/forecast/internal/models"
	"github.com/prescale/prescale/predictor/series"
)

// missingRows returns 10 days of a daily cycle under noise at 5-minute
// times with about a third of the rows missing (not NaN: absent, as a road
// sensor's), so that 288 rows are about a day and a half.
func missingRows(seed uint64) ([]int64, []float64) {
	rng := rand.New(rand.NewPCG(seed, 13))
	var ts []int64
	var ys []float64
	for i := range 10 * 288 {
		if rng.Float64() < 0.35 {
			continue
		}
		ts = append(ts, 1_500_000_000-1_500_000_000%86400+int64(i)*300)
		ys = append(ys, 10+math.Sin(2*math.Pi*float64(i)/288)+1.5*rng.NormFloat64())
	}
	return ts, ys
}

// A series that misses rows of a daily grid: no season on its samples, the
// calendar day on the grid, so ridge gets the calendar terms with the mean
// spacing as its step; the same values on a regular grid are left alone.
func TestGridCalendarOnMissingRows(t *testing.T) {
	ts, ys := missingRows(2)
	a := NewAuto(Options{})
	require.NoError(t, a.Fit(ts, ys))
	require.Zero(t, a.e.se.M, "no season in samples: 288 rows are no day")
	require.True(t, a.e.se.Calendar)
	n := len(ts)
	w := min(n-1, meanStepSamples)
	want := (ts[n-1] - ts[n-1-w]) / int64(w)
	require.Equal(t, want, a.e.se.Step)
	require.Greater(t, a.e.se.Step, int64(400), "the missing rows count in the mean spacing")

	reg := make([]int64, n)
	for i := range reg {
		reg[i] = ts[0] + int64(i)*300
	}
	s, err := series.NewFrom(reg, ys, false)
	require.NoError(t, err)
	se := gridCalendar(s, n, gridShowsDay(s, n, 300), a.e.se)
	se.Calendar, se.Step = false, 300
	require.Equal(t, se, gridCalendar(s, n, gridShowsDay(s, n, 300), se), "a regular grid is unchanged")

	// Rows missing in the first five days and as many times repeated in
	// the last five: the first and last times span n-1 steps, but the
	// samples are no grid, and on the grid they show the day.
	rng := rand.New(rand.NewPCG(7, 13))
	var mt []int64
	var my []float64
	dropped := 0
	for i := range 10 * 288 {
		ti := ts[0] + int64(i)*300
		yi := 10 + math.Sin(2*math.Pi*float64(i)/288) + 0.3*rng.NormFloat64()
		switch {
		case i < 5*288 && i%7 == 3:
			dropped++
			continue
		case i >= 5*288 && dropped > 0 && i%5 == 3:
			dropped--
			mt, my = append(mt, ti), append(my, yi)
		}
		mt, my = append(mt, ti), append(my, yi)
	}
	require.Zero(t, dropped)
	ms, err := series.NewFrom(mt, my, false)
	require.NoError(t, err)
	m := ms.N()
	require.Equal(t, int64(m-1)*300, ms.Time(m-1)-ms.Time(0), "the span of a regular grid")
	require.Equal(t, int64(300), ms.Step())
	require.True(t, gridShowsDay(ms, m, 300))

	b := NewAuto(Options{Season: -1})
	require.NoError(t, b.Fit(ts, ys))
	require.False(t, b.e.se.Calendar, "seasonality disabled")
}

// The same series: its seasonal models count the day in grid steps (288
// five-minute steps, ten days too few for the week) and run on the grid;
// the same values on a regular grid have no grid seasons (the samples'
// season is the grid's).
func TestGridSeasonsOnMissingRows(t *testing.T) {
	ts, ys := missingRows(2)
	a := NewAuto(Options{})
	require.NoError(t, a.Fit(ts, ys))
	require.Equal(t, models.Seasonality{M: 288, Step: 300, Calendar: true}, a.e.grid)
	f, err := a.Forecast(12, 0.8)
	require.NoError(t, err)
	require.Len(t, f.Mean, 12)
	// Updated with two rows, a grid time between them without one, it
	// forecasts from the latest (the copy on the grid follows).
	n := len(ts)
	a.Update(ts[n-1]+300, ys[n-1])
	a.Update(ts[n-1]+900, ys[n-1])
	f, err = a.Forecast(12, 0.8)
	require.NoError(t, err)
	for _, v := range f.Mean {
		require.False(t, math.IsNaN(v) || math.IsInf(v, 0))
	}

	// Three rows every 13 grid times (over three in four without a row):
	// left on the samples, though its grid shows the day.
	rng := rand.New(rand.NewPCG(4, 13))
	var sparse []int64
	var sy []float64
	for k := range 3 * 200 {
		tk := ts[0] + int64(k/3)*3900 + int64(k%3)*300
		sparse = append(sparse, tk)
		sy = append(sy, 10+3*math.Sin(2*math.Pi*float64(tk)/86400)+0.3*rng.NormFloat64())
	}
	s, err := series.NewFrom(sparse, sy, false)
	require.NoError(t, err)
	require.True(t, gridShowsDay(s, s.N(), s.Step()))
	c := NewAuto(Options{})
	require.NoError(t, c.Fit(sparse, sy))
	require.Zero(t, c.e.grid)

	reg := make([]int64, len(ts))
	for i := range reg {
		reg[i] = ts[0] + int64(i)*300
	}
	b := NewAuto(Options{})
	require.NoError(t, b.Fit(reg, ys))
	require.Zero(t, b.e.grid)
}

// Hourly times of which every tenth (the last too) is 20 s late: the same
// grid, each row on its grid time, so Holt-Winters on the grid forecasts
// as it does on the regular times, taking the week there too when it
// correlates better than the day (a weekday/weekend level under a daily
// cycle).
func TestGridHoltWintersTakesTheWeek(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 13))
	n := 6 * 168
	reg, jit, ys := make([]int64, n), make([]int64, n), make([]float64, n)
	for i := range n {
		reg[i] = 1_500_000_000 - 1_500_000_000%604800 + int64(i)*3600
		jit[i] = reg[i]
		if i%10 == 7 {
			jit[i] += 20
		}
		ys[i] = 50 + 10*math.Sin(2*math.Pi*float64(i)/24) + rng.NormFloat64()
		if (i/24)%7 >= 5 {
			ys[i] -= 30
		}
	}
	var f [2][]float64
	for k, ts := range [][]int64{reg, jit} {
		m := NewHoltWinters(Options{Horizon: 12})
		require.NoError(t, m.Fit(ts, ys))
		fc, err := m.Forecast(12, 0.8)
		require.NoError(t, err)
		f[k] = fc.Mean
	}
	require.InDeltaSlice(t, f[0], f[1], 1e-9)
}
