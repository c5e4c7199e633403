// Package levelshift tells the engine when an anomaly it holds has become
// a new level (controller/engine, Observe).
//
// The engine keeps every sample of an ongoing anomaly out of model fitting
// for as long as the detector finds it outside its normal range
// (predictor.Surpriser). The robust detector's range accepts a new level
// only once it fills a quarter of its window, a count of samples: about 6
// hours on 1-minute rows, 31 on 5-minute ones, 15 days on hourly ones.
// Run bounds that hold in time instead: once an anomaly has lasted MaxHold
// (measured from its first flagged sample to the present one), its samples
// are a new level, and the detector is told to accept them
// (predictor.Rebaser) rather than hold the forecast on the level before it
// for as many samples as its window needs (docs/tuning.md, "A level shift
// held as one anomaly").
package levelshift

import "time"

// MaxHold is the longest an anomaly is held before its samples are
// accepted as a new level: longer than the 31.5 hours the detector holds a
// level shift by itself on the 5-minute rows its window was chosen on
// (docs/tuning.md), so that the step it was tuned at keeps its behaviour
// and every other step gets the same bound in time.
const MaxHold = 36 * time.Hour

// Run follows the engine's ongoing anomaly. The zero value is not usable;
// use New.
type Run struct {
	max   int64 // seconds
	start int64 // first flagged sample of the run
	n     int   // flagged present samples in the run
	based bool  // the run's samples were accepted once already
}

// New follows anomalies held at most maxHold.
func New(maxHold time.Duration) *Run {
	return &Run{max: int64(maxHold / time.Second)}
}

// Observe records a present sample at t and whether the engine flagged it.
// It returns the number of the run's samples to accept as a new level
// (predictor.Rebaser) once the run has lasted the bound, once per run, and
// 0 otherwise. An unflagged sample ends the run.
func (r *Run) Observe(t int64, flagged bool) int {
	if !flagged {
		r.n, r.based = 0, false
		return 0
	}
	if r.n == 0 {
		r.start = t
	}
	r.n++
	if r.based || t-r.start < r.max {
		return 0
	}
	r.based = true
	return r.n
}
