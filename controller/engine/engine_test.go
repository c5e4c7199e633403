package engine_test

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/engine"
	"github.com/prescale/prescale/controller/policy"
	"github.com/prescale/prescale/internal/testkit"
	"github.com/prescale/prescale/predictor"
)

func target() policy.Target {
	return policy.Target{
		Name: "t", Kind: policy.KindInstances, CapacityPerUnit: 10, TargetUtilization: 1,
		MinUnits: 1, MaxUnits: 50, Lag: 5 * time.Minute, ConfidenceThreshold: policy.DefaultConfidenceThreshold,
		RiskPerUnit: engine.DefaultRiskPerUnit, FloorMode: engine.DefaultFloorMode, HoldUntilReady: true,
	}
}

func TestResolveAndLeadSteps(t *testing.T) {
	for _, tc := range []struct {
		name          string
		window        time.Duration
		hold          bool
		lag, interval time.Duration
		want          time.Duration
		step          time.Duration
		wantLeadStep  int
	}{
		{"backtest 1m", 0, true, 5 * time.Minute, time.Minute, 5 * time.Minute, time.Minute, 5},
		{"live 5m grid, 1m interval", 0, true, 5 * time.Minute, time.Minute, 5 * time.Minute, 5 * time.Minute, 1},
		{"explicit window wins when longer", 10 * time.Minute, true, 5 * time.Minute, time.Minute, 10 * time.Minute, time.Minute, 5},
		{"hold off keeps the window", 2 * time.Minute, false, 5 * time.Minute, time.Minute, 2 * time.Minute, time.Minute, 5},
		{"no lag", 0, true, 0, time.Minute, 0, time.Minute, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tg := target()
			tg.StabilizationWindow, tg.HoldUntilReady, tg.Lag = tc.window, tc.hold, tc.lag
			require.Equal(t, tc.want, engine.Resolve(tg, tc.interval).StabilizationWindow)
			require.Equal(t, tc.wantLeadStep, engine.LeadSteps(tc.lag, tc.interval, tc.step))
		})
	}
}

func TestNewValidates(t *testing.T) {
	bad := target()
	bad.MaxUnits = 0
	for _, tc := range []struct {
		name    string
		cfg     engine.Config
		wantErr string
	}{
		{"target", engine.Config{Target: bad, Step: time.Minute, Interval: time.Minute}, "max_units"},
		{"step", engine.Config{Target: target(), Step: 1500 * time.Millisecond, Interval: time.Minute}, "step must be a whole number of seconds"},
		{"interval", engine.Config{Target: target(), Step: time.Minute}, "interval must be > 0"},
		{"coverage", engine.Config{Target: target(), Step: time.Minute, Interval: time.Minute, Coverage: 1}, "coverage must be in (0, 1)"},
		{"threshold", engine.Config{Target: target(), Step: time.Minute, Interval: time.Minute, Detector: constDetector(0)}, "anomaly threshold"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := engine.New(tc.cfg)
			require.ErrorContains(t, err, tc.wantErr)
		})
	}
}

type constDetector float64

func (c constDetector) Update(int64, float64) float64 { return float64(c) }

// spy records what the forecaster is fed.
type spy struct{ y []float64 }

func (s *spy) Update(_ int64, y float64) { s.y = append(s.y, y) }
func (s *spy) Forecast(h int, coverage float64) (predictor.Forecast, error) {
	f := predictor.Forecast{Model: "spy", Coverage: coverage, Confidence: 1}
	for range h {
		f.Mean, f.Lower, f.Upper = append(f.Mean, 20), append(f.Lower, 10), append(f.Upper, 30)
	}
	return f, nil
}

func TestObserveOrderAndAnomalyGap(t *testing.T) {
	sp := &spy{}
	tg := target()
	tg.RiskPerUnit = 0
	e, err := engine.New(engine.Config{
		Target: tg, Step: time.Minute, Interval: time.Minute, Detector: thresholdDet{}, AnomalyThreshold: 0.9,
		NewForecaster: func(int64, int, policy.Target) (engine.Forecaster, error) { return sp, nil },
	})
	require.NoError(t, err)
	out := e.Decide(engine.Input{Now: time.Unix(0, 0), Demand: 5, DataPresent: true, CurrentUnits: 1}, policy.State{})
	require.Error(t, out.ForecastErr, "nothing observed yet")
	require.Equal(t, policy.ReasonLowConfidence, out.Decision.Reason)

	for i, v := range []float64{5, 6, 500, math.NaN(), 7} {
		_, _, ok := e.Observe(int64(60*i), v)
		require.True(t, ok)
	}
	_, _, ok := e.Observe(60, 9)
	require.False(t, ok, "an older sample is ignored")
	_, _, ok = e.Observe(240, 9)
	require.False(t, ok, "a repeated sample is ignored")
	require.Len(t, sp.y, 5)
	require.True(t, math.IsNaN(sp.y[2]), "the flagged sample reaches the forecaster as a gap")
	require.True(t, math.IsNaN(sp.y[3]))
	require.InDelta(t, 7, sp.y[4], 0)

	now := time.Unix(240, 0)
	out = e.Decide(engine.Input{Now: now, Demand: 7, DataPresent: true, CurrentUnits: 1}, policy.State{})
	require.NoError(t, out.ForecastErr)
	require.Equal(t, "spy", out.Forecast.Model)
	require.Equal(t, policy.ReasonForecast, out.Decision.Reason)
	require.Equal(t, 3, out.Decision.Desired, "upper 30 / 10 per unit")
	require.Equal(t, 3, out.State.LastDesired, "the state is recorded")
	require.Equal(t, now, out.State.LastScaleUp)
	require.Equal(t, 5*time.Minute, e.Target().StabilizationWindow)
	require.Len(t, out.State.Recent, 1, "the resolved window keeps the recommendation")
}

// TestScoreAtThresholdFlags: a score at AnomalyThreshold flags the
// sample (at or above, as Config says), and one below does not.
func TestScoreAtThresholdFlags(t *testing.T) {
	for _, c := range []struct {
		score float64
		want  bool
	}{{0.5, true}, {0.49, false}} {
		e, err := engine.New(engine.Config{Target: target(), Step: time.Minute, Interval: time.Minute,
			Detector: constDetector(c.score), AnomalyThreshold: 0.5, NoShadowHPA: true})
		require.NoError(t, err)
		score, anomalous, ok := e.Observe(0, 7)
		require.True(t, ok)
		require.InDelta(t, c.score, score, 0)
		require.Equal(t, c.want, anomalous, "score %v at threshold 0.5", c.score)
	}
}

type thresholdDet struct{}

func (thresholdDet) Update(_ int64, y float64) float64 {
	if y > 100 {
		return 1
	}
	return 0
}

// Causality: changing samples after t changes no decision at or before t.
func TestCausal(t *testing.T) {
	v := testkit.DailySine(3*testkit.SamplesPerDay, 100, 50, 5, rand.New(rand.NewPCG(3, 4)))
	run := func(v []float64) []int {
		det, err := engine.NewDetector(engine.DefaultDetector)
		require.NoError(t, err)
		e, err := engine.New(engine.Config{Target: target(), Step: 5 * time.Minute, Interval: 5 * time.Minute,
			Detector: det, AnomalyThreshold: engine.DefaultAnomalyThreshold})
		require.NoError(t, err)
		var st policy.State
		out := make([]int, len(v))
		cur := 1
		for i, x := range v {
			ts := int64(i) * 300
			e.Observe(ts, x)
			o := e.Decide(engine.Input{Now: time.Unix(ts, 0), Demand: x, DataPresent: true, CurrentUnits: cur}, st)
			st, cur, out[i] = o.State, o.Decision.Desired, o.Decision.Desired
		}
		return out
	}
	a := run(v)
	w := append([]float64(nil), v...)
	cut := 2 * 288
	for i := cut + 1; i < len(w); i++ {
		w[i] *= 3
	}
	b := run(w)
	require.Equal(t, a[:cut+1], b[:cut+1])
	require.NotEqual(t, a[cut+1:], b[cut+1:])
}

// The shadow HPA: a forecaster that under-provisions recurring bursts
// (upper bound 30 → 3 units while demand jumps to 100 every other step:
// the reactive floor answers each burst a lag late, and the units go
// again when it is over) loses to the shadow HPAs, whose stabilisation
// keeps the burst's units, on the decision's own objective, so the best
// one's recommendation becomes a floor (reason reactive, rule shadow_hpa);
// where the forecast does as well, nothing changes; NoShadowHPA turns it
// off.
func TestShadowHPAFloor(t *testing.T) {
	run := func(off bool, demand func(i int) float64) policy.Decision {
		tg := target()
		// Neither the usage window nor the hold window (one 5-minute step
		// here) may keep a burst's units: the shadow's floor alone is tested.
		tg.UsageWindow, tg.HoldUntilReady = 0, false
		e, err := engine.New(engine.Config{
			Target: tg, Step: 5 * time.Minute, Interval: 5 * time.Minute, NoShadowHPA: off,
			NewForecaster: func(int64, int, policy.Target) (engine.Forecaster, error) { return &spy{}, nil },
		})
		require.NoError(t, err)
		var st policy.State
		var d policy.Decision
		cur := 3
		for i := range 48 {
			ts := int64(i) * 300
			e.Observe(ts, demand(i))
			o := e.Decide(engine.Input{Now: time.Unix(ts, 0), Demand: demand(i), DataPresent: true, CurrentUnits: cur}, st)
			st, cur, d = o.State, o.Decision.Desired, o.Decision
		}
		return d
	}
	rise := func(i int) float64 {
		if i < 10 || i%2 == 1 {
			return 20
		}
		return 100
	}
	d := run(false, rise)
	require.Equal(t, policy.ReasonReactive, d.Reason)
	require.Equal(t, policy.RuleShadowHPA, d.Explanation.Rule)
	require.Equal(t, 11, d.Desired, "the HPA at 0.95: ceil(100 / 9.5)")
	require.Equal(t, 11, d.Explanation.ShadowUnits)
	require.InDelta(t, 0.95, d.Explanation.ShadowTarget, 0)

	d = run(true, rise)
	require.Equal(t, policy.ReasonForecast, d.Reason)
	require.Equal(t, 3, d.Desired, "without the shadow the units go back to 3 between bursts")

	d = run(false, func(int) float64 { return 20 })
	require.Equal(t, policy.ReasonForecast, d.Reason, "no HPA beats a forecast that covers demand")
	require.Equal(t, 3, d.Desired)
	require.Zero(t, d.Explanation.ShadowUnits)
}

func TestLeadStepsInterval(t *testing.T) {
	for _, c := range []struct {
		lag, step time.Duration
		want      int
	}{
		{5 * time.Minute, time.Minute, 5},
		{5 * time.Minute, 5 * time.Minute, 1},
		{5 * time.Minute, 30 * time.Minute, 1},
		{0, time.Minute, 1},
		{90 * time.Second, time.Minute, 2},
	} {
		require.Equal(t, c.want, engine.LeadSteps(c.lag, c.step, c.step), "lag %s step %s", c.lag, c.step)
	}
}

// TestLeadStepsAbsurdLag: a lag of months took a loop of billions of
// iterations, then a forecast that long at every decision.
func TestLeadStepsAbsurdLag(t *testing.T) {
	require.Equal(t, math.MaxInt32, engine.LeadSteps(time.Duration(math.MaxInt64), time.Minute, time.Second), "saturated, no overflow")
	require.Equal(t, 12_000_000, engine.LeadSteps(1_000_000*time.Hour, 5*time.Minute, 5*time.Minute))
	require.NoError(t, engine.CheckLead(7*24*time.Hour-5*time.Minute, 5*time.Minute, 5*time.Minute), "a week of 5-minute steps")
	require.EqualError(t, engine.CheckLead(1_000_000*time.Hour, 5*time.Minute, 5*time.Minute),
		"provisioning lag 1000000h0m0s needs 12000000 forecast steps of 5m0s, more than 2016")
	_, err := engine.New(engine.Config{Target: policy.Target{Name: "x", CapacityPerUnit: 1, TargetUtilization: 1, MaxUnits: 1, Lag: 1_000_000 * time.Hour},
		Step: 5 * time.Minute, Interval: 5 * time.Minute})
	require.ErrorContains(t, err, "more than 2016")
}

// BenchmarkForecasterWarmup is what one target costs a controller's first
// cycle: the default forecaster absorbs 14 days of 5-minute samples
// (4,032: the peak ensemble scores and calibrates at every one) and makes
// its first forecast (one fit).
func BenchmarkForecasterWarmup(b *testing.B) {
	ts, vs := testkit.DailyTrace(14*288, 5*time.Minute, time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC), 1)
	for b.Loop() {
		f, err := engine.DefaultForecaster(300, 2, target())
		require.NoError(b, err)
		for i := range ts {
			f.Update(ts[i], vs[i])
		}
		if _, err := f.Forecast(2, 0.95); err != nil {
			b.Fatal(err)
		}
	}
}

// TestOngoingAnomalyKeptOutOfFitting runs the live detector (the default,
// at the default threshold) on 1500 samples of noise around 100, then a
// 60-sample plateau 20 higher, then noise: every sample of the plateau
// reaches the forecaster as a gap, though the detector's calibrated score
// fades below the threshold as the plateau grows familiar; the first
// samples after it are fitted again.
func TestOngoingAnomalyKeptOutOfFitting(t *testing.T) {
	sp := &spy{}
	det, err := engine.NewDetector(engine.DefaultDetector)
	require.NoError(t, err)
	e, err := engine.New(engine.Config{
		Target: target(), Step: 5 * time.Minute, Interval: 5 * time.Minute,
		Detector: det, AnomalyThreshold: engine.DefaultAnomalyThreshold,
		NewForecaster: func(int64, int, policy.Target) (engine.Forecaster, error) { return sp, nil },
	})
	require.NoError(t, err)
	rng := rand.New(rand.NewPCG(1, 2))
	faded := 0
	for i := range 1600 {
		y := 100 + rng.NormFloat64()
		if i >= 1500 && i < 1560 {
			y += 20
		}
		score, anomalous, ok := e.Observe(int64(i)*300, y)
		require.True(t, ok)
		if i >= 1500 && i < 1560 {
			require.True(t, anomalous, "plateau sample %d (score %.3f)", i-1500, score)
			require.True(t, math.IsNaN(sp.y[i]), "plateau sample %d fitted", i-1500)
			if score < engine.DefaultAnomalyThreshold {
				faded++
			}
		}
		if i >= 1570 {
			require.False(t, anomalous, "sample %d after the plateau", i)
			require.InDelta(t, y, sp.y[i], 0)
		}
	}
	require.Greater(t, faded, 10, "the score alone would have let these into fitting")
}

// TestPeakCoversWholeLeadWindow: the peak distribution a decision is sized
// by is the highest demand over the whole lead window, not only its last
// steps. A scale-down is immediate and a removed unit is back only a lag
// later, so on falling demand the units kept now must still serve the next
// step. On a steady ramp down (1-minute samples, 5-minute lag: five
// forecast steps), the median peak is the next sample's demand; sized for
// the last two steps of five only, it was three steps further down.
func TestPeakCoversWholeLeadWindow(t *testing.T) {
	e, err := engine.New(engine.Config{Target: target(), Step: time.Minute, Interval: time.Minute})
	require.NoError(t, err)
	const slope = 5.0
	t0 := int64(1_700_000_000)
	checked := 0
	for i := range 600 {
		ts, y := t0+int64(i)*60, 5000-slope*float64(i)
		e.Observe(ts, y)
		out := e.Decide(engine.Input{Now: time.Unix(ts, 0), CurrentUnits: 500, Demand: y, DataPresent: true}, policy.State{})
		if i < 500 {
			continue
		}
		require.NotEmpty(t, out.PeakQuantiles, "sample %d", i)
		median := out.PeakQuantiles[0].Value
		require.GreaterOrEqual(t, median, y-slope-1, "sample %d: median peak below the next step's demand", i)
		checked++
	}
	require.Equal(t, 100, checked)
}

// TestClimbingCrowdTrendFloor: a crowd the detector flags from its first
// sample climbs 20 a minute (1-minute samples, 5-minute lag, 10 per unit).
// The forecaster sees gaps, so the reactive floor alone sized each
// decision for current demand, a lag behind the climb. Once the anomaly
// has lasted the lag, the decision asks for what the crowd's trend puts at
// the lead window's end (lag + interval ahead): rule crowd_trend.
func TestClimbingCrowdTrendFloor(t *testing.T) {
	sp := &spy{}
	e, err := engine.New(engine.Config{
		Target: target(), Step: time.Minute, Interval: time.Minute, NoShadowHPA: true,
		Detector: thresholdDet{}, AnomalyThreshold: 0.9,
		NewForecaster: func(int64, int, policy.Target) (engine.Forecaster, error) { return sp, nil },
	})
	require.NoError(t, err)
	st, current := policy.State{}, 3
	decide := func(i int, y float64) policy.Decision {
		ts := int64(i) * 60
		e.Observe(ts, y)
		out := e.Decide(engine.Input{Now: time.Unix(ts, 0), Demand: y, DataPresent: true, CurrentUnits: current}, st)
		st, current = out.State, out.Decision.Desired
		return out.Decision
	}
	for i := range 100 {
		decide(i, 50)
	}
	for k := range 14 {
		y := 110 + 20*float64(k)
		d := decide(100+k, y)
		if k < 5 {
			require.NotEqual(t, policy.RuleCrowdTrend, d.Explanation.Rule, "minute %d: not yet lasted the lag", k)
			require.Zero(t, d.Explanation.TrendUnits)
			continue
		}
		want := e.Target().UnitsFor(y + 20*6)
		require.Equal(t, want, d.Desired, "minute %d of the climb (demand %.0f)", k, y)
		require.Equal(t, policy.RuleCrowdTrend, d.Explanation.Rule)
		require.Equal(t, policy.ReasonAnomaly, d.Reason)
	}
	d := decide(114, 50)
	require.Zero(t, d.Explanation.TrendUnits, "the anomaly is over")
}

// TestMissingDemandIsNoData: a NaN demand marked present, or a demand
// marked missing, is a no_data hold whose explanation says the data was
// missing and shows no stale demand.
func TestMissingDemandIsNoData(t *testing.T) {
	e, err := engine.New(engine.Config{Target: target(), Step: time.Minute, Interval: time.Minute})
	require.NoError(t, err)
	for _, in := range []engine.Input{
		{Now: time.Unix(60, 0), Demand: math.NaN(), DataPresent: true, CurrentUnits: 3},
		{Now: time.Unix(120, 0), Demand: 50, DataPresent: false, CurrentUnits: 3},
	} {
		d := e.Decide(in, policy.State{}).Decision
		require.Equal(t, policy.ReasonNoData, d.Reason)
		require.Equal(t, 3, d.Desired)
		require.False(t, d.Explanation.DataPresent)
		require.Zero(t, d.Explanation.Demand)
	}
}
