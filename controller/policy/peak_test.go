package policy

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestPeakAt reads quantiles as ExceedProbability does: linear
// between them.
func TestPeakAt(t *testing.T) {
	q := []Quantile{{P: 0.5, Value: 10}, {P: 0.9, Value: 20}, {P: 0.99, Value: 38}}
	require.InDelta(t, 10, PeakAt(q, 0.5), 1e-12)
	require.InDelta(t, 15, PeakAt(q, 0.7), 1e-12)
	require.InDelta(t, 20, PeakAt(q, 0.9), 1e-12)
	require.InDelta(t, 30, PeakAt(q, 0.95), 1e-12)
	require.InDelta(t, 10, PeakAt(q, 0.3), 1e-12)
	require.True(t, math.IsNaN(PeakAt(q, 0.995)))
	require.True(t, math.IsNaN(PeakAt(nil, 0.5)))
	require.InDelta(t, 0.05, ExceedProbability(q, PeakAt(q, 0.95)), 1e-12)
}

// TestExplanationShowsThePeak: a decision sized by peak quantiles says in
// its explanation what the peak distribution was (the 50, 90 and 99 %
// quantiles), so /api/scaling/status shows why forecast_units is what it
// is; upper_used alone, the interval's bound that does not size it, read
// 30 units' worth against forecast_units 3. Without risk sizing there is
// no peak.
func TestExplanationShowsThePeak(t *testing.T) {
	tg := baseTarget()
	tg.RiskPerUnit = 0.05
	in := input(5, 1, flat(10, 300, 10))
	in.PeakQuantiles = []Quantile{{0.5, 10}, {0.9, 20}, {0.98, 30}, {0.999, 40}}
	d := Decide(in, tg, State{})
	require.Equal(t, 3, d.Explanation.ForecastUnits)
	require.Equal(t, &Peak{P50: 10, P90: 20, P99: 30 + 10*(0.99-0.98)/(0.999-0.98)}, d.Explanation.Peak)
	raw, err := json.Marshal(d)
	require.NoError(t, err)
	require.Contains(t, string(raw), `"peak":{"p50":10,"p90":20,"p99":`)

	tg.RiskPerUnit = 0
	d = Decide(in, tg, State{})
	require.Nil(t, d.Explanation.Peak)
	raw, err = json.Marshal(d)
	require.NoError(t, err)
	require.NotContains(t, string(raw), `"peak"`)
}
