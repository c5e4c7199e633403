package online

import "math"

// A long run of equal values (a service idle at exactly zero before its
// launch, an exporter repeating its last value) realises residuals of
// zero or nearly: the level and the peak are both the constant. Once the
// run has filled half the calibration window its residuals hold the
// window's median, and once it has filled the window, every quantile: when
// the values move again, the peak quantiles stay collapsed onto the point
// forecast until the window has turned over (the 90 % and 50 % peak
// quantiles equal for three days after a launch that followed a week of
// zeros, docs/tuning.md, "Constant stretches"). The run's residuals say
// how the constant varies, not how the series varies once it moves. So
// when a run of equal present values that lasted idleRunShare of the
// window or longer ends, the calibration restarts as for a new series: the
// residual window, the hit ring and the tracked shift are cleared once the
// origins inside the run are realised (their residuals divide by the
// run's vanishing scale). A shorter run keeps its residuals: runs of zeros
// that recur between bursts (an idle disk, runs of up to 493 five-minute
// samples in the tuning set) are what the series does, and the
// calibration needs them; skipping a day-long run's residuals instead was
// tried and rejected for that.

// idleRunShare is the share of the window a run of equal values must
// have filled for its end to restart the calibration.
const idleRunShare = 0.5

// noteRun counts present values (model scale) equal to the previous
// present one, and schedules the calibration's restart when a long run
// ends at sample index i.
func (f *Forecaster) noteRun(y float64, i int) {
	if math.IsNaN(y) { // missing: neither extends nor ends the run
		return
	}
	if f.run > 0 && y == f.prev {
		f.run++
		return
	}
	if f.run >= max(1, int(idleRunShare*float64(f.cfg.Window))) {
		f.restartAt, f.restart = i+f.cfg.Horizon-1, true
	}
	f.run, f.prev = 1, y
}

// restartCalibration clears the calibration at the scheduled sample i
// (after its residual was pushed).
func (f *Forecaster) restartCalibration(i int) {
	if !f.restart || i < f.restartAt {
		return
	}
	f.restart = false
	f.res, f.sorted, f.resAt = f.res[:0], f.sorted[:0], 0
	f.hits, f.hitLen, f.hitAt = 0, 0, 0
	f.shift = 0
}
