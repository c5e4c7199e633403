package anomaly

import (
	"encoding/csv"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/floats/scalar"

	"github.com/prescale/prescale/internal/testkit"
	"github.com/prescale/prescale/predictor"
)

// newSortedWindow returns a window of size with its own ring, for the
// window's own tests (the detectors share one ring between windows).
func newSortedWindow(size int) *sortedWindow {
	return newDerivedWindow(&samples{v: make([]float64, size+1)}, size, 0)
}

// push adds x (finite) to a window's own ring and to the window.
func (w *sortedWindow) push(x float64) {
	w.src.push(x)
	w.add()
}

// testDetectors builds one fresh detector of each kind, with the
// default configuration and with small windows (so that windows wrap and
// every code path runs within short test series; the robust window still
// spans the test series' daily cycle, as a window must).
func testDetectors() map[string]func() predictor.Detector {
	return map[string]func() predictor.Detector{
		"zscore":       func() predictor.Detector { return NewZScoreDetector(ZScoreConfig{}) },
		"zscore/small": func() predictor.Detector { return NewZScoreDetector(ZScoreConfig{Window: 20, MinSamples: 5}) },
		"robust":       func() predictor.Detector { return NewRobustDetector(RobustConfig{}) },
		"robust/small": func() predictor.Detector {
			return NewRobustDetector(RobustConfig{
				Window: 400, MaxSeasonSamples: 300,
				Likelihood: LikelihoodConfig{LongWindow: 300, MinSamples: 20},
			})
		},
		"robust/plain": func() predictor.Detector {
			return NewRobustDetector(RobustConfig{Window: 50, Spatial: -1, Season: -1})
		},
		"robust/nab": func() predictor.Detector {
			d, _ := NewNABDetector("robust")
			return d
		},
		"zscore/nab-small": func() predictor.Detector {
			return NewNABFirstDetection(NewZScoreDetector(ZScoreConfig{Window: 20, MinSamples: 5}), FirstDetectionConfig{Hold: 10})
		},
	}
}

// testSeries is a seeded daily-cycle series at 5-minute steps with
// noise, a spike at 700 and a level shift from 900.
func testSeries(n int, seed uint64) (ts []int64, ys []float64) {
	ys = testkit.DailySine(n, 100, 20, 2, rand.New(rand.NewPCG(seed, 7)))
	for i := range n {
		ts = append(ts, 1_600_000_000+int64(i)*300)
		if i == 700 {
			ys[i] += 60
		}
		if i >= 900 {
			ys[i] += 40
		}
	}
	return ts, ys
}

func TestSortedWindowQuantile(t *testing.T) {
	// Expected values: R's quantile(x, p, type = 7) on the values left in
	// the window, worked by hand: with n values sorted, h = p(n-1) and the
	// result interpolates between the floor(h)-th and next order statistic.
	tests := []struct {
		name   string
		size   int
		values []float64
		p      float64
		want   float64
	}{
		{"single", 3, []float64{5}, 0.5, 5},
		{"median odd", 5, []float64{3, 1, 2}, 0.5, 2},
		{"median even", 5, []float64{4, 1, 3, 2}, 0.5, 2.5},
		{"q1 of 1..4", 5, []float64{4, 1, 3, 2}, 0.25, 1.75},
		{"max", 5, []float64{4, 1, 3, 2}, 1, 4},
		{"min", 5, []float64{4, 1, 3, 2}, 0, 1},
		// The window of size 3 keeps 30, 40, 50 (10 and 20 dropped).
		{"wrapped median", 3, []float64{10, 20, 30, 40, 50}, 0.5, 40},
		{"wrapped q3", 3, []float64{50, 10, 20, 30, 40}, 0.75, 35},
		{"duplicates dropped once", 3, []float64{1, 1, 1, 2, 2}, 0.5, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := newSortedWindow(tc.size)
			for _, v := range tc.values {
				w.push(v)
			}
			require.Equal(t, min(tc.size, len(tc.values)), w.len())
			got := w.quantile(tc.p)
			require.True(t, scalar.EqualWithinAbsOrRel(got, tc.want, 1e-12, 1e-12), "got %v want %v", got, tc.want)
		})
	}
}

func TestZScoreDetectorValues(t *testing.T) {
	// Window {1, 2, 3, 4}: mean 2.5, population sd sqrt(1.25). Expected
	// scores z/(z+3) with z = |y-2.5|/sd, computed in Python (float64).
	tests := []struct {
		name string
		y    float64
		want float64
		tol  float64
	}{
		{"at the mean", 2.5, 0, 1e-15},
		{"z = 0.447", 3, 0.12973190755680383, 1e-12},
		{"z = 2.236", 5, 0.4270509831248423, 1e-12},
		{"far out", 1e6, 0.9999966459008985, 1e-12},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := NewZScoreDetector(ZScoreConfig{Window: 4, MinSamples: 4})
			for i, v := range []float64{1, 2, 3, 4} {
				require.Zero(t, d.Update(int64(i), v), "warm-up scores 0")
			}
			got := d.Update(4, tc.y)
			require.True(t, scalar.EqualWithinAbsOrRel(got, tc.want, tc.tol, tc.tol), "got %v want %v", got, tc.want)
		})
	}
}

func TestZScoreDetectorLargeOffset(t *testing.T) {
	// Values near 1e9 with unit noise: the running sums are shifted by the
	// first sample, so the variance does not cancel catastrophically. A
	// sample 0.5 sd from the mean must score about 0.5/3.5 ≈ 0.143.
	d := NewZScoreDetector(ZScoreConfig{Window: 1000})
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range 5000 {
		d.Update(int64(i), 1e9+rng.NormFloat64())
	}
	got := d.Update(5000, 1e9+0.5)
	require.InDelta(t, 0.143, got, 0.03)
}

func TestLikelihoodValues(t *testing.T) {
	// LongWindow 4, ShortWindow 2, so MinSamples becomes 4. Expected values
	// computed with a direct Python transcription of the formula in the
	// Likelihood doc: long-run mean/sd over the up to 4 raw scores
	// before the short window, sd floored at 0.03, score =
	// ln(Q(z)+1e-10)/ln(1e-10). The raw scores are held at float32
	// precision (relative 6e-8), which moves the scores by up to 2e-9.
	raws := []float64{0.1, 0.2, 0.1, 0.2, 0.1, 0.9, 0.9}
	want := []float64{0, 0, 0, 0.03010299955771223, 0.044148726002363026, 0.9994477111150094, 1}
	a := NewLikelihood(LikelihoodConfig{LongWindow: 4, ShortWindow: 2, MinSamples: 1})
	for i, r := range raws {
		got := a.Update(r)
		require.True(t, scalar.EqualWithinAbsOrRel(got, want[i], 1e-8, 1e-8), "step %d: got %v want %v", i, got, want[i])
	}
}

func TestLikelihoodLongRun(t *testing.T) {
	// The running sums must match a fresh computation after the ring has
	// wrapped many times (the exact recomputation bounds drift).
	a := NewLikelihood(LikelihoodConfig{LongWindow: 50, ShortWindow: 5})
	rng := rand.New(rand.NewPCG(5, 6))
	for range 10_000 {
		a.Update(rng.Float64())
	}
	short, long, longSq := a.shortSum, a.longSum, a.longSumSq
	a.recompute()
	require.InDelta(t, a.shortSum, short, 1e-9)
	require.InDelta(t, a.longSum, long, 1e-9)
	require.InDelta(t, a.longSumSq, longSq, 1e-9)
}

func TestLikelihoodRingGrowsWithTheScores(t *testing.T) {
	// The ring holds the scores seen, not 30 days of them from the start,
	// and scores exactly as a ring allocated whole does: across its
	// growth, its filling and many wraps.
	bytes := func(a *Likelihood) (n int) {
		for _, c := range a.buf {
			n += 4 * cap(c)
		}
		return n
	}
	for _, cfg := range []LikelihoodConfig{{}, {LongWindow: 5000, ShortWindow: 7}} {
		a, whole := NewLikelihood(cfg), NewLikelihood(cfg)
		full := a.long + a.short
		for c := 0; c < full; c += likelihoodChunk {
			whole.buf = append(whole.buf, make([]float32, min(likelihoodChunk, full-c)))
		}
		whole.held = full
		rng := rand.New(rand.NewPCG(7, 8))
		for i := range 3 * full {
			r := rng.Float64()
			if i%97 == 0 {
				r = 1
			}
			require.Equal(t, math.Float64bits(whole.Update(r)), math.Float64bits(a.Update(r)), "update %d", i)
			if i+1 == 4032 {
				require.Equal(t, 16384, bytes(a), "14 days of 5-minute scores")
			}
		}
		require.Equal(t, 4*full, bytes(a))
	}
}

func TestDetectorScoresInUnitInterval(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	inputs := map[string]func(i int) float64{
		"gaussian":   func(int) float64 { return rng.NormFloat64() },
		"heavy tail": func(int) float64 { return math.Tan(math.Pi * (rng.Float64() - 0.5)) },
		"huge":       func(i int) float64 { return 1e300 * math.Sin(float64(i)) },
		"tiny":       func(i int) float64 { return 1e-300 * float64(i%7) },
		"with NaN": func(i int) float64 {
			if i%13 == 0 {
				return math.NaN()
			}
			return float64(i % 5)
		},
		"infinite": func(i int) float64 {
			if i%17 == 0 {
				return math.Inf(1 - 2*(i%2))
			}
			return rng.Float64()
		},
	}
	for dname, mk := range testDetectors() {
		for iname, f := range inputs {
			t.Run(dname+"/"+iname, func(t *testing.T) {
				d := mk()
				for i := range 3000 {
					s := d.Update(int64(i)*60, f(i))
					require.False(t, math.IsNaN(s), "row %d", i)
					require.GreaterOrEqual(t, s, 0.0, "row %d", i)
					require.LessOrEqual(t, s, 1.0, "row %d", i)
				}
			})
		}
	}
}

func TestDetectorConstantSeries(t *testing.T) {
	// A constant series is never anomalous: a zero-spread window scores an
	// equal sample 0 (z-score) or at the likelihood's floor of
	// ln(0.5)/ln(1e-10) ≈ 0.0301 (robust: z = 0 gives Q = 0.5).
	for dname, mk := range testDetectors() {
		t.Run(dname, func(t *testing.T) {
			d := mk()
			for i := range 3000 {
				s := d.Update(int64(i)*300, 42)
				require.LessOrEqual(t, s, 0.031, "row %d", i)
			}
		})
	}
}

func TestDetectorNaNLeavesStateUnchanged(t *testing.T) {
	// A NaN scores 0 and is skipped: the scores of the other rows equal
	// those of the same series with the NaN rows removed (timestamps kept
	// regular in both, so the seasonal period is learnt the same way).
	ts, ys := testSeries(1200, 1)
	for dname, mk := range testDetectors() {
		t.Run(dname, func(t *testing.T) {
			plain, holed := mk(), mk()
			for i := range ts {
				if i%50 == 25 {
					require.Zero(t, holed.Update(ts[i], math.NaN()))
				}
				require.InDelta(t, plain.Update(ts[i], ys[i]), holed.Update(ts[i], ys[i]), 0, "row %d", i)
			}
		})
	}
}

func TestDetectorIrregularSteps(t *testing.T) {
	// Jittered steps, repeated and backward timestamps must not break the
	// detectors: the scores stay finite and in [0, 1], and the spike at 700
	// still scores higher than any row of the quiet part before it (from the
	// second day on: during the first, each new extreme of the cycle is news).
	ts, ys := testSeries(1000, 2)
	rng := rand.New(rand.NewPCG(21, 22))
	for i := range ts {
		ts[i] += int64(rng.IntN(120)) - 60
	}
	ts[300] = ts[299]
	ts[400] = ts[399] - 1000
	for dname, mk := range testDetectors() {
		t.Run(dname, func(t *testing.T) {
			d := mk()
			quiet := 0.0
			for i := range ts {
				s := d.Update(ts[i], ys[i])
				require.True(t, s >= 0 && s <= 1, "row %d: %v", i, s)
				if i >= 300 && i < 700 { // after a full daily cycle
					quiet = math.Max(quiet, s)
				}
				if i == 700 {
					require.Greater(t, s, quiet, "spike at 700")
				}
			}
		})
	}
}

// scoreSeries scores a whole series with a fresh detector, row by row.
func scoreSeries(mk func() predictor.Detector) func(ts []int64, ys []float64) []float64 {
	return func(ts []int64, ys []float64) []float64 {
		d := mk()
		out := make([]float64, len(ys))
		for i := range ys {
			out[i] = d.Update(ts[i], ys[i])
		}
		return out
	}
}

// causalityError scores each prefix ys[:cut+1], then the whole series,
// with score, and returns an error naming the first row whose prefix score
// differs from its score in the whole series: a causal scorer (the score of
// row i from rows 0..i only) gives none.
func causalityError(score func(ts []int64, ys []float64) []float64, ts []int64, ys []float64, cuts []int) error {
	whole := score(ts, ys)
	for _, cut := range cuts {
		prefix := score(ts[:cut+1], ys[:cut+1])
		for i, p := range prefix {
			if p != whole[i] && !(math.IsNaN(p) && math.IsNaN(whole[i])) {
				return fmt.Errorf("row %d scores %v from rows 0..%d but %v from the whole series", i, p, cut, whole[i])
			}
		}
	}
	return nil
}

// TestDetectorCausality: every detector scores each prefix of a series as
// it scores the start of the whole series, so no score reads ahead.
func TestDetectorCausality(t *testing.T) {
	ts, ys := testSeries(1500, 3)
	cuts := []int{0, 1, 299, 700, 1100, 1498}
	for dname, mk := range testDetectors() {
		t.Run(dname, func(t *testing.T) {
			require.NoError(t, causalityError(scoreSeries(mk), ts, ys, cuts))
		})
	}
}

// TestCausalityCheckCatchesLookAhead: the check above fails scorers that
// read ahead, by a whole-series statistic or by one row.
func TestCausalityCheckCatchesLookAhead(t *testing.T) {
	ts, ys := testSeries(1500, 3)
	cuts := []int{0, 1, 299, 700, 1100, 1498}
	centred := func(_ []int64, ys []float64) []float64 { // |y - mean of the whole series|
		m := 0.0
		for _, y := range ys {
			m += y / float64(len(ys))
		}
		out := make([]float64, len(ys))
		for i, y := range ys {
			out[i] = clamp01(math.Abs(y-m) / 100)
		}
		return out
	}
	peek := func(_ []int64, ys []float64) []float64 { // the next row's jump
		out := make([]float64, len(ys))
		for i := range len(ys) - 1 {
			out[i] = clamp01(math.Abs(ys[i+1]-ys[i]) / 100)
		}
		return out
	}
	require.ErrorContains(t, causalityError(centred, ts, ys, cuts), "from the whole series")
	require.ErrorContains(t, causalityError(peek, ts, ys, cuts), "from the whole series")
}

func TestDetectorDeterministic(t *testing.T) {
	ts, ys := testSeries(1500, 4)
	for dname, mk := range testDetectors() {
		t.Run(dname, func(t *testing.T) {
			d1, d2 := mk(), mk()
			for i := range ts {
				require.InDelta(t, d1.Update(ts[i], ys[i]), d2.Update(ts[i], ys[i]), 0)
			}
		})
	}
}

// readFixture reads a timestamp,value,label CSV from testdata.
func readFixture(t *testing.T, name string) (ts []int64, ys []float64, label []bool) {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	require.NoError(t, err)
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	require.Equal(t, []string{"timestamp", "value", "label"}, rows[0])
	for _, r := range rows[1:] {
		tv, err := strconv.ParseInt(r[0], 10, 64)
		require.NoError(t, err)
		yv, err := strconv.ParseFloat(r[1], 64)
		require.NoError(t, err)
		ts, ys, label = append(ts, tv), append(ys, yv), append(label, r[2] == "1")
	}
	return ts, ys, label
}

func TestRobustDetectorFixtures(t *testing.T) {
	// Fixtures generated by testdata/generate.go (seeded), each
	// with labelled anomaly windows in NAB's style. The robust detector
	// with its defaults must score the first row of each window's
	// neighbourhood above every row outside the windows after a warm-up,
	// i.e. one global threshold separates them; the z-score baseline is
	// not held to this.
	tests := []struct {
		file   string
		warmup int // rows not judged, as NAB's probationary period
	}{
		{"spike.csv", 600},
		{"level_shift.csv", 600},
		{"daily_flat.csv", 600},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			ts, ys, label := readFixture(t, tc.file)
			d := NewRobustDetector(RobustConfig{})
			inMax, outMax := 0.0, 0.0
			for i := range ts {
				s := d.Update(ts[i], ys[i])
				if i < tc.warmup {
					continue
				}
				if label[i] {
					inMax = math.Max(inMax, s)
				} else {
					outMax = math.Max(outMax, s)
				}
			}
			require.Greater(t, inMax, outMax, "best score inside the windows vs outside")
			require.GreaterOrEqual(t, inMax, 0.5, "a detection inside the window")
		})
	}
}

func TestNewDetector(t *testing.T) {
	for _, name := range DetectorNames() {
		t.Run(name, func(t *testing.T) {
			d, err := NewDetector(name)
			require.NoError(t, err)
			require.NotNil(t, d)
		})
	}
	_, err := NewDetector("nope")
	require.ErrorContains(t, err, `unknown detector "nope"`)
}

func TestAnomalyConfigPanics(t *testing.T) {
	require.Panics(t, func() { NewZScoreDetector(ZScoreConfig{Window: -1}) })
	require.Panics(t, func() { NewRobustDetector(RobustConfig{Window: -1}) })
	require.Panics(t, func() { NewLikelihood(LikelihoodConfig{ShortWindow: -1}) })
	require.Panics(t, func() { newSortedWindow(0) })
	require.Panics(t, func() { newSortedWindow(maxWindow + 1) })
}

func TestRobustDetectorScenarios(t *testing.T) {
	// Small scenarios on 5-minute steps; each checks the score at one row
	// (want within tol) after feeding rows 0..at of series(i).
	rng := rand.New(rand.NewPCG(41, 42))
	noise := make([]float64, 2000)
	for i := range noise {
		noise[i] = rng.NormFloat64()
	}
	tests := []struct {
		name   string
		cfg    RobustConfig
		series func(i int) float64
		at     int
		want   float64
		tol    float64
	}{
		// A constant history has no spread: any departure is a new extreme.
		{"step after flat", RobustConfig{}, func(i int) float64 { return 5 + valueIf(i >= 500, 2) }, 500, 1, 0},
		{"flat stays quiet", RobustConfig{}, func(int) float64 { return 5 }, 500, 0.0301, 1e-4}, // ln(0.5)/ln(1e-10)
		{"spike in noise", RobustConfig{}, func(i int) float64 { return noise[i] + valueIf(i == 800, 20) }, 800, 1, 0},
		// The live detector reports a second spike 50 rows later again.
		{"second spike", RobustConfig{}, func(i int) float64 { return noise[i] + valueIf(i == 800 || i == 850, 20) }, 850, 1, 0},
		// Before the likelihood has MinSamples raw scores, nothing is reported.
		{"warm-up", RobustConfig{}, func(i int) float64 { return noise[i] + valueIf(i == 50, 20) }, 50, 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := NewRobustDetector(tc.cfg)
			var got float64
			for i := 0; i <= tc.at; i++ {
				got = d.Update(1_600_000_000+int64(i)*300, tc.series(i))
			}
			require.True(t, scalar.EqualWithinAbsOrRel(got, tc.want, tc.tol, tc.tol), "got %v want %v", got, tc.want)
		})
	}
}

// valueIf returns v when cond holds, else 0.
func valueIf(cond bool, v float64) float64 {
	if cond {
		return v
	}
	return 0
}

func TestSortedWindowMatchesSort(t *testing.T) {
	// After every push the sorted view must equal a fresh sort of the last
	// size values, including repeated values and values equal to the one
	// leaving.
	rng := rand.New(rand.NewPCG(51, 52))
	for _, size := range []int{1, 2, 7, 64} {
		t.Run(fmt.Sprintf("size %d", size), func(t *testing.T) {
			w := newSortedWindow(size)
			var all []float64
			for i := range 2000 {
				x := float64(rng.IntN(10)) // many ties
				if i%3 == 0 {
					x = rng.NormFloat64()
				}
				all = append(all, x)
				w.push(x)
				want := append([]float64(nil), all[max(0, len(all)-size):]...)
				slices.Sort(want)
				got := make([]float64, len(w.sorted))
				for k := range got {
					got[k] = w.at(k)
				}
				require.Equal(t, want, got, "after push %d", i)
				require.Len(t, w.sorted, min(i+1, size))
			}
		})
	}
}

// footprint is the bytes a window's position array takes (its capacity).
func (w *sortedWindow) footprint() int {
	if w == nil {
		return 0
	}
	return int(unsafe.Sizeof(w.sorted[0])) * cap(w.sorted)
}

// The controller holds one default detector per target: on 5-minute
// samples, one ring of the last 1,789 samples (the window of 1,500, a day
// for the seasonal term and one more: 14 KB) that three windows of 1,500
// read through their 2-byte order (9 KB), and the anomaly likelihood's 30
// days of raw scores in float32 (35 KB): at most 60 KB (143 KB with a
// sorted copy and a ring per window, a day's ring and float64 scores).
func TestDetectorFootprint(t *testing.T) {
	d := NewRobustDetector(RobustConfig{})
	for i := range 10_000 {
		d.Update(1_700_000_000+int64(i)*300, 100+10*math.Sin(float64(i)/288*2*math.Pi)+float64(i%7))
	}
	n := 8*cap(d.src.v) + d.level.footprint() + d.change.footprint() + d.seasonal.footprint() +
		int(unsafe.Sizeof(d.lik.buf[0]))*cap(d.lik.buf)
	require.LessOrEqual(t, n, 60_000)
}

// The three windows over one ring give the values of three rings of their
// own: every window's sorted values equal a sort of the last Window
// samples, one-step changes and seasonal differences, through the ring's
// growth when the period is fixed, on a stream with gaps, ties and a
// Window small enough for the ring to wrap before the period is known.
func TestDetectorWindowsShareOneRing(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, window := range []int{5, 40} {
		d := NewRobustDetector(RobustConfig{Window: window, Season: 600})
		var ys []float64
		for i := range 400 {
			y := float64(rng.IntN(5))
			if i%9 == 0 {
				y = rng.NormFloat64()
			}
			if i%13 == 0 {
				y = math.NaN() // skipped: not a sample
			}
			d.Update(int64(i)*60, y)
			if math.IsNaN(y) {
				continue
			}
			ys = append(ys, y)
			check := func(w *sortedWindow, vals []float64) {
				want := append([]float64{}, vals[max(0, len(vals)-window):]...)
				slices.Sort(want)
				got := make([]float64, w.len())
				for k := range got {
					got[k] = w.at(k)
				}
				require.Equal(t, want, got, "window %d, sample %d", window, i)
			}
			check(d.level, ys)
			var ch []float64
			for k := 1; k < len(ys); k++ {
				ch = append(ch, ys[k]-ys[k-1])
			}
			check(d.change, ch)
			if d.seasonal != nil {
				p := d.period
				var se []float64
				for k := len(ys) - d.seasonal.len(); k < len(ys); k++ {
					se = append(se, ys[k]-ys[k-p])
				}
				check(d.seasonal, se)
			}
		}
		require.Equal(t, 10, d.period, "period fixed")
		require.Equal(t, window, d.seasonal.len(), "seasonal window full")
	}
}
