package policy

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/predictor"
)

// TestOutageHoldsUntilTheWindowPassesOnFreshData: 13 units run (demand
// 130), history is down for 20 minutes (the decisions hold 13), then comes
// back with a demand that needs 8. No decision goes below 13 until the
// stabilisation window (4.5 min) has passed since the first decision on
// fresh data, on the forecast path and on the low-confidence path (which
// used to drop to 8 at once); then the units follow demand.
func TestOutageHoldsUntilTheWindowPassesOnFreshData(t *testing.T) {
	for _, conf := range []float64{0.9, 0.2} {
		tg := baseTarget()
		tg.StabilizationWindow = 4*time.Minute + 30*time.Second
		var st State
		cur := 5
		decide := func(minute int, demand float64, present bool) Decision {
			in := input(demand, cur, flat(demand*0.75, demand, 10))
			in.Forecast.Confidence = conf
			in.Now, in.DataPresent = t0.Add(time.Duration(minute)*time.Minute), present
			d := Decide(in, tg, st)
			st, cur = st.Record(tg, d), d.Desired
			return d
		}
		require.Equal(t, 13, decide(0, 130, true).Desired)
		for m := 1; m <= 20; m++ {
			d := decide(m, 0, false)
			require.Equal(t, 13, d.Desired)
			require.Equal(t, ReasonNoData, d.Reason)
		}
		for m := 21; m <= 25; m++ { // 21 + 4.5 min: 25 is inside, 26 is not
			d := decide(m, 80, true)
			require.Equal(t, 13, d.Desired, "confidence %v, minute %d: %+v", conf, m, d.Explanation)
			require.Equal(t, ReasonStabilization, d.Reason)
			require.Equal(t, RuleOutageHold, d.Explanation.Rule)
			require.Equal(t, 13, d.Explanation.OutageHold)
		}
		d := decide(26, 80, true)
		require.Equal(t, 8, d.Desired, "confidence %v: the window has passed on fresh data", conf)
		require.Zero(t, d.Explanation.OutageHold)
		require.Zero(t, st.OutageHold)
	}
}

// TestOutageHoldNeverBlocksOverload: the hold is a scale-down floor only;
// demand above the held units after an outage is answered at once.
func TestOutageHoldNeverBlocksOverload(t *testing.T) {
	tg := baseTarget()
	tg.StabilizationWindow = 5 * time.Minute
	st := State{LastDesired: 13, HasLast: true, OutageHold: 13}
	in := input(170, 13, flat(100, 120, 10))
	d := Decide(in, tg, st)
	require.Equal(t, 17, d.Desired)
	require.Equal(t, ReasonReactive, d.Reason)
}

// TestOutageHoldWithoutWindow: with no stabilisation window (0 disables
// it) data that comes back is followed at once, as before an outage.
func TestOutageHoldWithoutWindow(t *testing.T) {
	tg := baseTarget()
	st := State{LastDesired: 13, HasLast: true, OutageHold: 13}
	d := Decide(input(80, 13, flat(60, 80, 10)), tg, st)
	require.Equal(t, 8, d.Desired)
	require.Zero(t, st.Record(tg, d).OutageHold)
}

// TestOutageHoldAndWindowNeverScaleUp: the outage hold and the
// stabilisation window only keep units: with fewer units running than
// either remembers (max_units lowered, or units removed by hand), a
// demand that needs fewer holds the current units, never climbs to the
// remembered ones. A proposal equal to the held units is the forecast's.
func TestOutageHoldAndWindowNeverScaleUp(t *testing.T) {
	tg := baseTarget()
	tg.StabilizationWindow = 5 * time.Minute
	outage := State{LastDesired: 10, HasLast: true, OutageHold: 13, Resumed: t0.Add(-time.Minute)}
	d := Decide(input(80, 10, flat(60, 80, 10)), tg, outage)
	require.Equal(t, 10, d.Desired, "%+v", d.Explanation)
	require.Equal(t, RuleOutageHold, d.Explanation.Rule)

	window := State{LastDesired: 10, HasLast: true, Recent: []Recommendation{{At: t0.Add(-time.Minute), Units: 15}}}
	d = Decide(input(80, 10, flat(60, 80, 10)), tg, window)
	require.Equal(t, 10, d.Desired, "%+v", d.Explanation)
	require.Equal(t, RuleStabilization, d.Explanation.Rule)

	outage.LastDesired = 13
	d = Decide(input(100, 13, flat(100, 130, 10)), tg, outage)
	require.Equal(t, 13, d.Desired)
	require.Equal(t, ReasonForecast, d.Reason)
	require.Equal(t, RuleForecast, d.Explanation.Rule)
}

// TestManualOverrideKeepsTheOutageHold: a manual override in force after
// an outage leaves the hold and its resume time as they were, so the
// floor is in force again when the override ends.
func TestManualOverrideKeepsTheOutageHold(t *testing.T) {
	tg := baseTarget()
	tg.StabilizationWindow = 5 * time.Minute
	st := State{LastDesired: 13, HasLast: true, OutageHold: 13, Resumed: t0.Add(-time.Minute),
		Manual: &Override{Units: 5, Until: t0.Add(time.Minute)}}
	d := Decide(input(80, 13, flat(60, 80, 10)), tg, st)
	require.Equal(t, ReasonManual, d.Reason)
	next := st.Record(tg, d)
	require.Equal(t, 13, next.OutageHold)
	require.Equal(t, st.Resumed, next.Resumed)

	in := input(30, 10, flat(20, 30, 10))
	in.Now = t0.Add(2 * time.Minute) // the override has expired
	d = Decide(in, tg, next)
	require.Equal(t, 10, d.Desired, "%+v", d.Explanation)
	require.Equal(t, RuleOutageHold, d.Explanation.Rule)
}

// TestFreshTargetHoldIsNoOutage: a target that never had history (a fresh
// install: its first decisions are no_data) has had no outage. The units
// running at start stay a scale-down floor for the stabilisation window on
// data, as after an outage (the same decisions), but the explanation names
// it startup_hold, not outage_hold. History that then goes away is an
// outage again.
func TestFreshTargetHoldIsNoOutage(t *testing.T) {
	tg := baseTarget()
	tg.StabilizationWindow = 4*time.Minute + 30*time.Second
	var st State
	cur := 13
	decide := func(minute int, demand float64, present bool) Decision {
		in := input(demand, cur, flat(demand*0.75, demand, 10))
		in.Forecast.Confidence = 0.9
		in.Now, in.DataPresent = t0.Add(time.Duration(minute)*time.Minute), present
		d := Decide(in, tg, st)
		st, cur = st.Record(tg, d), d.Desired
		return d
	}
	for m := 0; m <= 2; m++ {
		d := decide(m, 0, false)
		require.Equal(t, ReasonNoData, d.Reason)
		require.Equal(t, 13, d.Desired)
	}
	for m := 3; m <= 7; m++ { // 3 + 4.5 min: 7 is inside, 8 is not
		d := decide(m, 80, true)
		require.Equal(t, 13, d.Desired, "minute %d: %+v", m, d.Explanation)
		require.Equal(t, ReasonStabilization, d.Reason)
		require.Equal(t, RuleStartupHold, d.Explanation.Rule, "minute %d: no history before, no outage", m)
		require.Equal(t, 13, d.Explanation.StartupHold)
		require.Zero(t, d.Explanation.OutageHold)
	}
	d := decide(8, 80, true)
	require.Equal(t, 8, d.Desired, "the window has passed on data")
	require.Zero(t, d.Explanation.StartupHold)

	// History that existed and went away is an outage, also when it goes
	// away inside the start-up hold's window.
	for _, gone := range []int{9, 3} {
		st, cur = State{}, 13
		decide(0, 0, false)
		decide(1, 130, true)
		decide(gone, 0, false)
		d = decide(gone+1, 80, true)
		require.Equal(t, RuleOutageHold, d.Explanation.Rule, "history gone at minute %d", gone)
		require.Equal(t, 13, d.Explanation.OutageHold)
		require.Zero(t, d.Explanation.StartupHold)
	}
}

// TestManualFirstHoldIsNoOutage: a manual override made before any data
// (the API's, before the first cycle read the history) is no decision on
// data: a no_data stretch after it is still a fresh target's start-up
// hold, named startup_hold once data comes (it was outage_hold). An
// override made while data was present, or any decision on data before,
// makes it an outage. The units are the same either way.
func TestManualFirstHoldIsNoOutage(t *testing.T) {
	const (
		manualDry  = "manual without data"
		manualData = "manual on data"
		noData     = "no_data"
		onData     = "on data"
	)
	for _, c := range []struct {
		steps []string
		rule  Rule
	}{
		{[]string{manualDry, noData}, RuleStartupHold},
		{[]string{manualDry, manualDry, noData, noData}, RuleStartupHold},
		{[]string{noData, manualDry, noData}, RuleStartupHold},
		{[]string{noData, manualData, noData}, RuleStartupHold},
		{[]string{manualData, noData}, RuleOutageHold},
		{[]string{manualDry, manualData, noData}, RuleOutageHold},
		{[]string{onData, manualDry, noData}, RuleOutageHold},
		{[]string{manualDry, onData, noData}, RuleOutageHold},
	} {
		tg := baseTarget()
		tg.StabilizationWindow = 5 * time.Minute
		var st State
		now, cur := t0, 13
		decide := func(step string) Decision {
			in := input(130, cur, flat(100, 130, 10))
			in.Now, in.DataPresent = now, step != noData && step != manualDry
			if step == noData || step == manualDry {
				in.Demand, in.Forecast = math.NaN(), predictor.Forecast{}
			}
			if step == manualDry || step == manualData {
				st.Manual = &Override{Units: 13, Until: now.Add(30 * time.Second)}
			}
			d := Decide(in, tg, st)
			st, cur, now = st.Record(tg, d), d.Desired, now.Add(time.Minute)
			return d
		}
		for _, step := range c.steps {
			decide(step)
		}
		in := input(80, cur, flat(60, 80, 10))
		in.Now = now
		d := Decide(in, tg, st)
		require.Equal(t, 13, d.Desired, "%v: %+v", c.steps, d.Explanation)
		require.Equal(t, c.rule, d.Explanation.Rule, "%v", c.steps)
		require.Equal(t, 13, d.Explanation.StartupHold+d.Explanation.OutageHold, "%v", c.steps)
	}
}
