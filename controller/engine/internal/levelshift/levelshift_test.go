package levelshift

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestRunBoundInTime: a run is accepted once, when it has lasted the bound
// in time whatever the step (10 minutes or an hour), with the number of
// its flagged samples; a shorter run, a burst, never is, and an unflagged
// sample starts the count again.
func TestRunBoundInTime(t *testing.T) {
	for _, step := range []int64{600, 3600} {
		r := New(6 * time.Hour)
		require.Zero(t, r.Observe(0, false))
		want := int(6*3600/step) + 1
		for k := range 3 * want {
			got := r.Observe(int64(1+k)*step, true)
			if k == want-1 {
				require.Equal(t, want, got, "step %d: sample %d, the run has lasted 6 h", step, k)
			} else {
				require.Zero(t, got, "step %d: sample %d", step, k)
			}
		}
		require.Zero(t, r.Observe(int64(3*want+1)*step, false))
		for k := range want - 1 { // a burst shorter than the bound
			require.Zero(t, r.Observe(int64(3*want+2+k)*step, true), "step %d: burst sample %d", step, k)
		}
		require.Zero(t, r.Observe(int64(4*want+2)*step, false))
		require.Zero(t, r.Observe(int64(4*want+3)*step, true), "a new run starts its own count")
	}
}
