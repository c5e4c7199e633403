package forecast

import (
	"math"

	"github.com/prescale/prescale/predictor/forecast/internal/models"
)

// The guard's level-shift rule (shifted): settings, one global
// configuration.
const (
	// shiftRun is the fewest latest samples the rule reads (half the
	// default horizon): a burst of a few samples (tweet counts) must not
	// pass for a new level.
	shiftRun = 6
	// shiftK is how many times naive's backtest MAE at its horizon each of
	// the pick's errors over those samples must exceed.
	shiftK = 3.0
)

// shiftSpan is the run of latest samples the level-shift rule reads:
// shiftRun rounded up to whole origin spacings (so that a backtest origin
// lies that far back).
func shiftSpan(stride int) int {
	return stride * ((shiftRun + stride - 1) / stride)
}

// shiftTrips is the level-shift rule on the pick's errors errs (actual
// minus forecast) over the latest samples vals, forecast from the origin
// before them: every error on the same side, each beyond shiftK times
// naive's backtest MAE at its horizon, and the samples closer to one
// another than any of them to its forecast. The demand has moved to a new
// level and stayed there; a model with memory (a median over the last 25
// samples, a smoothed level, learnt mean reversion) keeps forecasting the
// old one for a while, and the excess-error rule (guardTrips), which sums
// naive's errors over the move itself too, trips late or not at all.
func shiftTrips(errs, vals, naiveMAE []float64) bool {
	if len(errs) == 0 {
		return false
	}
	up := errs[0] > 0
	least := math.Inf(1)
	for j, d := range errs {
		if d == 0 || (d > 0) != up || math.Abs(d) <= shiftK*naiveMAE[j] {
			return false
		}
		least = min(least, math.Abs(d))
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range vals {
		lo, hi = min(lo, v), max(hi, v)
	}
	return hi-lo < least
}

// shifted is shiftTrips on the latest samples: the pick forecast from the
// origin shiftSpan samples back. It reads samples before the origin only.
// It also returns that origin (0 when it made no forecast) and leaves the
// pick's forecasts from there at horizons 1..n-origin in e.gbuf, for the
// excess-error loop in guard, which replays the same origin.
func (e *engine) shifted() (trips bool, origin int) {
	s := e.s
	n, H := s.N(), e.H
	m := shiftSpan(e.gstride)
	o := n - m
	if o < 1 || m > H {
		return false, 0
	}
	for j := o; j < n; j++ {
		if !s.Obs[j] {
			return false, 0
		}
	}
	for _, k := range e.pick {
		e.cores[k].Forecast(s, o, e.buf[k])
	}
	if len(e.gbuf) != 2*H {
		e.gbuf = make([]float64, 2*H)
	}
	fc, errs := e.gbuf[:m], e.gbuf[H:H+m]
	for h := 1; h <= m; h++ {
		fc[h-1] = e.bufMean(e.pick, h-1, s.Z[o-1])
		errs[h-1] = s.Z[o-1+h] - fc[h-1]
	}
	return shiftTrips(errs, s.Z[o:n], e.naiveMAE), o
}

// pathDependent reports whether a core of c is models.PathDependent: its
// forecast from an origin depends on where it forecast from before, so
// one made there earlier is not the one it would make again.
func (e *engine) pathDependent(c candidate) bool {
	for _, k := range c {
		if p, ok := e.cores[k].(models.PathDependent); ok && p.PathDependent() {
			return true
		}
	}
	return false
}

// shiftTripsAt reports, per backtest origin (stride samples apart),
// whether the level-shift rule trips there for candidate c: its forecasts
// from the backtest origin shiftSpan samples before and the actual values
// of the samples in between.
func shiftTripsAt(c candidate, preds [][]float64, act, naiveMAE []float64, H, stride int) []bool {
	trips := make([]bool, len(act)/H)
	m := shiftSpan(stride)
	if m > H {
		return trips
	}
	errs := make([]float64, m)
	vals := make([]float64, m)
next:
	for o := m / stride; o < len(trips); o++ {
		q := o - m/stride
		for h := 1; h <= m; h++ {
			idx := q*H + h - 1
			a := act[idx]
			if math.IsNaN(a) {
				continue next
			}
			errs[h-1] = a - candValue(c, preds, idx)
			vals[h-1] = a
		}
		trips[o] = shiftTrips(errs, vals, naiveMAE)
	}
	return trips
}
