// Package predictor holds the vocabulary of prescale's numerics: a
// Forecast, the Model and Updater interfaces forecasters implement and the
// Detector interface of streaming anomaly detectors. The numerics live in
// its subpackages, one job each:
//
//   - series: the cleaned history every model works on (gaps carried
//     forward, counter resets undone), season detection, order statistics.
//   - regress: the robust ridge regression the ridge models fit with.
//   - conformal: adaptive conformal inference replayed over a backtest, and
//     normalised scores (errors over the recent volatility).
//   - forecast: the forecasting models (Naive, SeasonalNaive, Ridge,
//     HoltWinters, and MSTL by name), model selection by rolling-origin backtest and
//     empirical prediction intervals; Predict is the one-call entry point,
//     Auto the same forecaster as a Model that is refitted every K samples
//     and updated in between, and Rolling runs it over many origins
//     without look-ahead.
//   - online: the streaming seasonal-conformal forecaster (and an ensemble
//     of them) the engine decides with, O(1) per sample.
//   - anomaly: streaming anomaly detectors (robust, zscore) and the anomaly
//     likelihood.
//
// Everything here is a pure function of its inputs: no I/O, no clock, no
// global state. Timestamps are unix seconds and values are float64, with NaN
// marking a missing sample.
package predictor

import "errors"

// ErrNotFinite is the error (wrapped) of a forecast whose arithmetic
// overflowed float64 (values near ±math.MaxFloat64): a forecaster says so
// rather than hand out NaN or ±Inf, and the controller logs it.
var ErrNotFinite = errors.New("predictor: forecast is not finite: values too large for float64 arithmetic")

// Forecast is a multi-step forecast made at one origin.
//
// Mean[k], Lower[k] and Upper[k] are the forecast for k+1 steps after the
// origin; [Lower, Upper] is a central interval with the given Coverage.
type Forecast struct {
	Mean     []float64
	Lower    []float64
	Upper    []float64
	Coverage float64
	// Model names the model (or combination) that produced the forecast.
	Model string
	// Confidence in [0, 1] from the model's backtest skill against the
	// naive baseline and the interval width. For Predict, Auto and the
	// single models (Naive, SeasonalNaive, Ridge, HoltWinters):
	//
	//	skill = clamp(1.5 - r, 0, 1)   r = backtest MAE / naive backtest MAE
	//	sharp = 1 / (1 + W/L)          W = mean interval width over the horizons,
	//	                               L = mean |y| over the last season (or 48 samples)
	//	Confidence = sqrt(skill * sharp)
	//
	// It is 0 when there was no backtest (history too short).
	Confidence float64
}

// Model is a forecasting model: fitted on a history, it forecasts the next
// h steps with a central interval of the chosen coverage.
type Model interface {
	// Name is a short, stable identifier such as "seasonal_naive".
	Name() string
	// Fit estimates the model on t (unix seconds, increasing) and y (NaN
	// for missing). It returns an error for data conditions (too few
	// points), never panics on data.
	Fit(t []int64, y []float64) error
	// Forecast returns h steps after the last fitted sample.
	Forecast(h int, coverage float64) (Forecast, error)
}

// Updater is implemented by fitted models that can absorb one new sample
// in O(1) or O(season) without re-estimating their parameters.
type Updater interface {
	Update(t int64, y float64)
}

// Detector is a streaming anomaly detector: Update takes the next sample
// and returns its anomaly score in [0, 1], using that sample and the ones
// before it only.
type Detector interface {
	Update(t int64, y float64) float64
}

// Surpriser is implemented by detectors that also tell whether the last
// sample they scored is still outside the normal range on their raw
// measure, before any calibration: the controller keeps an anomaly it
// flagged going, out of model fitting, for as long as its samples are
// (the calibrated score of a long anomaly fades as it becomes familiar).
type Surpriser interface {
	Surprising() bool
}

// Leveler is implemented by detectors with a normal level that the
// controller can read and reset. Level returns the level now and the
// distance from it at which a sample is outside the normal range on the
// level alone (0 before the detector knows a level); the controller keeps
// it from an anomaly's start, to tell whether the anomaly's later samples
// are still away from the level before it. Rebase accepts the last n
// samples scored as a new normal level at once, rather than after as many
// samples as the detector's window needs: the controller calls it when an
// anomaly it held has lasted so long that it is a level shift.
type Leveler interface {
	Level() (level, width float64)
	Rebase(n int)
}

// FloorUnit is the unit of a scale floor for values whose largest |value|
// is size: size up to 1, and 1 while it is 0 (a series of zeros). A floor
// of a billionth of max(FloorUnit(size), |x|) is relative to the series
// below 1, so a series and the same series times 1e-9 get the same
// results (an absolute 1e-9 was a tenth of a demand of 1e-8), and from 1
// up it is the 1e-9·max(1, |x|) it always was. The online forecasters'
// error scale, the detectors' scales and the engine's peak quantiles
// floor by it.
func FloorUnit(size float64) float64 {
	if size > 0 {
		return min(1, size)
	}
	return 1
}
