package pipeline

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/engine"
	"github.com/prescale/prescale/controller/history"
	"github.com/prescale/prescale/controller/policy"
	"github.com/prescale/prescale/predictor"
)

// spikes scores 1 the samples above 100, 0 the others.
type spikes struct{}

func (spikes) Update(_ int64, y float64) float64 {
	if y > 100 {
		return 1
	}
	return 0
}

// series is n points of a 60 s grid from t0, every value 5 but those
// given in at (time: value).
func series(t0 int64, n int, at map[int64]float64) history.Series {
	var s history.Series
	for i := range n {
		t := t0 + int64(i)*60
		s.T = append(s.T, t)
		if x, ok := at[t]; ok {
			s.V = append(s.V, x)
		} else {
			s.V = append(s.V, 5)
		}
	}
	return s
}

// TestObserveStartsAfreshAfterAGapOrAStepBack: a series that continues
// the engine's grid is fed on; one that starts more than a step after
// the engine's last point (the points between were never read: an
// outage longer than the window) or ends before it (the clock moved
// back) gets a fresh engine, with a new
// detector, fed from its first present point, and forgets the anomalous
// points of the old one. Anomalous points before start are forgotten.
func TestObserveStartsAfreshAfterAGapOrAStepBack(t *testing.T) {
	detectors := 0
	cfg := engine.Config{
		Target: policy.Target{Name: "web", Query: "q", Kind: policy.KindInstances, CapacityPerUnit: 10,
			TargetUtilization: 0.7, MinUnits: 1, MaxUnits: 20, Lag: 5 * time.Minute},
		Step: time.Minute, Interval: time.Minute, AnomalyThreshold: 0.5,
	}
	p, err := New(cfg, func() (predictor.Detector, error) { detectors++; return spikes{}, nil })
	require.NoError(t, err)
	require.Equal(t, 1, detectors)

	first := series(6000, 10, map[int64]float64{6000: math.NaN(), 6120: 500})
	require.NoError(t, p.Observe(first, 6000, 60, 0))
	last, ok := p.Eng.Last()
	require.True(t, ok)
	require.Equal(t, int64(6540), last)
	require.Equal(t, map[int64]bool{6120: true}, p.Anomalous)

	on := series(6600, 5, map[int64]float64{6660: 500, 6840: math.NaN()})
	require.NoError(t, p.Observe(on, 6200, 60, 0))
	require.Equal(t, 1, detectors, "the grid goes on: the same engine")
	last, _ = p.Eng.Last()
	require.Equal(t, int64(6780), last, "the trailing missing point waits for a later one")
	require.Equal(t, map[int64]bool{6660: true}, p.Anomalous, "6120 is before start")

	gap := series(6900, 5, map[int64]float64{6900: math.NaN()}) // two steps after 6780
	require.NoError(t, p.Observe(gap, 6900, 60, 0))
	require.Equal(t, 2, detectors, "a gap: a fresh engine")
	last, _ = p.Eng.Last()
	require.Equal(t, int64(7140), last)
	require.Empty(t, p.Anomalous, "the old engine's anomalies go with it")

	back := series(6600, 5, map[int64]float64{6660: 500})
	require.NoError(t, p.Observe(back, 6600, 60, 0))
	require.Equal(t, 3, detectors, "the grid moved back: a fresh engine")
	last, _ = p.Eng.Last()
	require.Equal(t, int64(6840), last)
	require.Equal(t, map[int64]bool{6660: true}, p.Anomalous)
}
