package engine

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/policy"
	"github.com/prescale/prescale/internal/testkit"
)

// TestLiveReadyMatchesForecast: Ready tells, at every sample count,
// whether Forecast returns a forecast, on a stream that starts with
// missing samples and has a gap longer than Keep (windows with nothing to
// fit on), without fitting: its fit point does not move.
func TestLiveReadyMatchesForecast(t *testing.T) {
	cfg := LiveConfig{Step: 60, Horizon: 2, RefitPhase: 3, Keep: 40}
	ready, err := NewLive(cfg)
	require.NoError(t, err)
	fc, err := NewLive(cfg)
	require.NoError(t, err)
	r := rand.New(rand.NewPCG(5, 6))
	var notReady, isReady int
	for i := range 400 {
		y := 50 + 10*r.NormFloat64()
		if i < 5 || (i >= 150 && i < 260) {
			y = math.NaN()
		}
		ready.Update(int64(i)*60, y)
		fc.Update(int64(i)*60, y)
		ok, known := ready.Ready()
		require.True(t, known)
		_, err := fc.Forecast(2, 0.8)
		require.Equal(t, err == nil, ok, "sample %d: %v", i, err)
		if ok {
			isReady++
		} else {
			notReady++
		}
	}
	require.Positive(t, notReady)
	require.Positive(t, isReady)
	require.Equal(t, -1, ready.fitAt, "Ready fitted")

	huge, err := NewLive(cfg)
	require.NoError(t, err)
	huge.Update(0, 1e200)
	_, known := huge.Ready()
	require.False(t, known, "a value that may overflow the forecast: only Forecast can tell")
	counter, err := NewLive(LiveConfig{Step: 60, Horizon: 2, Counter: true})
	require.NoError(t, err)
	counter.Update(0, 1)
	_, known = counter.Ready()
	require.False(t, known, "counter")
}

// TestDecideOnlySameDecisions: with DecideOnly the engine makes the same
// decisions as without, on a trace that starts with missing samples and
// has a gap, with and without risk sizing, but (with risk sizing) does
// not refit forecast.Auto once the peak quantiles size the decisions.
func TestDecideOnlySameDecisions(t *testing.T) {
	n := 3 * testkit.SamplesPerDay
	v := testkit.DailySine(n, 100, 60, 8, rand.New(rand.NewPCG(7, 8)))
	for i := range v {
		if i < 3 || (i >= 400 && i < 430) {
			v[i] = math.NaN()
		}
	}
	run := func(tg policy.Target, decideOnly bool) ([]policy.Decision, *Live) {
		e, err := New(Config{Target: tg, Step: 5 * time.Minute, Interval: 5 * time.Minute, DecideOnly: decideOnly})
		require.NoError(t, err)
		var st policy.State
		out := make([]policy.Decision, n)
		cur := 1
		for i, x := range v {
			ts := int64(i) * 300
			e.Observe(ts, x)
			o := e.Decide(Input{Now: time.Unix(ts, 0).UTC(), Demand: x, DataPresent: !math.IsNaN(x), CurrentUnits: cur}, st)
			d := o.Decision
			st, cur = o.State, d.Desired
			d.Explanation = policy.Explanation{} // the forecast fields differ by design
			out[i] = d
		}
		return out, e.Forecaster().(*LiveForecaster).Live()
	}
	tg := policy.Target{
		Name: "t", Kind: policy.KindInstances, CapacityPerUnit: 10, TargetUtilization: 1,
		MinUnits: 1, MaxUnits: 50, Lag: 15 * time.Minute, ConfidenceThreshold: policy.DefaultConfidenceThreshold,
		RiskPerUnit: DefaultRiskPerUnit, FloorMode: DefaultFloorMode, HoldUntilReady: true,
		ChangeCost: DefaultChangeCost, UsageWindow: 15 * time.Minute,
	}
	eager, eagerLive := run(tg, false)
	lazy, lazyLive := run(tg, true)
	require.Equal(t, eager, lazy)
	require.Equal(t, eagerLive.fitPoint(n), eagerLive.fitAt)
	require.Contains(t, reasons(lazy), policy.ReasonForecast)
	require.Less(t, lazyLive.fitAt, 100, "DecideOnly refitted after the peak quantiles were ready")

	tg.RiskPerUnit = 0 // the forecast's upper bound sizes the decisions: it is computed
	eager, _ = run(tg, false)
	lazy, lazyLive = run(tg, true)
	require.Equal(t, eager, lazy)
	require.Equal(t, eagerLive.fitAt, lazyLive.fitAt)
}

func reasons(ds []policy.Decision) map[policy.Reason]bool {
	m := map[policy.Reason]bool{}
	for _, d := range ds {
		m[d.Reason] = true
	}
	return m
}
