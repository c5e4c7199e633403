package online

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// seasonForecast feeds y(0..at) to a naive-level forecaster with season
// S over seven past seasons and returns its forecast one step ahead.
func seasonForecast(t *testing.T, trim bool, S int, y func(i int) float64, at int) float64 {
	t.Helper()
	f, err := NewForecaster(Config{Step: 300, Season: S, SeasonDays: 7, LevelAlpha: 1, SeasonTrim: trim})
	require.NoError(t, err)
	for i := 0; i <= at; i++ {
		f.Update(int64(i)*300, y(i))
	}
	fc, err := f.Forecast(1, 0.8)
	require.NoError(t, err)
	return fc.Mean[0]
}

// One past season's one-sample spike (30 on a flat 10, on the third of the
// last seven seasons) echoes in the mean seasonal term a week later: the
// forecast one step ahead of the spike's time of season is 10 + 20/7 on
// unchanged demand. The trimmed term leaves that season out; a step that
// every season shares (+5 at the fifth sample) is kept, and a spike on two
// seasons of seven counts as one in six.
func TestSeasonTrimIgnoresOneSeasonsSpike(t *testing.T) {
	const S, K = 8, 7 // K: the seven past seasons seasonForecast averages
	spikes := func(at ...int) func(int) float64 {
		return func(i int) float64 {
			for _, s := range at {
				if i == s {
					return 30
				}
			}
			return 10
		}
	}
	at := K*S + 2 // the next sample is at the spikes' time of season
	require.InDelta(t, 10+20.0/K, seasonForecast(t, false, S, spikes(2*S+3), at), 1e-4, "the mean echoes the spike")
	require.InDelta(t, 10, seasonForecast(t, true, S, spikes(2*S+3), at), 1e-9, "the trimmed mean does not")
	require.InDelta(t, 10+20.0/6, seasonForecast(t, true, S, spikes(2*S+3, 5*S+3), at), 1e-4,
		"a spike on two seasons still counts")

	daily := func(i int) float64 {
		if i%S >= 5 {
			return 15
		}
		return 10
	}
	at = K*S + 4
	require.InDelta(t, 15, seasonForecast(t, true, S, daily, at), 1e-9, "a change every season shares is kept")
	require.InDelta(t, 15, seasonForecast(t, false, S, daily, at), 1e-9)
}

// The season left out is the one farthest from the median, below it as
// well as above; with fewer than three seasons the term is the mean.
func TestSeasonTrimDropsFarthest(t *testing.T) {
	const S = 4
	// Origin 13 reads the changes from 13-4k to 14-4k, k = 1..3: samples
	// 9→10, 5→6 and 1→2.
	y := func(v10, v6, v2 float64) func(int) float64 {
		return func(i int) float64 {
			switch i {
			case 10:
				return v10
			case 6:
				return v6
			case 2:
				return v2
			}
			return 10
		}
	}
	require.InDelta(t, 10+3, seasonForecast(t, true, S, y(14, 12, 110), 13), 1e-9, "+100 left out")
	require.InDelta(t, 10+3, seasonForecast(t, true, S, y(14, 12, -80), 13), 1e-9, "-90 left out")
	// Origin 9 has two seasons, 5→6 and 1→2.
	require.InDelta(t, 10+(2+100)/2.0, seasonForecast(t, true, S, y(14, 12, 110), 9), 1e-9,
		"two seasons: the mean, +100 kept")
}
