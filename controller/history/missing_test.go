package history

import (
	"math"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/internal/testkit"
)

// TestMissingRowOnTheGrid pins what the embedded store answers at a grid
// point whose sample is missing: PromQL's lookback is left-open, (t -
// delta, t], so with the store's lookback (LookbackFor: 1.5 steps at a
// 5-minute step) the sample one step before is carried to the missing
// point and the second missing point in a row is NaN; with a lookback of
// exactly one step (Prometheus' 5 minutes at a 5-minute step) the
// sample one step before is outside and every missing point is NaN.
func TestMissingRowOnTheGrid(t *testing.T) {
	step := 5 * time.Minute
	t0 := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	var ts []int64
	var vs []float64
	for i := range 12 {
		if i == 4 || i == 7 || i == 8 {
			continue // one row missing, then two in a row
		}
		ts = append(ts, t0.Add(time.Duration(i)*step).Unix())
		vs = append(vs, float64(10+i))
	}
	nan := math.NaN()
	for _, c := range []struct {
		lookback time.Duration
		want     []float64
	}{
		{LookbackFor(step), []float64{10, 11, 12, 13, 13, 15, 16, 16, nan, 19, 20, 21}},
		{step, []float64{10, 11, 12, 13, nan, 15, 16, nan, nan, 19, 20, 21}},
	} {
		emb, err := OpenEmbedded(filepath.Join(t.TempDir(), "tsdb"), EmbeddedOptions{LookbackDelta: c.lookback})
		require.NoError(t, err)
		_, err = emb.AppendSeries(t.Context(), testkit.Demand(), ts, vs)
		require.NoError(t, err)
		s, err := emb.QueryRange(t.Context(), "demand", t0, t0.Add(11*step), step)
		require.NoError(t, err)
		require.NoError(t, emb.Close())
		require.Len(t, s.V, len(c.want))
		for i, w := range c.want {
			if math.IsNaN(w) {
				require.True(t, math.IsNaN(s.V[i]), "lookback %s, point %d: %v", c.lookback, i, s.V[i])
				continue
			}
			require.InDelta(t, w, s.V[i], 1e-12, "lookback %s, point %d", c.lookback, i)
		}
	}
}
