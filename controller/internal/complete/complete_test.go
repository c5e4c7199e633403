package complete

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/history"
)

func reader(s history.Series, err error) Reader {
	return Reader{Query: func(context.Context, string, time.Time, time.Time) (history.Series, error) { return s, err }}
}

// Mask leaves out the points complete_query does not say complete at (0,
// missing) and returns the last one's value when it is left out; a failed
// read leaves out every point; no query leaves all.
func TestMask(t *testing.T) {
	s := history.Series{T: []int64{60, 120, 180}, V: []float64{1, 2, 3}}
	got, last := reader(history.Series{T: []int64{60, 120}, V: []float64{1, 0}}, nil).Mask(t.Context(), "up", s)
	require.InDelta(t, 1, got.V[0], 0)
	require.True(t, math.IsNaN(got.V[1]) && math.IsNaN(got.V[2]))
	require.InDelta(t, 3, last, 0)
	require.Equal(t, []float64{1, 2, 3}, s.V, "the input is not changed")

	// Masked before the last point only: the demand at the cycle's time
	// is whole, no lower bound.
	got, last = reader(history.Series{T: []int64{60, 120, 180}, V: []float64{0, 1, 1}}, nil).Mask(t.Context(), "up", s)
	require.True(t, math.IsNaN(got.V[0]))
	require.Equal(t, []float64{2, 3}, got.V[1:])
	require.True(t, math.IsNaN(last), "last %v", last)

	got, last = reader(history.Series{}, errors.New("down")).Mask(t.Context(), "up", s)
	require.Equal(t, 0, got.Present())
	require.InDelta(t, 3, last, 0)

	got, last = reader(history.Series{}, errors.New("not read")).Mask(t.Context(), "", s)
	require.Equal(t, s.V, got.V)
	require.True(t, math.IsNaN(last))
}

// Problem says why the demand is partial: the query failed, answered
// nothing or 0; "" when it says complete.
func TestProblem(t *testing.T) {
	at := time.Unix(180, 0)
	const tail = ": the demand misses a source and is a lower bound; no scale-down below the units held"
	require.Empty(t, reader(history.Series{T: []int64{180}, V: []float64{1}}, nil).Problem(t.Context(), "up", at))
	require.Equal(t, `complete_query "up" answered 0`+tail, reader(history.Series{T: []int64{180}, V: []float64{0}}, nil).Problem(t.Context(), "up", at))
	require.Equal(t, `complete_query "up" answered nothing`+tail, reader(history.Series{}, history.ErrNoData).Problem(t.Context(), "up", at))
	require.Equal(t, `complete_query "up" failed: down`+tail, reader(history.Series{}, errors.New("down")).Problem(t.Context(), "up", at))
}
