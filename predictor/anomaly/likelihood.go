package anomaly

import (
	"cmp"
	"math"
)

// LikelihoodConfig configures a Likelihood. The zero value gives the
// defaults.
type LikelihoodConfig struct {
	// LongWindow is the number of past raw scores that give their long-run
	// mean and standard deviation; 0 means 8640 (30 days of 5-minute
	// samples, as in Ahmad et al. 2017).
	LongWindow int
	// ShortWindow is the number of latest raw scores averaged into the
	// short-term mean; 0 means 10 (Ahmad et al. 2017).
	ShortWindow int
	// MinStd is the floor on the long-run standard deviation, so that a
	// stream whose raw scores have been constant does not turn the first
	// small change into a certainty; 0 means 0.03.
	MinStd float64
	// MinSamples is the number of raw scores seen before any output above
	// 0; 0 means 100.
	MinSamples int
}

// Likelihood turns a stream of raw anomaly scores in [0, 1] into a
// calibrated, probability-like score, following the anomaly likelihood of
// Ahmad, Lavin, Purdy and Agha (2017), "Unsupervised real-time anomaly
// detection for streaming data", Neurocomputing 262, §4.3:
//
//	μ, σ  = mean and standard deviation of the last LongWindow raw scores
//	μ̃     = mean of the last ShortWindow raw scores
//	L     = 1 - Q((μ̃ - μ) / σ)        (Q the standard normal upper tail)
//
// and, as in their NAB detector, reports it on a logarithmic scale so that
// the interesting range (L from 0.999 to 1 - 1e-10) spreads over [0, 1]:
//
//	score = ln(1 + 1e-10 - L) / ln(1e-10)      clamped to [0, 1].
//
// Unlike the paper, which re-estimates μ and σ every 100 records, the sums
// here are kept exactly (O(1) per update); the long-run statistics use the
// scores before the current short window only, so that a burst of high raw
// scores does not inflate its own yardstick.
type Likelihood struct {
	long, short, minSamples int
	minStd                  float64
	// buf is the ring of the last long+short raw scores, in chunks of
	// likelihoodChunk allocated as the scores arrive (held counts them):
	// a controller that starts on 14 days of 5-minute samples holds 16 KB
	// of them, not 30 days, and the whole ring takes 34.8 KB, where one
	// array of 8,650 took a 40 KB allocation (a large object: whole
	// pages).
	buf                [][]float32
	held               int
	head               int
	seen               int
	shortSum           float64
	longSum, longSumSq float64
	sinceExact         int
}

// NewLikelihood returns a likelihood post-processor. A negative field of
// cfg is a programmer error: it panics.
func NewLikelihood(cfg LikelihoodConfig) *Likelihood {
	if cfg.LongWindow < 0 || cfg.ShortWindow < 0 || cfg.MinSamples < 0 || cfg.MinStd < 0 {
		panic("predictor: negative LikelihoodConfig field")
	}
	a := &Likelihood{long: cfg.LongWindow, short: cfg.ShortWindow, minStd: cfg.MinStd, minSamples: cfg.MinSamples}
	a.long = cmp.Or(a.long, 8640)
	a.short = cmp.Or(a.short, 10)
	a.minStd = cmp.Or(a.minStd, 0.03)
	a.minSamples = cmp.Or(a.minSamples, 100)
	a.minSamples = max(a.minSamples, a.short+2)
	return a
}

// likelihoodChunk is the raw scores a chunk of the ring holds (16 KB, a
// size class of the allocator).
const likelihoodChunk = 4096

// at returns the raw score k steps back (k = 0 the latest); k < seen and
// k < held.
func (a *Likelihood) at(k int) float64 {
	n := a.held
	p := uint(((a.head-1-k)%n + n) % n) // unsigned: the chunk is a shift, the index a mask
	return float64(a.buf[p/likelihoodChunk][p%likelihoodChunk])
}

// store adds x as the latest raw score: after the ones held while the
// ring is not full (a new chunk when the last is), then over the oldest.
func (a *Likelihood) store(x float32) {
	full := a.long + a.short
	p := a.head
	if a.held < full {
		if c := a.held / likelihoodChunk; c == len(a.buf) {
			a.buf = append(a.buf, make([]float32, min(likelihoodChunk, full-c*likelihoodChunk)))
		}
		p = a.held
		a.held++
	}
	a.buf[uint(p)/likelihoodChunk][uint(p)%likelihoodChunk] = x
	a.head = (p + 1) % full
}

// Update adds a raw score (NaN counts as 0, values are clamped to [0, 1])
// and returns the log-scaled likelihood score in [0, 1].
func (a *Likelihood) Update(raw float64) float64 {
	// Raw scores are held as float32 (half the memory of a 30-day
	// window): the sums use the same rounded value, so they stay the
	// exact sums of what the ring holds.
	raw = float64(float32(clamp01(raw)))
	// The score leaving the short window enters the long one; the one
	// leaving the long window (long+short steps back) is dropped.
	if a.seen >= a.short {
		x := a.at(a.short - 1)
		a.shortSum -= x
		a.longSum += x
		a.longSumSq += x * x
		if a.seen >= a.short+a.long {
			y := a.at(a.short + a.long - 1)
			a.longSum -= y
			a.longSumSq -= y * y
		}
	}
	a.store(float32(raw))
	a.seen++
	a.shortSum += raw
	a.sinceExact++
	if a.sinceExact >= a.long+a.short {
		a.recompute()
	}
	if a.seen < a.minSamples {
		return 0
	}
	nl := float64(min(a.seen-a.short, a.long))
	mu := a.longSum / nl
	sd := math.Sqrt(max(a.longSumSq/nl-mu*mu, 0))
	sd = max(sd, a.minStd)
	z := (a.shortSum/float64(a.short) - mu) / sd
	tail := normalTail(z) // 1 - L
	return clamp01(math.Log(tail+1e-10) / math.Log(1e-10))
}

// recompute rebuilds the running sums from the ring, bounding rounding
// drift; it runs once per long+short updates, so its cost is O(1) amortised.
func (a *Likelihood) recompute() {
	a.sinceExact = 0
	a.shortSum, a.longSum, a.longSumSq = 0, 0, 0
	for k := 0; k < min(a.short, a.seen); k++ {
		a.shortSum += a.at(k)
	}
	for k := a.short; k < min(a.short+a.long, a.seen); k++ {
		x := a.at(k)
		a.longSum += x
		a.longSumSq += x * x
	}
}
