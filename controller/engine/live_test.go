package engine

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/internal/testkit"
)

// TestLiveForecastDependsOnSamplesOnly: the forecast after n samples is
// the same whether Forecast was called after every sample or only at the
// end (the refit points are fixed by the sample count), and with a small
// Keep the held samples are compacted without changing it.
func TestLiveForecastDependsOnSamplesOnly(t *testing.T) {
	ts, vs := testkit.DailyTrace(900, 5*time.Minute, time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC), 3)
	vs[400] = math.NaN()
	cfg := LiveConfig{Step: 300, Horizon: 3, RefitPhase: 5, Keep: 300}
	every, err := NewLive(cfg)
	require.NoError(t, err)
	atEnd, err := NewLive(cfg)
	require.NoError(t, err)
	for i := range ts {
		every.Update(ts[i], vs[i])
		atEnd.Update(ts[i], vs[i])
		if i%7 == 0 {
			_, err := every.Forecast(3, 0.8)
			require.NoError(t, err)
		}
	}
	a, err := every.Forecast(3, 0.8)
	require.NoError(t, err)
	b, err := atEnd.Forecast(3, 0.8)
	require.NoError(t, err)
	require.Equal(t, a, b)
	require.Less(t, len(every.t), 2*(cfg.Keep+DefaultRefitEvery+cfg.RefitPhase), "held samples bounded")
	require.Equal(t, 900, every.Samples())
	// The fit in use was made at the last count = 5 (mod 24) <= 900: 893.
	require.Equal(t, 893, every.fitAt)
}

func TestLiveConfigErrors(t *testing.T) {
	for _, cfg := range []LiveConfig{{Step: 0, Horizon: 1}, {Step: 60, Horizon: 0}, {Step: 60, Horizon: 1, RefitPhase: 24}} {
		_, err := NewLive(cfg)
		require.Error(t, err, "%+v", cfg)
	}
	l, err := NewLive(LiveConfig{Step: 60, Horizon: 2})
	require.NoError(t, err)
	_, err = l.Forecast(1, 0.8)
	require.ErrorContains(t, err, "no samples")
	_, err = l.Forecast(3, 0.8)
	require.ErrorContains(t, err, "horizon")
	require.Equal(t, 20000, l.Config().Keep, "35 days of minutes, capped")
}

// BenchmarkLiveRefit is one refit of the live forecaster on 14 days of
// 5-minute samples (4,032, what the controller's default window holds):
// the cost a target adds to one cycle in 24.
func BenchmarkLiveRefit(b *testing.B) {
	ts, vs := testkit.DailyTrace(14*288, 5*time.Minute, time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC), 1)
	l, err := NewLive(LiveConfig{Step: 300, Horizon: 2})
	require.NoError(b, err)
	for i := range ts {
		l.Update(ts[i], vs[i])
	}
	for b.Loop() {
		l.fitAt = -1
		if _, err := l.Forecast(2, 0.95); err != nil {
			b.Fatal(err)
		}
	}
}

// A Live holds at most a quarter more samples than its next fit reads.
func TestLiveHoldsBoundedSamples(t *testing.T) {
	l, err := NewLive(LiveConfig{Step: 300, Horizon: 12, Keep: 400, RefitPhase: 5})
	require.NoError(t, err)
	hold := 400 + DefaultRefitEvery + 5
	for i := range 5000 {
		l.Update(int64(i)*300, float64(i%288))
		require.Less(t, len(l.t), hold+hold/4, "after %d samples", i+1)
	}
	require.Equal(t, 5000, l.Samples())
	require.Equal(t, 5000, l.off+len(l.t))
}
