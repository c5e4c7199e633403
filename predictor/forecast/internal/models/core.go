// Package models holds the forecasting methods the automatic forecaster
// of predictor/forecast selects among (naive, seasonal naive, a median
// level, a seasonal median, ridge regression, Holt-Winters, MSTL), each
// behind Core: parameters fitted once, forecasts from any later origin
// with them held. Selection, backtest scoring and intervals stay in
// predictor/forecast.
package models

import (
	"github.com/prescale/prescale/predictor/series"
)

// Core is one forecasting method inside predictor/forecast's engine: its parameters are
// estimated by Fit on the first end samples, and Forecast then predicts
// from any later origin with those parameters held fixed, using samples
// 0..end-1 only (the state-update half of "refit every K origins").
type Core interface {
	Name() string
	// Fit estimates the parameters on s.Z[:end] for horizons 1..H. It
	// returns an error when the history is too short for the method.
	Fit(s *series.Series, end, H int) error
	// Forecast writes the forecasts of horizons 1..len(out) made at origin
	// end-1, on the caller's scale (series.Series.ToOutput applied). Calls may
	// come with any end >= the fitted end.
	Forecast(s *series.Series, end int, out []float64)
}

// PathDependent is a Core whose forecast from an origin may also depend
// on the origins it forecast from before, when PathDependent returns true:
// MSTL redoes its decomposition only every so many samples and updates the
// level in between (mstl.advance). Every other Core's Forecast reads s and
// end only, so that a forecast it made from an origin is the one it would
// make from there again.
type PathDependent interface {
	PathDependent() bool
}

// LogReader is a Core that may read the log-scale values of the series:
// LogLookback reports whether it does and, if so, how far before the
// latest sample a forecast reads them, and whether it reads a few hundred
// of those (sparse: ridge's means) rather than all of them (mstl's
// decompositions). A fitted forecaster keeps the ones read densely
// (series.Series.Keep) and lends the others to each forecast, computed as
// they are read (series.Series.LendLog).
type LogReader interface {
	LogLookback() (n int, log, sparse bool)
}

// Seasonality holds the season lengths (in samples) the models use: the
// daily (or detected) season M and the weekly season W, 0 when absent.
type Seasonality struct {
	M, W int
	// Calendar is true when M is one calendar day, or when the samples
	// miss rows of a grid that shows one (M 0), so that time-of-day and
	// day-of-week features make sense.
	Calendar bool
	// Step is the sample step in seconds; a target's time is estimated as
	// the origin's plus h steps (with missing rows, the mean spacing).
	Step int64
}

// Periods lists the seasons in use, shortest first.
func (se Seasonality) Periods() []int {
	var p []int
	if se.M > 0 {
		p = append(p, se.M)
	}
	if se.W > 0 {
		p = append(p, se.W)
	}
	return p
}

// NewNaive returns naive: the last value at every horizon.
func NewNaive() Core { return naive{} }

// NewSeasonalNaive returns seasonal naive with season m (naive when 0).
func NewSeasonalNaive(m int) Core { return seasonalNaive{m: m} }

// NewMedianLevel returns the median of the last w samples.
func NewMedianLevel(w int) Core { return &medianLevel{w: w} }

// NewSeasonalMedian returns the median at the target's phase over the
// last k seasons of m samples.
func NewSeasonalMedian(m, k int) Core { return &seasonalMedian{m: m, k: k} }

// NewRidge returns the direct multi-horizon ridge regression on the
// seasons se, on log(y + c) with log (series.LogOffset).
func NewRidge(se Seasonality, log bool) Core { return &ridge{se: se, log: log} }

// NewHoltWinters returns damped additive Holt-Winters with season p
// (trend only when 0).
func NewHoltWinters(p int) Core { return &holtWinters{p: p} }

// NewMSTL returns the multiple seasonal decomposition forecaster on the
// seasons periods (shortest first), on log(y + c) with log (series.LogOffset).
func NewMSTL(periods []int, log bool) Core { return &mstl{periods: periods, log: log} }

// naive forecasts the last value.
type naive struct{}

func (naive) Name() string                         { return "naive" }
func (naive) Fit(_ *series.Series, _, _ int) error { return nil }
func (naive) Forecast(s *series.Series, end int, out []float64) {
	v := s.ToOutput(s.Z[end-1], false)
	for k := range out {
		out[k] = v
	}
}

// seasonalNaive forecasts the value one season before the target,
// stepping back whole seasons over missing samples; naive without a season.
type seasonalNaive struct{ m int }

func (c seasonalNaive) Name() string { return "seasonal_naive" }
func (c seasonalNaive) Fit(_ *series.Series, _, _ int) error {
	return nil
}

func (c seasonalNaive) Forecast(s *series.Series, end int, out []float64) {
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

func (c *medianLevel) Name() string { return "median_level" }
func (c *medianLevel) Fit(_ *series.Series, end, _ int) error {
	if end < c.w {
		return ErrShort
	}
	return nil
}

func (c *medianLevel) Forecast(s *series.Series, end int, out []float64) {
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

func (c *seasonalMedian) Name() string { return "seasonal_median" }
func (c *seasonalMedian) Fit(_ *series.Series, end, H int) error {
	if c.m == 0 || end < (c.k+(H+c.m-1)/c.m)*c.m {
		return ErrShort
	}
	return nil
}

func (c *seasonalMedian) Forecast(s *series.Series, end int, out []float64) {
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

// Refresher is a Core whose fitted parameters can be renewed on later
// samples after the backtest that validated them (see
// predictor/forecast's engine.refresh).
type Refresher interface {
	// Refresh fits the parameters again on s.Z[:end] (end at least the
	// end of the last fit) and combines them with the earlier ones. On an
	// error the earlier parameters are kept.
	Refresh(s *series.Series, end, H int) error
}
