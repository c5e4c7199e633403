package forecast

import (
	"math"
	"slices"
)

// Adaptive conformal inference over the backtest (see aciMiss; one global
// configuration, chosen on the eight traces and the tuning set, docs/tuning.md).
const (
	// aciGamma is the step by which the miss rate moves per backtest origin.
	aciGamma = 0.02
	// aciAlpha is the target miss rate: that of the 80 % interval widened
	// by intervalWiden (0.18).
	aciAlpha = (1 - intervalWiden) * (1 - 0.8)
	// aciMinWindow is the fewest errors an interval of the replay is read
	// from; origins with fewer are not replayed.
	aciMinWindow = 100
)

// aciMiss replays adaptive conformal inference (Gibbs & Candès, "Adaptive
// Conformal Inference Under Distribution Shift", NeurIPS 2021, eq. (2):
// a ← a + γ(α − err)) over the backtest origins at one horizon h: at each
// origin the interval is the central interval of level 1-a of the errors
// whose targets were already observed there (their a/2 and 1-a/2 order
// statistics: series.EmpiricalInterval's tie handling costs too much to
// run at every origin), from origins
// within the last intervalOrigins samples (as the issued intervals are), and once
// the origin's own error r[o] is seen, a moves by gamma·(alpha − miss),
// miss 1 when the error fell outside. r[o] is the error at origin ends[o]
// (increasing), NaN when its target is missing. It returns the miss rate
// reached after the last origin: below alpha when the recent errors
// outgrew the window's (a shift to a noisier regime, or out of a flat
// stretch whose errors were all 0), above it when they shrank. The rate is
// kept within [alpha/2, 2·alpha], in the replay and in what it returns:
// Gibbs & Candès's interval at a <= 0 is the whole line, and the widest
// intervals, read off a window's few largest errors, cost more width on
// spiky series than they gain coverage (docs/tuning.md).
func aciMiss(r []float64, ends []int, h int, gamma float64) float64 {
	const alpha = aciAlpha
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
		for lo < hi && ends[lo] <= end-h-intervalOrigins {
			if !math.IsNaN(r[lo]) {
				k, _ := slices.BinarySearch(win, r[lo])
				win = slices.Delete(win, k, k+1)
			}
			lo++
		}
		if len(win) < aciMinWindow || math.IsNaN(r[o]) {
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
		a += gamma * (alpha - miss)
	}
	return math.Max(alpha/2, math.Min(a, 2*alpha))
}

// aciLevels sets, per horizon, the pick's and naive's miss rate after
// adaptive conformal inference over the backtest (aciMiss, with the target
// miss rate of the widened 80 % interval), as ratios to that target.
func (e *engine) aciLevels(best candidate, ends []int, preds [][]float64, act []float64) {
	H := e.H
	e.aciPick, e.aciNaive = make([]float64, H), make([]float64, H)
	r := make([]float64, len(ends))
	rn := make([]float64, len(ends))
	for h := range H {
		for o := range ends {
			a := act[o*H+h]
			r[o] = a - candValue(best, preds, o*H+h)
			rn[o] = a - preds[idxNaive][o*H+h]
		}
		e.aciPick[h] = aciMiss(r, ends, h+1, aciGamma) / aciAlpha
		e.aciNaive[h] = aciMiss(rn, ends, h+1, aciGamma) / aciAlpha
	}
}

// aciCoverage is the level of the interval issued at coverage c (widened
// to wc) with the miss-rate ratio ratio from aciLevels: the miss rate
// 1-wc scaled by it, never narrower than c itself.
func aciCoverage(c, wc, ratio float64) float64 {
	return max(1-(1-wc)*ratio, c)
}
