package lagwatch

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

var t0 = time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)

func at(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }

// TestScaleUpTimedToItsUnits: a scale-up from 2 to 5 delivered at minute
// 0 is timed when the target shows 5 (minute 3), once; its units are
// starting (paid for) within the target's lag, not beyond it nor once
// shown.
func TestScaleUpTimedToItsUnits(t *testing.T) {
	var w Watch
	_, _, done := w.See(at(0), 2, 2, time.Time{}, false)
	require.False(t, done)
	_, _, done = w.See(at(1), 2, 5, at(0), true)
	require.False(t, done, "delivered, not shown yet")
	require.Equal(t, 5, w.Starting(at(1), 2*time.Minute))
	require.Equal(t, 5, w.Starting(at(2), 2*time.Minute), "delivered the lag before now: still starting")
	require.Zero(t, w.Starting(at(3), 2*time.Minute), "beyond the lag the units read back stand")
	units, lag, done := w.See(at(3), 5, 5, at(0), true)
	require.True(t, done)
	require.Equal(t, 5, units)
	require.Equal(t, 3*time.Minute, lag)
	_, _, done = w.See(at(4), 5, 5, at(0), true)
	require.False(t, done, "timed once")
	require.Zero(t, w.Starting(at(4), time.Hour))
}

// TestLagNeverNegative: a delivery stamped after the cycle that sees its
// units (the clock stepped back between the two) is timed at 0, not at a
// negative lag.
func TestLagNeverNegative(t *testing.T) {
	var w Watch
	w.See(at(0), 2, 2, time.Time{}, false)
	w.See(at(1), 2, 5, at(3), true)
	units, lag, done := w.See(at(2), 5, 5, at(3), true)
	require.True(t, done)
	require.Equal(t, 5, units)
	require.Zero(t, lag)
}

// TestNotAScaleUp: a delivery the target showed already, or a scale-down
// after a scale-up, watches nothing.
func TestNotAScaleUp(t *testing.T) {
	var w Watch
	_, _, done := w.See(at(0), 5, 5, at(0), true)
	require.False(t, done, "the target showed the units before the delivery")
	require.Zero(t, w.Starting(at(0), time.Hour))

	_, _, done = w.See(at(1), 5, 8, at(1), true)
	require.False(t, done)
	require.Equal(t, 8, w.Starting(at(1), time.Hour))
	_, _, done = w.See(at(2), 5, 3, at(2), true)
	require.False(t, done, "a scale-down ends the older scale-up's watch")
	require.Zero(t, w.Starting(at(2), time.Hour))
	_, _, done = w.See(at(3), 8, 3, at(2), true)
	require.False(t, done)
}

// TestPublished: without actuators, a decision is delivered when it
// changes; a cycle without one keeps the last.
func TestPublished(t *testing.T) {
	var w Watch
	_, _, ok := w.Published(0, at(0), false)
	require.False(t, ok)
	u, when, ok := w.Published(4, at(1), true)
	require.True(t, ok)
	require.Equal(t, 4, u)
	require.Equal(t, at(1), when)
	_, when, _ = w.Published(4, at(2), true)
	require.Equal(t, at(1), when, "the same units: no new delivery")
	u, when, _ = w.Published(0, at(3), false)
	require.Equal(t, 4, u)
	require.Equal(t, at(1), when)
	_, when, _ = w.Published(6, at(4), true)
	require.Equal(t, at(4), when)
}

// TestScaleUpShownInItsFirstCycle: a scale-up from 2 to 5 delivered at
// minute 1 whose units the target already shows at the first cycle that
// sees the delivery (minute 2) is a scale-up all the same: the units are
// compared with what the target showed at the cycle before (2), and the
// lag is timed at once. A cycle that times nothing returns 0 units and a
// lag of 0.
func TestScaleUpShownInItsFirstCycle(t *testing.T) {
	var w Watch
	units, lag, done := w.See(at(0), 2, 2, time.Time{}, false)
	require.False(t, done)
	require.Zero(t, units)
	require.Zero(t, lag)
	units, lag, done = w.See(at(2), 5, 5, at(1), true)
	require.True(t, done)
	require.Equal(t, 5, units)
	require.Equal(t, time.Minute, lag)
}

// TestTimedScaleUpNotWatchedAgain: once a scale-up is timed, the same
// delivery is not watched again when the target loses units and gets
// them back (a pod replaced): that is no provisioning of the delivery,
// and its units are not starting (paid for) meanwhile.
func TestTimedScaleUpNotWatchedAgain(t *testing.T) {
	var w Watch
	w.See(at(0), 2, 2, time.Time{}, false)
	w.See(at(1), 2, 5, at(1), true)
	_, _, done := w.See(at(2), 5, 5, at(1), true)
	require.True(t, done)
	for m := 3; m <= 4; m++ {
		units, lag, done := w.See(at(m), 3, 5, at(1), true)
		require.False(t, done)
		require.Zero(t, units)
		require.Zero(t, lag)
		require.Zero(t, w.Starting(at(m), time.Hour), "minute %d", m)
	}
	_, _, done = w.See(at(5), 5, 5, at(1), true)
	require.False(t, done, "timed once")
}
