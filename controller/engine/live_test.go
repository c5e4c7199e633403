package engine

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/internal/testkit"
	"github.com/prescale/prescale/predictor/forecast"
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
	require.Less(t, every.t.Len(), 2*(cfg.Keep+DefaultRefitEvery+cfg.RefitPhase), "held samples bounded")
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
		require.Less(t, l.t.Len(), hold+hold/4, "after %d samples", i+1)
	}
	require.Equal(t, 5000, l.Samples())
	require.Equal(t, 5000, l.off+l.t.Len())
	require.Zero(t, l.t.Held(), "times on the grid are two numbers")
}

// TestLiveHoldsSamplesOnce: once a forecast has been made, the samples the
// fitted Auto holds are not also held by Live (its own arrays keep only
// what arrived since), and the forecasts are those of an Auto fitted on
// the Keep samples before the fit point and updated with the rest, at
// every sample count: through leading missing samples, a gap longer than
// Keep (fits that fail, whose samples Live keeps) and forecasts asked at
// irregular counts.
func TestLiveHoldsSamplesOnce(t *testing.T) {
	ts, vs := testkit.DailyTrace(1200, 5*time.Minute, time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC), 7)
	for i := range vs {
		if i < 9 || (i >= 500 && i < 700) || i%37 == 0 {
			vs[i] = math.NaN()
		}
	}
	vs[800] = math.Inf(1)
	cfg := LiveConfig{Step: 300, Horizon: 3, RefitPhase: 5, Keep: 150}
	l, err := NewLive(cfg)
	require.NoError(t, err)
	for n := 1; n <= len(ts); n++ {
		l.Update(ts[n-1], vs[n-1])
		if n%5 != 0 && n%24 != 7 {
			continue
		}
		got, gotErr := l.Forecast(3, 0.8)
		f := l.fitPoint(n)
		lo := max(0, f-cfg.Keep)
		ys := make([]float64, n)
		for i := range ys {
			ys[i] = vs[i]
			if math.IsInf(ys[i], 0) {
				ys[i] = math.NaN()
			}
		}
		ref := forecast.NewAuto(forecast.Options{Horizon: 3})
		refErr := ref.Fit(ts[lo:f], ys[lo:f])
		require.Equal(t, refErr != nil, gotErr != nil, "n=%d: %v / %v", n, refErr, gotErr)
		if refErr != nil {
			require.GreaterOrEqual(t, l.t.Len(), n-lo, "n=%d: a failed fit's samples are Live's", n)
			continue
		}
		for i := f; i < n; i++ {
			ref.Update(ts[i], ys[i])
		}
		want, err := ref.Forecast(3, 0.8)
		require.NoError(t, err)
		require.Equal(t, want, got, "n=%d", n)
		require.Zero(t, l.t.Len()+cap(l.y), "n=%d: Live holds a second copy of the fitted samples", n)
	}
}
