package policy

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestWindowsBounded: decided every second for two hours with one-hour
// stabilisation and usage windows over a demand that wanders between 1
// and 20 units, the windows hold a few recommendations each, not the
// 3,600 of the window (before: 3,600 each, every one copied at every
// decision and written to the state file), and every decision equals the
// one made from the windows kept whole.
func TestWindowsBounded(t *testing.T) {
	tg := baseTarget()
	tg.StabilizationWindow, tg.UsageWindow, tg.FloorMode = 10*time.Minute, 10*time.Minute, FloorHold
	require.NoError(t, tg.Validate())
	rng := rand.New(rand.NewPCG(1, 2))
	var st State
	var whole []Recommendation // Recent as kept before: every one in the window
	var used []Recommendation  // Used likewise
	current, base := 1, 50.0
	most := 0
	for i := range 3600 {
		now := t0.Add(time.Duration(i) * time.Second)
		base = min(100, max(5, base+rng.NormFloat64()*8))
		upper, demand := base*(0.8+0.4*rng.Float64()), base
		if rng.IntN(50) == 0 {
			demand *= 3 // a spike beyond the forecast: its units are reactive
		}
		in := input(demand, current, flat(upper*0.9, upper, 10))
		in.Now, in.Interval, in.ForecastStep = now, time.Second, time.Second
		ref := st
		ref.Recent, ref.Used = inWindow(whole, now, tg.StabilizationWindow), inWindow(used, now, tg.UsageWindow)
		d := Decide(in, tg, st)
		require.Equal(t, Decide(in, tg, ref), d, "decision %d differs from the whole windows'", i)
		if d.Explanation.DataPresent && !d.Reason.Holds() && d.Reason != ReasonManual {
			whole = append(ref.Recent, Recommendation{At: now, Units: d.Raw, Reactive: d.Reactive})
			used = append(ref.Used, Recommendation{At: now, Units: min(tg.UnitsFor(in.Demand), d.Explanation.CurrentUnits)})
		}
		st = st.Record(tg, d)
		current = d.Desired
		most = max(most, len(st.Recent), len(st.Used))
	}
	require.Greater(t, len(whole), 500, "the whole window")
	require.LessOrEqual(t, most, 2*tg.MaxUnits+2, "bounded by the unit values, not by window/interval")
}

// inWindow is the recommendations of rs within window of now, as Record
// kept them before they were bounded.
func inWindow(rs []Recommendation, now time.Time, window time.Duration) []Recommendation {
	var out []Recommendation
	for _, r := range rs {
		if !r.At.Before(now.Add(-window)) {
			out = append(out, r)
		}
	}
	return out
}

// TestPushRecentReadyValue: a newer recommendation with more units drops
// an older one only if it is also at least as high once ready (its
// reactive part no longer counts then): 5 units, then 8 of which 6
// answered an overload, keep 5 once both are ready.
func TestPushRecentReadyValue(t *testing.T) {
	tg := baseTarget()
	tg.StabilizationWindow = time.Hour
	rs := pushRecent(nil, Recommendation{At: t0, Units: 5})
	rs = pushRecent(rs, Recommendation{At: t0.Add(time.Second), Units: 8, Reactive: 6})
	require.Len(t, rs, 2)
	in := input(0, 8, flat(0, 0, 1))
	in.Now = t0.Add(tg.Lag + time.Minute)
	require.Equal(t, 5, stabilised(in, tg, State{Recent: rs}))
	rs = pushRecent(rs, Recommendation{At: t0.Add(2 * time.Second), Units: 9, Reactive: 1})
	require.Len(t, rs, 1, "9, 8 once ready, is above both")
	require.Equal(t, 8, stabilised(in, tg, State{Recent: rs}))
}

// A window keeps the recommendations made at or after its start, in a
// copy: Record never writes into the state it was given.
func TestMadeSince(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	rs := []Recommendation{{At: t0, Units: 3}, {At: t0.Add(time.Minute), Units: 2}, {At: t0.Add(2 * time.Minute), Units: 1}}
	got := madeSince(rs, t0.Add(time.Minute))
	require.Equal(t, rs[1:], got)
	require.Equal(t, len(rs)+1, cap(got), "room for the decision's own")
	got[0].Units = 9
	require.Equal(t, 2, rs[1].Units, "a copy")
	require.Empty(t, madeSince(rs, t0.Add(time.Hour)))
}
