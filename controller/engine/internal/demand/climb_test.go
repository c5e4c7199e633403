package demand

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The climb ahead: round(√(2·ChangeCost·price·s/RiskPerUnit)) − 1 units,
// s the median one-step change of demand over a lead window; none while
// pacing is not in force, on a level that wobbles around its mean, when
// fewer than climbRising of the changes are rises, or before an hour of
// changes.
func TestClimbExtraUnits(t *testing.T) {
	tg := bandTarget()
	step := 5 * time.Minute
	tg.Lag = step // the lead window is two steps
	var up Steps
	for i := range climbWindow + 1 {
		up.Observe(int64(i)*300, 10+0.5*float64(i), 1) // half a unit a step: s = 1
	}
	for _, c := range []struct {
		price float64
		want  int
	}{
		{1, 0}, // not paced
		{2, 1}, // √(2·0.04·2·1/0.03) = 2.31
		{8, 4}, // √(2·0.04·8·1/0.03) = 4.62
	} {
		require.Equal(t, c.want, up.clb.extraUnits(c.price, tg, step), "price %v", c.price)
	}

	rng := rand.New(rand.NewPCG(5, 6))
	var ar, down Steps
	x := 40.0
	for i := range 10 * climbWindow {
		x = 40 + 0.9*(x-40) + 0.5*rng.NormFloat64()
		ar.Observe(int64(i)*300, x, 1)
		down.Observe(int64(i)*300, 100-0.5*float64(i), 1)
	}
	require.Zero(t, ar.clb.extraUnits(2, tg, step), "a wobble around a level is no climb")
	require.Zero(t, down.clb.extraUnits(8, tg, step), "a fall is no climb")
	var uneven Steps // a steep rise in two steps of three, then a small fall
	for i := range climbWindow + 1 {
		v := 10 + float64(i)
		if i%3 == 2 {
			v -= 1.5
		}
		uneven.Observe(int64(i)*300, v, 1)
	}
	require.Zero(t, uneven.clb.extraUnits(8, tg, step), "8 rises of 12 are not a climb under way")
	var short climb
	for range climbWindow - 1 {
		short.add(1)
	}
	require.Zero(t, short.extraUnits(8, tg, step), "fewer than climbWindow changes")
	short.add(1)
	require.Equal(t, 6, short.extraUnits(8, tg, step), "one unit a step, s = 2: √(2·0.04·8·2/0.03) = 6.53")
	for range climbWindow {
		short.add(-1)
	}
	require.Equal(t, climbWindow, short.Len(), "the ring keeps the last climbWindow changes")
	require.Zero(t, short.extraUnits(8, tg, step), "a fall")
}
