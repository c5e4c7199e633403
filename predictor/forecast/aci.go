package forecast

import "github.com/prescale/prescale/predictor/conformal"

// Adaptive conformal inference over the backtest (conformal.Replay; one
// global configuration, chosen on the eight traces and the tuning set,
// docs/tuning.md).
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

// aciReplay is the replay aciLevels runs: the issued intervals' window of
// origins (intervalOrigins) and the target miss rate aciAlpha.
var aciReplay = conformal.Replay{Gamma: aciGamma, Alpha: aciAlpha, Window: intervalOrigins, MinErrors: aciMinWindow}

// aciLevels sets, per horizon, the pick's and naive's miss rate after
// adaptive conformal inference over the backtest (aciReplay, with the
// target miss rate of the widened 80 % interval), as ratios to that target.
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
		e.aciPick[h] = aciReplay.Miss(r, ends, h+1) / aciAlpha
		e.aciNaive[h] = aciReplay.Miss(rn, ends, h+1) / aciAlpha
	}
}

// aciCoverage is the level of the interval issued at coverage c (widened
// to wc) with the miss-rate ratio ratio from aciLevels: the miss rate
// 1-wc scaled by it, never narrower than c itself.
func aciCoverage(c, wc, ratio float64) float64 {
	return max(1-(1-wc)*ratio, c)
}
