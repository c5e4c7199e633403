package forecast

import (
	"github.com/prescale/prescale/predictor/series"
)

// core is one forecasting method inside the engine: its parameters are
// estimated by fit on the first end samples, and forecast then predicts
// from any later origin with those parameters held fixed, using samples
// 0..end-1 only (the state-update half of "refit every K origins").
type core interface {
	name() string
	// fit estimates the parameters on s.Z[:end] for horizons 1..H. It
	// returns an error when the history is too short for the method.
	fit(s *series.Series, end, H int) error
	// forecast writes the forecasts of horizons 1..len(out) made at origin
	// end-1, on the caller's scale (series.Series.ToOutput applied). Calls may
	// come with any end >= the fitted end.
	forecast(s *series.Series, end int, out []float64)
}

// seasonality holds the season lengths (in samples) the models use: the
// daily (or detected) season m and the weekly season w, 0 when absent.
type seasonality struct {
	m, w int
	// calendar is true when m is one calendar day, so that time-of-day and
	// day-of-week features make sense.
	calendar bool
	step     int64
}

// periods lists the seasons in use, shortest first.
func (se seasonality) periods() []int {
	var p []int
	if se.m > 0 {
		p = append(p, se.m)
	}
	if se.w > 0 {
		p = append(p, se.w)
	}
	return p
}

// naive forecasts the last value.
type naive struct{}

func (naive) name() string                         { return "naive" }
func (naive) fit(_ *series.Series, _, _ int) error { return nil }
func (naive) forecast(s *series.Series, end int, out []float64) {
	v := s.ToOutput(s.Z[end-1], false)
	for k := range out {
		out[k] = v
	}
}

// seasonalNaive forecasts the value one season before the target,
// stepping back whole seasons over missing samples; naive without a season.
type seasonalNaive struct{ m int }

func (c seasonalNaive) name() string { return "seasonal_naive" }
func (c seasonalNaive) fit(_ *series.Series, _, _ int) error {
	return nil
}

func (c seasonalNaive) forecast(s *series.Series, end int, out []float64) {
	i := end - 1
	for k := range out {
		v := s.Z[i]
		if c.m > 0 {
			h := k + 1
			j := i + h - c.m*((h+c.m-1)/c.m)
			for j >= 0 && !s.Obs[j] {
				j -= c.m
			}
			if j >= 0 {
				v = s.Z[j]
			}
		}
		out[k] = s.ToOutput(v, false)
	}
}

// medianLevel forecasts the median of the last w samples at every
// horizon: a level estimate that ignores isolated spikes.
type medianLevel struct {
	w   int
	buf []float64
}

func (c *medianLevel) name() string { return "median_level" }
func (c *medianLevel) fit(_ *series.Series, end, _ int) error {
	if end < c.w {
		return errShort
	}
	return nil
}

func (c *medianLevel) forecast(s *series.Series, end int, out []float64) {
	c.buf = append(c.buf[:0], s.Z[max(0, end-c.w):end]...)
	v := s.ToOutput(series.SelectMedian(c.buf), false)
	for k := range out {
		out[k] = v
	}
}

// seasonalMedian forecasts the median of the values at the target's
// phase over the last k seasons: a seasonal naive that ignores a one-off
// day.
type seasonalMedian struct {
	m, k int
	buf  []float64
}

func (c *seasonalMedian) name() string { return "seasonal_median" }
func (c *seasonalMedian) fit(_ *series.Series, end, H int) error {
	if c.m == 0 || end < (c.k+(H+c.m-1)/c.m)*c.m {
		return errShort
	}
	return nil
}

func (c *seasonalMedian) forecast(s *series.Series, end int, out []float64) {
	i := end - 1
	for q := range out {
		h := q + 1
		c.buf = c.buf[:0]
		for j := i + h - c.m*((h+c.m-1)/c.m); j >= 0 && len(c.buf) < c.k; j -= c.m {
			if s.Obs[j] {
				c.buf = append(c.buf, s.Z[j])
			}
		}
		v := s.Z[i]
		if len(c.buf) > 0 {
			v = series.SelectMedian(c.buf)
		}
		out[q] = s.ToOutput(v, false)
	}
}
