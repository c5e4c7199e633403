package anomaly

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// plateau is 1500 rows of noise around 100, then 60 rows 20 higher (a
// long anomaly), then noise again, at 5-minute steps.
func plateau() (ts []int64, ys []float64) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 1600 {
		y := 100 + rng.NormFloat64()
		if i >= 1500 && i < 1560 {
			y += 20
		}
		ts, ys = append(ts, 1_600_000_000+int64(i)*300), append(ys, y)
	}
	return ts, ys
}

// TestLiveDetectorFollowsALongAnomaly: the live detector (what the
// controller runs) reports the first row of a 60-row plateau and says
// every row of it is outside the normal range, so the controller keeps all
// of them out of fitting; its calibrated score fades as the plateau grows
// familiar. NAB's first-detection rule zeroes every row after the first.
func TestLiveDetectorFollowsALongAnomaly(t *testing.T) {
	ts, ys := plateau()
	live, err := NewDetector("robust")
	require.NoError(t, err)
	nab, err := NewNABDetector("robust")
	require.NoError(t, err)
	for i := range ys {
		s, n := live.Update(ts[i], ys[i]), nab.Update(ts[i], ys[i])
		surprising := live.(*RobustDetector).Surprising()
		switch {
		case i == 1500:
			require.InDelta(t, 1, s, 0)
			require.InDelta(t, 1, n, 0)
			require.True(t, surprising)
		case i > 1500 && i < 1560:
			require.True(t, surprising, "row %d of the plateau", i)
			require.Zero(t, n, "row %d: NAB credits the first detection only", i)
		case i > 1561:
			require.False(t, surprising, "row %d: back to normal", i)
		}
	}
}

// TestNABFirstDetection: after a score >= Level the next Hold scores are
// multiplied by Factor; a second spike within the hold is damped, one
// after it is reported; non-finite rows pass through without counting.
func TestNABFirstDetection(t *testing.T) {
	rng := rand.New(rand.NewPCG(41, 42))
	noise := make([]float64, 1000)
	for i := range noise {
		noise[i] = rng.NormFloat64()
	}
	run := func(cfg FirstDetectionConfig, second int) float64 {
		d := NewNABFirstDetection(NewRobustDetector(RobustConfig{}), cfg)
		var got float64
		for i := 0; i <= second; i++ {
			y := noise[i] + valueIf(i == 800 || i == second, 20)
			got = d.Update(1_600_000_000+int64(i)*300, y)
			if i == 801 {
				require.Zero(t, d.Update(0, math.NaN()), "a NaN row scores 0")
			}
		}
		return got
	}
	require.Zero(t, run(FirstDetectionConfig{}, 850), "damped within the default hold of 100")
	require.InDelta(t, 1, run(FirstDetectionConfig{Hold: 30}, 850), 0, "reported after a hold of 30")
	require.InDelta(t, 0.5, run(FirstDetectionConfig{Factor: 0.5}, 850), 1e-12, "damped by the factor")
	require.Panics(t, func() { NewNABFirstDetection(NewZScoreDetector(ZScoreConfig{}), FirstDetectionConfig{Hold: -1}) })
	_, err := NewNABDetector("nope")
	require.ErrorContains(t, err, `unknown detector "nope"`)
}

// scripted returns its scores in turn.
type scripted struct{ s []float64 }

func (d *scripted) Update(int64, float64) float64 {
	v := d.s[0]
	d.s = d.s[1:]
	return v
}

// TestNABFirstDetectionAtLevel: a score equal to Level is a detection
// (>=), so the next one is damped.
func TestNABFirstDetectionAtLevel(t *testing.T) {
	d := NewNABFirstDetection(&scripted{s: []float64{0.5, 0.9}}, FirstDetectionConfig{Hold: 1, Level: 0.5})
	require.InDelta(t, 0.5, d.Update(0, 1), 0)
	require.Zero(t, d.Update(300, 1), "within the hold after a score at Level")
}

// TestLiveDetectorFlagsANewLow: a drop below the range seen so far is a
// new extreme as a rise above it is: the plateau mirrored (20 lower)
// scores 1 at its first row.
func TestLiveDetectorFlagsANewLow(t *testing.T) {
	ts, ys := plateau()
	live, err := NewDetector("robust")
	require.NoError(t, err)
	for i := range 1501 {
		s := live.Update(ts[i], 200-ys[i])
		if i == 1500 {
			require.InDelta(t, 1, s, 0)
			require.True(t, live.(*RobustDetector).Surprising())
		}
	}
}
