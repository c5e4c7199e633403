package hourly

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSeason(t *testing.T) {
	for _, c := range []struct {
		step    int64
		horizon int
		n       int
		ok      bool
	}{
		{60, 6, 60, true}, {300, 1, 12, true}, {299, 2, 12, true}, {900, 1, 4, true},
		{1000, 1, 4, true}, {1800, 1, 2, false}, {3600, 1, 1, false}, {0, 1, 0, false}, {-5, 1, 0, false},
		{300, 12, 12, true}, {300, 13, 12, false}, {60, 61, 60, false},
	} {
		n, ok := Season(c.step, c.horizon)
		require.Equal(t, c.ok, ok, "step %d", c.step)
		if ok {
			require.Equal(t, c.n, n, "step %d", c.step)
		}
	}
}

// The hour member may answer while the one-step changes correlate at one
// hour (a ramp each hour), from cycleHours hours of changes on, not on
// noise, a constant or missing values; the other members' losses are
// weighed as they are.
func TestSelectorReadsTheCycle(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, c := range []struct {
		name  string
		value func(i int) float64
		shows bool
	}{
		{"hourly ramp", func(i int) float64 { return 100 + 2*rng.NormFloat64() + 60*float64(max(0, i%12-8)) }, true},
		{"noise", func(int) float64 { return 100 + 2*rng.NormFloat64() }, false},
		{"constant", func(int) float64 { return 5 }, false},
		{"missing", func(int) float64 { return math.NaN() }, false},
	} {
		s := NewSelector(5, 12)
		for i := range 20 * 12 {
			s.Observe(int64(i)*300, c.value(i))
			if i < cycleHours*12 {
				require.True(t, math.IsInf(s.Handicap(5), 1), "%s: answers at %d", c.name, i)
			}
		}
		require.InDelta(t, 1.0, s.Handicap(4), 0, c.name)
		if c.shows {
			require.InDelta(t, 1/(1-Margin), s.Handicap(5), 1e-12, c.name)
		} else {
			require.True(t, math.IsInf(s.Handicap(5), 1), c.name)
		}
	}
}

// A missing sample repeats the last value: a ramp each hour with one
// sample in ten missing still shows its cycle.
func TestSelectorCarriesMissingSamples(t *testing.T) {
	s := NewSelector(0, 12)
	for i := range 20 * 12 {
		y := 100 + 60*float64(max(0, i%12-8))
		if i%10 == 3 {
			y = math.NaN()
		}
		s.Observe(int64(i)*300, y)
	}
	require.InDelta(t, 1/(1-Margin), s.Handicap(0), 1e-12)
}

// TestSelectorRestartChoosesTheSame: the cycle is read at the turn of each
// hour of the clock, so two selectors fed the same series from different
// starts (a controller restarted on a history window that begins 7
// samples later), off the hour, answer the same once both hold
// cycleWindow hours, also where the cycle comes and goes. Read every 12
// samples from each one's start, they differed for 7 samples at each
// change.
func TestSelectorRestartChoosesTheSame(t *testing.T) {
	const t0 = 1400030040 // 14 minutes past an hour, as nab_aws_asg_cpu_5m's first
	rng := rand.New(rand.NewPCG(3, 4))
	ys := make([]float64, 60*12)
	for i := range ys {
		ys[i] = 100 + 2*rng.NormFloat64()
		if i/(10*12)%2 == 0 { // ten hours of an hourly ramp, ten without
			ys[i] += 60 * float64(max(0, i%12-8))
		}
	}
	a, b := NewSelector(1, 12), NewSelector(1, 12)
	changes := 0
	for i, y := range ys {
		ts := t0 + int64(i)*300
		a.Observe(ts, y)
		if i < 7 {
			continue
		}
		was := b.shows
		b.Observe(ts, y)
		if i >= 7+(cycleWindow+1)*12 {
			require.Equal(t, a.shows, b.shows, "sample %d: the hour member may answer", i)
			if b.shows != was {
				changes++
			}
		}
	}
	require.Positive(t, changes, "the cycle comes and goes")
}
