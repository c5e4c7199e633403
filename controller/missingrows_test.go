package controller_test

import (
	"math"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/history"
	"github.com/prescale/prescale/internal/testkit"
)

// TestLiveControllerMatchesBacktestWithMissingRows is
// TestLiveControllerMatchesBacktest on a trace that misses rows (single
// ones, a run of three and one in every 13 of the last 420) and has NaN
// rows (a single one and a run of two), read through the embedded store
// as the controller opens it (lookback history.LookbackFor(step); the
// store skips NaN on write, so a NaN row is a missing one to it), with
// the controller cycling at every grid point, as it does with the scaling
// interval equal to the step: it reads a regular grid, feeds every grid
// point to the engine and decides at each, so the backtest must feed the
// same and decide the same at every row it has, also after the grid
// points it has no row for.
func TestLiveControllerMatchesBacktestWithMissingRows(t *testing.T) {
	step := 5 * time.Minute
	end := time.Date(2026, 3, 4, 12, 0, 0, 0, time.UTC)
	full, fullV := testkit.DailyTrace(720, step, end, 7)
	for i := 600; i < 606; i++ {
		fullV[i] *= 3 // a burst
	}
	missing := []int{40, 130, 131, 132, 250, 400, 401, 520}
	for i := 300; i < 720; i += 13 {
		// Also every 13th from 300 on: with the controller's decisions
		// at these points only, the backtest's row 370 held by
		// stabilisation where the controller decided by the forecast.
		missing = append(missing, i)
	}
	for _, i := range []int{90, 330, 331} {
		fullV[i] = math.NaN()
	}
	var ts []int64
	var vs []float64
	for i := range full {
		if !slices.Contains(missing, i) {
			ts, vs = append(ts, full[i]), append(vs, fullV[i])
		}
	}

	requireLiveMatchesBacktest(t, ts, vs, full, func() history.History {
		emb, err := history.OpenEmbedded(filepath.Join(t.TempDir(), "tsdb"), history.EmbeddedOptions{LookbackDelta: history.LookbackFor(step)})
		require.NoError(t, err)
		t.Cleanup(func() { require.NoError(t, emb.Close()) })
		_, err = emb.AppendSeries(t.Context(), testkit.Demand("trace", "gen"), ts, vs)
		require.NoError(t, err)
		return emb
	}, time.Duration(len(full))*step)
}
