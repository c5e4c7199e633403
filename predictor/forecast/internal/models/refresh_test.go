package models

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/predictor/series"
)

// A refreshed ridge forecasts the mean of the forecasts of its earlier fit
// and of a fit on the later samples (its coefficients are their average),
// and an unfitted one (or a failed refit) keeps what it had.
func TestRidgeRefreshAverages(t *testing.T) {
	const n, end1, H = 3000, 1800, 6
	rng := rand.New(rand.NewPCG(5, 9))
	ts, ys := make([]int64, n), make([]float64, n)
	y := 50.0
	for i := range n {
		ts[i] = 1_400_000_000 + int64(i)*300
		if i < end1 {
			y = 50 + 0.9*(y-50) + rng.NormFloat64() // mean-reverting
		} else {
			y += 0.3 + rng.NormFloat64() // a climb: the later fit learns it
		}
		ys[i] = y
	}
	s, err := series.NewFrom(ts, ys, false)
	require.NoError(t, err)
	early, late, both := &ridge{}, &ridge{}, &ridge{}
	require.NoError(t, early.Fit(s, end1, H))
	require.NoError(t, late.Fit(s, n, H))
	require.NoError(t, both.Fit(s, end1, H))
	require.NoError(t, both.Refresh(s, n, H))
	fe, fl, fb := make([]float64, H), make([]float64, H), make([]float64, H)
	early.Forecast(s, n, fe)
	late.Forecast(s, n, fl)
	both.Forecast(s, n, fb)
	for k := range H {
		require.Greater(t, math.Abs(fl[k]-fe[k]), 0.5, "h=%d: the fits must differ for the test to mean anything", k+1)
		require.InDelta(t, (fe[k]+fl[k])/2, fb[k], 1e-9*math.Abs(fb[k]), "h=%d", k+1)
		// The reach (the bounds of the change a forecast may make) is
		// the union of the two members'.
		union := [2]float64{min(early.reach[k][0], late.reach[k][0]), max(early.reach[k][1], late.reach[k][1])}
		require.Equal(t, union, both.reach[k], "h=%d: reach", k+1)
		require.NotEqual(t, late.reach[k], union, "h=%d: the later fit's reach alone must differ for the test to mean anything", k+1)
	}

	// A refit that fails (too few samples for the rows) keeps the fit.
	kept := &ridge{}
	require.NoError(t, kept.Fit(s, end1, H))
	require.ErrorIs(t, kept.Refresh(s, 60, H), ErrShort)
	fk := make([]float64, H)
	kept.Forecast(s, n, fk)
	require.Equal(t, fe, fk)
}

// Ridge's rows are one origin in each block of stride origins, at offsets
// spread over the block: with a stride of 6 (12 days of 5-minute origins
// thinned to 600) they see every phase of a 30-minute cycle, where every
// 6th origin back from the last saw one of them.
func TestRidgeRowsSeeEveryPhase(t *testing.T) {
	const end, H = 4000, 12
	r := &ridge{se: Seasonality{M: 288}, minOrig: 100}
	rows := r.rows(end, H)
	lastOrigin := end - 1 - H
	first := lastOrigin - ridgeSpanSeasons*288 + 1
	require.Equal(t, lastOrigin, rows[0])
	require.Len(t, rows, ridgeSpanSeasons*288/6) // a stride of 6
	phases := map[int]int{}
	for q, o := range rows {
		require.GreaterOrEqual(t, o, first)
		if q > 0 {
			require.Less(t, o, rows[q-1])
		}
		phases[o%6]++
	}
	require.Len(t, phases, 6, "phases of a 6-sample cycle seen: %v", phases)
	for ph, c := range phases {
		require.Greater(t, c, len(rows)/12, "phase %d seen %d times", ph, c)
	}
}

// A refresh on a history long enough for a deeper seasonal profile than
// the earlier fit's keeps the earlier profile: its coefficients weigh the
// profile over that many seasons, and averaged with a fit on another
// profile (the same feature count, another feature) the refreshed
// forecast was no longer the mean of its two members' forecasts.
func TestRidgeRefreshKeepsTheProfile(t *testing.T) {
	const n, end1, H, m = 240, 100, 6, 24
	rng := rand.New(rand.NewPCG(3, 7))
	ts, ys := make([]int64, n), make([]float64, n)
	for i := range n {
		ts[i] = 1_400_000_000 + int64(i)*3600
		// A daily cycle whose shape drifts from day to day, so the
		// profile over one, two or three days are different features.
		ph := 2 * math.Pi * float64(i%m) / m
		ys[i] = 50 + 10*math.Sin(ph) + 6*math.Sin(2*ph+float64(i/m)) + rng.NormFloat64()
	}
	s, err := series.NewFrom(ts, ys, false)
	require.NoError(t, err)
	se := Seasonality{M: m}
	early, auto, both := &ridge{se: se}, &ridge{se: se}, &ridge{se: se}
	require.NoError(t, early.Fit(s, end1, H))
	require.NoError(t, auto.Fit(s, n, H))
	require.Less(t, early.prof, auto.prof, "the later history must allow a deeper profile for the test to mean anything")
	require.NoError(t, both.Fit(s, end1, H))
	require.NoError(t, both.Refresh(s, n, H))
	require.Equal(t, early.prof, both.prof, "the refreshed fit's profile")
	require.Equal(t, early.minOrig, both.minOrig)
	late := &ridge{se: se}
	require.NoError(t, late.fit(s, n, H, early.prof))
	fe, fl, fb := make([]float64, H), make([]float64, H), make([]float64, H)
	early.Forecast(s, n, fe)
	late.Forecast(s, n, fl)
	both.Forecast(s, n, fb)
	for k := range H {
		require.InDelta(t, (fe[k]+fl[k])/2, fb[k], 1e-9*math.Abs(fb[k]), "h=%d", k+1)
	}
}
