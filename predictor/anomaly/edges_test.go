package anomaly

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// The detectors' edges that no other test pinned (each found by a
// mutation that every test still passed).

// TestZScoreDefaultWindow: the zero ZScoreConfig is Window 6400,
// MinSamples 30, Half 3: the same scores, on a series whose spike leaves
// a 6400-sample window but not a 6401-sample one.
func TestZScoreDefaultWindow(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	zero := NewZScoreDetector(ZScoreConfig{})
	explicit := NewZScoreDetector(ZScoreConfig{Window: 6400, MinSamples: 30, Half: 3})
	longer := NewZScoreDetector(ZScoreConfig{Window: 6401, MinSamples: 30, Half: 3})
	differs := false
	for i := range 6500 {
		y := 10 + rng.NormFloat64()
		if i == 5 {
			y = 1000
		}
		a, b, c := zero.Update(int64(i), y), explicit.Update(int64(i), y), longer.Update(int64(i), y)
		require.InDelta(t, b, a, 0, "sample %d", i)
		differs = differs || a != c
	}
	require.True(t, differs, "the series tells the default window from a longer one")
}

// TestZScoreConstantWindowIsRelativeToTheLevel: a constant window (at
// 2e6, after a first sample of 1e6 that left it) takes a sample within
// 1e-12 of its level as equal (score 0) and one beyond as different
// (score 1): the tolerance is relative to the series' level, not to its
// distance from the first sample.
func TestZScoreConstantWindowIsRelativeToTheLevel(t *testing.T) {
	for _, c := range []struct {
		dev, want float64
	}{{1e-6, 0}, {1e-5, 1}} {
		d := NewZScoreDetector(ZScoreConfig{Window: 30})
		d.Update(0, 1e6)
		for i := 1; i <= 40; i++ {
			d.Update(int64(i), 2e6)
		}
		require.InDelta(t, c.want, d.Update(41, 2e6+c.dev), 0, "deviation %g", c.dev)
	}
}

// TestZScoreSumsRecomputed: the running sums are recomputed exactly once
// per window, so a spike of 1e12 (whose square swallows the small values'
// in the running sum of squares) leaves no trace once it has left the
// window and a recomputation has run: the scores are those of the series
// without it.
func TestZScoreSumsRecomputed(t *testing.T) {
	const window = 10
	spiked := NewZScoreDetector(ZScoreConfig{Window: window, MinSamples: 5})
	plain := NewZScoreDetector(ZScoreConfig{Window: window, MinSamples: 5})
	rng := rand.New(rand.NewPCG(5, 6))
	for i := range 60 {
		y := 1 + 0.1*rng.NormFloat64()
		if i == 0 {
			y = 0 // the same shift (first sample) for both
		}
		s := y
		if i == 1 {
			s = 1e12
		}
		a, b := spiked.Update(int64(i), s), plain.Update(int64(i), y)
		// The spike leaves with the 12th sample; the sums are exact from
		// the recomputation after the 20th.
		if i >= 2*window {
			require.InDelta(t, b, a, 1e-9, "sample %d", i)
		}
	}
}

// TestRobustRebaseOne: Rebase(1) keeps the last sample and the two
// before it, as Rebase(n) keeps 3n.
func TestRobustRebaseOne(t *testing.T) {
	d := NewRobustDetector(RobustConfig{Season: -1})
	for i := range 20 {
		d.Update(int64(i)*300, float64(i))
	}
	d.Rebase(1)
	require.Equal(t, 3, d.level.len())
	require.InDelta(t, 17, d.level.min(), 0)
}

// TestRobustLevelWidth: Level's width is the distance from the median at
// which the level term alone scores SurpriseLevel.
func TestRobustLevelWidth(t *testing.T) {
	d := NewRobustDetector(RobustConfig{Season: -1})
	for i := range 100 {
		d.Update(int64(i)*300, float64(i))
	}
	med, width := d.Level()
	require.InDelta(t, 49.5, med, 1e-12)
	m, s := robustLevel(d.level, d.cfg.Floor, d.levelUnit())
	require.InDelta(t, med, m, 0)
	z := width / s / d.cfg.Scale
	require.InDelta(t, SurpriseLevel, 1-math.Exp(-z*z/2), 1e-12)
}

// surprisedAt feeds ys one second apart and returns Surprising after each.
func surprisedAt(d *RobustDetector, ys []float64) []bool {
	out := make([]bool, len(ys))
	for i, y := range ys {
		d.Update(int64(i), y)
		out[i] = d.Surprising()
	}
	return out
}

// TestRobustTermsStartEarly: each term scores as soon as its window holds
// two values: the level term (a new extreme) at the third sample, the
// change term at the fourth, and the seasonal term at the third seasonal
// residual, with a period of 4 samples (the shortest taken).
func TestRobustTermsStartEarly(t *testing.T) {
	got := surprisedAt(NewRobustDetector(RobustConfig{Season: -1}), []float64{0, 1, 1000})
	require.Equal(t, []bool{false, false, true}, got, "a new extreme at the third sample")

	// Changes 1, 1, then -1: the level (1 of 0, 1, 2) is not surprising.
	got = surprisedAt(NewRobustDetector(RobustConfig{Season: -1, Spatial: -1}), []float64{0, 1, 2, 1})
	require.Equal(t, []bool{false, false, false, true}, got, "a change at the fourth sample")

	// A period of 4 samples fixed at sample 10; the residuals over it
	// enter from sample 14, so sample 16 has two before it. Its 2 (for a
	// 0 a period before) is an ordinary level and change.
	ys := []float64{0, 1, 2, 1, 0, 1, 2, 1, 0, 1, 2, 1, 0, 1, 2, 1, 2}
	got = surprisedAt(NewRobustDetector(RobustConfig{Season: 4, Spatial: -1}), ys)
	require.Equal(t, []bool{false, true}, got[15:], "a broken pattern at sample 16")
}

// TestRobustSeasonBound: the seasonal term needs at most MaxSeasonSamples
// (0: 2016) samples a period.
func TestRobustSeasonBound(t *testing.T) {
	for season, want := range map[int64]int{2016: 2016, 2017: 0} {
		d := NewRobustDetector(RobustConfig{Season: season})
		for i := range 12 {
			d.Update(int64(i), 1)
		}
		require.Equal(t, want, d.period, "season %d s at 1 s steps", season)
	}
}

// TestRobustNewExtremeOfTheWindow: a sample beyond the level window's
// range by more than Spatial of it is a new extreme, though history held
// larger values; with SpatialHistory it is measured against them.
func TestRobustNewExtremeOfTheWindow(t *testing.T) {
	ys := []float64{100, 0, 4, 1, 3, 2, 0, 4, 1, 3, 2, 4.5}
	for history, want := range map[bool]bool{false: true, true: false} {
		got := surprisedAt(NewRobustDetector(RobustConfig{Window: 5, Season: -1, SpatialHistory: history}), ys)
		require.Equal(t, want, got[len(ys)-1], "spatial history %v", history)
		require.False(t, got[len(ys)-2])
	}
}

// TestWindowSizePanicNamesTheBound: a window too large for its ring
// panics naming the largest size its lag allows.
func TestWindowSizePanicNamesTheBound(t *testing.T) {
	require.PanicsWithValue(t, "predictor: anomaly window size must be in [1, 65533], got 70000", func() {
		newDerivedWindow(&samples{v: make([]float64, 1)}, 70000, 2)
	})
}
