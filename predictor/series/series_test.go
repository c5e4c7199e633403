package series

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/floats/scalar"
)

func TestQuantileSorted(t *testing.T) {
	for _, tc := range []struct {
		name string
		x    []float64
		p    float64
		want float64
	}{
		// Type 7: h = p*(n-1); by hand.
		{"median odd", []float64{1, 2, 3}, 0.5, 2},
		{"median even", []float64{1, 2, 3, 4}, 0.5, 2.5}, // h=1.5
		{"p10 of 0..10", []float64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 0.1, 1},
		{"p90 of 1..4", []float64{1, 2, 3, 4}, 0.9, 3.7}, // h=2.7: 3+0.7
		{"p0", []float64{-1, 5}, 0, -1},
		{"p1", []float64{-1, 5}, 1, 5},
		{"single", []float64{7}, 0.3, 7},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := QuantileSorted(tc.x, tc.p)
			require.True(t, scalar.EqualWithinAbsOrRel(got, tc.want, 1e-12, 1e-12), "got %v want %v", got, tc.want)
		})
	}
	require.True(t, math.IsNaN(QuantileSorted(nil, 0.5)))
}

// TestClamp01 pins the one range rule of the anomaly scores and the
// forecast's confidence: NaN and anything not above 0 (-0 included, so
// that no score is written as -0) are 0, anything above 1 is 1.
func TestClamp01(t *testing.T) {
	for _, tc := range []struct {
		name string
		x    float64
		want float64
	}{
		{"inside", 0.25, 0.25},
		{"one", 1, 1},
		{"above", 1.5, 1},
		{"+Inf", math.Inf(1), 1},
		{"below", -0.5, 0},
		{"-Inf", math.Inf(-1), 0},
		{"NaN", math.NaN(), 0},
		{"-0", math.Copysign(0, -1), 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Clamp01(tc.x)
			require.Equal(t, tc.want, got) //nolint:testifylint // exact: a clamp, no arithmetic
			require.False(t, math.Signbit(got), "Clamp01(%v) = -0", tc.x)
		})
	}
}

func TestACF(t *testing.T) {
	alt := []float64{1, -1, 1, -1}
	for _, tc := range []struct {
		name string
		x    []float64
		k    int
		want float64
		tol  float64
	}{
		// Mean 0, sum of squares 4; lag 1: 3 products of -1 → -3/4.
		{"alternating lag 1", alt, 1, -0.75, 1e-12},
		// Lag 2: 2 products of +1 → 2/4.
		{"alternating lag 2", alt, 2, 0.5, 1e-12},
		// x = 1..4, mean 2.5, squares 5; lag 1: (-1.5)(-0.5)+(-0.5)(0.5)+(0.5)(1.5) = 1.25 → 0.25.
		{"ramp lag 1", []float64{1, 2, 3, 4}, 1, 0.25, 1e-12},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := ACF(tc.x, tc.k)
			require.True(t, scalar.EqualWithinAbsOrRel(got, tc.want, tc.tol, tc.tol), "got %v want %v", got, tc.want)
		})
	}
	require.True(t, math.IsNaN(ACF([]float64{3, 3, 3}, 1)), "constant series has no ACF")
	require.True(t, math.IsNaN(ACF([]float64{1, 2}, 2)), "lag beyond the data")
}

func TestDetectSeason(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	noise := make([]float64, 3000)
	for i := range noise {
		noise[i] = rng.NormFloat64()
	}
	daily5m := sine(4*288, 288)
	hourly := sine(10*24, 24)
	odd := sine(600, 50)
	withGaps := append([]float64(nil), daily5m...)
	for i := 0; i < len(withGaps); i += 7 {
		withGaps[i] = math.NaN()
	}
	for _, tc := range []struct {
		name string
		y    []float64
		step int64
		want int
	}{
		{"calendar day at 5 min", daily5m, 300, 288},   // 86400/300
		{"calendar day hourly", hourly, 3600, 24},      // 86400/3600
		{"non-calendar period by search", odd, 60, 50}, // generated with period 50
		{"white noise has none", noise, 300, 0},        // iid: no peak above 0.3
		{"gaps carried forward", withGaps, 300, 288},   // every 7th sample NaN
		{"too short", []float64{1, 2, 3}, 300, 0},      // fewer than 2 days, no lag to search
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, DetectSeason(tc.y, tc.step))
		})
	}
}

// A daily cycle under rare large spikes (counted events, tweets or
// requests): the spikes carry the autocorrelation of the values at one day
// below 0.1, not that of their ranks.
func TestDetectSeasonUnderSpikes(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 9))
	y := sine(5*288, 288)
	for i := range y {
		y[i] += 3 * rng.NormFloat64()
		if rng.Float64() < 0.01 {
			y[i] += 2000 * rng.ExpFloat64()
		}
	}
	require.Less(t, ACF(y, 288), calendarACF, "the values' autocorrelation misses the day")
	require.Greater(t, ACF(ranks(y), 288), rankCalendarACF)
	require.Equal(t, 288, DetectSeason(y, 300))
}

// ShowsDay is DetectSeason's calendar check alone: a period found by the
// search is no day.
func TestShowsDay(t *testing.T) {
	require.True(t, ShowsDay(sine(4*288, 288), 300))
	odd := sine(600, 50)
	require.Equal(t, 50, DetectSeason(odd, 60))
	require.False(t, ShowsDay(odd, 60))
	require.False(t, ShowsDay(sine(288, 288), 300), "one day of samples")
}

// A level that drops from 34 to 0.3 under noise (grok_asg_anomaly's
// shape) shows the day at any lag once the new level has lasted one; the
// day is not taken then. A daily cycle that also drops keeps its day.
func TestShowsDayNotALevelShift(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 11))
	step := make([]float64, 13*288+500)
	for i := range step {
		step[i] = 34 + 0.5*rng.NormFloat64()
		if i >= 13*288 {
			step[i] = 0.3 + 0.5*rng.NormFloat64()
		}
	}
	require.Greater(t, ACF(step, 288), calendarACF, "the values' autocorrelation shows a day")
	require.False(t, ShowsDay(step, 300))
	require.Zero(t, DetectSeason(step, 300))

	cycle := sine(len(step), 288)
	for i := range cycle {
		cycle[i] += step[i]
	}
	require.True(t, ShowsDay(cycle, 300))
}

func TestRanks(t *testing.T) {
	// Ties share the mean of their ranks.
	require.Equal(t, []float64{2, 0.5, 3, 0.5}, ranks([]float64{5, 1, 7, 1}))
	require.Empty(t, ranks(nil))
}

func TestDetectSeasonFineStep(t *testing.T) {
	// 15-second samples over 5 days: one day is 5760 samples, longer than
	// the 6000-sample search window allows for two days; the calendar
	// check reads 4 days instead.
	y := sine(5*5760, 5760)
	require.Equal(t, 5760, DetectSeason(y, 15)) // 86400/15
}

// sine returns n samples of 10 + 5*sin(2πi/p).
func sine(n, p int) []float64 {
	y := make([]float64, n)
	for i := range n {
		y[i] = 10 + 5*math.Sin(2*math.Pi*float64(i)/float64(p))
	}
	return y
}

func TestCentredMA(t *testing.T) {
	x := []float64{1, 2, 3, 4, 5, 6}
	out, cs := make([]float64, 6), make([]float64, 7)
	CentredMA(x, 3, out, cs)
	// Odd p: a plain 3-point average, shorter at the ends.
	require.Equal(t, []float64{1.5, 2, 3, 4, 5, 5.5}, out)
	CentredMA(x, 2, out, cs)
	// Even p: 2×2, half weight on both ends: (x[i-1]/2 + x[i] + x[i+1]/2) / 2.
	require.Equal(t, []float64{1.5, 2, 3, 4, 5, 5.5}, out)
}

func TestCalendar(t *testing.T) {
	// 2026-03-07 (a Saturday) 06:00 UTC: a quarter of the day.
	f := Calendar(time.Date(2026, 3, 7, 6, 0, 0, 0, time.UTC).Unix(), nil)
	require.Len(t, f, CalendarFeatures)
	require.InDelta(t, 1, f[0], 1e-12, "sin of a quarter day")
	require.InDelta(t, 0, f[1], 1e-12)
	require.InDelta(t, 1, f[6], 0, "weekend")
	f = Calendar(time.Date(2026, 3, 9, 6, 0, 0, 0, time.UTC).Unix(), nil)
	require.InDelta(t, 0, f[6], 0, "Monday")
	tab := CalendarTable(300, 0, 3)
	require.Equal(t, Calendar(600, nil), tab[2*CalendarFeatures:3*CalendarFeatures])
	// A longer table on the same grid is its own: a cached shorter one
	// would end early.
	long := CalendarTable(300, 0, 5)
	require.Len(t, long, 5*CalendarFeatures)
	require.Equal(t, Calendar(1200, nil), long[4*CalendarFeatures:])
}

// Keep releases the arrays named false and the log-scale values of all
// but the last logTail samples: Vals returns nil for what was released,
// Push no longer extends it, and what is kept stays as a full series has
// it (the log-scale tail grows with Push).
func TestKeepReleases(t *testing.T) {
	full, part, tail := New(false, 0), New(false, 0), New(false, 0)
	for i := range 100 {
		y := float64(i % 7)
		if i%13 == 0 {
			y = math.NaN()
		}
		for _, s := range []*Series{full, part, tail} {
			s.Push(int64(i), y)
		}
		if i == 49 {
			part.Keep(0, true, false)
			tail.Keep(20, false, false)
		}
	}
	x, cs, _ := part.Vals(false)
	fx, fcs, _ := full.Vals(false)
	require.Equal(t, fx, x)
	require.Equal(t, fcs, cs)
	lx, lcs, _ := part.Vals(true)
	require.Nil(t, lx)
	require.Nil(t, lcs)
	require.Equal(t, full.Obs, part.Obs)
	for i := range full.N() {
		require.Equal(t, full.Time(i), part.Time(i))
	}
	part.Keep(1000, false, true) // what was released stays released
	x, cs, _ = part.Vals(false)
	require.Equal(t, fx, x)
	require.Nil(t, cs)
	lx, _, _ = part.Vals(true)
	require.Nil(t, lx)

	// The tail (the first NaN was dropped: sample i is the (i+1)-th
	// pushed): samples 29..98, the log-scale values a full series has,
	// without prefix sums (they would index every sample); LogVals gives
	// them all, computed before the tail.
	lt, ltcs, off := tail.Vals(true)
	lf, _, _ := full.Vals(true)
	require.Equal(t, 99, tail.N())
	require.Equal(t, 29, off)
	require.Len(t, lt, 70)
	require.Nil(t, ltcs)
	require.Equal(t, lf[29:], lt)
	all := make([]float64, 99)
	tail.LogVals(all, 0)
	require.Equal(t, lf, all)
	some := make([]float64, 10)
	tail.LogVals(some, 25)
	require.Equal(t, lf[25:35], some)
	for i := range 99 {
		require.InDelta(t, lf[i], tail.LogAt(i), 0, "sample %d", i)
	}
}

// Times on a grid are held as two numbers; once a sample leaves the grid
// (a gap in time, a repeated or out-of-order time) every time is held,
// and Time gives the times pushed (out-of-order ones clamped) either way.
func TestSeriesTimesOnAGrid(t *testing.T) {
	grid := New(false, 0)
	for i := range 1000 {
		grid.Push(1_700_000_000+int64(i)*300, float64(i))
	}
	require.Zero(t, grid.times.Held(), "regular grid: no array of times")
	require.Equal(t, int64(300), grid.Step())
	require.Equal(t, int64(1_700_000_000+999*300), grid.Time(999))

	for _, tc := range []struct {
		name string
		ts   []int64
		want []int64
	}{
		{"gap in time", []int64{0, 60, 120, 300, 360}, []int64{0, 60, 120, 300, 360}},
		{"repeated first", []int64{10, 10, 70, 130}, []int64{10, 10, 70, 130}},
		{"out of order", []int64{0, 60, 120, 90, 240}, []int64{0, 60, 120, 120, 240}},
		{"leading missing dropped", []int64{0, 60, 120}, []int64{60, 120}},
	} {
		s := New(false, 0)
		for i, ts := range tc.ts {
			y := float64(i)
			if tc.name == "leading missing dropped" && i == 0 {
				y = math.NaN()
			}
			s.Push(ts, y)
		}
		got := make([]int64, s.N())
		for i := range got {
			got[i] = s.Time(i)
		}
		require.Equal(t, tc.want, got, tc.name)
	}
}

func TestBatchMeanSE(t *testing.T) {
	// Blocks of 2: means 1 and 3 with weights 2 and 2; mean 2, and
	// sqrt((4·1 + 4·1) / 16 · 2/1) = 1 by hand.
	m, se := BatchMeanSE([]float64{0, 2, 3, 3}, []float64{1, 1, 1, 1}, 2)
	require.InDelta(t, 2, m, 1e-12)
	require.InDelta(t, 1, se, 1e-12)
	_, se = BatchMeanSE([]float64{5, 5, 5, 5, 5}, []float64{1, 2, 3, 4, 5}, 2)
	require.Zero(t, se)
	_, se = BatchMeanSE([]float64{1, 2}, []float64{1, 1}, 2) // one block
	require.True(t, math.IsNaN(se))
	w := DecayWeights(3, 0.5)
	require.InDelta(t, math.Exp(-2/1.5), w[0], 1e-15)
	require.InDelta(t, 1, w[2], 0)
}

// LendLog lends the log-scale values of the last n samples to a series
// that holds none: each computed as it is read (LogAt, LogVals, FillLog
// before Vals' slice), the number a series holding them has, and
// released again by ReturnLog; a series that holds them is lent nothing.
func TestLendLog(t *testing.T) {
	full, part := New(false, 0), New(false, 0)
	for i := range 100 {
		y := float64(i%9) * 1.7
		if i%11 == 0 {
			y = math.NaN()
		}
		full.Push(int64(i), y)
		part.Push(int64(i), y)
	}
	part.Keep(0, false, false)
	lf, _, _ := full.Vals(true)
	part.LendLog(30)
	lx, _, off := part.Vals(true)
	require.Equal(t, 99-30, off)
	require.Len(t, lx, 30)
	require.True(t, math.IsNaN(lx[0]), "computed before it was read")
	part.FillLog(off, off+4)
	require.Equal(t, lf[off:off+5], lx[:5])
	require.True(t, math.IsNaN(lx[5]), "computed though not asked for")
	got := []float64{part.LogAt(off + 20)}
	require.Equal(t, lf[off+20:off+21], got)
	dst := make([]float64, 40)
	part.LogVals(dst, 99-40)
	require.Equal(t, lf[99-40:], dst)
	require.Equal(t, lf[off:], lx, "every lent value read")
	part.ReturnLog()
	lx, _, _ = part.Vals(true)
	require.Nil(t, lx)
	part.Push(100, 3)
	lx, _, _ = part.Vals(true)
	require.Nil(t, lx, "a returned loan grows with Push")

	full.LendLog(30)
	held, _, _ := full.Vals(true)
	require.Equal(t, lf, held[:len(lf)], "held values are not lent over")
	full.ReturnLog()
	held, _, _ = full.Vals(true)
	require.NotNil(t, held)
}

// The flags of a series whose samples were all observed are a slice of
// one shared array, never written (a series with a gap and one of more
// samples than it holds get their own), and read as a series' own.
func TestObservedFlagsShared(t *testing.T) {
	a, b, gap := New(false, 10), New(false, 10), New(false, 10)
	for i := range 50 {
		a.Push(int64(i), 1)
		b.Push(int64(i), 2)
		y := 3.0
		if i == 20 {
			y = math.NaN()
		}
		gap.Push(int64(i), y)
	}
	require.Same(t, &a.Obs[0], &b.Obs[0])
	require.Same(t, &allObserved[0], &a.Obs[0])
	require.NotSame(t, &allObserved[0], &gap.Obs[0])
	require.Len(t, gap.Obs, 50)
	for i, ok := range gap.Obs {
		require.Equal(t, i != 20, ok, "sample %d", i)
	}
	require.Equal(t, 50, cap(a.Obs), "no room to append into the shared array")
	require.NotContains(t, allObserved, false)

	long := New(false, 0)
	for i := range allObservedLen + 5 {
		long.Push(int64(i), 1)
	}
	require.Len(t, long.Obs, allObservedLen+5)
	require.NotSame(t, &allObserved[0], &long.Obs[0])
	require.NotContains(t, long.Obs, false)
}

// TestLogOffsetFollowsUnit: the log scale's offset is a share of the
// median of the observed values (carried values left out), of the
// smallest positive one when the median is 0, 1 without any, and it
// scales with the values, so that the
// log-scale values of a series times a factor are its own plus the
// factor's log. log1p's absolute offset of 1 made them differ by more
// than the log near 0 (0.4 for a value of 0.5 in thousandths).
func TestLogOffsetFollowsUnit(t *testing.T) {
	require.InDelta(t, 1.0, LogOffset([]float64{0, -3, 0}, []bool{true, true, true}), 0)
	require.InDelta(t, 0.03*20, LogOffset([]float64{0, 10, 99, 20, 30}, []bool{true, true, false, true, true}), 1e-12)
	require.Greater(t, LogOffset([]float64{0, 0, math.SmallestNonzeroFloat64}, []bool{true, true, true}), 0.0)
	// Idle at least half the time: the smallest positive value instead.
	require.InDelta(t, 0.03*2, LogOffset([]float64{0, 0, 7, -1, 2, 0}, []bool{true, true, true, true, true, true}), 1e-12)
	y := []float64{0.5, 0, 7, 300, 12, math.NaN(), 40, 2}
	ts := make([]int64, len(y))
	for i := range ts {
		ts[i] = int64(i) * 60
	}
	base, err := NewFrom(ts, y, false)
	require.NoError(t, err)
	for _, f := range []float64{1e-3, 1e3, 1e-12} {
		ys := make([]float64, len(y))
		for i, v := range y {
			ys[i] = v * f
		}
		s, err := NewFrom(ts, ys, false)
		require.NoError(t, err)
		x, _, _ := s.Vals(true)
		bx, _, _ := base.Vals(true)
		for i := range x {
			require.InDelta(t, bx[i]+math.Log(f), x[i], 1e-9, "factor %g, sample %d", f, i)
			require.InDelta(t, bx[i]+math.Log(f), s.LogAt(i), 1e-9, "factor %g, sample %d", f, i)
			require.InDelta(t, s.Z[i], s.ToOutput(x[i], true), 1e-9*f, "factor %g, sample %d", f, i)
		}
	}
}
