package forecast

import "github.com/prescale/prescale/predictor/conformal"

// Adaptive conformal inference over the backtest (conformal.Replay; chosen
// on the eight traces and the tuning set, docs/tuning.md).
const (
	// aciGamma is the step by which the miss rate moves per backtest origin.
	aciGamma = 0.02
	// aciAlpha is the target miss rate, the widened 80 % interval's (0.18).
	aciAlpha = (1 - intervalWiden) * (1 - 0.8)
	// aciMinWindow is the fewest errors an origin of the replay needs.
	aciMinWindow = 100
)

// aciReplay is the replay aciLevels runs (window intervalOrigins, target
// aciAlpha). volNorm divides the errors by the mean absolute one-step
// change of the 96 samples before their origin plus half the backtest's.
var (
	aciReplay = conformal.Replay{Gamma: aciGamma, Alpha: aciAlpha, Window: intervalOrigins, MinErrors: aciMinWindow}
	volNorm   = conformal.Normalizer{Window: 96, FloorShare: 0.5}
)

// aciLevels sets, per horizon, the pick's and naive's miss rate after
// adaptive conformal inference over the backtest (aciReplay) on the errors
// divided by sc, as ratios to the target miss rate.
func (e *engine) aciLevels(best candidate, ends []int, preds [][]float64, act, sc []float64) {
	H := e.H
	e.aciPick, e.aciNaive = make([]float64, H), make([]float64, H)
	r, rn := make([]float64, len(ends)), make([]float64, len(ends))
	for h := range H {
		for o := range ends {
			a := act[o*H+h]
			r[o] = (a - candValue(best, preds, o*H+h)) / sc[o]
			rn[o] = (a - preds[idxNaive][o*H+h]) / sc[o]
		}
		e.aciPick[h] = aciReplay.Miss(r, ends, h+1) / aciAlpha
		e.aciNaive[h] = aciReplay.Miss(rn, ends, h+1) / aciAlpha
	}
}
