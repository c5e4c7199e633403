package controller

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/prescale/prescale/controller/history"
	"github.com/prescale/prescale/controller/policy"
)

// A target's complete_query (policy.Target.CompleteQuery) says when its
// demand query sees every source it sums: positive while it does. While it
// answers nothing, 0 or less, or an error, the demand read is a lower bound (a host
// of a summed job is down and its share is missing): the decision may go
// up on it but no lower than the units held (policy.Input.Partial), and the
// history points read then are left out of the window, as missing, so the
// forecaster does not fit the share's absence as a dip.

// maskIncomplete returns s with the points at which target t's
// complete_query does not say complete set to NaN, and the value s had at
// its last grid point when that one was masked (NaN otherwise): the
// demand at the cycle's time, a lower bound. A failed read masks every
// point.
func (c *Controller) maskIncomplete(ctx context.Context, t policy.Target, s history.Series) (history.Series, float64) {
	if t.CompleteQuery == "" || s.Present() == 0 {
		return s, math.NaN()
	}
	step := c.o.Step
	from, to := time.Unix(s.T[0], 0), time.Unix(s.T[len(s.T)-1], 0)
	q0 := time.Now()
	cs, err := c.d.History.QueryRange(ctx, t.CompleteQuery, from, to, step)
	c.d.Metrics.QueryDuration.Observe(time.Since(q0).Seconds())
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

// readComplete evaluates target t's complete_query at the cycle's time
// (instant query semantics, as current_query) and marks the snapshot's
// demand partial, saying why, when it answers nothing, 0 or an error.
// Without a demand (the decision holds anyway) it is not read.
func (c *Controller) readComplete(ctx context.Context, t policy.Target, snap *snapshot) {
	if t.CompleteQuery == "" || !snap.present || !snap.histUp || snap.badQuery {
		return
	}
	at := snap.at.Truncate(time.Millisecond)
	q0 := time.Now()
	s, err := c.d.History.QueryRange(ctx, t.CompleteQuery, at, at, c.o.Step)
	c.d.Metrics.QueryDuration.Observe(time.Since(q0).Seconds())
	_, v, ok := s.Last()
	switch {
	case err != nil && !errors.Is(err, history.ErrNoData):
		snap.partial = fmt.Sprintf("complete_query %q failed: %v", t.CompleteQuery, err)
	case !ok:
		snap.partial = fmt.Sprintf("complete_query %q answered nothing", t.CompleteQuery)
	case !completeValue(v):
		snap.partial = fmt.Sprintf("complete_query %q answered %g", t.CompleteQuery, v)
	default:
		return
	}
	snap.partial += ": the demand misses a source and is a lower bound; no scale-down below the units held"
}
