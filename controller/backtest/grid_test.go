package backtest

import (
	"errors"
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/engine"
	"github.com/prescale/prescale/controller/policy"
	"github.com/prescale/prescale/predictor"
)

// gridSpy records what the engine feeds its forecaster, and at each
// forecast asked (one per decision) the last time fed.
type gridSpy struct {
	t     []int64
	y     []float64
	asked []int64
}

func (s *gridSpy) Update(t int64, y float64) { s.t, s.y = append(s.t, t), append(s.y, y) }
func (s *gridSpy) Forecast(int, float64) (predictor.Forecast, error) {
	s.asked = append(s.asked, s.t[len(s.t)-1])
	return predictor.Forecast{}, errors.New("spy")
}

// TestMissingRowsReachTheEngineAsTheStoreAnswers: rows missing from a
// 5-minute trace are fed as grid points, the first of a run carried from
// the last row (within the store's 7.5-minute lookback) and the rest NaN; a
// NaN row is a missing one (the store skips NaN on write): carried too (it
// was fed as NaN); a late row (jitter under half a step) adds no point.
func TestMissingRowsReachTheEngineAsTheStoreAnswers(t *testing.T) {
	sp := &gridSpy{}
	cfg := testConfig(0)
	cfg.NewForecaster = func(int64, int, policy.Target) (engine.Forecaster, error) { return sp, nil }
	nan := math.NaN()
	ts := []int64{0, 300, 900, 1800, 2100, 2400, 3000, 3420, 3600, 3900, 4200, 4500, 4800}
	vs := []float64{1, 2, 3, 4, 5, nan, 7, 8, 9, 10, 11, 12, 13}
	_, err := Run(t.Context(), ts, vs, cfg)
	require.NoError(t, err)
	require.Equal(t, []int64{0, 300, 600, 900, 1200, 1500, 1800, 2100, 2400, 2700, 3000, 3420, 3600, 3900, 4200, 4500, 4800}, sp.t)
	want := []float64{1, 2, 2, 3, 3, nan, 4, 5, 5, nan, 7, 8, 9, 10, 11, 12, 13}
	require.Len(t, sp.y, len(want))
	for i, w := range want {
		if math.IsNaN(w) {
			require.True(t, math.IsNaN(sp.y[i]), "point %d at %d: %v", i, sp.t[i], sp.y[i])
			continue
		}
		require.InDelta(t, w, sp.y[i], 1e-12, "point %d at %d", i, sp.t[i])
	}
	// The engine also decides at the grid points without a row, as the
	// controller cycling every step does (it decided at the rows only):
	// after feeding a point the store answers (600, 1200, the NaN row
	// 2400), before feeding one it answers NaN (1500, 2700: fed with the
	// next row).
	require.Equal(t, []int64{0, 300, 600, 900, 1200, 1200, 1800, 2100, 2400, 2400, 3000, 3420, 3600, 3900, 4200, 4500, 4800}, sp.asked)
}

// TestLeadingNaNRowsAreNotFed: a trace's leading NaN rows are points the
// store answers nothing for; the controller's engine starts at the first
// answered one (a cold start skips leading NaN), so they are not fed,
// although the engine decides there (without data).
func TestLeadingNaNRowsAreNotFed(t *testing.T) {
	nan := math.NaN()
	sp := &gridSpy{}
	cfg := testConfig(0)
	cfg.NewForecaster = func(int64, int, policy.Target) (engine.Forecaster, error) { return sp, nil }
	res, err := Run(t.Context(), []int64{0, 300, 600, 900, 1200}, []float64{nan, nan, 3, 4, 5}, cfg)
	require.NoError(t, err)
	require.Equal(t, []int64{600, 900, 1200}, sp.t, "fed from the first number on")
	require.Equal(t, []float64{3, 4, 5}, sp.y)
	require.Equal(t, []policy.Reason{policy.ReasonNoData, policy.ReasonNoData}, res.Reasons[:2])
}

// TestQueryGridNaNRowStaysNaN: with Config.QueryGrid (the rows are a
// server's answers on the grid, `prescale backtest --prometheus`) a NaN
// row is the server answering nothing there, after its own lookback: it
// reaches the engine as NaN and is decided without data, where a trace's
// NaN row is carried from the row before (the store skips NaN on write).
func TestQueryGridNaNRowStaysNaN(t *testing.T) {
	nan := math.NaN()
	ts := []int64{0, 300, 600, 900, 1200}
	vs := []float64{1, 2, nan, 4, 5}
	for _, query := range []bool{false, true} {
		sp := &gridSpy{}
		cfg := testConfig(0)
		cfg.NewForecaster = func(int64, int, policy.Target) (engine.Forecaster, error) { return sp, nil }
		cfg.QueryGrid = query
		res, err := Run(t.Context(), ts, vs, cfg)
		require.NoError(t, err)
		require.Equal(t, ts, sp.t, "query %v", query)
		if query {
			require.True(t, math.IsNaN(sp.y[2]), "fed %v", sp.y[2])
			require.Equal(t, policy.ReasonNoData, res.Reasons[2])
			require.Equal(t, []int64{0, 300, 300, 900, 1200}, sp.asked, "decided before the NaN was fed")
			continue
		}
		require.InDelta(t, 2, sp.y[2], 0, "carried")
		require.NotEqual(t, policy.ReasonNoData, res.Reasons[2])
		require.Equal(t, []int64{0, 300, 600, 900, 1200}, sp.asked)
	}
}
