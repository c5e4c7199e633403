package online

import "fmt"

// The peak quantiles are split-conformal on a sliding window of a week's
// residuals: calibrated on average over the window, but slow to follow a
// change in how often the realised peaks exceed them (a regime of larger
// errors takes days to fill the window). With Config.TrackRate, the
// residual quantiles PeakQuantile uses are raised by a shift δ that
// follows the recent misses of the TrackLevel quantile: after each
// realised peak with residual z,
//
//	δ ← max(0, δ + TrackRate·(1[z > q_TrackLevel + δ] − (1 − TrackLevel)))
//
// so a miss raises δ by about TrackRate and each covered peak lowers it
// by TrackRate·(1 − TrackLevel): δ rises while misses are more frequent
// than 1 − TrackLevel and returns to 0 when they are not. This is
// adaptive conformal inference (Gibbs and Candès 2021, "Adaptive conformal
// inference under distribution shift") applied to the score, as the
// quantile tracker of Angelopoulos, Barber and Bates 2023 ("Conformal PID
// control for time series prediction"), held at or above 0: the window's
// own quantile is the floor, the shift only answers a spell of misses
// that the window has not yet absorbed. It is in units of the scaled
// residual, so it widens the whole distribution above the base by the
// same amount at every level.

// checkTrack validates the tracking settings.
func checkTrack(cfg Config) error {
	if !(cfg.TrackRate >= 0 && cfg.TrackRate <= 1) {
		return fmt.Errorf("predictor: online.Config.TrackRate must be in [0, 1], got %v", cfg.TrackRate)
	}
	if cfg.TrackRate > 0 && !(cfg.TrackLevel > 0 && cfg.TrackLevel < 1) {
		return fmt.Errorf("predictor: online.Config.TrackLevel must be in (0, 1) with TrackRate > 0, got %v", cfg.TrackLevel)
	}
	return nil
}

// track updates the shift with the residual z of an origin whose peak is
// now realised, before z joins the window.
func (f *Forecaster) track(z float64) {
	if f.cfg.TrackRate <= 0 || len(f.sorted) < f.cfg.MinResiduals {
		return
	}
	q, _ := f.quantile(f.cfg.TrackLevel)
	miss := 0.0
	if z > q+f.shift {
		miss = 1
	}
	f.shift = max(0, f.shift+f.cfg.TrackRate*(miss-(1-f.cfg.TrackLevel)))
}
