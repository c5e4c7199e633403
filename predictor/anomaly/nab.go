package anomaly

import (
	"cmp"
	"fmt"
	"math"

	"github.com/prescale/prescale/predictor"
)

// NAB's scoring rule, kept apart from the live detectors: the Numenta
// Anomaly Benchmark credits only the earliest detection inside an anomaly
// window and charges every detection outside one, so a NAB run damps the
// scores that follow a detection. The controller must not: there every
// sample of an ongoing anomaly is kept out of model fitting, so the live
// detectors (NewDetector) score each sample on its own. `prescale detect
// --nab` scores NewNABDetector, the live detector wrapped in this rule.

// FirstDetectionConfig configures NABFirstDetection. The zero value gives
// the defaults, chosen on NAB with the robust detector.
type FirstDetectionConfig struct {
	// Hold is the number of samples after a reported detection during
	// which scores are damped; 0 means 100.
	Hold int
	// Level is the score that counts as a detection; 0 means 0.5.
	Level float64
	// Factor multiplies the scores during the hold; 0 means 0.
	Factor float64
}

// NABFirstDetection is NAB's first-detection rule around a detector:
// after a score >= Level, the next Hold scores are multiplied by Factor.
// Non-finite samples pass through without counting. It is for scoring
// NAB only, never for the live loop.
type NABFirstDetection struct {
	d    predictor.Detector
	cfg  FirstDetectionConfig
	left int
}

var _ predictor.Detector = (*NABFirstDetection)(nil)

// NewNABFirstDetection wraps d in NAB's first-detection rule. A negative
// field of cfg is a programmer error: it panics.
func NewNABFirstDetection(d predictor.Detector, cfg FirstDetectionConfig) *NABFirstDetection {
	if cfg.Hold < 0 || cfg.Level < 0 || cfg.Factor < 0 {
		panic("predictor: negative FirstDetectionConfig field")
	}
	cfg.Hold = cmp.Or(cfg.Hold, 100)
	cfg.Level = cmp.Or(cfg.Level, 0.5)
	return &NABFirstDetection{d: d, cfg: cfg}
}

// Update scores y with the wrapped detector and applies the rule.
func (n *NABFirstDetection) Update(t int64, y float64) float64 {
	s := n.d.Update(t, y)
	if math.IsNaN(y) || math.IsInf(y, 0) {
		return s
	}
	if n.left > 0 {
		n.left--
		return clamp01(s * n.cfg.Factor)
	}
	if s >= n.cfg.Level {
		n.left = n.cfg.Hold
	}
	return s
}

// Describe names the rule with its settings, as prescale detect --nab
// says what it scores with.
func (n *NABFirstDetection) Describe() string {
	return fmt.Sprintf("NAB's first-detection rule (after a score >= %g the next %d scores are multiplied by %g)",
		n.cfg.Level, n.cfg.Hold, n.cfg.Factor)
}

// NewNABDetector returns the named live detector (NewDetector) wrapped in
// NAB's first-detection rule with its defaults: what `prescale detect
// --nab` scores.
func NewNABDetector(name string) (predictor.Detector, error) {
	d, err := NewDetector(name)
	if err != nil {
		return nil, err
	}
	return NewNABFirstDetection(d, FirstDetectionConfig{}), nil
}
