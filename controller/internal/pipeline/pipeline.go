// Package pipeline is a target's streaming decision pipeline between
// the controller's cycles: its engine (controller/engine), fed every grid
// point of the history window once and in order, and the points it
// flagged anomalous that are still in the window.
package pipeline

import (
	"math"

	"github.com/prescale/prescale/controller/engine"
	"github.com/prescale/prescale/controller/history"
	"github.com/prescale/prescale/predictor"
)

// Pipeline is a target's pipeline: the engine has observed every grid
// point up to its Last; Anomalous holds the observed points (unix
// seconds) it flagged that are still in the window.
type Pipeline struct {
	Eng       *engine.Engine
	Anomalous map[int64]bool

	cfg         engine.Config
	newDetector func() (predictor.Detector, error)
}

// New returns a fresh pipeline: an engine of cfg with a detector from
// newDetector (cfg's own Detector is not used).
func New(cfg engine.Config, newDetector func() (predictor.Detector, error)) (Pipeline, error) {
	det, err := newDetector()
	if err != nil {
		return Pipeline{}, err
	}
	cfg.Detector = det
	eng, err := engine.New(cfg)
	if err != nil {
		return Pipeline{}, err
	}
	return Pipeline{Eng: eng, Anomalous: map[int64]bool{}, cfg: cfg, newDetector: newDetector}, nil
}

// Observe feeds the engine the grid points after the last one it saw, in
// order, up to the last present one (trailing missing points are fed once
// a later point is present, as a backtest sees them) or the newest one
// complete_query left out (leftOut, 0: none): those are missing for good,
// read again or not, and fed as gaps at once, so the engine's forecast
// starts at the cycle's time through a partial demand, not at the last
// whole point (its lead window read, and /api/predictions showing, the
// demand of that point's time however long the demand stayed partial).
// It starts a fresh engine (New's configuration, a new detector), warmed
// on the whole window, when the grid moved back (a clock change) or after
// a gap wider than the window (a long outage: old state would no longer
// describe the series); the controller starts one at start too (also
// after a restart: forecaster internals are not persisted). Points
// flagged anomalous before start (the window's first) are forgotten.
func (p *Pipeline) Observe(s history.Series, start, stepSec, leftOut int64) error {
	last, ok := p.Eng.Last()
	if ok && (last > s.T[len(s.T)-1] || last < s.T[0]-stepSec) {
		fresh, err := New(p.cfg, p.newDetector)
		if err != nil {
			return err
		}
		*p = fresh
	}
	end := len(s.V) - 1
	for end >= 0 && math.IsNaN(s.V[end]) && s.T[end] > leftOut {
		end--
	}
	i := 0
	if _, ok := p.Eng.Last(); !ok {
		for i <= end && math.IsNaN(s.V[i]) { // a cold start begins at the first sample
			i++
		}
	}
	for ; i <= end; i++ {
		if _, anomalous, ok := p.Eng.Observe(s.T[i], s.V[i]); ok && anomalous {
			p.Anomalous[s.T[i]] = true
		}
	}
	for ts := range p.Anomalous {
		if ts < start {
			delete(p.Anomalous, ts)
		}
	}
	return nil
}
