package controller

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"sync"
	"time"

	"github.com/prescale/prescale/controller/history"
	"github.com/prescale/prescale/controller/internal/cyclelog"
	"github.com/prescale/prescale/controller/internal/histwin"
)

// fetched is what the query phase read for one target: the cycle's
// snapshot so far (window, demand, units read back, the history problem),
// the points read this cycle (the whole window on a full read) for the
// engine, and the error for the cycle's log.
type fetched struct {
	snap  snapshot
	fresh history.Series
	err   error
	// rawEnd is the demand at the window's end when complete_query left
	// that point out of it (NaN otherwise): a lower bound (complete.go).
	rawEnd float64
	// leftOut is the time of the newest point of fresh complete_query
	// left out (0: none): the engine is fed the points up to it, as gaps
	// (pipeline.Pipeline.Observe).
	leftOut int64
}

// queryAll runs the query phase: every target's history and current
// units, at most QueryConcurrency targets at a time (the phase waits on the
// store, not on the CPU). Once the source has failed twice QueryConcurrency
// targets' queries and answered none this cycle (it hangs: each query
// waits for PRESCALE_QUERY_TIMEOUT), the targets not yet read are not
// queried (sourceTally): a cycle took targets / QueryConcurrency times
// the timeout (45 s for 30 targets at 2 and 3 s, tried live; an hour for
// 1,000 at the defaults), and decisions resumed only that long after the
// source answered again. Twice, so that heavy queries timing out at the
// head of the targets (as many as run at a time) leave the others read.
func (c *Controller) queryAll(ctx context.Context, now time.Time) []fetched {
	out := make([]fetched, len(c.targets))
	qctx, cut := context.WithCancelCause(ctx)
	defer cut(nil)
	tally := &sourceTally{need: 2 * c.o.QueryConcurrency}
	sem := make(chan struct{}, c.o.QueryConcurrency)
	var wg sync.WaitGroup
	for i, t := range c.targets {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			if err := context.Cause(qctx); errors.Is(err, errCycleCut) && ctx.Err() == nil {
				out[i] = c.notQueried(now, i, err)
				return
			}
			f := c.fetch(qctx, now, i)
			if err := c.readCurrent(qctx, t, &f.snap); err != nil {
				f.err = errors.Join(f.err, err)
			}
			if err := context.Cause(qctx); errors.Is(err, errCycleCut) && ctx.Err() == nil && !f.snap.histUp {
				f = c.notQueried(now, i, err) // cut short by the cut: its window is kept
			}
			c.wins[i] = f.snap.win
			out[i] = f
			tally.add(f, cut)
		})
	}
	wg.Wait()
	return out
}

// errCycleCut is the cause of a query phase cut short by sourceTally.
var errCycleCut = errors.New("not queried this cycle")

// sourceTally counts a query phase's targets the source answered and
// failed, and cuts the phase short once it has failed need of them and
// answered none.
type sourceTally struct {
	mu             sync.Mutex
	need           int
	answered, fail int
	cut            bool
}

// add counts f (a target fetched with the phase's context) and cuts the
// phase (cut) with the first failures' error when the source failed need
// targets and answered none.
func (s *sourceTally) add(f fetched, cut context.CancelCauseFunc) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.cut, errors.Is(f.err, errCycleCut):
	case f.snap.histUp:
		s.answered++
	default:
		s.fail++
		if s.answered == 0 && s.fail >= s.need {
			s.cut = true
			cut(fmt.Errorf("%w: the history source failed the cycle's first %d targets' queries and answered none (%s)",
				errCycleCut, s.fail, f.snap.histErr))
		}
	}
}

// notQueried is target idx's fetch at now when the cycle's query phase
// was cut (err): the source's problem, the window kept as it was.
func (c *Controller) notQueried(now time.Time, idx int, err error) fetched {
	end := now.Truncate(c.o.Step)
	f := fetched{snap: snapshot{at: now, start: end.Add(-c.o.Window), end: end, win: c.wins[idx], histUp: true, demand: math.NaN()},
		rawEnd: math.NaN()}
	classify(&f, err, c.targets[idx].Query)
	return f
}

// fetch reads target idx's history for the cycle at now: the grid points
// after the newest one its window has (the whole window on the first
// cycle, after a gap wider than the window, when the clock moved back, and
// every FullReadEvery), then the demand at now itself (instant query
// semantics: the latest sample at or before now, so a store with seconds
// of data already gives a demand on the first cycle). A failed read keeps
// the window as it was and skips the demand: the decision holds.
func (c *Controller) fetch(ctx context.Context, now time.Time, idx int) fetched {
	t := c.targets[idx]
	step := c.o.Step
	stepSec := int64(step / time.Second)
	// The grid is aligned on whole steps, so a cycle sees the same grid
	// points as the last one plus the new ones.
	end := now.Truncate(step)
	start := end.Add(-c.o.Window)
	prev := c.wins[idx]
	f := fetched{snap: snapshot{at: now, start: start, end: end, win: prev, histUp: true, demand: math.NaN()}, rawEnd: math.NaN()}
	full := c.needsFullRead(idx, prev, start.Unix(), end.Unix(), now)
	from := start
	if !full {
		from = time.Unix(max(start.Unix(), prev.LastT+stepSec), 0).In(end.Location())
	}
	var err error
	if !from.After(end) {
		f.fresh, err = c.query(ctx, t.Query, from, end)
	}
	switch {
	case err == nil || errors.Is(err, history.ErrNoData) && !full:
		// Nothing new is not an error: the window slides. Points read
		// while the demand missed a source are left out (complete.go).
		raw := f.fresh
		c.d.Metrics.PointsLeftOut(t, prev.Unseen(raw))
		f.fresh, f.rawEnd = c.complete().Mask(ctx, t.CompleteQuery, raw)
		f.leftOut = newestLeftOut(raw, f.fresh)
		if full {
			f.snap.win = histwin.FromSeries(prev, raw, f.fresh, stepSec, c.fullReadAt(idx, now))
		} else {
			f.snap.win = prev.Merged(raw, f.fresh, start.Unix(), end.Unix())
		}
	case errors.Is(err, history.ErrNoData):
		f.snap.win = prev.Cleared(stepSec) // nothing in the window; the demand at now may exist
	default:
		classify(&f, err, t.Query)
		return f
	}
	c.demand(ctx, idx, &f)
	c.readComplete(ctx, t, &f.snap)
	return f
}

// query is History.QueryRange at the cycle's step, its duration observed
// in prescale_history_query_duration_seconds on the controller's clock (Deps.Now).
func (c *Controller) query(ctx context.Context, q string, from, to time.Time) (history.Series, error) {
	t0 := c.d.Now()
	s, err := c.d.History.QueryRange(ctx, q, from, to, c.o.Step)
	c.d.Metrics.QueryDuration.Observe(c.d.Now().Sub(t0).Seconds())
	return s, err
}

// demand sets the target's demand at the snapshot's time: the window's
// newest point when that time is on the grid, else an instant read; without
// one it says why (stale data, no data, a non-finite or negative value).
func (c *Controller) demand(ctx context.Context, idx int, f *fetched) {
	snap := &f.snap
	w := snap.win
	t := c.targets[idx]
	nowMs := snap.at.Truncate(time.Millisecond)
	if nowMs.Equal(snap.end) {
		switch {
		case w.LastOK && w.LastT == snap.end.Unix():
			snap.present, snap.demand, snap.demandAt = true, w.LastV, w.LastT
		case !math.IsNaN(f.rawEnd):
			// Left out of the window, read as a lower bound (complete.go).
			snap.present, snap.demand, snap.demandAt = true, f.rawEnd, snap.end.Unix()
		case f.fresh.LastDropped == snap.end.Unix():
			// The current demand is NaN or ±Inf (e.g. 0/0 in a ratio).
			classify(f, fmt.Errorf("%w at the current demand (%s)", history.ErrNotFinite, snap.end.UTC().Format(time.RFC3339)), t.Query)
			return
		case f.fresh.Negative() > 0 && f.fresh.LastNegative == snap.end.Unix():
			// A negative demand (a deriv() or a subtraction): never a size.
			classify(f, fmt.Errorf("the current demand: %w", history.NegativeError(f.fresh)), t.Query)
			return
		}
	} else {
		cur, err := c.query(ctx, t.Query, nowMs, nowMs)
		if err != nil && !errors.Is(err, history.ErrNoData) {
			classify(f, err, t.Query)
			return
		}
		if tl, v, ok := cur.Last(); ok {
			snap.present, snap.demand, snap.demandAt = true, v, tl
		}
	}
	switch {
	case snap.present:
	case w.LastOK:
		// The window has data but none fresh: say so, not "no data".
		snap.histErr = staleMessage(time.Unix(w.LastT, 0), snap.at, c.o.Step)
	default:
		snap.histErr = fmt.Sprintf("%s (window %s to %s)%s", history.ErrNoData,
			snap.start.UTC().Format(time.RFC3339), snap.at.UTC().Format(time.RFC3339), history.NoDataHint(t.Query))
	}
}

// classify records a failed query: a problem of the target's query (the
// store answered: several series, a failed evaluation, a limit exceeded,
// no finite value) is the target's (badQuery: the decision holds with
// reason bad_query; the source stays up); anything else marks the source
// down.
func classify(f *fetched, err error, q string) {
	if history.IsQueryError(err) {
		f.snap.badQuery, f.snap.histErr = true, fmt.Sprintf("query %q: %v", q, err)
		f.err = cyclelog.Tracked(fmt.Errorf("target query %q: %w", q, err))
		return
	}
	f.snap.histUp = false
	f.snap.histErr = err.Error()
	f.err = cyclelog.Tracked(fmt.Errorf("%w: %w", cyclelog.ErrHistory, err))
}

// needsFullRead reports whether target idx's window must be read whole:
// there is none (or nothing in it), its engine is cold, the clock moved
// back, its newest point slid out of the window (a gap wider than it), or
// its last whole read is FullReadEvery old (a re-read picks up history the
// store changed after it was read: late samples, backfills).
func (c *Controller) needsFullRead(idx int, w histwin.Window, start, end int64, now time.Time) bool {
	if _, ok := c.engs[idx].Eng.Last(); !ok {
		return true
	}
	return w.Empty() || !w.LastOK || w.End() > end || w.LastT < start || (start-w.First)%w.Step != 0 ||
		!now.Before(w.FullAt.Add(c.o.FullReadEvery))
}

// fullReadAt is the time recorded as target idx's last whole read at now.
// The first one is set back by a fraction of FullReadEvery taken from the
// target's name, so that a fleet started together does not re-read every
// window in the same cycle.
func (c *Controller) fullReadAt(idx int, now time.Time) time.Time {
	if !c.wins[idx].FullAt.IsZero() {
		return now
	}
	h := fnv.New32a()
	_, _ = h.Write([]byte(c.targets[idx].Name))
	frac := float64(h.Sum32()) / (1 << 32)
	return now.Add(-time.Duration(frac * float64(c.o.FullReadEvery)))
}
