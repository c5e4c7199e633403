package demand

import (
	"math"
	"time"

	"github.com/prescale/prescale/controller/engine/internal/ring"
	"github.com/prescale/prescale/controller/policy"
)

// The release band (docs/tuning.md, "Release band"): event pacing prices a
// scale-down, but once the surplus has cost more than the paced price the
// release still goes all the way down to the units wanted now, the bottom
// of the level's wobble, and the wobble soon brings the units back one
// scale-up at a time. Under a one-sided hysteresis (Constantinides and
// Richard 1978, "Existence of optimal simple policies for
// discounted-cost inventory and cash management in continuous time": a
// Brownian level kept under control at a fixed cost per move and a linear
// holding cost is best served by a band whose width grows as the cube root
// of the move's cost times the level's variance over the holding cost), a
// paced scale-down is made only when the units wanted are more than the
// band below the current units, and goes to the wanted units plus the
// band. The band is in units: ReleaseBandScale × (K·v/RiskPerUnit)^(1/3),
// rounded, at least one unit (the units wanted now are the bottom of the
// wobble whenever there is one), with K the paced change cost (ChangeCost × the event price)
// and v the variance of the demand's wobble over one lead window, in
// units. The wobble is read from the second differences of demand (the
// change of its one-step change): a smooth daily ramp hardly moves them,
// noise does, and their median ignores the rare spike. Scale-ups are
// unchanged: the band only ever keeps units.

// Release band settings, chosen on the eight traces, the tuning set and
// the probes (in-sample; docs/tuning.md, "Release band").
const (
	// ReleaseBandScale multiplies the band's cube-root width.
	ReleaseBandScale = 0.7
	// wobbleWindow is the number of recent second differences the
	// wobble's median is taken over (a day of 5-minute decisions).
	wobbleWindow = 288
	// wobbleMin is the fewest second differences that give a band.
	wobbleMin = 12
	// madToSigma turns a normal sample's median absolute value into its
	// standard deviation (1/Φ⁻¹(0.75)).
	madToSigma = 1 / 0.6745
)

// wobble follows the demand's second differences, in units, at the
// decisions: its ring holds their absolute values, at most wobbleWindow.
type wobble struct {
	ring.Median
	lastDiff float64
	hasDif   bool
}

// add takes the demand's next one-step change d in units (Steps).
func (w *wobble) add(d float64) {
	if w.hasDif {
		w.Push(math.Abs(d-w.lastDiff), wobbleWindow)
	}
	w.lastDiff, w.hasDif = d, true
}

// sigma is the standard deviation of the demand's one-step wobble in
// units: the median absolute second difference over madToSigma·√2 (the
// second difference of a random walk's level is the difference of two
// independent steps), 0 with fewer than wobbleMin differences.
func (w *wobble) sigma() float64 {
	if w.Len() < wobbleMin {
		return 0
	}
	sorted := w.Sorted()
	return sorted[len(sorted)/2] * madToSigma / math.Sqrt2
}

// releaseBand is the band in units for a scale-down at event price
// price, at least 1: 0 while pacing is not in force (price at most 1) or
// the demand does not wobble.
func (w *wobble) releaseBand(price float64, t policy.Target, interval time.Duration) int {
	if !(price > 1) || math.IsInf(price, 0) || t.RiskPerUnit <= 0 || t.ChangeCost <= 0 || interval <= 0 {
		return 0
	}
	sd := w.sigma()
	if sd <= 0 {
		return 0
	}
	v := sd * sd * float64(t.Lag+interval) / float64(interval)
	b := ReleaseBandScale * math.Cbrt(t.ChangeCost*price*v/t.RiskPerUnit)
	if !(b < float64(t.MaxUnits)) {
		return t.MaxUnits
	}
	return max(1, int(math.Round(b)))
}
