package engine

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// The peak distribution a decision sizes by follows a spell of misses at
// the level the sizing works at (1 − RiskPerUnit): after two weeks of
// noise around 100, a day of noise three times larger is missed by the
// ensemble's 97 % peak quantile on 26 of its 288 samples without the shift
// (three times the 3 % it should), on 18 with defaultTrackRate.
func TestPeakTracksMissesAtRiskLevel(t *testing.T) {
	pe, err := peakEnsemble(300, 1, peakTarget())
	require.NoError(t, err)
	rng := rand.New(rand.NewPCG(21, 22))
	misses, n := 0, 0
	for i := range 4320 {
		sd := 2.0
		if i >= 4032 {
			sd = 6
		}
		y := 100 + sd*rng.NormFloat64()
		if i >= 4032 {
			q, ok := pe.PeakQuantile(1 - DefaultRiskPerUnit)
			require.True(t, ok)
			n++
			if y > q {
				misses++
			}
		}
		pe.Update(int64(i)*300, y)
	}
	require.Equal(t, 288, n)
	require.LessOrEqual(t, misses, 20)
}
