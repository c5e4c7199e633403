package backtest

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/policy"
)

// TestNeedIsTheDecisionsRule: the simulated pool counts as enough for a
// demand the units a target at full utilisation decides for it
// (policy.Target.UnitsFor), at capacities and demands whose ratios are
// not exact in floating point.
func TestNeedIsTheDecisionsRule(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	for range 2000 {
		capacity := []float64{0.1, 0.3, 0.7, 1, 3.3, 1e-9, 1e15}[rng.IntN(7)]
		demand := capacity * float64(rng.IntN(50)) * (1 + (rng.Float64()-0.5)*1e-15)
		tg := policy.Target{CapacityPerUnit: capacity, TargetUtilization: 1}
		s := &Sim{Capacity: capacity}
		require.Equal(t, tg.UnitsFor(demand), s.Need(demand), "demand %v, capacity %v", demand, capacity)
	}
}
