package policy

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestReactiveAnswerHeldUntilReady: a one-sample burst answered by the
// reactive floor (the forecast wanted 3 units, current demand needed 12)
// keeps its units through the stabilisation window while they are pending,
// but not once they are ready: the decision then knows the demand no
// longer needs them. A forecast's own recommendation is still held for the
// whole window. With 1-minute decisions and a 5-minute lag the burst's
// units stay pending for four decisions; with 5-minute decisions they are
// ready at the next one.
func TestReactiveAnswerHeldUntilReady(t *testing.T) {
	tg := baseTarget()
	tg.StabilizationWindow = tg.Lag // HoldUntilReady, resolved
	for _, tc := range []struct {
		name     string
		interval time.Duration
		// want is the desired units at each decision after the burst.
		want []int
	}{
		{"1-minute decisions", time.Minute, []int{12, 12, 12, 12, 3}},
		{"5-minute decisions", 5 * time.Minute, []int{3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			decide := func(now time.Time, demand float64, cur int, st State) (Decision, State) {
				in := input(demand, cur, flat(25, 30, 10))
				in.Now, in.Interval = now, tc.interval
				d := Decide(in, tg, st)
				return d, st.Record(tg, d)
			}
			d, st := decide(t0, 120, 3, State{})
			require.Equal(t, 12, d.Desired, "the burst is answered at once")
			require.Equal(t, 9, d.Reactive)
			cur := d.Desired
			for k, want := range tc.want {
				d, st = decide(t0.Add(time.Duration(k+1)*tc.interval), 20, cur, st)
				require.Equal(t, want, d.Desired, "decision %d after the burst (%s)", k+1, d.Explanation.Rule)
				cur = d.Desired
			}
		})
	}

	// Current demand above the plan is no overload when the units are
	// there (12 needed, 12 requested): nothing is marked reactive, the
	// recommendation is held as any other.
	d0 := Decide(input(120, 12, flat(25, 30, 10)), tg, State{})
	require.Equal(t, 12, d0.Desired)
	require.Zero(t, d0.Reactive)

	// A recommendation the forecast made is held for the whole window,
	// also once its units are ready.
	in := input(20, 3, flat(110, 115, 10))
	d := Decide(in, tg, State{})
	require.Equal(t, 12, d.Desired)
	require.Zero(t, d.Reactive)
	st := State{}.Record(tg, d)
	in = input(20, 12, flat(25, 30, 10))
	in.Now = t0.Add(tg.Lag)
	d = Decide(in, tg, st)
	require.Equal(t, 12, d.Desired)
	require.Equal(t, RuleStabilization, d.Explanation.Rule)
}
