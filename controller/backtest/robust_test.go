package backtest

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestLagScenario: the same decisions replayed on a pool with the
// configured lag are Run's own figures and comparison; on a pool twice
// as slow they violate at least as long, and on one twice as fast no
// longer (with an immediate scale-down the units ready at t are the
// fewest requested over [t-lag, t]); each is compared with the HPA curve
// run on its own pool, as the referee scores a decisions file with
// another --lag.
func TestLagScenario(t *testing.T) {
	ts, v := synthetic(6*288, 300, 7)
	cfg := testConfig(len(ts) * 7 / 10)
	res, err := Run(t.Context(), ts, v, cfg)
	require.NoError(t, err)
	same, err := LagScenario(t.Context(), res, cfg, 1)
	require.NoError(t, err)
	require.Equal(t, res.Prescale, same.Figures)
	require.InDelta(t, res.Equal.HPAViolationSeconds, same.Equal.HPAViolationSeconds, 0)
	require.InDelta(t, res.Equal.HPAScaleEvents, same.Equal.HPAScaleEvents, 0)

	slow, err := LagScenario(t.Context(), res, cfg, SlowLag)
	require.NoError(t, err)
	fast, err := LagScenario(t.Context(), res, cfg, FastLag)
	require.NoError(t, err)
	require.GreaterOrEqual(t, slow.Figures.ViolationSeconds, res.Prescale.ViolationSeconds)
	require.LessOrEqual(t, fast.Figures.ViolationSeconds, res.Prescale.ViolationSeconds)
	require.Greater(t, slow.Figures.ViolationSeconds, fast.Figures.ViolationSeconds, "the lag is replayed, not the configured one")
	require.Greater(t, slow.Equal.HPAViolationSeconds, fast.Equal.HPAViolationSeconds, "the HPA curve runs on each pool")
	require.Equal(t, "lag 10m0s (2x the configured 5m0s)", slow.Name)

	var b bytes.Buffer
	WriteRobustness(&b, []Scenario{slow, fast, FinerScenario(res, 4)})
	for _, want := range []string{"lag 10m0s (2x the configured 5m0s): violation ratio vs HPA at equal cost ",
		"lag 2m30s (0.5x the configured 5m0s)", "capacity 4 per unit (units 2.5x finer, a re-run)", "scale events: prescale "} {
		require.Contains(t, b.String(), want)
	}
}
