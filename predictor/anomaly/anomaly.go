// Package anomaly holds prescale's streaming anomaly detectors (robust and
// zscore, by name through NewDetector) and the anomaly likelihood that turns
// raw scores into calibrated ones. Each detector scores a sample from that
// sample and the ones before it only. Pure: no I/O, no clock.
package anomaly

import (
	"cmp"
	"fmt"
	"math"

	"github.com/prescale/prescale/predictor"
	"github.com/prescale/prescale/predictor/series"
)

// This file holds the streaming anomaly detectors' shared parts (the
// normal tail; the rolling windows with order statistics are in window.go)
// and the baseline z-score detector. The stronger detector is in robust.go, the anomaly
// likelihood post-processing in likelihood.go.

// DetectorNames lists the detectors NewDetector builds, the
// default (the strongest on NAB) first.
func DetectorNames() []string {
	return []string{"robust", "zscore"}
}

// NewDetector returns a fresh detector with its default configuration
// by name (see DetectorNames), or an error naming the unknown detector.
func NewDetector(name string) (predictor.Detector, error) {
	switch name {
	case "robust":
		return NewRobustDetector(RobustConfig{}), nil
	case "zscore":
		return NewZScoreDetector(ZScoreConfig{}), nil
	}
	return nil, fmt.Errorf("predictor: unknown detector %q (known: %v)", name, DetectorNames())
}

// normalTail returns Q(z) = P(Z > z) for a standard normal Z,
// computed with erfc so that it stays accurate far in the upper tail.
func normalTail(z float64) float64 {
	return 0.5 * math.Erfc(z/math.Sqrt2)
}

// clamp01 is series.Clamp01, the one rule of a score's range (the
// forecast's confidence has it too).
func clamp01(x float64) float64 { return series.Clamp01(x) }

// ZScoreConfig configures a ZScoreDetector. The zero value gives the
// defaults.
type ZScoreConfig struct {
	// Window is the number of past samples whose mean and standard
	// deviation standardise the next one; 0 means 6400 (the window of
	// NAB's windowed Gaussian detector, about 22 days of 5-minute samples).
	Window int
	// MinSamples is the number of samples seen before any score above 0;
	// 0 means 30.
	MinSamples int
	// Half is the z-score that scores 0.5; 0 means 3.
	Half float64
}

// ZScoreDetector is the original system's detector, a windowed Gaussian:
// with m and s the mean and (population) standard deviation of the last
// Window samples before y,
//
//	z = |y - m| / s,  score = z / (z + Half).
//
// The squashing is monotone and, unlike the normal probability
// erf(z/√2) (which rounds to exactly 1 for z > 8.3), never saturates in
// floating point, so a score threshold can still tell z = 10 from z = 100.
// A constant window (s = 0) scores 0 for an equal value and 1 otherwise.
// Update costs O(1): running sums over a ring buffer, recomputed exactly
// once per window to stop rounding drift.
type ZScoreDetector struct {
	window, minSamples int
	half               float64
	ring               []float64 // samples minus ref
	head               int
	ref                float64 // first sample: a shift that keeps the sums well conditioned
	sum, sumSq         float64
	sinceExact         int
	last               float64 // the last finite sample's score
	size               float64 // the largest |sample| so far, for constTol
}

// constTol is the standard deviation (and distance) under which the
// window is taken as constant: 1e-12 of the larger of |mean| and a unit,
// predictor.FloorUnit of the largest |sample| so far: a series in any
// unit scores alike.
func (d *ZScoreDetector) constTol(mean float64) float64 {
	return 1e-12 * max(predictor.FloorUnit(d.size), math.Abs(mean))
}

// Surprising reports whether the last finite sample scored 0.5 or more
// (|z| >= Half): predictor.Surpriser.
func (d *ZScoreDetector) Surprising() bool { return d.last >= 0.5 }

var _ predictor.Detector = (*ZScoreDetector)(nil)

// NewZScoreDetector returns a windowed Gaussian detector. A negative
// field of cfg is a programmer error: it panics.
func NewZScoreDetector(cfg ZScoreConfig) *ZScoreDetector {
	if cfg.Window < 0 || cfg.MinSamples < 0 || cfg.Half < 0 {
		panic("predictor: negative ZScoreConfig field")
	}
	d := &ZScoreDetector{window: cfg.Window, minSamples: cfg.MinSamples, half: cfg.Half}
	d.half = cmp.Or(d.half, 3)
	d.window = cmp.Or(d.window, 6400)
	d.minSamples = cmp.Or(d.minSamples, 30)
	d.minSamples = min(d.minSamples, d.window)
	d.ring = make([]float64, 0, d.window)
	return d
}

// Update scores y against the window of samples before it, then adds y to
// the window. A NaN y scores 0 and is not added. The timestamp is unused.
func (d *ZScoreDetector) Update(_ int64, y float64) float64 {
	if math.IsNaN(y) || math.IsInf(y, 0) {
		return 0
	}
	if len(d.ring) == 0 && d.sinceExact == 0 {
		d.ref = y
	}
	d.size = max(d.size, math.Abs(y))
	y -= d.ref
	score := 0.0
	if n := len(d.ring); n >= d.minSamples && n > 0 {
		mean := d.sum / float64(n)
		v := d.sumSq/float64(n) - mean*mean
		sd := math.Sqrt(max(v, 0))
		dev := math.Abs(y - mean)
		tiny := d.constTol(mean + d.ref)
		switch {
		case sd > tiny:
			z := dev / sd
			score = z / (z + d.half)
		case dev > tiny:
			score = 1
		}
	}
	d.add(y)
	d.last = clamp01(score)
	return d.last
}

func (d *ZScoreDetector) add(y float64) {
	if len(d.ring) < d.window {
		d.ring = append(d.ring, y)
		d.sum += y
		d.sumSq += y * y
	} else {
		old := d.ring[d.head]
		d.ring[d.head] = y
		d.head = (d.head + 1) % d.window
		d.sum += y - old
		d.sumSq += y*y - old*old
	}
	d.sinceExact++
	if d.sinceExact >= d.window {
		d.sinceExact = 0
		d.sum, d.sumSq = 0, 0
		for _, v := range d.ring {
			d.sum += v
			d.sumSq += v * v
		}
	}
}
