// Package complete reads a target's complete_query
// (policy.Target.CompleteQuery), which says when its demand query sees
// every source it sums: positive while it does. While it answers nothing,
// 0 or less, or an error, the demand read is a lower bound (a host of a
// summed job is down and its share is missing): the decision may go up on
// it but no lower than the units held (policy.Input.Partial), and the
// history points read then are left out of the window, as missing, so the
// forecaster does not fit the share's absence as a dip.
package complete

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/prescale/prescale/controller/history"
)

// Reader reads complete_query answers with Query: a range read at the
// query grid's step (the controller's, which times each read).
type Reader struct {
	Query func(ctx context.Context, q string, from, to time.Time) (history.Series, error)
}

// Mask returns s with the points at which query (a complete_query) does
// not say complete set to NaN, and the value s had at its last grid point
// when that one was masked (NaN otherwise): the demand at the cycle's
// time, a lower bound. A failed read masks every point; an empty query
// masks none.
func (r Reader) Mask(ctx context.Context, query string, s history.Series) (history.Series, float64) {
	if query == "" || s.Present() == 0 {
		return s, math.NaN()
	}
	cs, err := r.Query(ctx, query, time.Unix(s.T[0], 0), time.Unix(s.T[len(s.T)-1], 0))
	whole := map[int64]bool{}
	if err == nil {
		for i, ts := range cs.T {
			whole[ts] = completeValue(cs.V[i])
		}
	}
	out := s
	out.V = make([]float64, len(s.V))
	lastRaw := math.NaN()
	for i, v := range s.V {
		out.V[i] = v
		if !whole[s.T[i]] && !math.IsNaN(v) {
			out.V[i] = math.NaN()
			if i == len(s.V)-1 {
				lastRaw = v
			}
		}
	}
	return out, lastRaw
}

// completeValue reports whether a complete_query value says complete:
// present and above 0 (the history source refuses a negative answer as
// it refuses a negative demand, so that one reads as failed).
func completeValue(v float64) bool { return v > 0 }

// Problem evaluates query (a complete_query) at at (instant query
// semantics, as current_query) and says why the demand is partial when it
// answers nothing, 0 or an error; "" when it says complete.
func (r Reader) Problem(ctx context.Context, query string, at time.Time) string {
	at = at.Truncate(time.Millisecond)
	s, err := r.Query(ctx, query, at, at)
	_, v, ok := s.Last()
	var why string
	switch {
	case err != nil && !errors.Is(err, history.ErrNoData):
		why = fmt.Sprintf("complete_query %q failed: %v", query, err)
	case !ok:
		why = fmt.Sprintf("complete_query %q answered nothing", query)
	case !completeValue(v):
		why = fmt.Sprintf("complete_query %q answered %g", query, v)
	default:
		return ""
	}
	return why + ": the demand misses a source and is a lower bound; no scale-down below the units held"
}
