// Package forecast holds the batch forecasting models (Naive,
// SeasonalNaive, Ridge, HoltWinters, and MSTL by name in RollingModel),
// model selection by rolling-origin backtest and empirical prediction
// intervals. Auto is the automatic forecaster as a predictor.Model (the
// controller refits one, controller/engine.Live); Predict is it in one
// call (one forecast with an interval and a confidence), and Rolling and
// RollingModel run it, or one named model, over many origins without
// look-ahead (prescale forecast). Pure functions of their inputs: no I/O,
// no clock.
package forecast

import (
	"math"

	"github.com/prescale/prescale/predictor"
)

// Predict fits the automatic forecaster on t (unix seconds, not
// decreasing) and y (NaN = missing) and returns the forecast of the next h
// samples with a central 80 % interval: NewAuto, Fit and Forecast in one
// call, a pure function of its arguments. (The controller keeps an Auto
// and refits it on a schedule, controller/engine.Live; prescale forecast
// runs RollingModel.)
//
// What it does, in order (details on Auto):
//
//  1. Clean: leading NaNs are dropped, later NaNs carried forward (never
//     trained or scored on), counter resets undone when opts.Counter.
//  2. Season: opts.Season, or series.DetectSeason (one calendar day in samples when
//     the autocorrelation of the values, or of their ranks, confirms it and
//     is not a level shift's); a
//     weekly season of 7 days is added when the history holds enough weeks.
//     A series that misses rows and shows the day only on its time grid
//     gets ridge's calendar terms without seasonal lags (gridCalendar);
//     one that misses rows and shows the day on its time grid has its
//     seasonal models (seasonal naive, Holt-Winters, the seasonal median,
//     MSTL) count the day in grid steps, run on the series resampled to
//     the grid (gridSeasons, gridCores).
//  3. Fit the candidates (naive, seasonal naive, ridge regression on raw and
//     log scale, Holt-Winters, the median of the last 25 samples as a
//     spike-proof level, the median of the target's phase over the
//     last 5 seasons, and the multiple seasonal decomposition MSTL on raw
//     and log scale) on all but the last 800 samples (or one season when
//     that is longer).
//  4. Backtest: with parameters fixed, forecast from each recent origin
//     (rolling origin, state updated with the data up to that origin
//     only) and pick the single model or equal-weight average (from a
//     fixed list of averages) with the lowest MAE relative to naive,
//     summed over horizons, recent origins weighted more (backtestRecency:
//     a level shift fades from the scores); naive unless the pick beats it
//     by a standard error (beatsNaive). A picked ridge model is then
//     refreshed: fitted again on all samples, its coefficients averaged
//     with those the backtest scored (engine.refresh).
//  5. Forecast from the last sample with the picked candidate, or with
//     naive when the pick has just done clearly worse than naive, or the
//     last six samples sit at a new level far from its forecast (a level
//     shift; each rule is used only when it did not hurt on the
//     backtest, see engine.guard); the interval at horizon k adds the
//     empirical (1-c)/2 and (1+c)/2 quantiles of the forecast's backtest
//     errors at horizon k over the last 400 backtest origins, each divided
//     by the recent volatility before its origin and the quantiles
//     multiplied by today's (normalised scores, volNorm), with the level
//     widened by a tenth of the miss rate (0.8 becomes 0.82) for drift,
//     and then by adaptive conformal inference replayed over the backtest
//     (Gibbs & Candès 2021, see conformal.Replay: the miss rate shrinks
//     while recent errors fall outside the intervals the window gave,
//     grows while they fall inside, within half and twice its target,
//     never to a level below c); on tied (quantised) errors the endpoints
//     are the observed values whose coverage is nearest that level
//     (series.EmpiricalInterval).
//  6. Confidence from the backtest skill and the interval width (see
//     Forecast.Confidence and confidence).
//
// With fewer than about Horizon+8 samples it falls back to naive with
// intervals from the history's own h-step changes and confidence 0. It
// returns an error only for invalid arguments (mismatched lengths,
// decreasing t, infinite values, h outside 1..Horizon), no finite sample, or
// values so close to ±math.MaxFloat64 that the forecast would overflow.
func Predict(t []int64, y []float64, h int, opts Options) (predictor.Forecast, error) {
	if opts.Horizon == 0 {
		opts.Horizon = max(h, 1)
	}
	a := NewAuto(opts)
	if err := a.Fit(t, y); err != nil {
		return predictor.Forecast{}, err
	}
	return a.Forecast(h, 0.8)
}

// Auto is the automatic forecaster behind Predict: model selection among
// naive, seasonal naive, ridge (raw and log scale), Holt-Winters, a
// median level, a seasonal median, MSTL (raw and log scale) and averages
// of them by a rolling-origin backtest, with empirical intervals.
//
// Fit estimates everything at once; Update then appends samples and
// Forecast predicts from the latest one with the parameters, the picked
// candidate and the interval quantiles held fixed, so that a caller may
// refit every K samples and update in between (each forecast still uses
// only the samples given so far); Rolling does exactly that. An Auto is not
// safe for concurrent use.
type Auto struct{ e engine }

var (
	_ predictor.Model   = (*Auto)(nil)
	_ predictor.Updater = (*Auto)(nil)
)

// NewAuto returns an unfitted automatic forecaster.
func NewAuto(opts Options) *Auto { return &Auto{e: engine{opts: opts}} }

// Name returns "auto".
func (a *Auto) Name() string { return "auto" }

// Fit selects and fits the model on t and y.
func (a *Auto) Fit(t []int64, y []float64) error { return a.e.fit(t, y) }

// Update appends one sample (NaN = missing) without refitting.
func (a *Auto) Update(t int64, y float64) {
	if a.e.s != nil {
		a.e.s.Push(t, y)
	}
}

// Held returns the number of samples an Auto holds (those given to a
// successful Fit, without the leading missing ones it drops, and every
// Update since), 0 before.
func (a *Auto) Held() int {
	if a.e.s == nil {
		return 0
	}
	return a.e.s.N()
}

// Sample returns the k-th held sample (0 <= k < Held) as it was given:
// its time and value, NaN where the value was missing. With
// Options.Counter the values are the counter with its resets undone, not
// the raw counter. A caller that refits on the samples it gave need not
// keep its own copy of them (engine.Live).
func (a *Auto) Sample(k int) (int64, float64) {
	s := a.e.s
	if !s.Obs[k] {
		return s.Time(k), math.NaN()
	}
	return s.Time(k), s.Z[k]
}

// Forecast returns h steps (1 <= h <= Options.Horizon) after the latest
// sample with a central interval of the given coverage in (0, 1). Its
// Model field names the picked candidate, e.g. "mean(ridge,holt_winters)".
func (a *Auto) Forecast(h int, coverage float64) (predictor.Forecast, error) {
	return a.e.forecast(h, coverage)
}

// single wraps one core as a public Model: fitted and backtested like
// Auto, with itself as the only candidate.
type single struct{ e engine }

func (m *single) Fit(t []int64, y []float64) error { return m.e.fit(t, y) }
func (m *single) Forecast(h int, coverage float64) (predictor.Forecast, error) {
	return m.e.forecast(h, coverage)
}

func (m *single) Update(t int64, y float64) {
	if m.e.s != nil {
		m.e.s.Push(t, y)
	}
}

// Naive forecasts the last observed value at every horizon: the baseline
// and the fallback. Intervals come from its backtest errors.
type Naive struct{ single }

// NewNaive returns a naive model.
func NewNaive(opts Options) *Naive {
	return &Naive{single{engine{opts: opts, only: "naive"}}}
}

// Name returns "naive".
func (*Naive) Name() string { return "naive" }

// SeasonalNaive forecasts the value one season before the target (stepping
// back whole seasons over missing samples). The season is Options.Season
// or detected.
type SeasonalNaive struct{ single }

// NewSeasonalNaive returns a seasonal naive model.
func NewSeasonalNaive(opts Options) *SeasonalNaive {
	return &SeasonalNaive{single{engine{opts: opts, only: "seasonal_naive"}}}
}

// Name returns "seasonal_naive".
func (*SeasonalNaive) Name() string { return "seasonal_naive" }

// Ridge is the direct multi-horizon ridge regression with engineered
// features (lags, rolling means, local trend, seasonal lags and profile,
// Fourier terms of time of day and week, weekend indicator); see ridge in
// internal/models. It needs about 80 samples plus the seasons its lags
// use.
type Ridge struct{ single }

// NewRidge returns a ridge regression model; with logScale it models
// log(y + c), c a small share of its typical value (series.LogOffset;
// non-negative series only).
func NewRidge(opts Options, logScale bool) *Ridge {
	name := "ridge"
	if logScale {
		name = "ridge_log"
	}
	return &Ridge{single{engine{opts: opts, only: name}}}
}

// Name returns "ridge" or "ridge_log".
func (m *Ridge) Name() string { return m.e.only }

// HoltWinters is additive Holt-Winters with a damped trend and parameters
// fitted by Nelder-Mead; trend-only below two seasons. See holtWinters in
// internal/models.
type HoltWinters struct{ single }

// NewHoltWinters returns a Holt-Winters model.
func NewHoltWinters(opts Options) *HoltWinters {
	return &HoltWinters{single{engine{opts: opts, only: "holt_winters"}}}
}

// Name returns "holt_winters".
func (*HoltWinters) Name() string { return "holt_winters" }

var (
	_ predictor.Model   = (*Naive)(nil)
	_ predictor.Model   = (*SeasonalNaive)(nil)
	_ predictor.Model   = (*Ridge)(nil)
	_ predictor.Model   = (*HoltWinters)(nil)
	_ predictor.Updater = (*Ridge)(nil)
	_ predictor.Updater = (*HoltWinters)(nil)
)
