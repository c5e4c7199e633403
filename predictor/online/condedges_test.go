package online

// The jump-state recalibration's edges that no other test pinned (each
// found by a mutation that every test still passed).

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

// condOf returns a Conditional on the grid 0.5, 0.9, 0.99 whose counts
// (the whole, and the latest origin's bin, state 0) are set directly.
func condOf(t *testing.T, cfg CondConfig, all, bin condCounts) *Conditional {
	t.Helper()
	cfg.Horizon, cfg.Levels = 1, []float64{0.5, 0.9, 0.99}
	c, err := NewConditional(cfg)
	require.NoError(t, err)
	c.all, c.byState[0] = all, bin
	c.cur, c.curOK, c.fresh = 0, true, false
	return c
}

// TestConditionalLevelBeyondTheGrid: beyond the grid's ends the ratio of
// the conditional exceedance to the wrapped one at the nearest end holds;
// 0 and 1 (and what is not a level) are returned as they are; the level
// returned stays below 1 - 1e-9.
func TestConditionalLevelBeyondTheGrid(t *testing.T) {
	c := condOf(t, CondConfig{Prior: 1, Memory: 1000, MaxRatio: 8},
		condCounts{n: 100, k: []float32{50, 10, 1}}, condCounts{n: 20, k: []float32{16, 6, 2}})
	require.InDelta(t, 0.9, c.Level(0.9), 0.2) // (fills the curve)
	for _, c2 := range []struct {
		p float64
		j int
	}{{0.01, 0}, {0.1, 0}, {0.995, 2}, {0.9999, 2}} {
		t1 := math.Log(1 - c2.p)
		require.True(t, c2.j == 0 && t1 >= c.lx[0] || c2.j == 2 && t1 <= c.lx[2], "p %g beyond the grid", c2.p)
		ratio := math.Exp(c.lx[c2.j]) / (1 - c.levels[c2.j])
		require.InDelta(t, 1-(1-c2.p)/ratio, c.Level(c2.p), 1e-12, "p %g", c2.p)
	}
	require.InDelta(t, 1-1e-9, c.Level(1-1e-12), 0)
	require.InDelta(t, 0, c.Level(0), 0)
	require.InDelta(t, 1, c.Level(1), 0)
}

// TestConditionalCurveDecreasing: the conditional exceedance is made
// decreasing along the grid even where a bin's own is not (a bin that
// exceeds 0.5's quantile as rarely as 0.9's).
func TestConditionalCurveDecreasing(t *testing.T) {
	c := condOf(t, CondConfig{Prior: 1, Memory: 1000, MaxRatio: 8},
		condCounts{n: 100, k: []float32{50, 10, 1}}, condCounts{n: 100, k: []float32{5, 10, 10}})
	prev := c.Level(0.01)
	for p := 0.02; p < 1; p += 0.01 {
		l := c.Level(p)
		require.GreaterOrEqual(t, l, prev, "p %g", p)
		prev = l
	}
	for j := 1; j < len(c.lx); j++ {
		require.Less(t, c.lx[j], c.lx[j-1], "grid %d", j)
	}
}

// TestConditionalStrict: with Strict z, a bin's log ratio keeps only what
// lies beyond z standard errors of its log rate, sqrt((1 − e) / (its
// count with the prior's)); Strict 1 is strict too.
func TestConditionalStrict(t *testing.T) {
	all, bin := condCounts{n: 100, k: []float32{50, 10, 1}}, condCounts{n: 40, k: []float32{30, 12, 4}}
	c := condOf(t, CondConfig{Prior: 2, Memory: 1000, MaxRatio: 8, Strict: 1}, all, bin)
	c.Level(0.9)
	for j, L := range c.levels {
		g := (float64(all.k[j]) + 2*(1-L)) / (100 + 2)
		e := (float64(bin.k[j]) + 2*g) / (40 + 2)
		l := math.Log(e / g)
		se := math.Sqrt((1 - e) / (float64(bin.k[j]) + 2*g))
		want := math.Log(1-L) + math.Copysign(max(0, math.Abs(l)-se), l)
		require.InDelta(t, want, c.lx[j], 1e-6, "grid %d", j)
	}
}

// TestConditionalCountsOnlyExceedances: a realised peak equal to a
// quantile does not exceed it; a bin's count is scaled down to Memory - 1
// before an origin is added when it would pass Memory, never up.
func TestConditionalCountsOnlyExceedances(t *testing.T) {
	cc := condCounts{k: make([]float32, 3)}
	cc.add([]float32{1, 2, 3}, 2, 100)
	require.Equal(t, condCounts{n: 1, k: []float32{1, 0, 0}}, cc)

	for _, c := range []struct {
		memory float64
		adds   int
		n      float32
	}{{10, 20, 10}, {10.5, 10, 10}, {10.5, 11, 10.5}} {
		cc := condCounts{k: make([]float32, 1)}
		for range c.adds {
			cc.add([]float32{0}, 1, c.memory)
		}
		require.InDelta(t, c.n, cc.n, 1e-5, "memory %g, %d origins", c.memory, c.adds)
		require.InDelta(t, c.n, cc.k[0], 1e-5, "every origin exceeded")
	}
}

// TestConditionalJumpThresholds: the jump state compares the sample with
// the previous origin's quantiles at the grid levels nearest 0.9 and 0.99
// (a grid reaching 0.999 too); a sample equal to one is not above it.
func TestConditionalJumpThresholds(t *testing.T) {
	c, err := NewConditional(CondConfig{Horizon: 1, Levels: []float64{0.5, 0.9, 0.99, 0.999},
		Prior: 1, Memory: 100, MaxRatio: 8})
	require.NoError(t, err)
	peaks := func(_, v []float64) bool {
		copy(v, []float64{10, 20, 30, 40})
		return true
	}
	c.UpdatePeaks(5, peaks)
	for _, s := range []struct {
		y     float64
		state uint8
	}{{20, 0}, {20.5, 1}, {30, 1}, {35, 2}, {45, 2}} {
		c.UpdatePeaks(s.y, peaks)
		require.Equal(t, s.state, c.cur, "y %g", s.y)
	}
}

// TestConditionalLevelsInside: a grid level of 0 or 1, or one repeated,
// is refused.
func TestConditionalLevelsInside(t *testing.T) {
	for _, levels := range [][]float64{{0, 0.5}, {0.5, 1}, {0.5, 0.5, 0.9}} {
		_, err := NewConditional(CondConfig{Horizon: 1, Levels: levels, Prior: 1, Memory: 2, MaxRatio: 2})
		require.ErrorContains(t, err, "must increase within (0, 1)", "%v", levels)
	}
}

// TestConditionalOneOrigin: with MinOrigins 0 or 1 the model changes the
// distribution from its first realised origin on, not before.
func TestConditionalOneOrigin(t *testing.T) {
	for _, minOrigins := range []int{0, 1} {
		c, err := NewConditional(CondConfig{Horizon: 1, Levels: []float64{0.5, 0.9, 0.99},
			Prior: 1, Memory: 100, MaxRatio: 8, MinOrigins: minOrigins})
		require.NoError(t, err)
		peaks := func(_, v []float64) bool {
			copy(v, []float64{10, 20, 30})
			return true
		}
		c.UpdatePeaks(5, peaks)
		require.InDelta(t, 0.9, c.Level(0.9), 0, "no origin realised")
		c.UpdatePeaks(5, peaks)
		require.InDelta(t, float32(1), c.all.n, 0)
		require.Less(t, c.Level(0.9), 0.9, "one origin, no quantile exceeded: MinOrigins %d", minOrigins)
	}
}

// TestConditionalLevelInsideTheGrid: between two grid levels the level is
// interpolated in log exceedance, the last interval included (only
// beyond the last level does its end's ratio hold); a Horizon of 1 to
// MaxCondHorizon is taken, 0 is not.
func TestConditionalLevelInsideTheGrid(t *testing.T) {
	c := condOf(t, CondConfig{Prior: 1, Memory: 1000, MaxRatio: 8},
		condCounts{n: 100, k: []float32{50, 10, 1}}, condCounts{n: 20, k: []float32{16, 6, 2}})
	c.Level(0.9)
	for j := 1; j < len(c.lx); j++ {
		tm := (c.lx[j-1] + c.lx[j]) / 2
		w := (tm - c.lx[j-1]) / (c.lx[j] - c.lx[j-1])
		want := 1 - math.Exp(c.gx[j-1]+w*(c.gx[j]-c.gx[j-1]))
		require.InDelta(t, want, c.Level(1-math.Exp(tm)), 1e-12, "between grid %d and %d", j-1, j)
	}
	for _, h := range []int{1, MaxCondHorizon} {
		_, err := NewConditional(CondConfig{Horizon: h, Levels: []float64{0.5, 0.9}, Prior: 1, Memory: 2, MaxRatio: 2})
		require.NoError(t, err, "Horizon %d", h)
	}
	_, err := NewConditional(CondConfig{Horizon: 0, Levels: []float64{0.5, 0.9}, Prior: 1, Memory: 2, MaxRatio: 2})
	require.ErrorContains(t, err, "Horizon must be in [1, 64]")
}
