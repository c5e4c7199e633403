package backtest

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/plot/plotter"

	"github.com/prescale/prescale/controller/engine"
	"github.com/prescale/prescale/controller/policy"
	"github.com/prescale/prescale/predictor/anomaly"
)

func testConfig(evalStart int) Config {
	return Config{
		Target:   DefaultTarget(10, 5*time.Minute, 1, 100),
		Coverage: engine.DefaultCoverage, EvalStart: evalStart, HoldUntilReady: true,
	}
}

func TestRunWritesEveryTimestamp(t *testing.T) {
	ts, v := synthetic(4*288, 300, 1) // 4 days of 5-minute samples
	// NaN rows are missing ones: the store answers the first of the two
	// with the last row's value (within its lookback), the second with
	// nothing.
	v[100], v[101] = nanValue(), nanValue()
	res, err := Run(t.Context(), ts, v, testConfig(len(ts)*7/10))
	require.NoError(t, err)
	var buf bytes.Buffer
	require.NoError(t, WriteDecisions(&buf, res))
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	require.Equal(t, "timestamp,desired", lines[0])
	require.Len(t, lines, len(ts)+1)
	require.True(t, strings.HasPrefix(lines[1], "1400000000,"))
	require.NotEqual(t, policy.ReasonNoData, res.Reasons[100])
	require.Equal(t, policy.ReasonNoData, res.Reasons[101])
	for _, d := range res.Desired {
		require.GreaterOrEqual(t, d, 1)
		require.LessOrEqual(t, d, 100)
	}
	require.Len(t, res.HPA, len(DefaultHPATargets()))
	require.Zero(t, res.Oracle.ViolationSeconds)
	require.Positive(t, res.Prescale.InstanceHours)

	var sum bytes.Buffer
	WriteSummary(&sum, res, "synthetic", testConfig(0).Target)
	for _, want := range []string{"prescale", "(equal cost)", "oracle", "hpa@0.4", "at equal cost", "HPA target",
		"scale events: prescale", "decision reasons:", "no_data 1"} {
		require.Contains(t, sum.String(), want)
	}
}

// TestRunIsCausal: changing the demand after sample k changes no decision
// at or before k.
func TestRunIsCausal(t *testing.T) {
	ts, v := synthetic(3000, 60, 2)
	base, err := Run(t.Context(), ts, v, testConfig(0))
	require.NoError(t, err)
	for _, k := range []int{0, 1500, 2998} {
		changed := slices.Clone(v)
		for i := k + 1; i < len(changed); i++ {
			changed[i] = changed[i]*3 + 50
		}
		res, err := Run(t.Context(), ts, changed, testConfig(0))
		require.NoError(t, err)
		require.Equal(t, base.Desired[:k+1], res.Desired[:k+1], "k=%d", k)
		require.NotEqual(t, base.Desired[k+1:], res.Desired[k+1:], "k=%d: the change must matter", k)
	}
}

// TestRunBeatsReactiveOnSyntheticCycle is a coarse end-to-end check: on
// two weeks of a daily cycle with noise, prescale has fewer violations than
// the HPA curve at its cost (ratio 0.48 when written) and stays within
// 1.5 times the oracle's cost.
func TestRunBeatsReactiveOnSyntheticCycle(t *testing.T) {
	ts, v := synthetic(14*1440, 60, 5)
	res, err := Run(t.Context(), ts, v, testConfig(len(ts)*7/10))
	require.NoError(t, err)
	require.Less(t, res.Equal.ViolationRatio, 0.8)
	require.Less(t, res.Prescale.InstanceHours, 1.5*res.Oracle.InstanceHours)
}

func TestRunErrors(t *testing.T) {
	ts, v := synthetic(10, 60, 1)
	cfg := testConfig(0)
	_, err := Run(t.Context(), ts[:1], v[:1], cfg)
	require.ErrorContains(t, err, "at least 2 samples")
	bad := slices.Clone(ts)
	bad[3] = bad[2]
	_, err = Run(t.Context(), bad, v, cfg)
	require.ErrorContains(t, err, "strictly increasing")
	cfg.Target.CapacityPerUnit = 0
	_, err = Run(t.Context(), ts, v, cfg)
	require.ErrorContains(t, err, "capacity_per_unit")
	cfg = testConfig(0)
	cfg.HPATargets = []float64{0}
	_, err = Run(t.Context(), ts, v, cfg)
	require.ErrorContains(t, err, "hpa target")
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	long, lv := synthetic(20001, 60, 1)
	_, err = Run(ctx, long, lv, testConfig(0))
	require.ErrorIs(t, err, context.Canceled)
}

func TestRunProgress(t *testing.T) {
	ts, v := synthetic(2500, 60, 1)
	cfg := testConfig(0)
	var calls [][2]int
	cfg.ProgressEvery = 1000
	cfg.Progress = func(done, total int) { calls = append(calls, [2]int{done, total}) }
	_, err := Run(t.Context(), ts, v, cfg)
	require.NoError(t, err)
	require.Equal(t, [][2]int{{1000, 2500}, {2000, 2500}, {2500, 2500}}, calls)
}

func TestPlot(t *testing.T) {
	ts, v := synthetic(8000, 60, 4)
	cfg := testConfig(len(ts) * 7 / 10)
	res, err := Run(t.Context(), ts, v, cfg)
	require.NoError(t, err)
	require.InDelta(t, math.Round(res.Equal.Target*1000)/1000, res.Baseline.Target, 0,
		"the HPA drawn is the one at equal cost")
	path := filepath.Join(t.TempDir(), "plot.svg")
	require.NoError(t, PlotLast(res, 10, path, 0))
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	svg := string(b)
	require.Contains(t, svg, "<svg")
	// What a reader (and this test) looks for: the HPA at equal cost, the
	// scored region, each side's scale events, and the figures in the title.
	for _, want := range []string{"prescale: ready capacity", "equal cost", "scored", "events",
		fmt.Sprintf("HPA@%g at equal cost", res.Baseline.Target),
		fmt.Sprintf("%d scale events", res.Prescale.ScaleEvents),
		fmt.Sprintf("%d scale events", res.Baseline.ScaleEvents)} {
		require.Contains(t, svg, want)
	}
	// The time axis is marked at round UTC times (calendarTicks): the
	// trace's 5.6 days from 2014-05-13 16:53 at each midnight.
	for _, day := range []string{"2014-05-14", "2014-05-18"} {
		require.Contains(t, svg, ">"+day+"<")
	}

	// The last hour only: 60 one-minute samples, so the first plotted time
	// is 59 minutes before the trace's end.
	require.NoError(t, PlotLast(res, 10, path, time.Hour))
	b2, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Contains(t, string(b2), "prescale: ready capacity")
	require.NotEqual(t, b, b2, "a shorter window draws a different picture")
}

func TestPlotSeries(t *testing.T) {
	// Four samples, capacity 10: prescale 1 -> 2 units at sample 2, the
	// HPA 1 -> 3 at sample 1; scored from sample 2.
	res := &Result{
		T: []int64{0, 60, 120, 180}, Demand: []float64{5, 25, 12, math.NaN()}, EvalStart: 2,
		Timeline:         []Sample{{1, 1}, {1, 1}, {1, 2}, {2, 2}},
		BaselineTimeline: []Sample{{1, 1}, {1, 3}, {3, 3}, {3, 3}},
	}
	s := plotSeries(res, 10, 0)
	require.Equal(t, plotter.XYs{{X: 120, Y: s.top * 0.05}}, s.preEvents)
	require.Equal(t, plotter.XYs{{X: 60, Y: s.top * 0.02}}, s.hpaEvents)
	require.Equal(t, plotter.XYs{{X: 60, Y: 25}, {X: 120, Y: 12}}, s.viol)
	require.True(t, s.scored)
	require.Equal(t, [2]float64{120, 180}, [2]float64{s.scoredFrom, s.scoredTo})
	require.InDelta(t, 1.08*30, s.top, 1e-9, "the highest of demand and both capacities, with a margin")
}

// spikeDetector flags the samples at the given timestamps.
type spikeDetector map[int64]bool

func (d spikeDetector) Update(t int64, _ float64) float64 {
	if d[t] {
		return 1
	}
	return 0
}

func TestRunAnomalies(t *testing.T) {
	ts, v := synthetic(2*1440, 60, 6)
	v[2000] = 1000 // a spike ten times the peak
	cfg := testConfig(0)
	cfg.Detector, cfg.AnomalyThreshold = spikeDetector{ts[2000]: true}, 0.99
	res, err := Run(t.Context(), ts, v, cfg)
	require.NoError(t, err)
	require.Equal(t, policy.ReasonAnomaly, res.Reasons[2000])
	require.Equal(t, 100, res.Desired[2000], "the flagged spike still scales up: 1000/10")
	require.Equal(t, 1, res.ReasonCounts[policy.ReasonAnomaly])
}

// BenchmarkBacktest replays a 40,000-sample 1-minute trace (about 28 days)
// through the anomaly detector and the decision engine, as
// `prescale backtest` does by default, with the HPA curve and the oracle.
func BenchmarkBacktest(b *testing.B) {
	ts, v := synthetic(40000, 60, 9)
	b.ReportAllocs()
	for b.Loop() {
		cfg := testConfig(len(ts) * 7 / 10)
		det, err := anomaly.NewDetector("robust")
		if err != nil {
			b.Fatal(err)
		}
		cfg.Detector, cfg.AnomalyThreshold = det, 0.99
		if _, err := Run(b.Context(), ts, v, cfg); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(ts)), "samples/op")
}

// TestFewDecisiveMoves replays a flat series with ±10 % noise on 5-minute
// samples (the shape of nab_ec2_cpu_5m, where prescale made 31 times the
// HPA's scale events): with the default change cost and hold window the
// events stay within twice the HPA's at equal cost; with every change made
// and the old lag − step/2 window they are more than twice the HPA's and
// more than twice the default's.
func TestFewDecisiveMoves(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 3))
	n := 3000
	ts, v := make([]int64, n), make([]float64, n)
	for i := range n {
		ts[i], v[i] = 1_400_000_000+int64(i)*300, 150*(1+0.1*(2*rng.Float64()-1))
	}
	run := func(changeCost float64, hold bool) *Result {
		cfg := testConfig(n * 7 / 10)
		cfg.Target.ChangeCost, cfg.HoldUntilReady = changeCost, false
		if hold {
			cfg.Target.StabilizationWindow = 5 * time.Minute // engine.HoldWindow
		} else {
			cfg.Target.StabilizationWindow = 150 * time.Second // lag − step/2
		}
		res, err := Run(t.Context(), ts, v, cfg)
		require.NoError(t, err)
		return res
	}
	def := run(engine.DefaultChangeCost, true)
	require.LessOrEqual(t, float64(def.Prescale.ScaleEvents), 2*def.Equal.HPAScaleEvents,
		"%d events, the HPA at equal cost %.1f", def.Prescale.ScaleEvents, def.Equal.HPAScaleEvents)
	old := run(0, false)
	t.Logf("default: %d events, the HPA %.1f; every change: %d events, the HPA %.1f", def.Prescale.ScaleEvents,
		def.Equal.HPAScaleEvents, old.Prescale.ScaleEvents, old.Equal.HPAScaleEvents)
	require.Greater(t, float64(old.Prescale.ScaleEvents), 2*old.Equal.HPAScaleEvents,
		"every change made: %d events, the HPA %.1f", old.Prescale.ScaleEvents, old.Equal.HPAScaleEvents)
	require.Less(t, 2*def.Prescale.ScaleEvents, old.Prescale.ScaleEvents)
}
