package online

import (
	"errors"
	"fmt"
	"math"
)

// Conditional recalibrates a peak distribution by the jump state an
// origin is in, learned online per series. The distribution it wraps is
// calibrated on the whole (split-conformal on a week, the tracked shift),
// so it says the same before a jump as before a calm sample; on some
// series a burst's first, small step announces the big one and on others
// it does not. Each origin falls in one of three bins: the last sample
// against the previous origin's 0.9 and 0.99 peak quantiles (below both,
// above the first, above both). For every grid level L_j the model counts
// how often the realised peak exceeded the wrapped distribution's L_j
// quantile, over all origins (g_j) and over the origins of each bin
// (e_j(b)), each shrunk towards its parent with Prior pseudo-origins (g_j
// towards 1 − L_j, e_j(b) towards g_j). The wrapped quantile at L_j is
// then read as exceeded with probability
//
//	(1 − L_j) · e_j(b) / g_j
//
// (the ratio bounded by MaxRatio either way; with Strict only the part of
// its logarithm beyond Strict standard errors is kept, with RaiseOnly
// only a ratio above 1; made decreasing in j), and the p-quantile
// returned is the wrapped quantile at the level whose conditional
// exceedance is 1 − p, interpolated in log exceedance; beyond the grid
// the ratio of its end holds. This is Mondrian (category-wise)
// calibration (Vovk, Gammerman and Shafer 2005, "Algorithmic Learning in
// a Random World", ch. 4) applied as a recalibration of the wrapped
// distribution's levels (Kuleshov, Fenner and Ermon 2018, "Accurate
// uncertainties for deep learning using calibrated regression"), with the
// bin's evidence shrunk to the whole so that a thin bin, or a series
// whose bins do not differ, leaves the distribution as it was.
//
// The phase of the hour and the hour of the day as further bins were
// tried and rejected (docs/tuning.md, "Predictable jumps").
//
// Memory: the counts are float32, 4 × (levels + 1), and a ring of
// Horizon + 1 origins' grid quantiles; a bin's count is bounded by Memory
// (older evidence is scaled down), so the model follows a change of
// regime.
type Conditional struct {
	cfg    CondConfig
	levels []float64
	gx     []float64 // log(1 − L_j)
	jump   [2]int    // grid indices of the jump thresholds

	byState [3]condCounts // per jump state
	all     condCounts

	// Ring of the last Horizon+1 origins: grid quantiles (ok false:
	// none), jump states, and the raw values.
	q      [][]float32
	ok     []bool
	states []uint8
	ys     []float64
	n      int

	cur   uint8 // jump state of the latest origin
	curOK bool
	lx    []float64 // conditional log exceedance at the grid (cached)
	fresh bool
	// peaks is UpdatePeaks' scratch: the latest origin's grid quantiles.
	peaks []float64
}

// CondConfig configures a Conditional.
type CondConfig struct {
	// Horizon is the number of steps the peak covers (> 0, at most
	// MaxCondHorizon).
	Horizon int
	// Levels is the grid of peak quantile levels counted, increasing, in
	// (0, 1) (at least two).
	Levels []float64
	// Prior is the shrinkage in pseudo-origins (> 0).
	Prior float64
	// Memory bounds a bin's count of origins (> Prior).
	Memory float64
	// MaxRatio bounds each feature's ratio e/g and its inverse (> 1).
	MaxRatio float64
	// RaiseOnly keeps the ratios of the bins that exceed more often than
	// the whole and sets the others' to 1: the bins only raise the
	// distribution.
	RaiseOnly bool
	// Strict, when > 0, keeps of each bin's log ratio only what lies
	// beyond Strict standard errors.
	Strict float64
	// MinOrigins is the number of realised origins before the model
	// changes anything.
	MinOrigins int
}

// MaxCondHorizon bounds CondConfig.Horizon: the ring of origins' grid
// quantiles is Horizon+1 rows.
const MaxCondHorizon = 64

type condCounts struct {
	n float32
	k []float32
}

// NewConditional validates cfg and returns the model.
func NewConditional(cfg CondConfig) (*Conditional, error) {
	switch {
	case cfg.Horizon <= 0 || cfg.Horizon > MaxCondHorizon:
		return nil, fmt.Errorf("predictor: online.CondConfig.Horizon must be in [1, %d], got %d", MaxCondHorizon, cfg.Horizon)
	case len(cfg.Levels) < 2:
		return nil, errors.New("predictor: online.CondConfig.Levels needs at least two levels")
	case !(cfg.Prior > 0) || !(cfg.Memory > cfg.Prior) || !(cfg.MaxRatio > 1):
		return nil, fmt.Errorf("predictor: online.CondConfig needs Prior > 0, Memory > Prior and MaxRatio > 1, got %v, %v, %v", cfg.Prior, cfg.Memory, cfg.MaxRatio)
	}
	c := &Conditional{cfg: cfg, levels: append([]float64(nil), cfg.Levels...)}
	for j, l := range c.levels {
		if !(l > 0 && l < 1) || j > 0 && l <= c.levels[j-1] {
			return nil, fmt.Errorf("predictor: online.CondConfig.Levels must increase within (0, 1), got %v at %d", l, j)
		}
		c.gx = append(c.gx, math.Log(1-l))
	}
	c.jump = [2]int{nearestLevel(c.levels, 0.9), nearestLevel(c.levels, 0.99)}
	L := len(c.levels)
	c.all.k = make([]float32, L)
	for b := range c.byState {
		c.byState[b].k = make([]float32, L)
	}
	H := cfg.Horizon + 1
	c.q, c.ok, c.states, c.ys = make([][]float32, H), make([]bool, H), make([]uint8, H), make([]float64, H)
	for i := range H {
		c.q[i] = make([]float32, L)
	}
	c.lx, c.peaks = make([]float64, L), make([]float64, L)
	return c, nil
}

func nearestLevel(levels []float64, p float64) int {
	best := 0
	for j, l := range levels {
		if math.Abs(l-p) < math.Abs(levels[best]-p) {
			best = j
		}
	}
	return best
}

// UpdatePeaks absorbs the next sample y (NaN or ±Inf: a gap, as
// Forecaster.Update takes it) after the wrapped distribution has absorbed
// it; peaks is the wrapped distribution from this origin on, read at all
// the grid's levels at once: it sets v[j] to the quantile at levels[j] for
// every j, or reports false where one of them has none
// (Forecaster.PeakQuantiles, Ensemble.PeakQuantiles).
func (c *Conditional) UpdatePeaks(y float64, peaks func(levels, v []float64) bool) {
	if math.IsInf(y, 0) {
		y = math.NaN()
	}
	H := c.cfg.Horizon
	i := c.n
	c.n++
	slot := i % (H + 1)
	c.ys[slot] = y
	if o := i - H; o >= 0 {
		c.realise(o % (H + 1))
	}
	// The jump state: this sample against the previous origin's quantiles.
	jump := uint8(0)
	if prev := (i - 1 + H + 1) % (H + 1); i > 0 && c.ok[prev] && !math.IsNaN(y) {
		for k, j := range c.jump {
			if y > float64(c.q[prev][j]) {
				jump = uint8(k + 1)
			}
		}
	}
	// A slot without quantiles (ok false) is never read.
	c.ok[slot] = peaks(c.levels, c.peaks)
	if c.ok[slot] {
		for j, v := range c.peaks {
			c.q[slot][j] = float32(v)
		}
	}
	c.states[slot] = jump
	c.cur = jump
	c.curOK = c.ok[slot]
	c.fresh = false
}

// realise counts the origin in slot, whose lead window ends with the
// latest sample.
func (c *Conditional) realise(slot int) {
	if !c.ok[slot] {
		return
	}
	H := c.cfg.Horizon
	mx := math.Inf(-1)
	for k := 1; k <= H; k++ {
		if v := c.ys[(slot+k)%(H+1)]; !math.IsNaN(v) {
			mx = max(mx, v)
		}
	}
	if math.IsInf(mx, -1) {
		return
	}
	c.all.add(c.q[slot], mx, c.cfg.Memory)
	c.byState[c.states[slot]].add(c.q[slot], mx, c.cfg.Memory)
}

func (cc *condCounts) add(q []float32, peak, memory float64) {
	if float64(cc.n)+1 > memory {
		s := float32((memory - 1) / float64(cc.n))
		cc.n *= s
		for j := range cc.k {
			cc.k[j] *= s
		}
	}
	cc.n++
	for j, v := range q {
		if peak > float64(v) {
			cc.k[j]++
		}
	}
}

// curve computes the conditional log exceedance of the grid quantiles for
// the latest origin's jump state.
func (c *Conditional) curve() {
	m, lim := c.cfg.Prior, math.Log(c.cfg.MaxRatio)
	cc := &c.byState[c.cur]
	for j := range c.levels {
		g := (float64(c.all.k[j]) + m*(1-c.levels[j])) / (float64(c.all.n) + m)
		e := (float64(cc.k[j]) + m*g) / (float64(cc.n) + m)
		l := math.Log(e / g)
		if z := c.cfg.Strict; z > 0 {
			// Only what the bin's count shows beyond z standard errors
			// of its log rate.
			se := math.Sqrt(max(0, 1-e) / (float64(cc.k[j]) + m*g))
			l = math.Copysign(max(0, math.Abs(l)-z*se), l)
		}
		if c.cfg.RaiseOnly {
			l = max(0, l)
		}
		x := c.gx[j] + max(-lim, min(lim, l))
		if j > 0 {
			x = min(x, c.lx[j-1]-1e-9)
		}
		c.lx[j] = min(x, -1e-9)
	}
	c.fresh = true
}

// active reports whether the model changes the wrapped distribution.
func (c *Conditional) active() bool {
	return c.curOK && c.all.n >= float32(max(1, c.cfg.MinOrigins))
}

// Level maps a requested level p to the level of the wrapped distribution
// whose quantile the conditional distribution puts at p.
func (c *Conditional) Level(p float64) float64 {
	if !c.active() || !(p > 0 && p < 1) {
		return p
	}
	if !c.fresh {
		c.curve()
	}
	t := math.Log(1 - p)
	L := len(c.levels)
	var x float64
	switch {
	case t >= c.lx[0]:
		x = t - (c.lx[0] - c.gx[0])
	case t <= c.lx[L-1]:
		x = t - (c.lx[L-1] - c.gx[L-1])
	default:
		j := 1
		for c.lx[j] > t {
			j++
		}
		// c.lx[j] <= t < c.lx[j-1]
		w := (t - c.lx[j-1]) / (c.lx[j] - c.lx[j-1])
		x = c.gx[j-1] + w*(c.gx[j]-c.gx[j-1])
	}
	return min(max(1-math.Exp(x), 1e-6), 1-1e-9)
}
