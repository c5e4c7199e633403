package state

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/policy"
	"github.com/prescale/prescale/predictor"
)

// startupTarget: 10 demand a unit, a 5-minute stabilisation window.
var startupTarget = policy.Target{
	Name: "web", Kind: policy.KindInstances, CapacityPerUnit: 10, TargetUtilization: 1,
	MinUnits: 1, MaxUnits: 20, Lag: 5 * time.Minute, ConfidenceThreshold: 0.7, StabilizationWindow: 5 * time.Minute,
}

// startupRecord decides, a minute apart from 13 units running, one
// decision per step ('d' on data needing 8 units, 'D' on data needing
// 13, 'n' no_data, 'm' a
// manual override of 13 units made without data) and returns the target's
// state as a file of a version before policy.State.Startup kept it: the
// decisions and the policy state without Startup.
func startupRecord(steps string) Target { return startupRecordFrom(steps, 13) }

// startupRecordFrom is startupRecord from cur units running.
func startupRecordFrom(steps string, cur int) Target {
	var st policy.State
	var ts Target
	at := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	for k, step := range steps {
		in := policy.Input{Now: at.Add(time.Duration(k) * time.Minute), Interval: time.Minute, CurrentUnits: cur,
			DataPresent: step == 'd' || step == 'D', Demand: math.NaN(), ForecastStep: time.Minute}
		if in.DataPresent {
			in.Demand = map[rune]float64{'d': 80, 'D': 130}[step]
			in.Forecast = predictor.Forecast{Mean: []float64{in.Demand}, Upper: []float64{in.Demand}, Confidence: 0.9}
		}
		if step == 'm' {
			st.Manual = &policy.Override{Units: 13, Until: in.Now.Add(30 * time.Second)}
		}
		d := policy.Decide(in, startupTarget, st)
		st, cur = st.Record(startupTarget, d), d.Desired
		ts.Decisions = append(ts.Decisions, d)
	}
	st.Startup = false
	ts.Policy = st
	return ts
}

// TestMarkStartup: a start-up hold in progress in a file of an older
// version (no "startup") is marked from the target's decisions, so the
// next decisions name it startup_hold; a hold after data, a record that
// may have lost its oldest decisions (as many as kept, or a packed
// history left unread) and a hold already marked are left as they are.
func TestMarkStartup(t *testing.T) {
	for _, c := range []struct {
		name, steps string
		keep        int
		unread      bool
		marked      bool
	}{
		{name: "no_data then data", steps: "nnnd", keep: 20, marked: true},
		{name: "no_data alone", steps: "nn", keep: 20, marked: true},
		{name: "a manual override without data first", steps: "mnd", keep: 20, marked: true},
		{name: "data first: an outage", steps: "Dnnd", keep: 20},
		{name: "data between: an outage", steps: "nDnd", keep: 20},
		{name: "as many decisions as kept", steps: "nnnd", keep: 4},
		{name: "a history left unread", steps: "nnnd", keep: 20, unread: true},
	} {
		ts := startupRecord(c.steps)
		ts.historyUnread = c.unread
		require.Equal(t, 13, ts.Policy.OutageHold, c.name)
		msgs := ts.MarkStartup(startupTarget, c.keep)
		require.Equal(t, c.marked, ts.Policy.Startup, c.name)
		if !c.marked {
			require.Empty(t, msgs, c.name)
			continue
		}
		require.Equal(t, []string{"outage hold of 13 units is a start-up hold (no decision before it had data): named startup_hold"}, msgs, c.name)
		require.Empty(t, ts.MarkStartup(startupTarget, c.keep), "%s: marked once", c.name)
	}
	var fresh Target
	require.Empty(t, fresh.MarkStartup(startupTarget, 20), "no hold")
}

// TestMarkStartupOfOneUnit: a start-up hold of one unit (the target ran
// min_units) is marked too.
func TestMarkStartupOfOneUnit(t *testing.T) {
	ts := startupRecordFrom("nn", 1)
	require.Equal(t, 1, ts.Policy.OutageHold)
	require.Equal(t, []string{"outage hold of 1 units is a start-up hold (no decision before it had data): named startup_hold"},
		ts.MarkStartup(startupTarget, 20))
	require.True(t, ts.Policy.Startup)
}

// TestMarkStartupOfOneDecision: one decision without data is a start-up
// hold already.
func TestMarkStartupOfOneDecision(t *testing.T) {
	ts := startupRecordFrom("n", 13)
	require.Len(t, ts.MarkStartup(startupTarget, 20), 1)
	require.True(t, ts.Policy.Startup)
}
