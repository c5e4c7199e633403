package controller_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/api"
	"github.com/prescale/prescale/controller/backtest"
	"github.com/prescale/prescale/controller/history"
)

// downThenFlat refuses every query while *down, then answers a flat 35.
type downThenFlat struct{ down *bool }

func (h downThenFlat) QueryRange(_ context.Context, _ string, start, end time.Time, step time.Duration) (history.Series, error) {
	var s history.Series
	if *h.down {
		return s, errors.New("connection refused")
	}
	for t := start; !t.After(end); t = t.Add(step) {
		s.T, s.V = append(s.T, t.Unix()), append(s.V, 35)
	}
	return s, nil
}

// TestAPIUnknownUnitsAreNull: a new target's current units and cost per
// hour are null in /api/scaling/status and /api/metrics (and its demand
// in /api/metrics) before its first cycle and through its first holds
// without data, where they were min_units and min_units × the price: a
// guess a client could not tell from units read. So are its desired
// units (0 in the status, a hold's min_units in /api/metrics). The first
// decision from data shows them.
func TestAPIUnknownUnitsAreNull(t *testing.T) {
	now := time.Date(2026, 3, 4, 12, 0, 0, 0, time.UTC)
	down := true
	tg := backtest.DefaultTarget(10, 10*time.Minute, 2, 40)
	tg.CostPerUnitHour = 0.5
	c := liveController(t, tg, downThenFlat{&down}, 6*time.Hour, &now, nil)
	v := api.NewView(c, api.Info{})
	unknown := func(when string) {
		t.Helper()
		st, m := v.Status()[0], v.Metrics(5).Targets[0]
		require.Nil(t, st.Current, when)
		require.Nil(t, st.CostPerHour, when)
		require.Nil(t, m.Current, when)
		require.Nil(t, m.Demand, when)
		require.Nil(t, st.Desired, when+": no decision")
		require.Nil(t, m.Desired, when+": no decision")
		b, err := json.Marshal(st)
		require.NoError(t, err)
		require.Contains(t, string(b), `"current_units":null`, when)
		require.Contains(t, string(b), `"cost_per_hour":null`, when)
		require.Contains(t, string(b), `"desired_units":null`, when)
	}
	unknown("before the first cycle")
	require.Error(t, c.ReconcileOnce(t.Context()))
	unknown("a first hold without data: min_units assumed")
	now = now.Add(5 * time.Minute)
	require.Error(t, c.ReconcileOnce(t.Context()))
	unknown("a second one")

	down = false
	now = now.Add(5 * time.Minute)
	require.NoError(t, c.ReconcileOnce(t.Context()))
	st, m := v.Status()[0], v.Metrics(5).Targets[0]
	require.NotNil(t, st.Current)
	require.Equal(t, 4, *st.Current, "the first decision, ceil(35/10) (forecast-only: the decision is the current units)")
	require.NotNil(t, st.CostPerHour)
	require.InDelta(t, 2, *st.CostPerHour, 1e-12, "4 units at 0.5/h")
	require.Equal(t, st.Current, m.Current)
	require.Equal(t, st.Current, st.Desired, "the decision")
	require.Equal(t, st.Desired, m.Desired)
	require.NotNil(t, m.Demand)
	require.InDelta(t, 35, *m.Demand, 0)
}
