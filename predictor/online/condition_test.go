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
// Conditional of cc wrapping it, with the Step, Levels, Prior, Memory,
// MaxRatio, Strict and MinOrigins of the tests here.
func condPair(t *testing.T, cc CondConfig) (*Forecaster, *Conditional) {
	t.Helper()
	f, err := NewForecaster(Config{Step: 300, Season: -1, LevelAlpha: 0.5, ScaleAlpha: 0.02})
	require.NoError(t, err)
	cc.Step, cc.Levels, cc.Prior, cc.Memory, cc.MaxRatio, cc.Strict, cc.MinOrigins = 300, condLevels(), 50, 2016, 8, 2, 288
	c, err := NewConditional(cc)
	require.NoError(t, err)
	return f, c
}

// runCond feeds 5-minute samples of noise around 100 for days days, with
// a burst of +burst at 03:00–03:55 UTC with probability pBurst per sample,
// to a forecaster and a Conditional (Day) wrapping it; it counts, over
// the last week, the samples of the bursty hour and of the other hours
// above the 0.97 quantile of the conditional distribution (or of the
// wrapped one, raw).
func runCond(t *testing.T, days int, burst, pBurst float64, raw bool) (missHour, nHour, missRest, nRest int, c *Conditional) {
	t.Helper()
	f, c := condPair(t, CondConfig{Horizon: 1, Day: true})
	rng := rand.New(rand.NewPCG(3, 4))
	n := days * 288
	for i := range n {
		ts := int64(i) * 300
		y := 100 + 2*rng.NormFloat64()
		hour3 := (ts%86400)/3600 == 3
		if hour3 && rng.Float64() < pBurst {
			y += burst
		}
		if i >= n-7*288 {
			p := 0.97
			if !raw {
				p = c.Level(p)
			}
			if q, ok := f.PeakQuantile(p); ok {
				miss := y > q
				if hour3 {
					nHour++
					if miss {
						missHour++
					}
				} else {
					nRest++
					if miss {
						missRest++
					}
				}
			}
		}
		f.Update(ts, y)
		c.Update(ts, y, f.PeakQuantile)
	}
	return missHour, nHour, missRest, nRest, c
}

// Bursts that come in one hour of the day (a nightly job: +20 at 03:00 a
// quarter of the time) are missed by the week's quantiles there (its 97 %
// quantile is exceeded by 16 of that hour's 84 samples in the last week);
// conditioned on the hour, the distribution covers more than half of
// them (7 missed), and the other hours keep about the 3 % they should.
func TestConditionalHourOfDay(t *testing.T) {
	rawHour, nHour, rawRest, nRest, _ := runCond(t, 28, 20, 0.25, true)
	hour, _, rest, _, _ := runCond(t, 28, 20, 0.25, false)
	require.Equal(t, 84, nHour)
	require.Greater(t, rawHour, 12, "the wrapped distribution misses the nightly bursts")
	require.Less(t, hour, rawHour/2, "conditioned on the hour it covers most of them")
	require.LessOrEqual(t, float64(rest)/float64(nRest), 0.05)
	t.Logf("hour 3: %d → %d of %d misses; other hours: %d → %d of %d", rawHour, hour, nHour, rawRest, rest, nRest)
}

// A series whose hours do not differ keeps the wrapped distribution: the
// strict bound leaves noise in the bins' counts out.
func TestConditionalNoStructureUnchanged(t *testing.T) {
	_, _, _, _, c := runCond(t, 28, 0, 0, false)
	moved := 0
	for h := range int64(24) {
		c.cur[0], c.fresh = uint8(h), false
		if c.Level(0.97) != 0.97 {
			moved++
		}
	}
	require.LessOrEqual(t, moved, 2, "hours whose distribution moved without structure")
}

// Before MinOrigins realised origins, or without a feature, the level is
// unchanged.
func TestConditionalWarmUp(t *testing.T) {
	c, err := NewConditional(CondConfig{Step: 300, Horizon: 1, Levels: condLevels(), Day: true,
		Prior: 50, Memory: 2016, MaxRatio: 8, MinOrigins: 288})
	require.NoError(t, err)
	peak := func(p float64) (float64, bool) { return 100 + p, true }
	for i := range 100 {
		c.Update(int64(i)*300, 200, peak) // every origin missed
	}
	require.InDelta(t, 0.97, c.Level(0.97), 1e-15)
	for i := 100; i < 400; i++ {
		c.Update(int64(i)*300, 200, peak)
	}
	require.Greater(t, c.Level(0.97), 0.97, "every origin missed: the level rises")
	none, err := NewConditional(CondConfig{Step: 300, Horizon: 1, Levels: condLevels(), Prior: 1, Memory: 2, MaxRatio: 2})
	require.NoError(t, err)
	for i := range 400 {
		none.Update(int64(i)*300, 200, peak)
	}
	require.InDelta(t, 0.97, none.Level(0.97), 1e-15)
}

// A bin's count is bounded by Memory.
func TestConditionalMemoryBound(t *testing.T) {
	c, err := NewConditional(CondConfig{Step: 3600, Horizon: 2, Levels: condLevels(), Day: true, Jump: true, Hour: true,
		Prior: 5, Memory: 50, MaxRatio: 8})
	require.NoError(t, err)
	require.Len(t, c.feats, 2, "an hourly step has no phase of the hour")
	peak := func(p float64) (float64, bool) { return p, true }
	for i := range 5000 {
		c.Update(int64(i)*3600, float64(i%3), peak)
	}
	require.LessOrEqual(t, c.all.n, float32(50))
	for _, f := range c.feats {
		for _, b := range f.counts {
			require.LessOrEqual(t, b.n, float32(50))
		}
	}
}

func TestConditionalConfigErrors(t *testing.T) {
	ok := CondConfig{Step: 300, Horizon: 1, Levels: condLevels(), Prior: 1, Memory: 2, MaxRatio: 2}
	for name, tc := range map[string]struct {
		mod  func(*CondConfig)
		want string
	}{
		"step":     {func(c *CondConfig) { c.Step = 0 }, "Step must be > 0"},
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
		f, c := condPair(t, CondConfig{Horizon: 1, Jump: true, RaiseOnly: true})
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
			c.Update(int64(i)*300, y, f.PeakQuantile)
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
		f, c := condPair(t, CondConfig{Horizon: 3, Jump: true, RaiseOnly: true})
		rng := rand.New(rand.NewPCG(3, 4))
		for i := range 5 * 288 {
			y := 100 + 2*rng.NormFloat64()
			if i%50 == 49 {
				y = bad
			}
			f.Update(int64(i)*300, y)
			c.Update(int64(i)*300, y, f.PeakQuantile)
		}
		return c
	}
	gap := run(math.NaN())
	for _, inf := range []float64{math.Inf(1), math.Inf(-1)} {
		c := run(inf)
		require.Equal(t, gap.all, c.all, "%v: the whole's counts", inf)
		require.Equal(t, gap.feats, c.feats, "%v: the jump bins' counts", inf)
		require.InDelta(t, gap.Level(0.99), c.Level(0.99), 0)
	}
}
