package policy

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// partialInput is a decision on a partial demand (a host of the summed
// job is down) with 8 units held: demand reads the remaining hosts' share.
func partialInput(demand float64, conf float64) (Input, State) {
	f := flat(demand*0.9, demand, 10)
	f.Confidence = conf
	in := input(demand, 8, f)
	in.Partial, in.Problem = true, `complete_query "min(up)" answered 0`
	return in, State{LastDesired: 8, HasLast: true, LastScaleUp: t0.Add(-time.Minute)}
}

// TestPartialDemandHolds: a partial demand that needs fewer units than
// the 8 held (40: 4 units) holds the 8 with reason partial_data, on the
// forecast and the low-confidence paths, past a rate limit and the
// tolerance; the same input on a whole demand scales down (the control).
func TestPartialDemandHolds(t *testing.T) {
	for _, conf := range []float64{0.9, 0.2} {
		tg := baseTarget()
		tg.MaxScaleDownUnits, tg.Tolerance = 2, 0.1
		in, st := partialInput(40, conf)
		d := Decide(in, tg, st)
		require.Equal(t, 8, d.Desired, "confidence %v: %+v", conf, d.Explanation)
		require.Equal(t, ReasonPartialData, d.Reason)
		require.Equal(t, RulePartialData, d.Explanation.Rule)
		require.True(t, d.Explanation.Partial)
		require.Equal(t, in.Problem, d.Explanation.Problem)
		require.Contains(t, d.Line(), "partial demand, a lower bound")

		in.Partial = false
		whole := Decide(in, tg, st)
		require.Equal(t, 6, whole.Desired, "confidence %v: whole demand scales down (by the rate limit)", conf)
		require.False(t, whole.Explanation.Partial)
	}
}

// TestPartialDemandScalesUp: a partial demand is a lower bound, so what
// it needs is needed: overload is answered on every path (issue 11) with
// the path's own reason, and a trusted forecast above it is followed.
func TestPartialDemandScalesUp(t *testing.T) {
	for _, c := range []struct {
		name   string
		conf   float64
		edit   func(*Target, *Input)
		want   int
		reason Reason
	}{
		{"low confidence", 0.2, nil, 12, ReasonLowConfidence},
		{"forecast", 0.9, func(_ *Target, in *Input) { in.Forecast = flat(120, 150, 10) }, 15, ReasonForecast},
		{"reactive floor", 0.9, func(_ *Target, in *Input) { in.Forecast = flat(50, 60, 10) }, 12, ReasonReactive},
		{"scale-up cooldown", 0.9, func(tg *Target, in *Input) { tg.ScaleUpCooldown, in.Forecast = time.Hour, flat(120, 150, 10) }, 12, ReasonCooldown},
		{"anomaly", 0.9, func(_ *Target, in *Input) { in.Anomaly, in.AnomalyScore = true, 1 }, 12, ReasonAnomaly},
		{"max units", 0.2, func(tg *Target, _ *Input) { tg.MaxUnits = 10 }, 10, ReasonMax},
	} {
		tg := baseTarget()
		in, st := partialInput(120, c.conf)
		if c.edit != nil {
			c.edit(&tg, &in)
		}
		d := Decide(in, tg, st)
		require.Equal(t, c.want, d.Desired, "%s: %+v", c.name, d.Explanation)
		require.Equal(t, c.reason, d.Reason, c.name)
		require.True(t, d.Explanation.Partial, c.name)
	}
}

// TestPartialDemandHoldsAfterwards: the units held on a partial demand
// stay a scale-down floor once the demand is whole again, until the
// stabilisation window has passed on whole data, as after a history
// outage; a partial scale-up raises that floor.
func TestPartialDemandHoldsAfterwards(t *testing.T) {
	tg := baseTarget()
	tg.StabilizationWindow = 3 * time.Minute
	in, st := partialInput(100, 0.2)
	d := Decide(in, tg, st)
	require.Equal(t, 10, d.Desired, "a partial demand scales up")
	st = st.Record(tg, d)
	require.Equal(t, 10, st.OutageHold)

	in.Now, in.Demand, in.CurrentUnits = t0.Add(time.Minute), 40, 10
	d = Decide(in, tg, st)
	require.Equal(t, 10, d.Desired)
	require.True(t, d.Explanation.Partial)
	st = st.Record(tg, d)

	for m := 2; m <= 4; m++ { // whole again from minute 2: held while now - 2 < 3
		in.Now, in.Partial = t0.Add(time.Duration(m)*time.Minute), false
		d = Decide(in, tg, st)
		st = st.Record(tg, d)
		require.Equal(t, 10, d.Desired, "minute %d: %+v", m, d.Explanation)
		require.Equal(t, ReasonStabilization, d.Reason)
	}
	require.Equal(t, RuleOutageHold, d.Explanation.Rule, "the stabilisation window's own 10 is gone by minute 4")
	in.Now = t0.Add(5 * time.Minute)
	require.Equal(t, 4, Decide(in, tg, st).Desired, "the window has passed on whole data")
}

// TestPartialDemandUnderManualOverride: a manual override in force wins
// on a partial demand too, and, as on missing data, leaves the outage
// hold as it was (its units are the operator's, not a hold's).
func TestPartialDemandUnderManualOverride(t *testing.T) {
	tg := baseTarget()
	tg.StabilizationWindow = 3 * time.Minute
	in, st := partialInput(40, 0.2)
	st.Manual = &Override{Units: 3}
	d := Decide(in, tg, st)
	require.Equal(t, ReasonManual, d.Reason)
	require.Equal(t, 3, d.Desired)
	require.Zero(t, st.Record(tg, d).OutageHold)
}

// TestPartialStretchNamesTheOutageHold: each decision on a partial demand
// is an outage hold for the next (State.OutageHold), which the
// stabilisation window step applies before the partial hold. So with a
// stabilisation window only the first decision of a partial stretch that
// the partial hold kept is named partial_data; the next are outage_hold,
// reason stabilization, at the same units, partial in their explanation.
// Without a stabilisation window every one is partial_data.
func TestPartialStretchNamesTheOutageHold(t *testing.T) {
	for _, c := range []struct {
		window time.Duration
		second Rule
	}{{0, RulePartialData}, {5 * time.Minute, RuleOutageHold}} {
		tg := baseTarget()
		tg.StabilizationWindow = c.window
		in, st := partialInput(40, 0.9)
		st.LastScaleUp = t0.Add(-time.Hour) // out of the stabilisation window
		d := Decide(in, tg, st)
		require.Equal(t, RulePartialData, d.Explanation.Rule, "window %s", c.window)
		st = st.Record(tg, d)
		in.Now = t0.Add(time.Minute)
		d = Decide(in, tg, st)
		require.Equal(t, 8, d.Desired, "window %s", c.window)
		require.True(t, d.Explanation.Partial)
		require.Equal(t, c.second, d.Explanation.Rule, "window %s: %s", c.window, d.Line())
	}
}
