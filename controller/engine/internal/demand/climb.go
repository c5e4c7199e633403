package demand

import (
	"math"
	"time"

	"github.com/prescale/prescale/controller/engine/internal/ring"
	"github.com/prescale/prescale/controller/policy"
)

// Climb ahead (docs/tuning.md, "Climb ahead"): while event pacing is in
// force the release band keeps a wobbling level's releases few, but a
// level that comes back, or drifts up, is still followed one unit at a
// time: 26 → 27 → … → 34 is eight scale events where the reactive HPA,
// which moves only when demand leaves its 10 % tolerance, makes two. A
// steady climb is a steady use of the headroom, and the cheapest way to
// serve one at a fixed cost per move and a linear holding cost is the
// economic order quantity (Harris 1913): Q = √(2·K·s/h) at a time, with K
// the cost of a move, s the rate of use and h the holding cost. So while
// pacing is in force, a scale-up on a climb goes Q−1 units beyond the
// units it wants, with K the paced change cost (ChangeCost × the event
// price), h RiskPerUnit (a unit held for one lead window) and s the
// demand's climb over one lead window in units: the median of the last
// climbWindow one-step changes of demand. A climb is not predictable at
// its first step (the peak quantiles are a unit above the units it takes,
// and the changes before it rise no more often than a wobble's do), so
// only a climb under way counts: at least climbRising of those changes
// are rises. It never makes a scale-up smaller, and a scale-down is
// unchanged.

// climbWindow is the number of recent one-step demand changes whose
// median is the climb (an hour of 5-minute decisions).
const climbWindow = 12

// climbRising is the fewest of those changes that must be rises: a
// wobbling level's scale-ups follow five to ten rises of twelve, as a
// climb's first step does; ten or more is a climb under way.
const climbRising = 10

// climb follows the demand's one-step changes, in units, at the
// decisions: its ring holds them, at most climbWindow.
type climb struct {
	ring.Median
}

// add takes the demand's next one-step change d in units (Steps).
func (c *climb) add(d float64) {
	c.Push(d, climbWindow)
}

// extraUnits is how many units beyond those it wants a scale-up at event
// price price takes: round(√(2·K·price·s/RiskPerUnit)) − 1 with s the
// median one-step change times the steps in a lead window, 0 while pacing
// is not in force, before climbWindow changes or when fewer than
// climbRising of them are rises.
func (c *climb) extraUnits(price float64, t policy.Target, interval time.Duration) int {
	if !(price > 1) || math.IsInf(price, 0) || t.RiskPerUnit <= 0 || t.ChangeCost <= 0 || interval <= 0 || c.Len() < climbWindow {
		return 0
	}
	sorted := c.Sorted()
	step := sorted[len(sorted)/2]
	if !(step > 0) || !(sorted[len(sorted)-climbRising] > 0) {
		return 0
	}
	s := step * float64(t.Lag+interval) / float64(interval)
	q := math.Sqrt(2 * t.ChangeCost * price * s / t.RiskPerUnit)
	if !(q < float64(t.MaxUnits)) {
		return t.MaxUnits
	}
	return max(0, int(math.Round(q))-1)
}
