package backtest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestRunLeadWindowOnJitteredTimestamps: with a lag of one step, a trace
// with a sample a fifth of a step early every four is decided
// with a lead window of two samples (a unit asked for at a sample is ready
// after the next one whenever that comes early, and the referee's cluster
// counts it from the sample after), a regular one with one.
func TestRunLeadWindowOnJitteredTimestamps(t *testing.T) {
	ts, v := synthetic(2*288, 300, 3)
	res, err := Run(t.Context(), ts, v, testConfig(0))
	require.NoError(t, err)
	require.Equal(t, 1, res.Horizon, "regular 5-minute samples, lag 5 minutes")
	for i := 1; i < len(ts)-1; i += 4 {
		ts[i] -= 60 // spacings 240, 360, 300, 300: the median step is 300 s
	}
	res, err = Run(t.Context(), ts, v, testConfig(0))
	require.NoError(t, err)
	require.Equal(t, 2, res.Horizon, "jittered timestamps")
}

func TestLeadStepOf(t *testing.T) {
	regular := make([]int64, 100)
	jittered := make([]int64, 100)
	for i := range regular {
		regular[i] = 1_400_000_000 + int64(i)*300
		jittered[i] = regular[i] + []int64{0, 30, -30, 60, -60}[i%5]
	}
	require.Equal(t, 300*time.Second, LeadStepOf(diffs(regular)), "a regular grid: the step")
	require.Equal(t, 180*time.Second, LeadStepOf(diffs(jittered)), "the short spacings of jittered timestamps")
	require.Zero(t, LeadStepOf(diffs(regular[:1])))
	require.Equal(t, time.Second, LeadStepOf(diffs([]int64{0, 0, 0})), "at least a second")
}
