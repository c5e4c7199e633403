// Package conformal holds conformal-calibration primitives shared by the
// forecasters: adaptive conformal inference replayed over a rolling-origin
// backtest (Gibbs & Candès, "Adaptive Conformal Inference Under
// Distribution Shift", NeurIPS 2021), and normalised scores, the errors
// divided by the recent volatility (Normalizer). Pure numerics: no I/O, no
// clock.
package conformal

import (
	"math"
	"slices"
)

// Replay sets how Miss replays adaptive conformal inference.
type Replay struct {
	// Gamma is the step by which the miss rate moves per origin.
	Gamma float64
	// Alpha is the target miss rate.
	Alpha float64
	// Window is how many samples before an origin its interval's errors
	// are taken from (origins whose targets are older are dropped).
	Window int
	// MinErrors is the fewest errors an interval is read from; origins
	// with fewer are not replayed.
	MinErrors int
}

// Miss replays adaptive conformal inference (Gibbs & Candès 2021, eq. (2):
// a ← a + γ(α − err)) over backtest origins at one horizon h: at each
// origin the interval is the central interval of level 1-a of the errors
// whose targets were already observed there (their a/2 and 1-a/2 order
// statistics), from origins within the last rp.Window samples, and once
// the origin's own error r[o] is seen, a moves by γ·(α − miss), miss 1
// when the error fell outside. r[o] is the error at origin ends[o]
// (increasing), NaN when its target is missing. It returns the miss rate
// reached after the last origin: below α when the recent errors outgrew
// the window's (a shift to a noisier regime, or out of a flat stretch
// whose errors were all 0), above it when they shrank. The rate is kept
// within [α/2, 2α], in the replay and in what it returns: Gibbs &
// Candès's interval at a <= 0 is the whole line, and the widest intervals,
// read off a window's few largest errors, cost more width on spiky series
// than they gain coverage (docs/tuning.md).
func (rp Replay) Miss(r []float64, ends []int, h int) float64 {
	alpha := rp.Alpha
	a := alpha
	var win []float64
	lo, hi := 0, 0 // the errors of origins [lo, hi) are in win
	for o, end := range ends {
		for hi < o && ends[hi]+h <= end {
			if !math.IsNaN(r[hi]) {
				k, _ := slices.BinarySearch(win, r[hi])
				win = slices.Insert(win, k, r[hi])
			}
			hi++
		}
		for lo < hi && ends[lo] <= end-h-rp.Window {
			if !math.IsNaN(r[lo]) {
				k, _ := slices.BinarySearch(win, r[lo])
				win = slices.Delete(win, k, k+1)
			}
			lo++
		}
		if len(win) < max(rp.MinErrors, 1) || math.IsNaN(r[o]) {
			continue
		}
		m := float64(len(win))
		half := max(a, alpha/2) / 2
		l := win[int(half*m)]
		u := win[min(len(win)-1, int(math.Ceil((1-half)*m))-1)]
		miss := 0.0
		if r[o] < l || r[o] > u {
			miss = 1
		}
		a += rp.Gamma * (alpha - miss)
	}
	return math.Max(alpha/2, math.Min(a, 2*alpha))
}

// Level is the level of the interval issued at coverage c, widened to wc,
// with the miss-rate ratio ratio of a replay (Miss over its target): the
// miss rate 1-wc scaled by it, never narrower than c itself.
func Level(c, wc, ratio float64) float64 {
	return max(1-(1-wc)*ratio, c)
}

// Normalizer makes normalised conformal scores (Papadopoulos et al.,
// "Normalized nonconformity measures for regression conformal
// prediction", 2008; Lei et al., "Distribution-free predictive inference
// for regression", JASA 2018, locally weighted conformal): an error of a
// forecast from origin end is divided by Scale(end), the mean absolute
// one-step change over the Window samples before end plus a floor, and an
// interval read from such scores is multiplied by the divisor of its own
// origin. The interval then follows the recent volatility: narrower in
// calm stretches, wider after a shift to a noisier regime, without waiting
// for the window of errors to fill with the new regime's.
type Normalizer struct {
	// Window is how many samples before an origin its volatility is
	// measured over.
	Window int
	// FloorShare is the floor's share of the mean absolute change over
	// the span Fit is given (so that a flat stretch divides by no less).
	FloorShare float64
	floor      float64
}

// Fit returns nz with its floor set from the span samples before end of z
// (obs marks the observed ones). With a zero floor (no change in the
// span, or FloorShare 0) the scores are the errors themselves.
func (nz Normalizer) Fit(z []float64, obs []bool, end, span int) Normalizer {
	nz.floor = nz.FloorShare * MeanAbsChange(z, obs, end, span)
	return nz
}

// Scale is the divisor of the errors of origin end: 1 when the floor is 0.
func (nz Normalizer) Scale(z []float64, obs []bool, end int) float64 {
	if !(nz.floor > 0) {
		return 1
	}
	return MeanAbsChange(z, obs, end, nz.Window) + nz.floor
}

// Scales is Scale at each of the origins ends.
func (nz Normalizer) Scales(z []float64, obs []bool, ends []int) []float64 {
	sc := make([]float64, len(ends))
	for o, end := range ends {
		sc[o] = nz.Scale(z, obs, end)
	}
	return sc
}

// MeanAbsChange is the mean absolute one-step change of z over the w
// samples before end, over the pairs whose samples are both observed
// (obs); 0 without such a pair.
func MeanAbsChange(z []float64, obs []bool, end, w int) float64 {
	var sum float64
	var k int
	for i := max(1, end-w); i < end; i++ {
		if obs[i] && obs[i-1] {
			sum += math.Abs(z[i] - z[i-1])
			k++
		}
	}
	if k == 0 {
		return 0
	}
	return sum / float64(k)
}
