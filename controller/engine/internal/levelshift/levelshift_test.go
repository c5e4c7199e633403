package levelshift

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// leveler is a detector with level 100 and width 10 that records its
// rebases.
type leveler struct{ rebased []int }

func (*leveler) Update(int64, float64) float64 { return 0 }
func (*leveler) Level() (float64, float64)     { return 100, 10 }
func (l *leveler) Rebase(n int)                { l.rebased = append(l.rebased, n) }

// TestRunMaxHoldInTime: a run is rebased on once, when it has lasted the
// bound in time whatever the step (10 minutes or an hour), on its flagged
// samples; a shorter run, a burst, never is, and an unflagged sample
// starts the count again.
func TestRunMaxHoldInTime(t *testing.T) {
	for _, step := range []int64{600, 3600} {
		l := &leveler{}
		r := New(l, time.Hour, 6*time.Hour)
		r.Observe(0, false)
		want := int(6*3600/step) + 1
		for k := range 3 * want {
			r.Observe(int64(1+k)*step, true)
			if k < want-1 {
				require.Empty(t, l.rebased, "step %d: sample %d", step, k)
			}
		}
		require.Equal(t, []int{want}, l.rebased, "step %d: once, after 6 h", step)
		r.Observe(int64(3*want+1)*step, false)
		for k := range want - 1 { // a burst shorter than the bound
			r.Observe(int64(3*want+2+k)*step, true)
		}
		r.Observe(int64(4*want+2)*step, false)
		require.Equal(t, []int{want}, l.rebased, "step %d: the burst is not a level", step)
	}
}

// TestRunMinHoldAway: within the minimum hold a sample continues the run
// while it is at least the width away from the level at the run's start;
// not before a run, not when back near the level, not after the hold.
func TestRunMinHoldAway(t *testing.T) {
	r := New(&leveler{}, time.Hour, 6*time.Hour)
	require.False(t, r.Away(0, 150), "no run yet")
	r.Observe(0, true)
	require.True(t, r.Away(60, 110))
	require.True(t, r.Away(3599, 85))
	require.False(t, r.Away(60, 105), "back within the width")
	require.False(t, r.Away(3600, 150), "the run has lasted the minimum hold")
	r.Observe(60, false)
	require.False(t, r.Away(120, 150), "the run has ended")
}

// TestRunWithoutLeveler: a detector without a level gets neither bound.
func TestRunWithoutLeveler(t *testing.T) {
	r := New(nil, time.Hour, time.Hour)
	r.Observe(0, true)
	r.Observe(7200, true)
	require.False(t, r.Away(60, 1e9))
}
