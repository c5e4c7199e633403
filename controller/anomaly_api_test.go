package controller_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/api"
	"github.com/prescale/prescale/controller/backtest"
)

// TestPredictionsListEveryPointOfALongAnomaly: the live controller, with
// its default detector and threshold on the embedded store, keeps every
// sample of a 60-sample plateau out of fitting (not only its first, as
// NAB's first-detection rule would), and /api/predictions says which:
// anomalous_points holds the plateau's timestamps, excluded_from_fit their
// count.
func TestPredictionsListEveryPointOfALongAnomaly(t *testing.T) {
	ctx := t.Context()
	step := 5 * time.Minute
	end := time.Date(2026, 3, 4, 12, 0, 0, 0, time.UTC)
	rng := rand.New(rand.NewPCG(1, 2))
	n := 1600
	ts, vs := make([]int64, n), make([]float64, n)
	plateau := map[int64]bool{}
	for i := range n {
		ts[i] = end.Add(-time.Duration(n-1-i) * step).Unix()
		vs[i] = 100 + rng.NormFloat64()
		if i >= 1500 && i < 1560 {
			vs[i] += 20
			plateau[ts[i]] = true
		}
	}
	emb := demandStore(t, ts, vs)

	tg := backtest.DefaultTarget(10, 10*time.Minute, 1, 40)
	tg.Name, tg.Query = "plateau", "demand"
	c := liveController(t, tg, emb, time.Duration(n-1)*step, &end, nil)
	require.NoError(t, c.ReconcileOnce(ctx))

	p := api.NewView(c, api.Info{}).Predictions()[0]
	excluded := map[int64]bool{}
	for _, pt := range p.AnomalousPoints {
		excluded[pt.T.Unix()] = true
	}
	for ts := range plateau {
		require.True(t, excluded[ts], "plateau point %s not listed as kept out of fitting", time.Unix(ts, 0).UTC())
	}
	require.Equal(t, len(p.AnomalousPoints), p.ExcludedFromFit)
	require.Less(t, p.ExcludedFromFit, len(plateau)+10, "little besides the plateau")
}
