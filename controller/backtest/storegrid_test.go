package backtest

import (
	"fmt"
	"math"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/history"
	"github.com/prescale/prescale/internal/testkit"
)

// TestStoreGridAnswersAsTheEmbeddedStore: storeGrid's answer at a row,
// NaN rows in runs of one to seven, is the embedded store's (opened as the
// controller opens it, lookback history.LookbackFor(step)) at that time,
// at a 1-minute step, whose 5-minute lookback is exactly five steps (the
// lookback is left-open: a sample exactly a lookback old is not
// answered), and at a 5-minute step (7.5 minutes).
func TestStoreGridAnswersAsTheEmbeddedStore(t *testing.T) {
	for _, step := range []time.Duration{time.Minute, 5 * time.Minute} {
		t.Run(step.String(), func(t *testing.T) {
			sec := int64(step / time.Second)
			start := int64(1_700_000_000) / sec * sec
			var ts []int64
			var vs []float64
			k := 0
			for run := 1; run <= 7; run++ {
				for range 3 { // numbers, then a run of NaN rows
					ts, vs = append(ts, start+int64(k)*sec), append(vs, float64(10+k))
					k++
				}
				for range run {
					ts, vs = append(ts, start+int64(k)*sec), append(vs, math.NaN())
					k++
				}
			}
			emb, err := history.OpenEmbedded(filepath.Join(t.TempDir(), "tsdb"), history.EmbeddedOptions{LookbackDelta: history.LookbackFor(step)})
			require.NoError(t, err)
			t.Cleanup(func() { require.NoError(t, emb.Close()) })
			_, err = emb.AppendSeries(t.Context(), testkit.Demand("trace", "gen"), ts, vs)
			require.NoError(t, err)
			s, err := emb.QueryRange(t.Context(), `demand{trace="gen"}`, time.Unix(ts[0], 0), time.Unix(ts[len(ts)-1], 0), step)
			require.NoError(t, err)
			store := map[int64]float64{}
			for i := range s.T {
				store[s.T[i]] = s.V[i]
			}
			g := newStoreGrid(step, false)
			for i := range ts {
				got := g.row(ts[i], vs[i])
				want, ok := store[ts[i]]
				if !ok {
					want = math.NaN()
				}
				msg := fmt.Sprintf("row %d (%v)", i, vs[i])
				if math.IsNaN(want) {
					require.True(t, math.IsNaN(got), "%s: the store answers nothing, the grid %v", msg, got)
					continue
				}
				require.InDelta(t, want, got, 0, msg)
			}
		})
	}
}
