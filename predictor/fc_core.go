package predictor

// fcCore is one forecasting method inside the engine: its parameters are
// estimated by fit on the first end samples, and forecast then predicts
// from any later origin with those parameters held fixed, using samples
// 0..end-1 only (the state-update half of "refit every K origins").
type fcCore interface {
	name() string
	// fit estimates the parameters on s.z[:end] for horizons 1..H. It
	// returns an error when the history is too short for the method.
	fit(s *fcSeries, end, H int) error
	// forecast writes the forecasts of horizons 1..len(out) made at origin
	// end-1, on the caller's scale (fcSeries.toOutput applied). Calls may
	// come with any end >= the fitted end.
	forecast(s *fcSeries, end int, out []float64)
}

// fcSeasons holds the season lengths (in samples) the models use: the
// daily (or detected) season m and the weekly season w, 0 when absent.
type fcSeasons struct {
	m, w int
	// calendar is true when m is one calendar day, so that time-of-day and
	// day-of-week features make sense.
	calendar bool
	step     int64
}

// fcNaive forecasts the last value.
type fcNaive struct{}

func (fcNaive) name() string                    { return "naive" }
func (fcNaive) fit(_ *fcSeries, _, _ int) error { return nil }
func (fcNaive) forecast(s *fcSeries, end int, out []float64) {
	v := s.toOutput(s.z[end-1], false)
	for k := range out {
		out[k] = v
	}
}

// fcSeasonalNaive forecasts the value one season before the target,
// stepping back whole seasons over missing samples; naive without a season.
type fcSeasonalNaive struct{ m int }

func (c fcSeasonalNaive) name() string { return "seasonal_naive" }
func (c fcSeasonalNaive) fit(_ *fcSeries, _, _ int) error {
	return nil
}

func (c fcSeasonalNaive) forecast(s *fcSeries, end int, out []float64) {
	i := end - 1
	for k := range out {
		v := s.z[i]
		if c.m > 0 {
			h := k + 1
			j := i + h - c.m*((h+c.m-1)/c.m)
			for j >= 0 && !s.obs[j] {
				j -= c.m
			}
			if j >= 0 {
				v = s.z[j]
			}
		}
		out[k] = s.toOutput(v, false)
	}
}

// fcMedianLevel forecasts the median of the last w samples at every
// horizon: a level estimate that ignores isolated spikes.
type fcMedianLevel struct {
	w   int
	buf []float64
}

func (c *fcMedianLevel) name() string { return "median_level" }
func (c *fcMedianLevel) fit(_ *fcSeries, end, _ int) error {
	if end < c.w {
		return errFcShort
	}
	return nil
}

func (c *fcMedianLevel) forecast(s *fcSeries, end int, out []float64) {
	c.buf = append(c.buf[:0], s.z[max(0, end-c.w):end]...)
	v := s.toOutput(fcSelectMedian(c.buf), false)
	for k := range out {
		out[k] = v
	}
}

// fcSeasonalMedian forecasts the median of the values at the target's
// phase over the last k seasons: a seasonal naive that ignores a one-off
// day.
type fcSeasonalMedian struct {
	m, k int
	buf  []float64
}

func (c *fcSeasonalMedian) name() string { return "seasonal_median" }
func (c *fcSeasonalMedian) fit(_ *fcSeries, end, H int) error {
	if c.m == 0 || end < (c.k+(H+c.m-1)/c.m)*c.m {
		return errFcShort
	}
	return nil
}

func (c *fcSeasonalMedian) forecast(s *fcSeries, end int, out []float64) {
	i := end - 1
	for q := range out {
		h := q + 1
		c.buf = c.buf[:0]
		for j := i + h - c.m*((h+c.m-1)/c.m); j >= 0 && len(c.buf) < c.k; j -= c.m {
			if s.obs[j] {
				c.buf = append(c.buf, s.z[j])
			}
		}
		v := s.z[i]
		if len(c.buf) > 0 {
			v = fcSelectMedian(c.buf)
		}
		out[q] = s.toOutput(v, false)
	}
}
