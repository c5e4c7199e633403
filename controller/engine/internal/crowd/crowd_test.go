package crowd

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestCrowdProjection: the Theil–Sen line through the flagged samples of
// the last lag, projected to the lead window's end, once the anomaly has
// lasted the lag; one spike does not move it; no trend when it falls, when
// the lag holds too few samples or when the anomaly is new or over.
func TestCrowdProjection(t *testing.T) {
	line := func(ts int64) float64 { return 100 + 2*float64(ts)/60 } // +2 a minute
	c := New(5*time.Minute, time.Minute)
	for ts := int64(0); ts < 300; ts += 60 {
		c.Observe(ts, line(ts), true)
		_, ok := c.projection(ts)
		require.False(t, ok, "the anomaly has not lasted the lag at %d", ts)
	}
	c.Observe(300, line(300), true)
	v, ok := c.projection(300)
	require.True(t, ok)
	require.InDelta(t, line(300+360), v, 1e-9, "projected to the lead window's end, lag + interval ahead")

	c.Observe(360, 1000, true) // a spike
	v, ok = c.projection(360)
	require.True(t, ok)
	require.InDelta(t, line(360+360), v, 4, "one spike barely moves the line")

	_, ok = c.projection(300)
	require.False(t, ok, "only at the crowd's last sample")
	c.Observe(420, math.NaN(), false)
	_, ok = c.projection(360)
	require.True(t, ok, "a missing sample does not end the anomaly")
	c.Observe(420, 50, false)
	_, ok = c.projection(420)
	require.False(t, ok, "a sample not flagged ends it")

	down := New(5*time.Minute, time.Minute)
	for ts := int64(0); ts <= 600; ts += 60 {
		down.Observe(ts, 500-float64(ts)/60, true)
	}
	_, ok = down.projection(600)
	require.False(t, ok, "a falling crowd has no trend floor")

	coarse := New(5*time.Minute, 5*time.Minute)
	for ts := int64(0); ts <= 3000; ts += 300 {
		coarse.Observe(ts, line(ts), true)
	}
	_, ok = coarse.projection(3000)
	require.False(t, ok, "5-minute samples: the lag holds two, too few for a trend")

	fine := New(time.Hour, time.Second)
	for ts := range int64(7200) {
		fine.Observe(ts, line(ts), true)
	}
	require.Len(t, fine.ts, crowdMaxSamples)
	v, ok = fine.projection(7199)
	require.True(t, ok)
	require.InDelta(t, line(7199+3601), v, 1e-6)
}
