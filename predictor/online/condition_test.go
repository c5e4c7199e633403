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
		c.Update(y, f.PeakQuantile)
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
	peak := func(p float64) (float64, bool) { return 100 + p, true }
	for range 100 {
		c.Update(200, peak) // every origin missed
	}
	require.InDelta(t, 0.97, c.Level(0.97), 1e-15)
	for range 300 {
		c.Update(200, peak)
	}
	require.Greater(t, c.Level(0.97), 0.97, "every origin missed: the level rises")
}

// A bin's count is bounded by Memory.
func TestConditionalMemoryBound(t *testing.T) {
	c, err := NewConditional(CondConfig{Horizon: 2, Levels: condLevels(), Prior: 5, Memory: 50, MaxRatio: 8})
	require.NoError(t, err)
	peak := func(p float64) (float64, bool) { return p, true }
	for i := range 5000 {
		c.Update(float64(i%3), peak)
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
			c.Update(y, f.PeakQuantile)
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
			c.Update(y, f.PeakQuantile)
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
