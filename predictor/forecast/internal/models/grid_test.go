package models

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/predictor/series"
)

// An hourly series whose value is its hour of the day (plus 100 times its
// day) misses every fifth row: 24 rows are no day, 24 grid steps are.
// Seasonal naive on the grid forecasts the values one day before the
// targets' times (two days at a grid time without a row), a target h rows
// ahead being taken h mean grid steps per row (about 1.25) ahead, between
// two grid times; the forecast reads the rows up to its origin only.
func TestOnGridSeasonalNaive(t *testing.T) {
	var ts []int64
	var ys []float64
	for i := range 24 * 20 {
		if i%5 == 2 {
			continue
		}
		ts = append(ts, int64(i)*3600)
		ys = append(ys, float64(i%24+100*(i/24)))
	}
	s, err := series.NewFrom(ts, ys, false)
	require.NoError(t, err)
	n := s.N()
	c := NewOnGrid(NewSeasonalNaive(24), 3600)
	require.NoError(t, c.Fit(s, n-50, 3))

	end := n - 10
	g := int(ts[end-1] / 3600) // the origin's grid index
	gap := float64(g) / float64(end-1)
	out := make([]float64, 3)
	c.Forecast(s, end, out)
	snaive := func(k int) float64 {
		j := k - 24
		for j%5 == 2 {
			j -= 24 // no row at that time: a season further back
		}
		return float64(j%24 + 100*(j/24))
	}
	for h := 1; h <= 3; h++ {
		x := gap * float64(h)
		f := int(x)
		u := x - float64(f)
		want := (1-u)*snaive(g+f) + u*snaive(g+f+1)
		require.InDelta(t, want, out[h-1], 1e-9, "h=%d", h)
	}
	require.NotEqual(t, ys[end-24], out[0], "not the row 24 rows before")

	// The same forecast from a copy holding the rows up to the origin only.
	s2, err := series.NewFrom(ts[:end], ys[:end], false)
	require.NoError(t, err)
	c2 := NewOnGrid(NewSeasonalNaive(24), 3600)
	require.NoError(t, c2.Fit(s2, n-50, 3))
	out2 := make([]float64, 3)
	c2.Forecast(s2, end, out2)
	require.Equal(t, out, out2)
}
