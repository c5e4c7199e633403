// Package levelshift bounds in time how long the engine holds an anomaly
// out of model fitting (controller/engine, Observe).
//
// The engine keeps every sample of an ongoing anomaly out of fitting for
// as long as the detector finds it outside its normal range
// (predictor.Surpriser). The robust detector's range accepts a new level
// once it fills a quarter of its window, a count of samples: about 6 hours
// on 1-minute rows, 31 on 5-minute ones, 15 days on hourly ones, 1.6 hours
// on 15-second ones. Run bounds the hold in time both ways: an anomaly
// younger than MinHold goes on while its samples are still away from the
// level before it, by the detector's own measure at the anomaly's start,
// even when the detector's range has moved; one that has lasted MaxHold is
// a new level, which the detector accepts at once (predictor.Leveler), so
// the forecast is not held on the level before it for as many samples as
// the window needs (docs/tuning.md, "A level shift accepted after 36
// hours").
package levelshift

import (
	"math"
	"time"

	"github.com/prescale/prescale/predictor"
)

// MinHold and MaxHold bound an anomaly's hold. MaxHold is longer than the
// 31.5 hours the detector holds a level shift by itself on the 5-minute
// rows its window was chosen on, and MinHold the 6 hours it holds one on
// 1-minute rows, the finest in-sample step (docs/tuning.md): the steps it
// was tuned at keep their behaviour, coarser and finer ones get the same
// bounds in time.
const (
	MinHold = 6 * time.Hour
	MaxHold = 36 * time.Hour
)

// Run follows the engine's ongoing anomaly. The zero value is not usable;
// use New.
type Run struct {
	det      predictor.Leveler // nil: the detector has no level
	min, max int64             // seconds
	start    int64             // first flagged sample of the run
	n        int               // flagged present samples in the run
	level    float64           // the detector's level at the run's start
	width    float64           // and its distance to the outside (0: none)
	based    bool              // the run was accepted as a level already
}

// New follows the anomalies of detector d, held at least minHold while
// away from the level before them and at most maxHold. A detector that is
// not a predictor.Leveler gets neither bound.
func New(d predictor.Detector, minHold, maxHold time.Duration) *Run {
	l, _ := d.(predictor.Leveler)
	return &Run{det: l, min: int64(minHold / time.Second), max: int64(maxHold / time.Second)}
}

// Away reports whether a present sample (t, v) continues the ongoing run
// by the minimum hold: the run is younger than minHold and v is still
// outside the detector's normal range around its level at the run's start.
func (r *Run) Away(t int64, v float64) bool {
	return r.n > 0 && r.width > 0 && t-r.start < r.min && math.Abs(v-r.level) >= r.width
}

// Observe records a present sample at t, scored by the detector, and
// whether the engine flagged it: the first flagged sample starts a run
// (the detector's level then is kept for Away), an unflagged one ends it,
// and once a run has lasted maxHold the detector is rebased on its samples
// (once per run).
func (r *Run) Observe(t int64, flagged bool) {
	switch {
	case r.det == nil:
	case !flagged:
		r.n, r.based = 0, false
	case r.n == 0:
		r.start, r.n = t, 1
		r.level, r.width = r.det.Level()
	default:
		r.n++
		if !r.based && t-r.start >= r.max {
			r.based = true
			r.det.Rebase(r.n)
		}
	}
}
