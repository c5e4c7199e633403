package demand

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// One tracker takes the demand at the decisions and hands the same
// one-step changes in units to the wobble and the climb: a missing or
// infinite demand and a repeated or older time are skipped, and the next
// change spans the gap.
func TestDemandStepsFeedsWobbleAndClimb(t *testing.T) {
	var s Steps
	for i, v := range []float64{2, 4, math.NaN(), 8, math.Inf(1), 8, 6} {
		s.Observe(int64(i)*300, v, 2)
	}
	s.Observe(6*300, 100, 2) // repeated time
	s.Observe(5*300, 100, 2) // older time
	s.Observe(7*300, 100, 0) // no units per demand
	// Changes in units: 1 (2→4), 2 (4→8 across the gap), 0, -1; second
	// differences 1, 2, 1.
	require.Equal(t, []float64{1, 2, 0, -1}, s.clb.OldestFirst())
	require.Equal(t, []float64{1, 2, 1}, s.wob.OldestFirst())
	s.Observe(8*300, 10, 2)
	require.Equal(t, []float64{1, 2, 0, -1, 2}, s.clb.OldestFirst(), "the change from the last demand taken")
	require.Equal(t, []float64{1, 2, 1, 3}, s.wob.OldestFirst())
}

// The memory for the state file gives back the same steps: the same
// band and climb, and the same next change.
func TestStepsMemoryRoundTrip(t *testing.T) {
	tg := bandTarget()
	var s Steps
	for i := range 400 {
		s.Observe(int64(i)*300, 10+0.1*float64(i)+math.Sin(float64(i)), 1)
	}
	var r Steps
	r.Resume(s.Memory())
	require.Equal(t, s.Memory(), r.Memory())
	require.Positive(t, s.ReleaseBand(8, tg, 5*time.Minute))
	require.Equal(t, s.ReleaseBand(8, tg, 5*time.Minute), r.ReleaseBand(8, tg, 5*time.Minute))
	require.Equal(t, s.ClimbUnits(8, tg, 5*time.Minute), r.ClimbUnits(8, tg, 5*time.Minute))
	s.Observe(400*300, 60, 1)
	r.Observe(400*300, 60, 1)
	require.Equal(t, s.Memory(), r.Memory())
}
