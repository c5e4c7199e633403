package engine

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

// One tracker takes the demand at the decisions and hands the same
// one-step changes in units to the wobble and the climb: a missing or
// infinite demand and a repeated or older time are skipped, and the next
// change spans the gap.
func TestDemandStepsFeedsWobbleAndClimb(t *testing.T) {
	var s demandSteps
	for i, v := range []float64{2, 4, math.NaN(), 8, math.Inf(1), 8, 6} {
		s.observe(int64(i)*300, v, 2)
	}
	s.observe(6*300, 100, 2) // repeated time
	s.observe(5*300, 100, 2) // older time
	s.observe(7*300, 100, 0) // no units per demand
	// Changes in units: 1 (2→4), 2 (4→8 across the gap), 0, -1; second
	// differences 1, 2, 1.
	require.Equal(t, []float64{1, 2, 0, -1}, s.clb.vals)
	require.Equal(t, []float64{1, 2, 1}, s.wob.vals)
	s.observe(8*300, 10, 2)
	require.Equal(t, []float64{1, 2, 0, -1, 2}, s.clb.vals, "the change from the last demand taken")
	require.Equal(t, []float64{1, 2, 1, 3}, s.wob.vals)
}

// A ring keeps its last size values, the oldest replaced first.
func TestMedianRing(t *testing.T) {
	var r medianRing
	for _, x := range []float64{5, 1, 4, 2, 3} {
		r.push(x, 3)
	}
	require.Equal(t, []float64{2, 3, 4}, r.sortedRing())
	require.Equal(t, []float64{2, 3, 4}, r.vals, "4 kept, 5 and 1 replaced in turn")
}
