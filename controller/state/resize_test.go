package state

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/policy"
)

func TestConvertUnits(t *testing.T) {
	for _, c := range []struct {
		u        int
		from, to float64
		lo, hi   int
		want     int
	}{
		{15, 1, 4, 1, 20, 4},    // 3.75 rounded up
		{16, 1, 4, 1, 20, 4},    // exact
		{4, 4, 1, 1, 20, 16},    // smaller units: more of them
		{15, 4, 1, 1, 20, 20},   // 60, within max
		{1, 1, 4, 2, 20, 2},     // 0.25: 1, within min
		{3, 0.1, 0.3, 0, 20, 1}, // 1.0000000000000002 in floats: 1
		{0, 1, 4, 1, 20, 0},     // no units stay none
		{-1, 1, 4, 1, 20, -1},
		{1_000_000, 1, 1e-9, 0, policy.MaxUnitsLimit, policy.MaxUnitsLimit},
	} {
		require.Equal(t, c.want, ConvertUnits(c.u, c.from, c.to, c.lo, c.hi), "%+v", c)
	}
}

// resizeFixture is an entry saved at capacity 1 and a 5-minute lag with
// every kind of units: demand's (windows, outage hold, released, calm
// hold's wanted) and the receiver's (last decision, acknowledged,
// manual override).
func resizeFixture() (Target, policy.Target) {
	at := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	old := policy.Target{Name: "web", CapacityPerUnit: 1, MinUnits: 1, MaxUnits: 20, Lag: 5 * time.Minute}
	ts := Target{
		Capacity: 1,
		Policy: policy.State{LastDesired: 15, HasLast: true, LastScaleUp: at,
			Recent:     []policy.Recommendation{{At: at, Units: 15, Reactive: 6}, {At: at.Add(time.Minute), Units: 9}},
			Used:       []policy.Recommendation{{At: at, Units: 13}, {At: at.Add(time.Minute), Units: 0}},
			OutageHold: 14, ReleasedFrom: 17, Manual: &policy.Override{Units: 15, Until: at.Add(time.Hour)}},
		Acked: map[string]int{"webhook": 15},
		Calm: &Calm{Version: CalmVersion, Target: ShadowTarget(old), At: at.Unix(), On: true,
			Wanted: []int{15, 14, 13}},
		Shadow: &Shadow{Version: ShadowVersion, Target: ShadowTarget(old), At: at.Unix(), Pick: -1},
	}
	return ts, old
}

// Capacity 1 to 4: the demand's units are converted (15 → 4), the
// receiver's are not; the shadow runs' memory is dropped; two messages.
func TestResizeConvertsDemandsUnits(t *testing.T) {
	ts, old := resizeFixture()
	saved, _ := resizeFixture()
	big := old
	big.CapacityPerUnit = 4
	msgs := ts.Resize(big)

	p := ts.Policy
	require.Equal(t, []policy.Recommendation{{At: saved.Policy.Recent[0].At, Units: 4, Reactive: 1}, {At: saved.Policy.Recent[1].At, Units: 3}}, p.Recent,
		"15 of which 6 reactive: 4 of which 1 (the 9 planned: 3)")
	require.Equal(t, []int{4, 0}, []int{p.Used[0].Units, p.Used[1].Units}, "no use stays none")
	require.Equal(t, 4, p.OutageHold)
	require.Equal(t, 5, p.ReleasedFrom)
	require.Equal(t, []int{4, 4, 4}, ts.Calm.Wanted)
	require.Equal(t, ShadowTarget(big), ts.Calm.Target, "resumed by the engine")
	require.Nil(t, ts.Shadow)
	require.InDelta(t, 4, ts.Capacity, 0)

	require.Equal(t, saved.Policy.LastDesired, p.LastDesired, "the receiver's units stay")
	require.Equal(t, saved.Policy.Manual, p.Manual)
	require.Equal(t, saved.Acked, ts.Acked)
	require.Equal(t, saved.Policy.LastScaleUp, p.LastScaleUp)
	require.Equal(t, 15, saved.Policy.Recent[0].Units, "the file's entry unchanged (copied)")

	require.Equal(t, []string{
		"capacity_per_unit 1 when saved, 4 now: units remembered of the demand served converted to it (ceil(units × 1 / 4), within [1, 20]): " +
			"stabilisation window's highest 15 → 4, usage window's highest 13 → 4, outage hold 14 → 4, units released 17 → 5, calm hold's 3 wanted units",
		"shadow runs' memory, simulated at capacity 1, lag 5m0s, dropped: the target now has capacity 4, lag 5m0s; they start afresh",
	}, msgs)
}

// Capacity 4 to 1 (smaller units): more of them, within max_units.
func TestResizeToSmallerUnits(t *testing.T) {
	ts, old := resizeFixture()
	ts.Capacity = 4
	ts.Calm.Target = ShadowTarget(policy.Target{CapacityPerUnit: 4, Lag: old.Lag})
	ts.Resize(old)
	require.Equal(t, []int{60, 56, 52}, ts.Calm.Wanted, "wanted units are not capped by min and max")
	require.Equal(t, 20, ts.Policy.Recent[0].Units, "60 within max_units")
	require.Equal(t, 0, ts.Policy.Recent[0].Reactive, "its 9 planned are 36: within max_units, all of it")
	require.Equal(t, 20, ts.Policy.Recent[1].Units)
	require.Equal(t, 20, ts.Policy.OutageHold)
	require.Equal(t, 15, ts.Policy.LastDesired)
}

// The lag alone changed: nothing is converted; the calm hold's and the
// shadow runs' memories, sized at the old lag, are dropped, one message
// each. Nothing changed: nothing done, nothing said.
func TestResizeLagChanged(t *testing.T) {
	ts, old := resizeFixture()
	saved, _ := resizeFixture()
	require.Empty(t, ts.Resize(old))
	require.Equal(t, saved, ts)

	slow := old
	slow.Lag = 10 * time.Minute
	msgs := ts.Resize(slow)
	require.Equal(t, saved.Policy, ts.Policy)
	require.Nil(t, ts.Calm)
	require.Nil(t, ts.Shadow)
	require.Equal(t, []string{
		"calm hold's memory, sized at capacity 1, lag 5m0s, dropped: the target now has capacity 1, lag 10m0s; the hold starts afresh",
		"shadow runs' memory, simulated at capacity 1, lag 5m0s, dropped: the target now has capacity 1, lag 10m0s; they start afresh",
	}, msgs)
}

// A file written before the capacity was kept: the calm hold's or the
// shadow runs' memory names it; without them it is not known, and
// nothing is converted.
func TestResizeOfAnOlderFile(t *testing.T) {
	ts, old := resizeFixture()
	ts.Capacity = 0
	c, ok := ts.SizedAt()
	require.True(t, ok)
	require.InDelta(t, 1, c, 0)
	ts.Calm = nil
	c, ok = ts.SizedAt()
	require.True(t, ok, "the shadow runs' memory names it")
	require.InDelta(t, 1, c, 0)

	ts.Shadow = nil
	_, ok = ts.SizedAt()
	require.False(t, ok)
	big := old
	big.CapacityPerUnit = 4
	require.Empty(t, ts.Resize(big))
	require.Equal(t, 15, ts.Policy.Recent[0].Units)
	require.InDelta(t, 4, ts.Capacity, 0, "known from now on")

	ts.Capacity = -3 // hand-edited
	_, ok = ts.SizedAt()
	require.False(t, ok)
}
