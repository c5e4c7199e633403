package controller

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/history"
	"github.com/prescale/prescale/controller/policy"
)

// nanAtEnd answers a flat 35 whose newest grid point the store returned
// as NaN (a ratio's 0/0 at the current demand).
type nanAtEnd struct{}

func (nanAtEnd) QueryRange(_ context.Context, _ string, start, end time.Time, step time.Duration) (history.Series, error) {
	var s history.Series
	for t := start; !t.After(end); t = t.Add(step) {
		s.T = append(s.T, t.Unix())
		s.V = append(s.V, 35)
	}
	s.V[len(s.V)-1] = math.NaN()
	s.Dropped, s.LastDropped = 1, end.Unix()
	return s, nil
}

// TestBadQueryHoldsWithTheProblem: a NaN current demand on the grid (the
// window's newest point), a query returning several series, and a source
// that is down each hold the last decision; the first two with reason
// bad_query, the third no_data, each with the problem in the explanation,
// and the query problems as cycle errors naming the query.
func TestBadQueryHoldsWithTheProblem(t *testing.T) {
	now := fixtureStart
	h := &fakeHistory{value: 35}
	f := newFixture(t, t.TempDir(), h, confidentForecast, ModeAct, &now)
	require.NoError(t, f.c.ReconcileOnce(t.Context()))
	last := func() policy.Decision {
		f.c.mu.RLock()
		defer f.c.mu.RUnlock()
		return f.c.snaps[0].decision
	}
	require.Equal(t, 10, last().Desired)

	// On the grid (now == end), the newest point NaN: bad_query.
	now = time.Date(2026, 3, 2, 12, 2, 0, 0, time.UTC)
	f.c.d.History = nanAtEnd{}
	err := f.c.ReconcileOnce(t.Context())
	require.ErrorContains(t, err, `target web: target query "q": history: query returned only NaN or ±Inf values at the current demand (2026-03-02T12:02:00Z)`)
	d := last()
	require.Equal(t, 10, d.Desired)
	require.Equal(t, policy.ReasonBadQuery, d.Reason)
	require.Contains(t, d.Explanation.Problem, `query "q": history: query returned only NaN or ±Inf values at the current demand`)
	require.Len(t, f.act.actions(), 1, "a hold is not acted on")

	// Several series.
	now = now.Add(time.Minute)
	f.c.d.History = h
	h.set(0, history.ErrMultipleSeries)
	require.ErrorIs(t, f.c.ReconcileOnce(t.Context()), history.ErrMultipleSeries)
	d = last()
	require.Equal(t, policy.ReasonBadQuery, d.Reason)
	require.Equal(t, `query "q": `+history.ErrMultipleSeries.Error(), d.Explanation.Problem)
	require.Equal(t, 10, d.Desired)

	// The source down: no_data, with the source's error.
	now = now.Add(time.Minute)
	h.set(0, errors.New("connection refused"))
	require.ErrorIs(t, f.c.ReconcileOnce(t.Context()), errHistory)
	d = last()
	require.Equal(t, policy.ReasonNoData, d.Reason)
	require.Equal(t, "connection refused", d.Explanation.Problem)
	require.Equal(t, 10, d.Desired)
}
