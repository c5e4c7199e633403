package engine

import (
	"math"
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
	tg := peakTarget()
	tg.ChangeCost, tg.CapacityPerUnit = DefaultChangeCost, 1
	step := 5 * time.Minute
	tg.Lag = step // the lead window is two steps
	var up climb
	for i := range climbWindow + 1 {
		up.observe(int64(i)*300, 10+0.5*float64(i), 1) // half a unit a step: s = 1
	}
	for _, c := range []struct {
		price float64
		want  int
	}{
		{1, 0}, // not paced
		{2, 1}, // √(2·0.04·2·1/0.03) = 2.31
		{8, 4}, // √(2·0.04·8·1/0.03) = 4.62
	} {
		require.Equal(t, c.want, up.extraUnits(c.price, tg, step), "price %v", c.price)
	}

	rng := rand.New(rand.NewPCG(5, 6))
	var ar, down, short climb
	x := 40.0
	for i := range 10 * climbWindow {
		x = 40 + 0.9*(x-40) + 0.5*rng.NormFloat64()
		ar.observe(int64(i)*300, x, 1)
		down.observe(int64(i)*300, 100-0.5*float64(i), 1)
	}
	require.Zero(t, ar.extraUnits(2, tg, step), "a wobble around a level is no climb")
	require.Zero(t, down.extraUnits(8, tg, step), "a fall is no climb")
	var uneven climb // a steep rise in two steps of three, then a small fall
	for i := range climbWindow + 1 {
		v := 10 + float64(i)
		if i%3 == 2 {
			v -= 1.5
		}
		uneven.observe(int64(i)*300, v, 1)
	}
	require.Zero(t, uneven.extraUnits(8, tg, step), "8 rises of 12 are not a climb under way")
	for i, v := range []float64{1, 2, math.NaN(), 4} {
		short.observe(int64(i)*300, v, 1)
	}
	require.Equal(t, []float64{1, 2}, short.ring, "the change spans the gap")
	require.Zero(t, short.extraUnits(8, tg, step), "fewer than climbWindow changes")
}
