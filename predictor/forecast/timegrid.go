package forecast

import (
	"github.com/prescale/prescale/predictor/forecast/internal/models"
	"github.com/prescale/prescale/predictor/series"
)

// meanStepSamples is how many of the latest sample spacings the mean step
// of a series with missing rows is taken over (gridCalendar).
const meanStepSamples = 2000

// gridMaxSpan is the most grid times per sample a series that misses rows
// may span for its seasonal models to run on its grid (gridSeasons).
const gridMaxSpan = 4

// gridCalendar is the seasonality se of the first n samples with the
// calendar terms added when the samples miss rows: their times are not a
// regular grid, so that one day is no fixed number of samples and no
// season is found on the samples (se.M 0), but resampled on that grid
// (the last value carried to each grid time) they show the calendar day
// (day: gridShowsDay, which split computes once for both uses). Ridge then regresses on the
// time of day and week of the target, estimated as the origin's time plus
// h mean spacings (se.Step: the mean over the latest meanStepSamples
// spacings, which counts the missing rows), without the seasonal lags,
// which count samples. Road sensors and hourly exchange reports miss
// rows; a series on a regular grid is unchanged.
func gridCalendar(s *series.Series, n int, day bool, se models.Seasonality) models.Seasonality {
	if se.M != 0 || se.Calendar || !day {
		return se
	}
	w := min(n-1, meanStepSamples)
	se.Calendar = true
	se.Step = max(1, (s.Time(n-1)-s.Time(n-1-w))/int64(w))
	return se
}

// gridShowsDay reports whether the first n samples miss rows of a grid of
// step seconds (a whole divisor of a day) and, resampled on it (the last
// max(6,000, 4 days) of grid times, each the value of the last sample at
// or before it, carried as a gap is), show the calendar day
// (series.ShowsDay).
func gridShowsDay(s *series.Series, n int, step int64) bool {
	if n < 2 || step <= 0 || 86400%step != 0 {
		return false
	}
	if onGrid(s, n, step) {
		return false // a regular grid: the samples' season detection said it all
	}
	t0, t1 := s.Time(0), s.Time(n-1)
	day := int(86400 / step)
	from := max(t0, t1-int64(max(series.ACFWindow, 4*day))*step)
	return series.ShowsDay(carried(s, n, from, step), step)
}

// onGrid reports whether every spacing of the first n samples is step
// seconds. The span of the first and last alone does not tell: a row
// missing here and a time repeated (or a row off the grid) there keep it
// at n-1 steps.
func onGrid(s *series.Series, n int, step int64) bool {
	for i := 1; i < n; i++ {
		if s.Time(i)-s.Time(i-1) != step {
			return false
		}
	}
	return true
}

// carried returns the first n samples on the grid of step seconds from
// time from to that of sample n-1: at each grid time, the value of the
// last sample at or before it (carried, as a gap is).
func carried(s *series.Series, n int, from, step int64) []float64 {
	var g []float64
	j := 0
	for t := from; t <= s.Time(n-1); t += step {
		for j+1 < n && s.Time(j+1) <= t {
			j++
		}
		g = append(g, s.Z[j])
	}
	return g
}

// gridSeasons is the seasonality, in steps of its time grid, of the
// first n samples of a series that misses rows of a grid of step seconds
// and shows the calendar day on it (day: gridShowsDay), for the seasonal
// models run on that grid (models.NewOnGrid): one day, and the week when
// the first fitEnd samples span enough weeks of grid times (as seasons
// asks of a regular grid). Zero otherwise (a regular grid, no day, or a
// day no longer than the horizon H, or a grid over gridMaxSpan times
// longer than the samples: the copy on the grid, models.NewOnGrid's,
// stays within that many times the samples).
func gridSeasons(s *series.Series, n, fitEnd, H int, step int64, day bool) models.Seasonality {
	if !day || int(86400/step) <= H ||
		(s.Time(n-1)-s.Time(0))/step >= int64(gridMaxSpan)*int64(n) {
		return models.Seasonality{}
	}
	m := int(86400 / step)
	se := models.Seasonality{M: m, Step: step, Calendar: true}
	if span := int((s.Time(fitEnd-1)-s.Time(0))/step) + 1; span-1-H-8*m >= 2*m {
		se.W = 7 * m
	}
	return se
}

// gridCores is newCores for a series that misses rows of a grid showing
// the day (e.grid): the seasonal models (seasonal naive, Holt-Winters, the
// seasonal median, MSTL) count their seasons in steps of the grid, run on
// the series resampled to it (models.NewOnGrid); naive, ridge and the
// median level stay on the samples. Holt-Winters takes the week when it
// correlates better than the day on the grid over the fit part of fitEnd
// samples, as newCores asks of a regular grid.
func (e *engine) gridCores(fitEnd int) []models.Core {
	g, step := e.grid, e.grid.Step
	hwSeason := g.M
	if t1 := e.s.Time(fitEnd - 1); g.W > 0 && (t1-e.s.Time(0))/step >= int64(2*g.W+10) {
		x := carried(e.s, fitEnd, max(e.s.Time(0), t1-int64(2*series.ACFWindow)*step), step)
		if series.ACF(x, g.W) > series.ACF(x, g.M) {
			hwSeason = g.W
		}
	}
	return []models.Core{
		models.NewNaive(),
		models.NewOnGrid(models.NewSeasonalNaive(g.M), step),
		models.NewRidge(e.se, false),
		models.NewRidge(e.se, true),
		models.NewOnGrid(models.NewHoltWinters(hwSeason), step),
		models.NewMedianLevel(25),
		models.NewOnGrid(models.NewSeasonalMedian(g.M, 5), step),
		models.NewOnGrid(models.NewMSTL(g.Periods(), false), step),
		models.NewOnGrid(models.NewMSTL(g.Periods(), true), step),
	}
}
