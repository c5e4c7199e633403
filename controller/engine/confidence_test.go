package engine

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/policy"
	"github.com/prescale/prescale/internal/testkit"
)

// TestConfidenceWarmsUp: LiveForecaster's confidence is the evidence
// min(1, samples / (60 + horizon)) alone until the peak quantiles exist,
// then that times the peak bound's calibration (its one-step forecast's
// confidence), which a daily trace keeps below 1 at some samples.
func TestConfidenceWarmsUp(t *testing.T) {
	const horizon = 5
	tg := policy.Target{
		Name: "t", CapacityPerUnit: 10, TargetUtilization: 1, MinUnits: 1, MaxUnits: 50,
		Lag: 4 * time.Minute, RiskPerUnit: DefaultRiskPerUnit,
	}
	fc, err := DefaultForecaster(60, horizon, tg)
	require.NoError(t, err)
	f := fc.(*LiveForecaster)
	ts, vs := testkit.DailyTrace(600, time.Minute, time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC), 3)
	var warm, calibrated int
	for i := range ts {
		f.Update(ts[i], vs[i])
		evidence := min(1, float64(i+1)/(60+horizon))
		if _, ok := f.PeakQuantile(0.5); !ok {
			warm++
			require.InDelta(t, evidence, f.Confidence(), 1e-12, "sample %d: the evidence alone", i)
			continue
		}
		pf, err := f.peak.Forecast(1, 0.8)
		require.NoError(t, err)
		require.InDelta(t, evidence*pf.Confidence, f.Confidence(), 1e-12, "sample %d", i)
		if pf.Confidence < 1 {
			calibrated++
		}
	}
	require.Positive(t, warm)
	require.Positive(t, calibrated)
}
