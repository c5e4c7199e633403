package engine

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/policy"
	"github.com/prescale/prescale/controller/state"
	"github.com/prescale/prescale/internal/testkit"
)

// The engine's edges that no other test pinned (each found by a mutation
// that every test still passed).

// TestDecideOnlyForecastIsThePeak: with DecideOnly and the peak quantiles
// sizing the decision, Output.Forecast is the peak distribution as a
// one-point forecast: mean and lower the median peak (the first level,
// 0.5), upper the highest quantile passed to the decision.
func TestDecideOnlyForecastIsThePeak(t *testing.T) {
	e := controllerDefaultsEngine(t, peakTarget())
	v := testkit.DailySine(2*testkit.SamplesPerDay, 100, 60, 8, rand.New(rand.NewPCG(7, 8)))
	peaks := 0
	for i, x := range v {
		ts := int64(i) * 300
		e.Observe(ts, x)
		o := e.Decide(Input{Now: time.Unix(ts, 0), Demand: x, DataPresent: true, CurrentUnits: 10}, policy.State{})
		if o.Forecast.Model != peakModel {
			continue
		}
		peaks++
		q := o.PeakQuantiles
		require.InDelta(t, 0.5, q[0].P, 1e-12)
		require.Equal(t, []float64{q[0].Value}, o.Forecast.Mean, "sample %d", i)
		require.Equal(t, []float64{q[0].Value}, o.Forecast.Lower, "sample %d", i)
		require.Equal(t, []float64{q[len(q)-1].Value}, o.Forecast.Upper, "sample %d", i)
		require.Less(t, q[0].Value, q[len(q)-1].Value)
	}
	require.Positive(t, peaks)
}

// TestLeadStepsAndRefitPhaseEdges: without a step the lead window is one
// step; the empty name's refit phase is 0 and every other name's is in
// [0, DefaultRefitEvery); a refit period of 1 is kept, not defaulted.
func TestLeadStepsAndRefitPhaseEdges(t *testing.T) {
	require.Equal(t, 1, LeadSteps(5*time.Minute, time.Minute, 0))
	require.Zero(t, RefitPhase(""))
	for _, name := range []string{"web", "db", "worker", "t"} {
		require.GreaterOrEqual(t, RefitPhase(name), 0)
		require.Less(t, RefitPhase(name), DefaultRefitEvery)
	}
	l, err := NewLive(LiveConfig{Step: 60, Horizon: 2, RefitEvery: 1})
	require.NoError(t, err)
	require.Equal(t, 1, l.Config().RefitEvery)
}

// TestLiveTimesNeverGoBack: a sample timed before the one before it is
// held at that one's time, from the second sample on.
func TestLiveTimesNeverGoBack(t *testing.T) {
	l, err := NewLive(LiveConfig{Step: 60, Horizon: 2})
	require.NoError(t, err)
	l.Update(120, 1)
	l.Update(60, 2)
	l.Update(30, 3)
	require.Equal(t, []int64{120, 120, 120}, []int64{l.time(0), l.time(1), l.time(2)})
}

// TestLiveReadyAfterAHugeValueLeaves: Ready cannot tell while a value
// that may overflow the forecast is held in the fit window, and tells
// again once it has left it.
func TestLiveReadyAfterAHugeValueLeaves(t *testing.T) {
	cfg := LiveConfig{Step: 60, Horizon: 2, Keep: 40}
	l, err := NewLive(cfg)
	require.NoError(t, err)
	l.Update(0, 1e200)
	for i := 1; i <= 3*DefaultRefitEvery+cfg.Keep; i++ {
		l.Update(int64(i)*60, 50)
	}
	ok, known := l.Ready()
	require.True(t, known, "the huge value left the window")
	require.True(t, ok)
}

// TestShadowOffWithoutRiskSizing: without RiskPerUnit there is no shadow
// HPA, so neither its memory nor the calm hold's.
func TestShadowOffWithoutRiskSizing(t *testing.T) {
	tg := peakTarget()
	tg.RiskPerUnit = 0
	e := controllerDefaultsEngine(t, tg)
	for i := range 3 {
		ts := int64(i) * 300
		e.Observe(ts, 50)
		e.Decide(Input{Now: time.Unix(ts, 0), Demand: 50, DataPresent: true, CurrentUnits: 5}, policy.State{})
	}
	require.Nil(t, e.ShadowMemory())
	require.Nil(t, e.CalmMemory())
}

// TestShadowRunsWithoutTheFloor: the forecaster's own shadow run decides
// without the shadow HPA floor (it is what the floor is measured
// against), and the chosen HPA's recommendation is the floor, the first
// HPA's too.
func TestShadowRunsWithoutTheFloor(t *testing.T) {
	tg := peakTarget()
	tg.ChangeCost, tg.HoldUntilReady = DefaultChangeCost, true
	var calls []policy.Input
	spy := func(in policy.Input, t policy.Target, st policy.State) policy.Decision {
		calls = append(calls, in)
		return policy.Decide(in, t, st)
	}
	e, err := New(Config{Target: tg, Step: 5 * time.Minute, Interval: 5 * time.Minute, Decide: spy})
	require.NoError(t, err)
	floors := 0
	for i, x := range testkit.DailySine(testkit.SamplesPerDay, 100, 60, 8, rand.New(rand.NewPCG(3, 4))) {
		ts := int64(i) * 300
		e.Observe(ts, x)
		calls = calls[:0]
		o := e.Decide(Input{Now: time.Unix(ts, 0), Demand: x, DataPresent: true, CurrentUnits: 10}, policy.State{})
		require.Len(t, calls, 2, "the forecaster's run, then the decision")
		require.Zero(t, calls[0].ShadowUnits, "sample %d", i)
		require.Zero(t, calls[0].ShadowTarget, "sample %d", i)
		if o.Decision.Explanation.ShadowUnits > 0 {
			floors++
		}
	}
	require.Positive(t, floors, "the shadow HPA floor was in force")

	s := e.shadow
	s.pick, s.hpas[0].last = 0, 7
	u, target := s.floor(true)
	require.Equal(t, 7, u)
	require.InDelta(t, s.hpas[0].hpa.Target, target, 0)
	u, _ = s.floor(false)
	require.Zero(t, u, "without data, no floor")
}

// TestCalmResumesAShortMemoryWhole: a memory with fewer events and
// wanted units than the hold keeps is resumed whole.
func TestCalmResumesAShortMemoryWhole(t *testing.T) {
	const now = int64(1_000_000)
	tg := peakTarget()
	e := controllerDefaultsEngine(t, tg)
	e.ResumeCalm(&state.Calm{Version: state.CalmVersion, Target: state.ShadowTarget(tg), At: now - 300,
		Events: []int64{now - 3000, now - 2000}, Wanted: []int{4, 5}})
	c := &e.shadow.calm
	c.update(now, now)
	require.Equal(t, []int64{now - 3000, now - 2000}, c.events)
	require.Equal(t, []float64{4, 5}, c.wanted.OldestFirst())
	require.Equal(t, []int{4, 5}, e.CalmMemory().Wanted, "saved again as resumed")
}

// TestObserveIgnoresOldSamples: a sample at or before the last observed
// one is ignored: no score, no flag, not ok; a missing one is observed
// unscored and unflagged. An anomaly threshold of 1 is valid.
func TestObserveIgnoresOldSamples(t *testing.T) {
	det, err := NewDetector("zscore")
	require.NoError(t, err)
	e, err := New(Config{Target: peakTarget(), Step: time.Minute, Interval: time.Minute, Detector: det, AnomalyThreshold: 0.5})
	require.NoError(t, err)
	for i := range 40 {
		e.Observe(int64(i)*60, 10)
	}
	_, err = New(Config{Target: peakTarget(), Step: time.Minute, Interval: time.Minute, Detector: det, AnomalyThreshold: 1})
	require.NoError(t, err)
	_, anomalous, ok := e.Observe(40*60, 1e6)
	require.True(t, ok)
	require.True(t, anomalous)
	score, anomalous, ok := e.Observe(40*60, 1e6)
	require.Zero(t, score)
	require.False(t, anomalous)
	require.False(t, ok)
	score, anomalous, ok = e.Observe(41*60, math.NaN())
	require.True(t, ok)
	require.Zero(t, score, "a missing sample after an anomalous one is not scored")
	require.False(t, anomalous)
}

// TestLiveAndLeadBounds: the smallest settings are kept (a 1 s step, a
// Keep of 1 sample); a value above hugeValue makes Ready unable to tell;
// a lead window of exactly MaxLeadSteps steps is accepted, one more is
// not; the peak levels run from exceedance 0.5 to 0.001; the reactive
// peak member's level is the highest over the lag and
// the sample before it (lag/step + 1 samples, at least 2).
func TestLiveAndLeadBounds(t *testing.T) {
	l, err := NewLive(LiveConfig{Step: 1, Horizon: 2, Keep: 1})
	require.NoError(t, err)
	require.Equal(t, 1, l.Config().Keep)
	l.Update(0, 1.5e100) // above hugeValue (1e100)
	_, known := l.Ready()
	require.False(t, known)

	const step = 5 * time.Minute
	require.NoError(t, CheckLead(MaxLeadSteps*step, step, step))
	require.Error(t, CheckLead((MaxLeadSteps+1)*step, step, step))

	levels := PeakLevels()
	require.InDelta(t, 0.5, levels[0], 1e-12, "exceedance from 0.5")
	require.InDelta(t, 0.999, levels[len(levels)-1], 1e-12, "down to 0.001")

	tg := peakTarget() // lag 5 minutes
	require.Equal(t, 6, reactiveMember(60, 6, tg, 0, 0).LevelWindow)
	require.Equal(t, 2, reactiveMember(300, 2, tg, 0, 0).LevelWindow)
}

// TestLogMembersCappedAtAnyCapacity: the peak ensemble's log-scale members
// (the two seasonal ones and the reactive ones, members 2 on) cap their
// quantiles at the highest value of their calibration window at any
// capacity per unit, also at 1 and 2 where the log offset (half a unit's
// capacity) is at most 1. While one of them answers on 6 days of
// lognormal noise about a daily swing (values 0.2 to 143), the highest
// peak quantile is never above the highest value seen (up to the log
// scale's rounding); uncapped it was up to 54 times that at a capacity of
// 1. TestDecisionsScaleInvariant does not see it: it tolerates a unit.
func TestLogMembersCappedAtAnyCapacity(t *testing.T) {
	levels := PeakLevels()
	v := make([]float64, len(levels))
	for _, capacity := range []float64{1, 2, 10} {
		tg := peakTarget()
		tg.CapacityPerUnit = capacity
		pe, err := peakEnsemble(300, 1, tg)
		require.NoError(t, err)
		rng := rand.New(rand.NewPCG(5, 6))
		hi, answered := 0.0, 0
		for i := range 6 * 288 {
			y := math.Exp(1 + 0.8*rng.NormFloat64() + math.Sin(2*math.Pi*float64(i)/288))
			hi = max(hi, y)
			pe.Update(int64(i)*300, y)
			if !pe.PeakQuantiles(levels, v) || pe.Best() < 2 {
				continue
			}
			answered++
			require.LessOrEqual(t, v[len(v)-1], hi*(1+1e-12), "capacity %g, sample %d", capacity, i)
		}
		require.Positive(t, answered, "capacity %g: no log-scale member answered", capacity)
	}
}
