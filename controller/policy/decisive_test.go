package policy

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestExceedProbability(t *testing.T) {
	q := []Quantile{{0.5, 10}, {0.9, 20}, {0.98, 30}, {0.999, 40}}
	for _, c := range []struct{ x, want float64 }{
		{0, 1}, {5, 0.75}, {10, 0.5}, {25, 0.06}, {40, 0.001}, {50, 0.001},
	} {
		require.InDelta(t, c.want, ExceedProbability(q, c.x), 1e-12, "x %v", c.x)
	}
	require.InDelta(t, 1.0, ExceedProbability(nil, 3), 0, "no quantiles: no knowledge")
}

func TestChangeCost(t *testing.T) {
	// Capacity 10 per unit, risk 0.05 per unit: RiskUnits picks 3 units,
	// ExpectedLoss(2) = 0.2, (3) = 0.17, (4) = 0.201, (8) = 0.401.
	q := []Quantile{{0.5, 10}, {0.9, 20}, {0.98, 30}, {0.999, 40}}
	for _, c := range []struct {
		name       string
		changeCost float64
		demand     float64
		current    int
		want       int
		rule       Rule
	}{
		{"off: every change is made", 0, 5, 4, 3, RuleForecast},
		{"a scale-down saving 0.031 does not pay 0.05", 0.05, 5, 4, 4, RuleChangeCost},
		{"it pays 0.02", 0.02, 5, 4, 3, RuleForecast},
		{"a scale-up gaining 0.03 does not pay 0.05", 0.05, 5, 2, 2, RuleChangeCost},
		{"a move that pays goes all the way to the best units", 0.05, 5, 8, 3, RuleForecast},
		{"never held below what current demand needs", 0.5, 35, 2, 4, RuleForecast},
	} {
		t.Run(c.name, func(t *testing.T) {
			tg := baseTarget()
			tg.RiskPerUnit, tg.ChangeCost = 0.05, c.changeCost
			in := input(c.demand, c.current, flat(10, 20, 6))
			in.PeakQuantiles = q
			d := Decide(in, tg, State{})
			require.Equal(t, c.want, d.Desired)
			require.Equal(t, c.rule, d.Explanation.Rule)
			if c.rule == RuleChangeCost {
				require.Equal(t, ReasonStabilization, d.Reason)
			}
		})
	}
}

func TestChangeCostNeedsQuantiles(t *testing.T) {
	// Without the peak distribution there is no expected loss to compare:
	// the upper bound decides as before.
	tg := baseTarget()
	tg.RiskPerUnit, tg.ChangeCost = 0.05, 0.5
	d := Decide(input(5, 4, flat(10, 30, 6)), tg, State{})
	require.Equal(t, 3, d.Desired)
}

func TestChangeCostReleasesIdleSurplus(t *testing.T) {
	// The change cost is paid once, a surplus unit every lead window: a
	// scale-down saving 0.031 per 6-minute lead window (lag 5m, interval
	// 1m) is held while the forgone 0.031/6 per decision adds up to at most
	// the round trip's two change costs (0.1), and made at the 20th
	// decision (0.1033).
	q := []Quantile{{0.5, 10}, {0.9, 20}, {0.98, 30}, {0.999, 40}}
	tg := baseTarget()
	tg.RiskPerUnit, tg.ChangeCost = 0.05, 0.05
	st := State{}
	for i := range 20 {
		in := input(5, 4, flat(10, 20, 6))
		in.Now = t0.Add(time.Duration(i) * time.Minute)
		in.PeakQuantiles = q
		d := Decide(in, tg, st)
		if i < 19 {
			require.Equal(t, 4, d.Desired, "decision %d", i)
			require.Equal(t, RuleChangeCost, d.Explanation.Rule, "decision %d", i)
			require.InDelta(t, 0.031/6*float64(i+1), d.Explanation.Forgone, 1e-9)
		} else {
			require.Equal(t, 3, d.Desired, "decision %d: the surplus has cost more than the event", i)
			require.Equal(t, RuleForecast, d.Explanation.Rule)
		}
		st = st.Record(tg, d)
	}
	require.Zero(t, st.Forgone, "a move starts a new account")

	// A scale-up held by the change cost accrues nothing: its cost is a
	// probability of violation, which the expected-loss comparison already
	// weighs at every decision.
	in := input(5, 2, flat(10, 20, 6))
	in.PeakQuantiles = q
	d := Decide(in, tg, State{Forgone: 0.049})
	require.Equal(t, RuleChangeCost, d.Explanation.Rule)
	require.Zero(t, d.Explanation.Forgone)
}
