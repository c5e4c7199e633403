package engine

import (
	"github.com/prescale/prescale/controller/policy"
	"github.com/prescale/prescale/predictor/online"
)

// The peak distribution conditioned on the jump state (online.Conditional;
// docs/tuning.md, "Predictable jumps: the peak distribution by state"):
// the ensemble's peak quantiles are calibrated over a week as a whole,
// the same before a jump as before a calm sample, while on some series a
// burst takes two samples, a first step then the big one. Per target,
// the exceedances of the ensemble's quantiles are counted by whether the
// last sample was above the previous origin's 90 % or 99 % peak quantile,
// shrunk towards the whole with condPrior pseudo-origins; only what lies
// beyond condStrict standard errors, and only upwards, moves the
// distribution, so a series on which a jump announces nothing keeps the
// ensemble's.
const (
	condPrior      = 50
	condMemory     = 2016
	condMaxRatio   = 8
	condStrict     = 2
	condMinOrigins = 288
)

// peakConditional is the jump-state recalibration of the peak
// distribution for target t, nil without risk sizing (no peak quantiles
// are read) or with a lead window over online.MaxCondHorizon steps.
func peakConditional(horizon int, t policy.Target) (*online.Conditional, error) {
	if t.RiskPerUnit <= 0 || horizon > online.MaxCondHorizon {
		return nil, nil
	}
	return online.NewConditional(online.CondConfig{
		Horizon: horizon, Levels: PeakLevels(), RaiseOnly: true,
		Prior: condPrior, Memory: condMemory, MaxRatio: condMaxRatio, Strict: condStrict, MinOrigins: condMinOrigins,
	})
}
