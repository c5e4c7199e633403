package controller

import (
	"github.com/prescale/prescale/predictor"
)

// AutoForecaster is the production Forecaster: predictor's automatic model
// selection (predictor.NewAuto: naive, seasonal naive, ridge, Holt-Winters
// picked by a rolling-origin backtest, with empirical intervals), refitted
// on the cleaned history every cycle.
type AutoForecaster struct {
	// Season in samples; 0 detects it, negative disables seasonality.
	Season int
}

var _ Forecaster = AutoForecaster{}

// Forecast implements Forecaster.
func (f AutoForecaster) Forecast(t []int64, y []float64, h int, coverage float64) (predictor.Forecast, error) {
	a := predictor.NewAuto(predictor.Options{Horizon: h, Season: f.Season})
	if err := a.Fit(t, y); err != nil {
		return predictor.Forecast{}, err
	}
	return a.Forecast(h, coverage)
}

// DetectorByName returns a factory for the named predictor detector. The
// robust detector runs without its NAB-oriented suppression of repeated
// detections: here the scores mark every point to keep out of model
// fitting, not only the first of a run (see predictor.RobustConfig).
func DetectorByName(name string) DetectorFactory {
	if name == "robust" {
		return func() (predictor.Detector, error) {
			return predictor.NewRobustDetector(predictor.RobustConfig{Suppress: -1}), nil
		}
	}
	return func() (predictor.Detector, error) { return predictor.NewAnomalyDetector(name) }
}
