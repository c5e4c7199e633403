package controller

import (
	"github.com/prescale/prescale/controller/engine"
	"github.com/prescale/prescale/predictor"
)

// DetectorByName returns a factory for the named streaming anomaly detector
// (engine.NewDetector: the detector the backtest uses, so both flag the same
// samples); "none" scores nothing.
func DetectorByName(name string) DetectorFactory {
	return func() (predictor.Detector, error) { return engine.NewDetector(name) }
}
