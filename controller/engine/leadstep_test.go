package engine_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/engine"
)

func TestLeadStepOf(t *testing.T) {
	regular := make([]int64, 100)
	jittered := make([]int64, 100)
	for i := range regular {
		regular[i] = 1_400_000_000 + int64(i)*300
		jittered[i] = regular[i] + []int64{0, 30, -30, 60, -60}[i%5]
	}
	require.Equal(t, 300*time.Second, engine.LeadStepOf(spacings(regular)), "a regular grid: the step")
	require.Equal(t, 180*time.Second, engine.LeadStepOf(spacings(jittered)), "the short spacings of jittered timestamps")
	require.Zero(t, engine.LeadStepOf(spacings(regular[:1])))
	require.Equal(t, time.Second, engine.LeadStepOf(spacings([]int64{0, 0, 0})), "at least a second")
}

// spacings is the seconds between consecutive timestamps.
func spacings(t []int64) []float64 {
	d := make([]float64, 0, max(0, len(t)-1))
	for i := 1; i < len(t); i++ {
		d = append(d, float64(t[i]-t[i-1]))
	}
	return d
}

// TestLeadStepWidensTheLeadWindow: a lead step under the step counts the
// lead window's samples by it (a lag of one step covers two samples when
// the next one may come early); 0 or a longer one changes nothing.
func TestLeadStepWidensTheLeadWindow(t *testing.T) {
	for _, tc := range []struct {
		lead time.Duration
		want int
	}{{0, 1}, {240 * time.Second, 2}, {300 * time.Second, 1}, {600 * time.Second, 1}} {
		e, err := engine.New(engine.Config{Target: target(), Step: 5 * time.Minute, Interval: 5 * time.Minute, LeadStep: tc.lead})
		require.NoError(t, err)
		require.Equal(t, tc.want, e.Horizon(), "lead step %s", tc.lead)
	}
}
