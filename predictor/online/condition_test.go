package online

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

func condLevels() []float64 {
	return []float64{0.5, 0.7, 0.8, 0.9, 0.95, 0.97, 0.98, 0.99, 0.995, 0.999}
}

// condPair returns a 5-minute forecaster without season and the
// Conditional of cc wrapping it, with the Levels, Prior, Memory,
// MaxRatio, Strict and MinOrigins of the tests here.
func condPair(t *testing.T, cc CondConfig) (*Forecaster, *Conditional) {
	t.Helper()
	f, err := NewForecaster(Config{Step: 300, Season: -1, LevelAlpha: 0.5, ScaleAlpha: 0.02})
	require.NoError(t, err)
	cc.Levels, cc.Prior, cc.Memory, cc.MaxRatio, cc.Strict, cc.MinOrigins = condLevels(), 50, 2016, 8, 2, 288
	c, err := NewConditional(cc)
	require.NoError(t, err)
	return f, c
}

// A series whose jumps announce nothing (noise around 100) keeps the
// wrapped distribution in every jump state: the strict bound leaves noise
// in the bins' counts out.
func TestConditionalNoStructureUnchanged(t *testing.T) {
	f, c := condPair(t, CondConfig{Horizon: 1, RaiseOnly: true})
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range 28 * 288 {
		y := 100 + 2*rng.NormFloat64()
		f.Update(int64(i)*300, y)
		c.UpdatePeaks(y, f.PeakQuantiles)
	}
	for s := range uint8(3) {
		c.cur, c.fresh = s, false
		require.InDelta(t, 0.97, c.Level(0.97), 0, "jump state %d", s)
	}
}

// Before MinOrigins realised origins the level is unchanged.
func TestConditionalWarmUp(t *testing.T) {
	c, err := NewConditional(CondConfig{Horizon: 1, Levels: condLevels(),
		Prior: 50, Memory: 2016, MaxRatio: 8, MinOrigins: 288})
	require.NoError(t, err)
	peaks := func(levels, v []float64) bool {
		for j, l := range levels {
			v[j] = 100 + l
		}
		return true
	}
	for range 100 {
		c.UpdatePeaks(200, peaks) // every origin missed
	}
	require.InDelta(t, 0.97, c.Level(0.97), 1e-15)
	for range 300 {
		c.UpdatePeaks(200, peaks)
	}
	require.Greater(t, c.Level(0.97), 0.97, "every origin missed: the level rises")
}

// A bin's count is bounded by Memory.
func TestConditionalMemoryBound(t *testing.T) {
	c, err := NewConditional(CondConfig{Horizon: 2, Levels: condLevels(), Prior: 5, Memory: 50, MaxRatio: 8})
	require.NoError(t, err)
	peaks := func(levels, v []float64) bool {
		copy(v, levels)
		return true
	}
	for i := range 5000 {
		c.UpdatePeaks(float64(i%3), peaks)
	}
	require.LessOrEqual(t, c.all.n, float32(50))
	for _, b := range c.byState {
		require.LessOrEqual(t, b.n, float32(50))
	}
}

func TestConditionalConfigErrors(t *testing.T) {
	ok := CondConfig{Horizon: 1, Levels: condLevels(), Prior: 1, Memory: 2, MaxRatio: 2}
	for name, tc := range map[string]struct {
		mod  func(*CondConfig)
		want string
	}{
		"horizon":  {func(c *CondConfig) { c.Horizon = MaxCondHorizon + 1 }, "Horizon must be in [1, 64]"},
		"levels":   {func(c *CondConfig) { c.Levels = []float64{0.5} }, "at least two levels"},
		"order":    {func(c *CondConfig) { c.Levels = []float64{0.9, 0.5} }, "must increase within (0, 1)"},
		"prior":    {func(c *CondConfig) { c.Prior = 0 }, "Prior > 0"},
		"memory":   {func(c *CondConfig) { c.Memory = 1 }, "Memory > Prior"},
		"maxratio": {func(c *CondConfig) { c.MaxRatio = 1 }, "MaxRatio > 1"},
	} {
		t.Run(name, func(t *testing.T) {
			c := ok
			tc.mod(&c)
			_, err := NewConditional(c)
			require.ErrorContains(t, err, tc.want)
		})
	}
	_, err := NewConditional(ok)
	require.NoError(t, err)
}

// Two-sample bursts (a first step of +10, then +40, 1 % of the samples):
// after a first step the wrapped 97 % peak quantile misses the burst
// every time; conditioned on the jump state (the first step is
// above the previous origin's 90 % quantile, as a tenth of the calm
// samples are), it covers 10 of the 25.
// With RaiseOnly no level is lowered, in any state.
func TestConditionalJumpState(t *testing.T) {
	run := func(raw bool) (miss, firsts int, lowered bool) {
		f, c := condPair(t, CondConfig{Horizon: 1, RaiseOnly: true})
		rng := rand.New(rand.NewPCG(7, 8))
		burst := false
		for i := range 21 * 288 {
			y := 100 + 2*rng.NormFloat64()
			second := burst
			switch {
			case burst:
				y += 40
				burst = false
			case rng.Float64() < 0.01:
				y += 10
				burst = true
			}
			p := 0.97
			if !raw {
				p = c.Level(p)
			}
			lowered = lowered || p < 0.97
			if q, ok := f.PeakQuantile(p); ok && second && i >= 14*288 {
				firsts++
				if y > q {
					miss++
				}
			}
			f.Update(int64(i)*300, y)
			c.UpdatePeaks(y, f.PeakQuantiles)
		}
		return miss, firsts, lowered
	}
	rawMiss, n, _ := run(true)
	miss, _, lowered := run(false)
	require.Greater(t, n, 10)
	require.Greater(t, rawMiss, n*3/4, "the wrapped distribution misses the second steps")
	require.Less(t, 3*miss, 2*rawMiss, "the jump state covers a third of them or more")
	require.False(t, lowered, "RaiseOnly never lowers a level")
	t.Logf("second steps %d: missed %d → %d", n, rawMiss, miss)
}

// TestConditionalInfIsAGap: a ±Inf sample is a gap, as the wrapped
// forecaster takes it (Forecaster.Update): the counts and the jump state
// are those of a NaN. +Inf counted as a peak above every level of every
// origin whose window held it, and put its origin in the highest jump bin.
func TestConditionalInfIsAGap(t *testing.T) {
	run := func(bad float64) *Conditional {
		f, c := condPair(t, CondConfig{Horizon: 3, RaiseOnly: true})
		rng := rand.New(rand.NewPCG(3, 4))
		for i := range 5 * 288 {
			y := 100 + 2*rng.NormFloat64()
			if i%50 == 49 {
				y = bad
			}
			f.Update(int64(i)*300, y)
			c.UpdatePeaks(y, f.PeakQuantiles)
		}
		return c
	}
	gap := run(math.NaN())
	for _, inf := range []float64{math.Inf(1), math.Inf(-1)} {
		c := run(inf)
		require.Equal(t, gap.all, c.all, "%v: the whole's counts", inf)
		require.Equal(t, gap.byState, c.byState, "%v: the jump states' counts", inf)
		require.InDelta(t, gap.Level(0.99), c.Level(0.99), 0)
	}
}

// TestConditionalUpdatePeaksCounts: nine samples through a Conditional of
// horizon 2 whose wrapped quantiles are 10, 20 and 30 at the levels 0.5,
// 0.9 and 0.99 (none at the fourth sample), against counts, jump states
// and a level worked out by hand from the type's description:
//
//	i  y     quantiles  state (y against the previous origin's 20, 30)  realised origin: its window's peak
//	0  5     yes        0 (no previous origin)
//	1  25    yes        1 (above 20)
//	2  35    yes        2 (above 30)                                     0: max(25, 35) = 35, above all three
//	3  NaN   none       0 (a gap)                                        1: max(35, gap) = 35
//	4  15    yes        0 (the previous origin has none)                 2: max(gap, 15) = 15, above 10 only
//	5  +Inf  yes        0 (a gap)                                        3: has no quantiles, not counted
//	6  12    yes        0 (not above 20)                                 4: max(gap, 12) = 12, above 10 only
//	7  NaN   yes        0 (a gap)                                        5: max(12, gap) = 12
//	8  NaN   yes        0 (a gap)                                        6: two gaps, not counted
//
// The whole: 5 origins, 5 above 10, 2 above 20 and 30; state 0 (origins
// 0, 4, 5): 3, 3, 1, 1; state 1 (origin 1): 1, 1, 1, 1; state 2 (origin
// 2): 1, 1, 0, 0.
func TestConditionalUpdatePeaksCounts(t *testing.T) {
	levels := []float64{0.5, 0.9, 0.99}
	c, err := NewConditional(CondConfig{Horizon: 2, Levels: levels, Prior: 1, Memory: 100, MaxRatio: 8, MinOrigins: 1})
	require.NoError(t, err)
	ys := []float64{5, 25, 35, math.NaN(), 15, math.Inf(1), 12, math.NaN(), math.NaN()}
	states := []uint8{0, 1, 2, 0, 0, 0, 0, 0, 0}
	for i, y := range ys {
		c.UpdatePeaks(y, func(l, v []float64) bool {
			require.Equal(t, levels, l)
			copy(v, []float64{10, 20, 30})
			return i != 3
		})
		require.Equal(t, states[i], c.cur, "sample %d", i)
		require.Equal(t, i != 3, c.curOK, "sample %d", i)
	}
	require.Equal(t, condCounts{n: 5, k: []float32{5, 2, 2}}, c.all)
	require.Equal(t, [3]condCounts{
		{n: 3, k: []float32{3, 1, 1}},
		{n: 1, k: []float32{1, 1, 1}},
		{n: 1, k: []float32{1, 0, 0}},
	}, c.byState)

	// The level put at 0.9 in state 0: g_j = (k_j + (1 − L_j)) / 6 =
	// 5.5/6, 2.1/6, 2.01/6; e_j = (k_j(0) + g_j) / 4; the log exceedance
	// x_j = log(1 − L_j) + log(e_j / g_j) = −0.627189, −2.338953, −4.608908;
	// log(0.1) = −2.302585 lies between x_0 and x_1, at w = 0.978754 of the
	// way, which puts it at log(0.5) + w·(log(0.1) − log(0.5)) = −2.268391
	// of the wrapped levels: level 1 − exp(−2.268391) = 0.896522. log(0.5)
	// lies there too, at w = 0.038532: −0.755163, level 0.530066.
	require.InDelta(t, 0.896522, c.Level(0.9), 1e-6)
	require.InDelta(t, 0.530066, c.Level(0.5), 1e-6)
}
