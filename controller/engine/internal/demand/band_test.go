package demand

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/policy"
)

// The wobble is the standard deviation of a random walk's steps, read
// from the median of its second differences: spikes do not move it and a
// smooth ramp has none.
func TestWobbleSigma(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var walk, spiky, ramp Steps
	x := 100.0
	for i := range 2 * wobbleWindow {
		x += 2 * rng.NormFloat64() // steps of 2 demand: 1 unit at per 2
		ts := int64(i) * 300
		walk.Observe(ts, x, 2)
		s := x
		if i%100 == 7 { // 1 % of the samples
			s *= 3
		}
		spiky.Observe(ts, s, 2)
		ramp.Observe(ts, 10+0.5*float64(i), 2)
	}
	require.InDelta(t, 1, walk.wob.sigma(), 0.15)
	require.InDelta(t, 1, spiky.wob.sigma(), 0.2)
	require.InDelta(t, 0, ramp.wob.sigma(), 1e-9)
	require.Equal(t, wobbleWindow, walk.wob.Len())

	var w wobble
	for _, d := range []float64{1, 2, 0, -1} {
		w.add(d)
	}
	require.Equal(t, []float64{1, 2, 1}, w.OldestFirst(), "the absolute second differences")
	require.Zero(t, w.sigma(), "fewer than wobbleMin differences")
}

// The band: ReleaseBandScale × (ChangeCost·price·v / RiskPerUnit)^(1/3),
// rounded, at least one unit, v the wobble's variance over the lead
// window; none while pacing is not in force or the demand does not
// wobble.
func TestReleaseBandWidth(t *testing.T) {
	tg := bandTarget()
	var w wobble
	for range wobbleWindow {
		w.Push(0.6745*math.Sqrt2, wobbleWindow) // σ = 1 unit per step
	}
	step := 5 * time.Minute
	tg.Lag = step // the lead window is two steps: v = 2
	for _, c := range []struct {
		price float64
		want  int
	}{
		{1, 0},  // not paced
		{2, 1},  // 0.7 × ∛(0.04·2·2/0.03) = 1.22
		{8, 2},  // 0.7 × ∛(0.04·8·2/0.03) = 1.94
		{64, 4}, // 0.7 × ∛(0.04·64·2/0.03) = 3.88
	} {
		require.Equal(t, c.want, w.releaseBand(c.price, tg, step), "price %v", c.price)
	}
	require.Zero(t, (&wobble{}).releaseBand(8, tg, step), "no wobble yet")
	var calm wobble
	for range wobbleWindow {
		calm.Push(0.01*0.6745*math.Sqrt2, wobbleWindow) // σ = 0.01 unit per step
	}
	// 0.7 × ∛(0.04·8·0.0002/0.03) = 0.11 rounds to 0: at least one unit
	// while paced and the demand wobbles at all.
	require.Equal(t, 1, calm.releaseBand(8, tg, step))
	require.Zero(t, calm.releaseBand(1, tg, step), "not paced")
}

// bandTarget is a target sized by peak quantiles at the engine's default
// risk per unit (0.03) and change cost (0.04), one unit per demand.
func bandTarget() policy.Target {
	return policy.Target{Name: "t", Kind: policy.KindInstances, CapacityPerUnit: 1, TargetUtilization: 1,
		MinUnits: 1, MaxUnits: 50, Lag: 5 * time.Minute, RiskPerUnit: 0.03, ChangeCost: 0.04}
}
