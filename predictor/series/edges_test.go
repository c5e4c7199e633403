package series

// The series' edges that no other test pinned (each found by a mutation
// that every test still passed).

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestCheckInputNamesTheSamples: times decreasing anywhere, the second
// sample included, are refused, and the error names the two samples.
func TestCheckInputNamesTheSamples(t *testing.T) {
	require.EqualError(t, CheckInput([]int64{0, 60, 30, 90}, []float64{1, 2, 3, 4}),
		"predictor: t must not decrease: t[2]=30 < t[1]=60")
	require.EqualError(t, CheckInput([]int64{60, 0}, []float64{1, 2}),
		"predictor: t must not decrease: t[1]=0 < t[0]=60")
}

// TestNewFromLogScale: a series NewFrom builds holds one sample as well
// as many, and its log-scale values are log(max(z, 0) + LogOffset of its
// observed values), with their prefix sums; a series New makes has the
// offset 1, and its prefix sums start at 0.
func TestNewFromLogScale(t *testing.T) {
	one, err := NewFrom([]int64{0}, []float64{5}, false)
	require.NoError(t, err)
	require.Equal(t, 1, one.N())
	require.InDelta(t, math.Log(5+0.03*5), one.LogAt(0), 1e-12)

	y := []float64{0.5, 0, 7, 300, 12, math.NaN(), 40, -2}
	ts := make([]int64, len(y))
	for i := range ts {
		ts[i] = int64(i) * 60
	}
	s, err := NewFrom(ts, y, false)
	require.NoError(t, err)
	c := LogOffset(s.Z, s.Obs)
	require.InDelta(t, 0.03*7, c, 1e-12)
	x, lcs, off := s.Vals(true)
	require.Zero(t, off)
	require.Len(t, x, s.N())
	require.Len(t, lcs, s.N()+1)
	for i, z := range s.Z {
		require.InDelta(t, math.Log(max(z, 0)+c), x[i], 1e-12, "sample %d", i)
		require.InDelta(t, x[i], lcs[i+1]-lcs[i], 1e-9, "sample %d", i)
	}

	n := New(false, 4)
	for i, v := range []float64{1, 2, 3, math.NaN()} {
		n.Push(int64(i)*60, v)
	}
	require.Equal(t, []float64{1, 2, 3, 3}, n.Z, "a gap carries the last value")
	z, cs, _ := n.Vals(false)
	require.Equal(t, []float64{1, 2, 3, 3}, z)
	require.Equal(t, []float64{0, 1, 3, 6, 9}, cs)
	for i, v := range n.Z {
		require.InDelta(t, math.Log(v+1), n.LogAt(i), 1e-12)
	}
}

// TestKeepTailDropsLogSums: the log-scale prefix sums are kept only with
// all the log-scale values (they index every sample); LendLog(0) lends
// nothing, so Vals' log-scale values stay released at offset 0.
func TestKeepTailDropsLogSums(t *testing.T) {
	s := New(false, 0)
	for i := range 10 {
		s.Push(int64(i)*60, float64(i))
	}
	s.Keep(3, true, true)
	x, lcs, off := s.Vals(true)
	require.Len(t, x, 3)
	require.Nil(t, lcs)
	require.Equal(t, 7, off)

	s.Keep(0, true, false)
	s.LendLog(0)
	x, _, off = s.Vals(true)
	require.Nil(t, x)
	require.Zero(t, off)
	s.ReturnLog()
}

// TestToOutputClipsNonNegative: a value below 0 maps to 0 on a series
// that never had a negative value, and stays on one that had.
func TestToOutputClipsNonNegative(t *testing.T) {
	s := New(false, 0)
	s.Push(0, 2)
	require.InDelta(t, 0, s.ToOutput(-3, false), 0)
	require.InDelta(t, 1.5, s.ToOutput(1.5, false), 0)
	s.Push(60, -1)
	require.InDelta(t, -3, s.ToOutput(-3, false), 0)
}

// TestStepOfFewAndIrregularSamples: two samples give their step; off a
// regular grid the step is the median of the recent positive steps.
func TestStepOfFewAndIrregularSamples(t *testing.T) {
	s := New(false, 0)
	s.Push(0, 1)
	require.Equal(t, int64(1), s.Step())
	s.Push(60, 1)
	require.Equal(t, int64(60), s.Step())
	for _, tj := range []int64{120, 200, 260} {
		s.Push(tj, 1)
	}
	require.Equal(t, int64(60), s.Step())
}

// TestMeanClipsAndSums: Mean clips a at 0, from the prefix sums or
// summing the values alike.
func TestMeanClipsAndSums(t *testing.T) {
	x := []float64{1, 2, 3, 4}
	cs := []float64{0, 1, 3, 6, 10}
	for _, c := range [][]float64{nil, cs} {
		require.InDelta(t, 1.5, Mean(x, c, -2, 1), 1e-12)
		require.InDelta(t, 3, Mean(x, c, 1, 3), 1e-12)
		require.True(t, math.IsNaN(Mean(x, c, 2, 1)))
	}
}

// TestBatchMeanSEWeighted: blocks of unequal weight, and a block without
// weight left out (its mean is undefined).
func TestBatchMeanSEWeighted(t *testing.T) {
	// Blocks of 2: means 0, 3, 6 with weights 2, 4, 6; mean 48/12 = 4;
	// sqrt((4·16 + 16·1 + 36·4) / 144 · 3/2) by hand.
	m, se := BatchMeanSE([]float64{0, 0, 3, 3, 6, 6}, []float64{1, 1, 2, 2, 3, 3}, 2)
	require.InDelta(t, 4, m, 1e-12)
	require.InDelta(t, math.Sqrt(224.0/144*1.5), se, 1e-12)
	m, se = BatchMeanSE([]float64{1, 2, 100, 100, 3, 4}, []float64{1, 1, 0, 0, 1, 1}, 2)
	require.InDelta(t, 2.5, m, 1e-12)
	require.InDelta(t, 1, se, 1e-12)
}

// TestMedian: the median of x, the mean of the middle two for even n,
// NaN for none.
func TestMedian(t *testing.T) {
	require.InDelta(t, 2, Median([]float64{3, 1, 2}), 0)
	require.InDelta(t, 5, Median([]float64{5}), 0)
	require.InDelta(t, 2.5, Median([]float64{4, 1, 3, 2}), 0)
	require.True(t, math.IsNaN(Median(nil)))
}

// TestSelectMedianAgainstSort: SelectMedian is the upper median of the
// sorted values, ties and all.
func TestSelectMedianAgainstSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(26, 1))
	for trial := range 2000 {
		x := make([]float64, 1+rng.IntN(40))
		for i := range x {
			x[i] = float64(rng.IntN(1 + trial%12))
		}
		sorted := slices.Sorted(slices.Values(x))
		require.InDelta(t, sorted[len(x)/2], SelectMedian(x), 0, "trial %d: %v", trial, sorted)
	}
	require.True(t, math.IsNaN(SelectMedian(nil)))
}

// TestCalendarEpochAndBefore: at the epoch (a Thursday, midnight) every
// phase is 0, half a week later the week's is a half, a week on too; before it the weekend indicator still follows UTC's days,
// midnight included (Saturday 27 and Sunday 28 December 1969).
func TestCalendarEpochAndBefore(t *testing.T) {
	f := Calendar(0, nil)
	for k, want := range []float64{0, 1, 0, 1, 0, 1, 0} {
		require.InDelta(t, want, f[k], 1e-15, "feature %d", k)
	}
	for _, tj := range []int64{302400, 907200} { // half a week in, and a week later
		f = Calendar(tj, nil)
		require.InDelta(t, 0, f[4], 1e-12, "t %d", tj)
		require.InDelta(t, -1, f[5], 1e-12, "t %d", tj)
	}
	const day = 86400
	for _, c := range []struct {
		tj int64
		we float64
	}{
		{-6 * day, 0}, {-6*day + 1, 0}, {-5*day - 1, 0},
		{-5 * day, 1}, {-5*day + 1, 1}, {-3*day - 1, 1},
		{-3 * day, 0}, {-3*day + 1, 0},
	} {
		require.InDelta(t, c.we, Calendar(c.tj, nil)[6], 0, "t %d", c.tj)
	}
}

// TestDetectSeasonSmallSwingOnALevel: a season of small swings about a
// high level is found by DetectSeason as by DetectSeasonFilled (the
// autocorrelation is of the deviations from the mean).
func TestDetectSeasonSmallSwingOnALevel(t *testing.T) {
	y := make([]float64, 100)
	for i := range y {
		y[i] = 1000 + math.Sin(2*math.Pi*float64(i)/10)
	}
	require.Equal(t, 10, DetectSeasonFilled(y, 60))
	require.Equal(t, 10, DetectSeason(y, 60))
}

// TestDetectSeasonLongFineStep: at 30 s steps the window DetectSeason
// reads is four days (11,520 samples), and the search for a period other
// than the day reads its last ACFWindow samples.
func TestDetectSeasonLongFineStep(t *testing.T) {
	y := make([]float64, 7000)
	for i := range y {
		y[i] = math.Sin(2 * math.Pi * float64(i) / 50)
	}
	require.Equal(t, 50, DetectSeasonFilled(y, 30))
}

// TestEmpiricalIntervalAgainstSearch: on small quantised errors (fractions
// between 0 and 1 among them), the interval's coverage is as near c as
// any [lo, hi] with lo <= 0 <= hi among the values and 0 can be, and its
// tails as even as any that near: what an exhaustive search finds.
func TestEmpiricalIntervalAgainstSearch(t *testing.T) {
	levels := []float64{-2, -1, -0.5, 0, 0.3, 0.7, 1, 2}
	score := func(r []float64, c, lo, hi float64) (d, b float64) {
		below, above := 0, 0
		for _, x := range r {
			if x < lo {
				below++
			}
			if x > hi {
				above++
			}
		}
		n := float64(len(r))
		return math.Abs((n-float64(below+above))/n - c), math.Abs(float64(below-above)) / n
	}
	rng := rand.New(rand.NewPCG(26, 2))
	for trial := range 3000 {
		r := make([]float64, 1+rng.IntN(12))
		for i := range r {
			r[i] = levels[rng.IntN(len(levels))]
		}
		slices.Sort(r)
		c := []float64{0.1, 0.25, 0.5, 0.8, 0.95}[trial%5]
		bestD, bestB := math.Inf(1), math.Inf(1)
		for _, lo := range append([]float64{0}, r...) {
			for _, hi := range append([]float64{0}, r...) {
				if lo > 0 || hi < 0 {
					continue
				}
				d, b := score(r, c, lo, hi)
				if d < bestD-1e-12 || (d < bestD+1e-12 && b < bestB) {
					bestD, bestB = d, b
				}
			}
		}
		lo, hi := EmpiricalInterval(r, c)
		require.True(t, lo <= 0 && hi >= 0, "trial %d: %v at %g: [%g, %g]", trial, r, c, lo, hi)
		d, b := score(r, c, lo, hi)
		require.InDelta(t, bestD, d, 1e-9, "trial %d: %v at %g: [%g, %g]", trial, r, c, lo, hi)
		require.InDelta(t, bestB, b, 1e-9, "trial %d: %v at %g: [%g, %g]", trial, r, c, lo, hi)
	}
}

// TestCounterResets: a counter value below the last one is a reset (the
// counter restarted from 0): the last value is added to the offset; an
// equal value is no reset; Raw removes the offset.
func TestCounterResets(t *testing.T) {
	s := New(true, 0)
	for i, y := range []float64{10, 20, 20, 5, 8} {
		s.Push(int64(i)*60, y)
	}
	require.Equal(t, []float64{10, 20, 20, 25, 28}, s.Z)
	require.InDelta(t, 20, s.Offset, 0)
	require.InDelta(t, 8, s.Raw(28), 0)
}

// TestStepEdges: steps of 1 s count, times all equal give a step of at
// least 1; a log tail as long as what is held keeps the log prefix sums;
// the values lent are those of the last n samples.
func TestStepEdges(t *testing.T) {
	s := New(false, 0)
	for _, tj := range []int64{0, 1, 2, 4} {
		s.Push(tj, 1)
	}
	require.Equal(t, int64(1), s.Step())
	same := New(false, 0)
	same.Push(5, 1)
	same.Push(5, 2)
	require.Equal(t, int64(1), same.Step())

	s.Keep(s.N(), true, true)
	_, lcs, _ := s.Vals(true)
	require.Len(t, lcs, s.N()+1)
	s.Keep(0, true, false)
	s.LendLog(2)
	x, _, off := s.Vals(true)
	require.Len(t, x, 2)
	require.Equal(t, 2, off)
	s.ReturnLog()
}

// TestBatchMeanSELightBlocks: a block's weight only needs to be positive
// (the weights' scale does not matter).
func TestBatchMeanSELightBlocks(t *testing.T) {
	m, se := BatchMeanSE([]float64{0, 2, 3, 3}, []float64{0.5, 0.5, 0.5, 0.5}, 2)
	require.InDelta(t, 2, m, 1e-12)
	require.InDelta(t, 1, se, 1e-12)
}

// TestDetectSeasonSearchEdges: a day of fewer than 4 steps, or of no
// whole number of them, or a step of 0, is no calendar day; the search
// needs its autocorrelation to cross 0 first (a trend's ripple is no
// season); it reads lags up to a third of the samples from 4 on (12
// samples of a period of 4 show it); a constant series has none; a series
// longer than the window is read at its last window.
func TestDetectSeasonSearchEdges(t *testing.T) {
	require.Equal(t, 4, calendarDay(21600))
	for _, step := range []int64{0, -60, 28800, 7} {
		require.Zero(t, calendarDay(step), "step %d", step)
	}
	ripple := make([]float64, 300)
	for i := range ripple {
		ripple[i] = float64(i) + 20*math.Sin(2*math.Pi*float64(i)/10)
	}
	for k := 1; k <= 100; k++ {
		require.Greater(t, ACF(ripple, k), 0.0, "lag %d", k)
	}
	require.Zero(t, DetectSeasonFilled(ripple, 60))
	require.Equal(t, 4, DetectSeasonFilled([]float64{1, 0, -1, 0, 1, 0, -1, 0, 1, 0, -1, 0}, 60))
	flat := make([]float64, 100)
	for i := range flat {
		flat[i] = 7
	}
	require.Zero(t, DetectSeasonFilled(flat, 60))
	long := make([]float64, 7000)
	for i := range long {
		long[i] = math.Sin(2 * math.Pi * float64(i) / 70)
	}
	require.Equal(t, 70, DetectSeasonFilled(long, 60))
}
