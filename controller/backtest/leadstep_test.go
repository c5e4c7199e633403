package backtest

import (
	"testing"

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
