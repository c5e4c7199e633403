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
// ones and a run of three) and has NaN rows (a single one and a run of
// two), read through the embedded store as the controller opens it
// (lookback history.LookbackFor(step); the store skips NaN on write, so a
// NaN row is a missing one to it): the controller reads a regular grid
// and feeds every grid point to the engine, so the backtest of the trace
// without those rows must feed the same and decide the same at every row
// it has.
func TestLiveControllerMatchesBacktestWithMissingRows(t *testing.T) {
	step := 5 * time.Minute
	end := time.Date(2026, 3, 4, 12, 0, 0, 0, time.UTC)
	full, fullV := testkit.DailyTrace(720, step, end, 7)
	for i := 600; i < 606; i++ {
		fullV[i] *= 3 // a burst
	}
	missing := []int{40, 130, 131, 132, 250, 400, 401, 520}
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

	requireLiveMatchesBacktest(t, ts, vs, func() history.History {
		emb, err := history.OpenEmbedded(filepath.Join(t.TempDir(), "tsdb"), history.EmbeddedOptions{LookbackDelta: history.LookbackFor(step)})
		require.NoError(t, err)
		t.Cleanup(func() { require.NoError(t, emb.Close()) })
		_, err = emb.AppendSeries(t.Context(), testkit.Demand("trace", "gen"), ts, vs)
		require.NoError(t, err)
		return emb
	}, time.Duration(len(full))*step)
}
