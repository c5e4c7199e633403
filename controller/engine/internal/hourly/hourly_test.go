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
			s.Observe(c.value(i))
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
		s.Observe(y)
	}
	require.InDelta(t, 1/(1-Margin), s.Handicap(0), 1e-12)
}
