package policy

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestUsageWindowBindsOnlyInHoldMode: the units used within the usage
// window are a floor with floor_mode hold only, only for uses at or before
// now (a clock stepped back leaves later ones out), and not on the
// low-confidence path, which is the HPA formula itself.
func TestUsageWindowBindsOnlyInHoldMode(t *testing.T) {
	used := State{Used: []Recommendation{{At: t0.Add(-time.Minute), Units: 8}}}
	for _, c := range []struct {
		name   string
		mode   FloorMode
		state  State
		conf   float64
		want   int
		reason Reason
	}{
		{"hold mode keeps the units used", FloorHold, used, 0.9, 8, ReasonReactive},
		{"scale_up mode ignores the window", FloorScaleUp, used, 0.9, 4, ReasonReactive},
		{"a use after now is not counted", FloorHold,
			State{Used: []Recommendation{{At: t0.Add(time.Minute), Units: 8}}}, 0.9, 4, ReasonReactive},
		{"low confidence: the HPA formula, whatever the mode", FloorHold, used, 0.2, 4, ReasonLowConfidence},
	} {
		t.Run(c.name, func(t *testing.T) {
			tg := baseTarget()
			tg.FloorMode, tg.UsageWindow = c.mode, 5*time.Minute
			in := input(35, 9, flat(20, 30, 10))
			in.Forecast.Confidence = c.conf
			d := Decide(in, tg, c.state)
			require.Equal(t, c.want, d.Desired, "%+v", d.Explanation)
			require.Equal(t, c.reason, d.Reason)
		})
	}
}

// TestConfidenceAtTheThresholdIsTrusted: the forecast is distrusted below
// the threshold only; an anomaly on the low-confidence path keeps reason
// low_confidence (the forecast was not used at all).
func TestConfidenceAtTheThresholdIsTrusted(t *testing.T) {
	in := input(30, 3, flat(40, 60, 10))
	in.Forecast.Confidence = 0.7
	d := Decide(in, baseTarget(), State{})
	require.Equal(t, 6, d.Desired)
	require.Equal(t, ReasonForecast, d.Reason)

	in.Forecast.Confidence, in.Anomaly = 0.2, true
	d = Decide(in, baseTarget(), State{})
	require.Equal(t, 3, d.Desired)
	require.Equal(t, ReasonLowConfidence, d.Reason)
}

// TestEqualFloorsLeaveTheForecastsReason: a shadow HPA or crowd trend
// asking for exactly the forecast's units does not take the reason.
func TestEqualFloorsLeaveTheForecastsReason(t *testing.T) {
	for _, set := range []func(*Input){
		func(in *Input) { in.ShadowUnits = 6 },
		func(in *Input) { in.TrendUnits = 6 },
	} {
		in := input(30, 3, flat(40, 60, 10))
		set(&in)
		d := Decide(in, baseTarget(), State{})
		require.Equal(t, 6, d.Desired)
		require.Equal(t, ReasonForecast, d.Reason)
		require.Equal(t, RuleForecast, d.Explanation.Rule)
	}
}

// TestReactivePartIsBeyondThePlan: Decision.Reactive (what the
// stabilisation window forgets once ready) is the overload's answer
// beyond what was planned: the forecast clamped to min_units, and a
// shadow HPA's units.
func TestReactivePartIsBeyondThePlan(t *testing.T) {
	tg := baseTarget()
	tg.MinUnits = 3
	d := Decide(input(50, 1, flat(0, 0, 10)), tg, State{})
	require.Equal(t, 5, d.Desired)
	require.Equal(t, 2, d.Reactive, "the plan was min_units (3), not 0")

	in := input(80, 2, flat(20, 30, 10))
	in.ShadowUnits = 6
	d = Decide(in, baseTarget(), State{})
	require.Equal(t, 8, d.Desired)
	require.Equal(t, 2, d.Reactive, "the shadow HPA planned 6")
}
