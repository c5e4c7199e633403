package controller_test

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/api"
	"github.com/prescale/prescale/controller/backtest"
	"github.com/prescale/prescale/controller/history"
)

// leftOutHistory answers 35 at every grid point but those of bad, left out
// as history's filler leaves them: NaN, named by reason in LeftOut.
type leftOutHistory struct{ bad map[int64]int }

func (h leftOutHistory) QueryRange(_ context.Context, _ string, start, end time.Time, step time.Duration) (history.Series, error) {
	var s history.Series
	for t := start; !t.After(end); t = t.Add(step) {
		r, isBad := h.bad[t.Unix()]
		s.T, s.V = append(s.T, t.Unix()), append(s.V, 35)
		if isBad {
			s.V[len(s.V)-1] = math.NaN()
			s.LeftOut[r] = append(s.LeftOut[r], t.Unix())
		}
	}
	return s, nil
}

// TestVerificationCountsLeftOut: /api/verification shows, per target, the
// window's points left out as NaN/±Inf, negative and several series, each
// in its field.
func TestVerificationCountsLeftOut(t *testing.T) {
	end := time.Date(2026, 3, 4, 12, 0, 0, 0, time.UTC)
	at := func(stepsBack int) int64 { return end.Add(-time.Duration(stepsBack) * 5 * time.Minute).Unix() }
	h := leftOutHistory{bad: map[int64]int{at(10): history.LeftNaN, at(9): history.LeftNegative, at(8): history.LeftNegative,
		at(7): history.LeftSeveral, at(6): history.LeftSeveral, at(5): history.LeftSeveral}}
	tg := backtest.DefaultTarget(10, 10*time.Minute, 1, 40)
	c := liveController(t, tg, h, 6*time.Hour, &end, nil)
	require.NoError(t, c.ReconcileOnce(t.Context()))
	v := api.NewView(c, api.Info{}).Verification().Targets[0]
	require.Equal(t, []int{1, 2, 3}, []int{v.Dropped, v.Negative, v.SeveralSeries})
}
