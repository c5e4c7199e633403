package engine

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// The peak distribution a decision sizes by is conditioned on the jump
// state: on noise around 100 with two-sample bursts (a first step of +10,
// then +40, 1 % of the samples), the 97 % peak quantile the decisions
// read after a burst's first step is above the ensemble's own (22 of 23
// first steps; the other was not above the previous 90 % quantile), and
// it is the ensemble's after all but 1 % of the calm samples (below the
// level).
func TestPeakConditionedOnJump(t *testing.T) {
	fc, err := DefaultForecaster(300, 1, peakTarget())
	require.NoError(t, err)
	lf := fc.(*LiveForecaster)
	require.NotNil(t, lf.cond)
	rng := rand.New(rand.NewPCG(5, 6))
	var first, raised, calm, calmRaised int
	burst := 0
	for i := range 21 * 288 {
		y := 100 + 2*rng.NormFloat64()
		switch {
		case burst == 1:
			y += 40
			burst = 0
		case rng.Float64() < 0.01:
			y += 10
			burst = 1
		}
		lf.peak.Update(int64(i)*300, y)
		lf.cond.UpdatePeaks(y, lf.peak.PeakQuantiles)
		if i < 14*288 {
			continue
		}
		q, ok := lf.PeakQuantile(1 - DefaultRiskPerUnit)
		require.True(t, ok)
		raw, _ := lf.peak.PeakQuantile(1 - DefaultRiskPerUnit)
		if burst == 1 {
			first++
			if q > raw {
				raised++
			}
		} else if y < 101 {
			calm++
			if q != raw {
				calmRaised++
			}
		}
	}
	require.Greater(t, first, 10)
	require.GreaterOrEqual(t, float64(raised), 0.9*float64(first), "after a first step the quantile is raised")
	require.Less(t, calmRaised, calm/50, "after calm samples it is the ensemble's")
	t.Logf("first steps %d, raised %d; calm %d, changed %d", first, raised, calm, calmRaised)
}
