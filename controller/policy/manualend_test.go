package policy

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestManualEnded: an override an operator ended (Cancelled) no longer
// decides even before its until, as an expired one; the first decision
// without either names it in manual_ended and in its line, and Record
// drops it, so the decision after says nothing of it.
func TestManualEnded(t *testing.T) {
	for _, tc := range []struct {
		name string
		m    Override
		line string
	}{
		{"cancelled", Override{Units: 3, Until: t0.Add(time.Hour), Cancelled: t0.Add(-time.Minute)},
			"; manual override of 3 units ended: cancelled by an operator at 2026-11-27T11:59:00Z"},
		{"expired", Override{Units: 3, Until: t0},
			"; manual override of 3 units ended: expired at 2026-11-27T12:00:00Z"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tg := baseTarget()
			m := tc.m
			st := State{Manual: &m}
			require.False(t, st.Manual.InForce(t0))
			d := Decide(input(35, 1, flat(40, 55, 10)), tg, st)
			require.Equal(t, ReasonForecast, d.Reason)
			require.Equal(t, 6, d.Desired)
			require.Equal(t, &tc.m, d.Explanation.ManualEnded)
			require.Contains(t, d.Line(), tc.line)

			next := st.Record(tg, d)
			require.Nil(t, next.Manual, "dropped")
			in := input(35, 6, flat(40, 55, 10))
			in.Now = t0.Add(time.Minute)
			d = Decide(in, tg, next)
			require.Nil(t, d.Explanation.ManualEnded, "named once")
			require.NotContains(t, d.Line(), "manual override")
		})
	}
	in := input(35, 1, flat(40, 55, 10))
	d := Decide(in, baseTarget(), State{Manual: &Override{Units: 3, Until: t0.Add(time.Hour)}})
	require.Equal(t, ReasonManual, d.Reason, "in force: decides")
	require.Nil(t, d.Explanation.ManualEnded)
}
