package state

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/policy"
	"github.com/prescale/prescale/predictor"
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
		// The tolerance is a billionth of the product: 999,999.0005 (within
		// 0.001 of 999,999) is 999,999; 999,999.002 and 2.000001 round up.
		{999_999, 1 + 5e-10, 1, 0, policy.MaxUnitsLimit, 999_999},
		{999_999, 1 + 2e-9, 1, 0, policy.MaxUnitsLimit, 1_000_000},
		{2, 1 + 5e-7, 1, 0, 20, 3},
	} {
		require.Equal(t, c.want, ConvertUnits(c.u, c.from, c.to, c.lo, c.hi), "%+v", c)
	}
}

// resizeFixture is an entry saved at capacity 1, utilisation 1, a
// 5-minute lag and a one-minute scaling interval with
// every kind of units: demand's (windows, outage hold, released, calm
// hold's wanted) and the receiver's (last decision, acknowledged,
// manual override).
func resizeFixture() (Target, policy.Target) {
	at := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	old := policy.Target{Name: "web", CapacityPerUnit: 1, TargetUtilization: 1, MinUnits: 1, MaxUnits: 20, Lag: 5 * time.Minute}
	ts := Target{
		Capacity: 1, Utilization: 1, Interval: "1m0s", Lag: "5m0s",
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
	file := ts // shares the windows' arrays
	big := old
	big.CapacityPerUnit = 4
	msgs := ts.Resize(big, time.Minute)

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
	require.Equal(t, 15, file.Policy.Recent[0].Units, "the file's entry unchanged (copied)")

	require.Equal(t, []string{
		"capacity_per_unit 1 when saved, 4 now: units remembered of the demand served converted to it (ceil(units × 1 / 4), within [1, 20]): " +
			"stabilisation window's highest 15 → 4, usage window's highest 13 → 4, outage hold 14 → 4, units released 17 → 5, calm hold's 3 wanted units",
		"shadow runs' memory, simulated at capacity 1, target_utilization 1, lag 5m0s, dropped: the target now has capacity 4, target_utilization 1, lag 5m0s; they start afresh",
	}, msgs)
}

// Capacity 4 to 1 (smaller units): more of them, within max_units.
func TestResizeToSmallerUnits(t *testing.T) {
	ts, old := resizeFixture()
	ts.Capacity = 4
	ts.Calm.Target = ShadowTarget(policy.Target{CapacityPerUnit: 4, Lag: old.Lag})
	ts.Resize(old, time.Minute)
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
	require.Empty(t, ts.Resize(old, time.Minute))
	require.Equal(t, saved, ts)

	slow := old
	slow.Lag = 10 * time.Minute
	msgs := ts.Resize(slow, time.Minute)
	require.Equal(t, saved.Policy, ts.Policy)
	require.Nil(t, ts.Calm)
	require.Nil(t, ts.Shadow)
	require.Equal(t, []string{
		"calm hold's memory, sized at capacity 1, target_utilization 1, lag 5m0s, dropped: the target now has capacity 1, target_utilization 1, lag 10m0s; the hold starts afresh",
		"shadow runs' memory, simulated at capacity 1, target_utilization 1, lag 5m0s, dropped: the target now has capacity 1, target_utilization 1, lag 10m0s; they start afresh",
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
	require.Empty(t, ts.Resize(big, time.Minute))
	require.Equal(t, 15, ts.Policy.Recent[0].Units)
	require.InDelta(t, 4, ts.Capacity, 0, "known from now on")

	ts.Capacity = -3 // hand-edited
	_, ok = ts.SizedAt()
	require.False(t, ok)
}

// Units are sized at capacity × target_utilization (policy.Target.UnitsFor):
// utilisation 0.5 to 1 at the same capacity halves the demand's units
// (15 → 8, the 6 reactive of them 3), the receiver's stay; the shadow
// runs' memory (the forecaster's own policy run decided at the old
// utilisation) is dropped, the calm hold's converted. One message each.
func TestResizeUtilizationChanged(t *testing.T) {
	ts, old := resizeFixture()
	old.TargetUtilization, ts.Utilization = 0.5, 0.5
	ts.Calm.Target, ts.Shadow.Target = ShadowTarget(old), ShadowTarget(old)
	saved := ts
	full := old
	full.TargetUtilization = 1
	msgs := ts.Resize(full, time.Minute)

	p := ts.Policy
	require.Equal(t, []policy.Recommendation{{At: saved.Policy.Recent[0].At, Units: 8, Reactive: 3}, {At: saved.Policy.Recent[1].At, Units: 5}}, p.Recent,
		"15 of which 6 reactive: 8 of which 3 (the 9 planned: 5)")
	require.Equal(t, []int{7, 0}, []int{p.Used[0].Units, p.Used[1].Units})
	require.Equal(t, 7, p.OutageHold)
	require.Equal(t, 9, p.ReleasedFrom)
	require.Equal(t, []int{8, 7, 7}, ts.Calm.Wanted)
	require.Equal(t, ShadowTarget(full), ts.Calm.Target)
	require.Nil(t, ts.Shadow)
	require.InDelta(t, 1, ts.Utilization, 0)
	require.InDelta(t, 1, ts.Capacity, 0)
	require.Equal(t, 15, p.LastDesired, "the receiver's units stay")
	require.Equal(t, saved.Policy.Manual, p.Manual)
	require.Equal(t, saved.Acked, ts.Acked)

	require.Equal(t, []string{
		"target_utilization 0.5 when saved, 1 now: units remembered of the demand served converted to it " +
			"(ceil(units × 1 × 0.5 / (1 × 1)), within [1, 20]): " +
			"stabilisation window's highest 15 → 8, usage window's highest 13 → 7, outage hold 14 → 7, units released 17 → 9, calm hold's 3 wanted units",
		"shadow runs' memory, simulated at capacity 1, target_utilization 0.5, lag 5m0s, dropped: " +
			"the target now has capacity 1, target_utilization 1, lag 5m0s; they start afresh",
	}, msgs)
	require.Empty(t, ts.Resize(full, time.Minute), "converted once")
}

// Capacity and utilisation both changed: one conversion by the ratio of
// the demand a unit is sized for, 1 × 0.5 to 2 × 1: a quarter.
func TestResizeCapacityAndUtilizationChanged(t *testing.T) {
	ts, old := resizeFixture()
	old.TargetUtilization, ts.Utilization = 0.5, 0.5
	ts.Calm.Target, ts.Shadow.Target = ShadowTarget(old), ShadowTarget(old)
	now := old
	now.CapacityPerUnit, now.TargetUtilization = 2, 1
	msgs := ts.Resize(now, time.Minute)
	require.Equal(t, 4, ts.Policy.Recent[0].Units, "15 / 4 rounded up")
	require.Equal(t, 4, ts.Policy.OutageHold)
	require.Equal(t, []int{4, 4, 4}, ts.Calm.Wanted)
	require.Len(t, msgs, 2)
	require.Equal(t, "capacity_per_unit 1 and target_utilization 0.5 when saved, 2 and 1 now: units remembered of the demand served converted to them "+
		"(ceil(units × 1 × 0.5 / (2 × 1)), within [1, 20]): "+
		"stabilisation window's highest 15 → 4, usage window's highest 13 → 4, outage hold 14 → 4, units released 17 → 5, calm hold's 3 wanted units", msgs[0])
	require.Equal(t, "shadow runs' memory, simulated at capacity 1, target_utilization 0.5, lag 5m0s, dropped: "+
		"the target now has capacity 2, target_utilization 1, lag 5m0s; they start afresh", msgs[1])

	// Capacity doubled and utilisation halved: the same demand a unit is
	// sized for, nothing to convert, but the calm hold's memory is now of
	// capacity 2.
	ts, old = resizeFixture()
	ts.Shadow = nil
	ts.Utilization = 1
	same := old
	same.CapacityPerUnit, same.TargetUtilization = 2, 0.5
	msgs = ts.Resize(same, time.Minute)
	require.Equal(t, 15, ts.Policy.Recent[0].Units)
	require.Equal(t, []int{15, 14, 13}, ts.Calm.Wanted)
	require.Equal(t, ShadowTarget(same), ts.Calm.Target)
	require.Len(t, msgs, 1)
	require.Contains(t, msgs[0], "(ceil(units × 1 × 1 / (2 × 0.5)), ")
}

// A file written before the utilisation was kept (d7394d5's, or older):
// it is taken as unchanged, and the capacity alone converts, as it did; a
// utilisation that is no target's (hand-edited) likewise: outside (0, 1],
// or one that sizes a unit below policy.MinCapacityPerUnit of demand
// (1e-300 × 1: it converted 15 units to 1).
func TestResizeWithoutSavedUtilization(t *testing.T) {
	for _, saved := range []float64{0, -1, 1.5, 1e-300, math.NaN()} {
		ts, old := resizeFixture()
		ts.Utilization = saved
		ts.Calm.Target = MemoryKey{Capacity: 1, Lag: old.Lag}.String() // nor does the key name it
		ts.Shadow = nil
		now := old
		now.CapacityPerUnit, now.TargetUtilization = 4, 0.5
		msgs := ts.Resize(now, time.Minute)
		require.Equal(t, 4, ts.Policy.Recent[0].Units, "saved %g: 15 × 1 / 4", saved)
		require.Len(t, msgs, 1)
		require.Contains(t, msgs[0], "capacity_per_unit 1 when saved, 4 now: units remembered of the demand served converted to it (ceil(units × 1 / 4), within [1, 20]): ")
		require.InDelta(t, 0.5, ts.Utilization, 0, "known from now on")
	}
}

// A hand-edited file's strings (the memories' target strings, an
// actuator's name) of 5,000 bytes with spaces: each message repeats at
// most redact.MaxEchoed bytes of them.
func TestMessagesCutWhatTheFileHolds(t *testing.T) {
	long := strings.Repeat("capacity 1, ", 417) // 5,004 bytes with spaces
	ts, old := resizeFixture()
	ts.Calm.Target, ts.Shadow.Target = long, long
	acked := Target{Acked: map[string]int{long: -1}}
	msgs := acked.Sanitize(old.MinUnits, old.MaxUnits)
	msgs = append(msgs, ts.Resize(old, time.Minute)...)
	require.Len(t, msgs, 3, "%q", msgs)
	for _, m := range msgs {
		require.LessOrEqual(t, len(m), 400, "%q", m)
		require.Contains(t, m, "capacity 1, capacity 1,")
	}
}

// A saved capacity no target may have (hand-edited) is unknown: nothing
// is converted from it. A valid one whose product with the saved
// utilisation is below policy.MinCapacityPerUnit leaves the utilisation
// unknown: the capacities alone convert.
func TestResizeFromSavedValuesNoTargetMayHave(t *testing.T) {
	for _, saved := range []float64{1e-300, 1e300, -4, math.Inf(1), math.NaN()} {
		ts, old := resizeFixture()
		ts.Capacity = saved
		now := old
		now.CapacityPerUnit = 4
		ts.Resize(now, time.Minute)
		require.Equal(t, 15, ts.Policy.Recent[0].Units, "saved capacity %g: unknown, nothing converted", saved)
	}
	ts, old := resizeFixture()
	ts.Capacity, ts.Utilization = policy.MinCapacityPerUnit, 0.5
	now := old
	now.CapacityPerUnit = 2 * policy.MinCapacityPerUnit
	msgs := ts.Resize(now, time.Minute)
	require.Equal(t, 8, ts.Policy.Recent[0].Units, "15 × 1e-9 / 2e-9, the utilisation unknown")
	require.Contains(t, msgs[0], "capacity_per_unit 1e-09 when saved, 2e-09 now: ")
}

// The usage window's units are what demand used: converted within 0 and
// max_units, not raised to min_units as the stabilisation window's are
// (docs/controller-reference.md, "When the configuration changes between
// restarts").
func TestResizeUsageWindowNotRaisedToMinUnits(t *testing.T) {
	ts, old := resizeFixture()
	big := old
	big.CapacityPerUnit, big.MinUnits = 4, 5
	ts.Resize(big, time.Minute)
	require.Equal(t, []int{4, 0}, []int{ts.Policy.Used[0].Units, ts.Policy.Used[1].Units}, "13 / 4 rounded up, not 5; none stays none")
	require.Equal(t, []int{5, 5}, []int{ts.Policy.Recent[0].Units, ts.Policy.Recent[1].Units}, "4 and 3, within [5, 20]")
}

// forgoneHolds is an entry of 19 one-minute holds of a scale-down from 4
// units at capacity 10 and a 5-minute lag (gain 0.031 a 6-minute lead
// window, change cost 0.05): it forwent 0.098. input(i, scale) is the
// decision input i minutes in, its demand and forecast scale times as
// large.
func forgoneHolds(t *testing.T) (Target, policy.Target, func(i int, scale float64) policy.Input) {
	t.Helper()
	at := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	tg := policy.Target{Name: "web", Kind: policy.KindInstances, CapacityPerUnit: 10, TargetUtilization: 1, MinUnits: 1, MaxUnits: 20,
		Lag: 5 * time.Minute, ConfidenceThreshold: 0.7, RiskPerUnit: 0.05, ChangeCost: 0.05}
	input := func(i int, scale float64) policy.Input {
		fc := predictor.Forecast{Coverage: 0.8, Confidence: 0.9, Model: "test"}
		for range 6 {
			fc.Mean, fc.Upper, fc.Lower = append(fc.Mean, 10*scale), append(fc.Upper, 20*scale), append(fc.Lower, 0)
		}
		return policy.Input{Now: at.Add(time.Duration(i) * time.Minute), Interval: time.Minute, CurrentUnits: 4, DataPresent: true,
			Demand: 5 * scale, Forecast: fc, ForecastStep: time.Minute,
			PeakQuantiles: []policy.Quantile{{P: 0.5, Value: 10 * scale}, {P: 0.9, Value: 20 * scale}, {P: 0.98, Value: 30 * scale}, {P: 0.999, Value: 40 * scale}}}
	}
	ts := Target{Capacity: 10, Utilization: 1}
	for i := range 19 {
		d := policy.Decide(input(i, 1), tg, ts.Policy)
		require.Equal(t, policy.RuleChangeCost, d.Explanation.Rule, "hold %d: %s", i, d.Line())
		ts.Policy = ts.Policy.Record(tg, d)
	}
	require.InDelta(t, 0.031/6*19, ts.Policy.Forgone, 1e-9)
	return ts, tg, input
}

// A held scale-down's forgone gain (the change cost's account) is reset by
// a unit-size change, and the message says so: at capacity 20, on a
// demand and forecast twice as large (the same units wanted), the first
// decision a minute after forgoneHolds' holds holds again, its account
// one hold's 0.031/6. It was kept, and that decision released the hold
// (0.1033 above twice the change cost) on gains measured for units of the
// old size.
func TestResizeResetsForgone(t *testing.T) {
	ts, tg, input := forgoneHolds(t)
	big := tg
	big.CapacityPerUnit = 20
	msgs := ts.Resize(big, time.Minute)
	require.Zero(t, ts.Policy.Forgone)
	require.Equal(t, []string{"capacity_per_unit 10 when saved, 20 now: units remembered of the demand served converted to it " +
		"(ceil(units × 10 / 20), within [1, 20]): held scale-down's forgone gain 0.0982 reset"}, msgs)
	d := policy.Decide(input(20, 2), big, ts.Policy)
	require.Equal(t, 4, d.Desired, "%s", d.Line())
	require.Equal(t, policy.RuleChangeCost, d.Explanation.Rule)
	require.InDelta(t, 0.031/6, d.Explanation.Forgone, 1e-9)
}

// A lag change resets it too (each hold added its gain over the old lead
// window), once, where the shadow runs' memory names the old lag: at a
// 2-minute lag (a 3-minute lead window) the first decision a minute after
// forgoneHolds' holds holds again, its account one hold's 0.031/3. It was
// kept, and that decision released the hold (0.1085 above twice the
// change cost), as it does without a memory naming the lag (not known,
// kept).
func TestResizeLagChangeResetsForgone(t *testing.T) {
	ts, tg, input := forgoneHolds(t)
	unknown := ts
	ts.Shadow = &Shadow{Version: ShadowVersion, Target: ShadowTarget(tg)}
	fast := tg
	fast.Lag = 2 * time.Minute
	msgs := ts.Resize(fast, time.Minute)
	require.Zero(t, ts.Policy.Forgone)
	require.Equal(t, []string{"lag 5m0s when saved, 2m0s now: held scale-down's forgone gain 0.0982 reset",
		"shadow runs' memory, simulated at capacity 10, target_utilization 1, lag 5m0s, dropped: the target now has capacity 10, target_utilization 1, lag 2m0s; they start afresh"}, msgs)
	d := policy.Decide(input(20, 1), fast, ts.Policy)
	require.Equal(t, 4, d.Desired, "%s", d.Line())
	require.Equal(t, policy.RuleChangeCost, d.Explanation.Rule)
	require.InDelta(t, 0.031/3, d.Explanation.Forgone, 1e-9)
	require.Empty(t, ts.Resize(fast, time.Minute), "said once")

	forgone := unknown.Policy.Forgone
	require.Empty(t, unknown.Resize(fast, time.Minute))
	require.InDelta(t, forgone, unknown.Policy.Forgone, 0)
	require.Equal(t, 3, policy.Decide(input(20, 1), fast, unknown.Policy).Desired, "kept, released")
}

// An entry with neither a calm nor a shadow memory knows its lag from the
// lag it saved (Target.Lag, as it saves the scaling interval): a lag change
// resets its forgone gain, once, and Resize records the lag. It was kept
// (the lag was known only from the memory keys). A saved lag and a memory
// key that disagree (edited by hand): the saved one, what the gain was
// accrued over. Not a lag (edited by hand, negative) and no memory: not
// known, kept.
func TestResizeSavedLagChangeResetsForgone(t *testing.T) {
	ts, tg, _ := forgoneHolds(t)
	ts.Lag = "5m0s"
	fast := tg
	fast.Lag = 2 * time.Minute
	msgs := ts.Resize(fast, time.Minute)
	require.Equal(t, []string{"lag 5m0s when saved, 2m0s now: held scale-down's forgone gain 0.0982 reset"}, msgs)
	require.Zero(t, ts.Policy.Forgone)
	require.Equal(t, "2m0s", ts.Lag, "recorded")
	require.Empty(t, ts.Resize(fast, time.Minute), "said once")

	ts, tg, _ = forgoneHolds(t)
	ts.Lag = "5m0s"
	ts.Shadow = &Shadow{Version: ShadowVersion, Target: ShadowTarget(fast)}
	require.Contains(t, ts.Resize(fast, time.Minute), "lag 5m0s when saved, 2m0s now: held scale-down's forgone gain 0.0982 reset", "the saved lag before a key's")

	for _, saved := range []string{"", "soon", "-5m0s"} {
		ts, _, _ = forgoneHolds(t)
		ts.Lag = saved
		forgone := ts.Policy.Forgone
		require.Empty(t, ts.Resize(fast, time.Minute), "%q", saved)
		require.InDelta(t, forgone, ts.Policy.Forgone, 0, "%q: not known, kept", saved)
		require.Equal(t, "2m0s", ts.Lag, "%q: recorded", saved)
	}
	ts, _, _ = forgoneHolds(t)
	ts.Lag = "5m0s"
	forgone := ts.Policy.Forgone
	require.Empty(t, ts.Resize(tg, time.Minute), "the same lag")
	require.InDelta(t, forgone, ts.Policy.Forgone, 0)
}

// The memory keys name the utilisation (MemoryKey): where the entry's is
// not known (0, or one no target may have), the one a key names converts
// the units (15 at 0.5 to 1: 8), and a shadow runs' memory simulated at
// another is dropped by its key alone. The key did not name it: the
// utilisation was taken as unchanged, nothing was converted and the
// memory, its forecaster's run decided at 0.5, was resumed at 1.
func TestResizeReadsTheKeysUtilization(t *testing.T) {
	for _, saved := range []float64{0, 1.5} {
		ts, old := resizeFixture()
		old.TargetUtilization, ts.Utilization = 0.5, saved
		ts.Calm.Target, ts.Shadow.Target = ShadowTarget(old), ShadowTarget(old)
		full := old
		full.TargetUtilization = 1
		msgs := ts.Resize(full, time.Minute)
		require.Equal(t, 8, ts.Policy.Recent[0].Units, "saved %g: 15 × 0.5", saved)
		require.Equal(t, []int{8, 7, 7}, ts.Calm.Wanted)
		require.Equal(t, ShadowTarget(full), ts.Calm.Target)
		require.Nil(t, ts.Shadow)
		require.Len(t, msgs, 2)
		require.Equal(t, "shadow runs' memory, simulated at capacity 1, target_utilization 0.5, lag 5m0s, dropped: "+
			"the target now has capacity 1, target_utilization 1, lag 5m0s; they start afresh", msgs[1])
	}
	// The entry's utilisation and a key's disagree (edited by hand): the
	// entry's sizes the units (unchanged here), the memories of another
	// utilisation are dropped, not converted.
	ts, old := resizeFixture()
	half := old
	half.TargetUtilization = 0.5
	ts.Calm.Target, ts.Shadow.Target = ShadowTarget(half), ShadowTarget(half)
	msgs := ts.Resize(old, time.Minute)
	require.Equal(t, 15, ts.Policy.Recent[0].Units)
	require.Nil(t, ts.Calm)
	require.Nil(t, ts.Shadow)
	require.Equal(t, []string{
		"calm hold's memory, sized at capacity 1, target_utilization 0.5, lag 5m0s, dropped: the target now has capacity 1, target_utilization 1, lag 5m0s; the hold starts afresh",
		"shadow runs' memory, simulated at capacity 1, target_utilization 0.5, lag 5m0s, dropped: the target now has capacity 1, target_utilization 1, lag 5m0s; they start afresh",
	}, msgs)
}

// An upgrade keeps the memories: keys written before the utilisation was
// named ("capacity 1, lag 5m0s") are of the entry's utilisation (else
// taken as unchanged); under the same target they are kept and written
// anew as the engine now compares them (ShadowTarget), the rest of the
// entry as it was, nothing said. With the capacity changed the calm
// hold's is converted, as before. Compared as strings they were dropped.
func TestResizeUpgradesOldKeys(t *testing.T) {
	for _, c := range []struct {
		name        string
		utilization float64 // the entry's
		target      float64 // the target's utilisation now
	}{{"utilisation kept", 1, 1}, {"utilisation unknown", 0, 0.7}, {"no target's", 3, 0.7}} {
		ts, old := resizeFixture()
		ts.Utilization = c.utilization
		plain := MemoryKey{Capacity: old.CapacityPerUnit, Lag: old.Lag}.String()
		ts.Calm.Target, ts.Shadow.Target = plain, plain
		saved := ts
		now := old
		now.TargetUtilization = c.target
		require.Empty(t, ts.Resize(now, time.Minute), c.name)
		require.Equal(t, ShadowTarget(now), ts.Calm.Target, c.name)
		require.Equal(t, ShadowTarget(now), ts.Shadow.Target, c.name)
		require.Equal(t, plain, saved.Calm.Target, "%s: the file's entry unchanged (copied)", c.name)
		ts.Calm.Target, ts.Shadow.Target, ts.Utilization = plain, plain, c.utilization
		require.Equal(t, saved, ts, c.name)
	}
	ts, old := resizeFixture()
	ts.Calm.Target = MemoryKey{Capacity: 1, Lag: old.Lag}.String()
	big := old
	big.CapacityPerUnit = 4
	ts.Resize(big, time.Minute)
	require.Equal(t, []int{4, 4, 4}, ts.Calm.Wanted)
	require.Equal(t, ShadowTarget(big), ts.Calm.Target)
}

// A state file of an earlier version (cba700c's, keys "capacity 34, lag
// 5m0s", no capacity or utilisation saved) restarted under the same
// targets (utilisation 0.8: not known when saved, taken as unchanged):
// both memories of each target are kept, nothing said, and written back
// under the keys the engine now resumes them by.
func TestEarlierVersionsMemoriesKept(t *testing.T) {
	old, err := os.ReadFile(filepath.Join("testdata", "controller-state-cba700c.json"))
	require.NoError(t, err)
	s, f := loadWritten(t, old)
	require.Len(t, f.Targets, 2)
	for name, ts := range f.Targets {
		k, ok := ParseMemoryKey(ts.Calm.Target)
		require.True(t, ok, name)
		require.Zero(t, k.Utilization, "%s: the earlier format", name)
		tg := policy.Target{Name: name, CapacityPerUnit: k.Capacity, TargetUtilization: 0.8, MinUnits: 1, MaxUnits: 100, Lag: k.Lag}
		require.NoError(t, tg.Validate())
		require.Empty(t, ts.Resize(tg, time.Minute), name)
		require.Empty(t, ts.Sanitize(tg.MinUnits, tg.MaxUnits), name)
		require.NotNil(t, ts.Calm, name)
		require.NotNil(t, ts.Shadow, name)
		require.Equal(t, ShadowTarget(tg), ts.Calm.Target, name)
		require.Equal(t, ShadowTarget(tg), ts.Shadow.Target, name)
		f.Targets[name] = ts
	}
	require.NoError(t, s.Save(f))
	saved, err := os.ReadFile(s.Path())
	require.NoError(t, err)
	require.Equal(t, 2, strings.Count(string(saved), `"target":"capacity 34, target_utilization 0.8, lag 5m0s"`))
	require.Equal(t, 2, strings.Count(string(saved), `"target":"capacity 1, target_utilization 0.8, lag 5m0s"`))
}

// A scaling interval change resets the forgone gain too: each hold added
// gain × interval / (lag + interval), its gain over a lead window of lag
// + interval (policy's holdSmallChange), and both change with the
// interval. forgoneHolds' 19 one-minute holds (0.098) restarted at 30 s:
// the first decision holds again, its account one hold's 0.031 × 30 /
// 330. Kept, that decision released the hold (0.1010 above twice the
// change cost). Not known (a file written before it was kept, or edited
// by hand), or the same: kept, nothing said. The shadow runs' memory, kept
// across an interval change, has its forecaster's run's reset too.
func TestResizeIntervalChangeResetsForgone(t *testing.T) {
	for _, c := range []struct {
		saved string
		now   time.Duration
		reset bool
	}{
		{"1m0s", 30 * time.Second, true},
		{"1m0s", 2 * time.Minute, true},
		{"1m0s", time.Minute, false},
		{"", 30 * time.Second, false},
		{"soon", 30 * time.Second, false},
		{"-1m0s", 30 * time.Second, false},
	} {
		ts, tg, input := forgoneHolds(t)
		forgone := ts.Policy.Forgone
		ts.Interval = c.saved
		ts.Shadow = &Shadow{Version: ShadowVersion, Target: ShadowTarget(tg), FcPolicy: policy.State{Forgone: 0.07}}
		file := ts.Shadow
		msgs := ts.Resize(tg, c.now)
		require.Equal(t, c.now.String(), ts.Interval, "%+v: recorded", c)
		require.NotNil(t, ts.Shadow, "%+v: kept", c)
		require.InDelta(t, 0.07, file.FcPolicy.Forgone, 0, "%+v: the file's memory unchanged (copied)", c)
		in := input(20, 1)
		in.Interval = c.now
		d := policy.Decide(in, tg, ts.Policy)
		if !c.reset {
			require.Empty(t, msgs, "%+v", c)
			require.InDelta(t, forgone, ts.Policy.Forgone, 0, "%+v", c)
			require.InDelta(t, 0.07, ts.Shadow.FcPolicy.Forgone, 0, "%+v", c)
			continue
		}
		require.Equal(t, []string{fmt.Sprintf("scaling interval 1m0s when saved, %s now: held scale-down's forgone gain 0.0982 reset", c.now)}, msgs)
		require.Zero(t, ts.Policy.Forgone)
		require.Zero(t, ts.Shadow.FcPolicy.Forgone)
		require.Equal(t, 4, d.Desired, "%+v: %s", c, d.Line())
		require.Equal(t, policy.RuleChangeCost, d.Explanation.Rule)
		lead := tg.Lag + c.now
		require.InDelta(t, 0.031*float64(c.now)/float64(lead), d.Explanation.Forgone, 1e-9)
		require.Empty(t, ts.Resize(tg, c.now), "said once")
	}
	// Kept, the first decision at 30 s released the hold.
	ts, tg, input := forgoneHolds(t)
	in := input(20, 1)
	in.Interval = 30 * time.Second
	d := policy.Decide(in, tg, ts.Policy)
	require.Equal(t, 3, d.Desired, "%s", d.Line())
}
