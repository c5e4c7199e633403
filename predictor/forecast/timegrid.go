package forecast

import (
	"github.com/prescale/prescale/predictor/forecast/internal/models"
	"github.com/prescale/prescale/predictor/series"
)

// meanStepSamples is how many of the latest sample spacings the mean step
// of a series with missing rows is taken over (gridCalendar).
const meanStepSamples = 2000

// gridCalendar is the seasonality se of the first n samples with the
// calendar terms added when the samples miss rows: their times are not a
// regular grid of step seconds, so that one day is no fixed number of
// samples and no season is found on the samples (se.M 0), but resampled on
// that grid (the last value carried to each grid time) they show the
// calendar day (series.ShowsDay). Ridge then regresses on the
// time of day and week of the target, estimated as the origin's time plus
// h mean spacings (se.Step: the mean over the latest meanStepSamples
// spacings, which counts the missing rows), without the seasonal lags,
// which count samples. Road sensors and hourly exchange reports miss
// rows; a series on a regular grid is unchanged.
func gridCalendar(s *series.Series, n int, step int64, se models.Seasonality) models.Seasonality {
	if se.M != 0 || se.Calendar || n < 2 || step <= 0 || 86400%step != 0 {
		return se
	}
	t0, t1 := s.Time(0), s.Time(n-1)
	if t1-t0 == int64(n-1)*step {
		return se // a regular grid: the samples' season detection said it all
	}
	day := int(86400 / step)
	from := max(t0, t1-int64(max(series.ACFWindow, 4*day))*step)
	var g []float64
	j := 0
	for t := from; t <= t1; t += step {
		for j+1 < n && s.Time(j+1) <= t {
			j++
		}
		g = append(g, s.Z[j])
	}
	if !series.ShowsDay(g, step) {
		return se
	}
	w := min(n-1, meanStepSamples)
	se.Calendar = true
	se.Step = max(1, (t1-s.Time(n-1-w))/int64(w))
	return se
}
