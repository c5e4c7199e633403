package policy

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestBadQueryHoldsEvenWithADemand: a query the history source marked
// unusable (several series) holds the last decision with reason
// bad_query, even when a finite demand came with it, and its units are
// the outage hold once the query is usable again (issue 11: a bad query
// is never a silent decision; the hold floor follows any outage).
func TestBadQueryHoldsEvenWithADemand(t *testing.T) {
	tg := baseTarget()
	tg.StabilizationWindow = 5 * time.Minute
	st := State{LastDesired: 13, HasLast: true}
	in := input(50, 13, flat(40, 50, 10))
	in.BadQuery, in.Problem = true, "the query returned 2 series"
	d := Decide(in, tg, st)
	require.Equal(t, 13, d.Desired)
	require.Equal(t, ReasonBadQuery, d.Reason)
	require.Equal(t, RuleBadQuery, d.Explanation.Rule)
	require.Equal(t, in.Problem, d.Explanation.Problem)
	st = st.Record(tg, d)
	require.Equal(t, 13, st.OutageHold, "a bad_query stretch is an outage")
	require.Empty(t, st.Recent, "a hold is no recommendation")

	in = input(50, 13, flat(40, 50, 10))
	in.Now = t0.Add(time.Minute)
	d = Decide(in, tg, st)
	require.Equal(t, 13, d.Desired, "%+v", d.Explanation)
	require.Equal(t, RuleOutageHold, d.Explanation.Rule)
}

// TestInfiniteDemandIsNoData: ±Inf demand (a division by zero in the
// query) holds as NaN does: it never scales to max_units.
func TestInfiniteDemandIsNoData(t *testing.T) {
	for _, v := range []float64{math.Inf(1), math.Inf(-1), math.NaN()} {
		d := Decide(input(v, 5, flat(40, 50, 10)), baseTarget(), State{})
		require.Equal(t, 5, d.Desired, "demand %v", v)
		require.Equal(t, ReasonNoData, d.Reason, "demand %v", v)
	}
}

// TestHoldsAndOverridesStayInBounds: the units a no_data hold repeats and
// a manual override asks for are clamped to [min_units, max_units] (the
// bounds may have changed since: a lowered max_units in the targets
// file), and so is the raw recommendation the stabilisation window keeps.
func TestHoldsAndOverridesStayInBounds(t *testing.T) {
	tg := baseTarget() // units in [1, 20]
	noData := input(math.NaN(), 0, flat(40, 50, 10))
	noData.DataPresent = false
	d := Decide(noData, tg, State{LastDesired: 30, HasLast: true})
	require.Equal(t, 20, d.Desired, "the last decision, above max_units")
	require.Equal(t, ReasonNoData, d.Reason)
	d = Decide(noData, tg, State{})
	require.Equal(t, 1, d.Desired, "the current units (0), below min_units")

	for _, c := range []struct{ manual, want int }{{50, 20}, {0, 1}, {7, 7}} {
		wanted := c.manual
		d = Decide(input(50, 5, flat(40, 50, 10)), tg, State{Manual: &Override{Units: c.manual}})
		require.Equal(t, c.want, d.Desired, "manual %d", c.manual)
		require.Equal(t, ReasonManual, d.Reason)
		require.Equal(t, wanted, d.Explanation.Wanted, "the explanation keeps what was asked")
	}

	d = Decide(input(300, 5, flat(40, 50, 10)), tg, State{})
	require.Equal(t, 20, d.Desired)
	require.Equal(t, ReasonMax, d.Reason)
	require.Equal(t, 20, d.Raw, "the window keeps a recommendation the target may have")
}
