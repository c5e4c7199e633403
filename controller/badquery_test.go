package controller

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/history"
	"github.com/prescale/prescale/controller/policy"
	"github.com/prescale/prescale/controller/state"
	"github.com/prescale/prescale/internal/testkit"
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

// negativeAtEnd answers a flat 35 whose newest grid point the query
// evaluated to -5 (a deriv() or a subtraction), as history's filler
// reports it: missing, and named in Negative, LastNegative, NegativeValue.
type negativeAtEnd struct{}

func (negativeAtEnd) QueryRange(_ context.Context, _ string, start, end time.Time, step time.Duration) (history.Series, error) {
	var s history.Series
	for t := start; !t.After(end); t = t.Add(step) {
		s.T = append(s.T, t.Unix())
		s.V = append(s.V, 35)
	}
	s.V[len(s.V)-1] = math.NaN()
	s.Negative, s.LastNegative, s.NegativeValue = 1, end.Unix(), -5
	return s, nil
}

// TestNegativeDemandIsBadQuery: a current demand of -5 holds the last
// decision with reason bad_query, the value in the explanation, and one
// WARN naming the target and the value; before, the point was a demand
// of -5 and the target was decided at min_units without a word.
func TestNegativeDemandIsBadQuery(t *testing.T) {
	now := fixtureStart
	f := newFixture(t, t.TempDir(), &fakeHistory{value: 35}, confidentForecast, ModeAct, &now)
	require.NoError(t, f.c.ReconcileOnce(t.Context()))
	logs := &testkit.SyncBuffer{}
	f.c.log = slog.New(slog.NewTextHandler(logs, nil))

	now = time.Date(2026, 3, 2, 12, 2, 0, 0, time.UTC) // on the grid
	f.c.d.History = negativeAtEnd{}
	err := f.c.ReconcileOnce(t.Context())
	require.ErrorIs(t, err, history.ErrNegative)
	f.c.mu.RLock()
	d := f.c.snaps[0].decision
	f.c.mu.RUnlock()
	require.Equal(t, policy.ReasonBadQuery, d.Reason)
	require.Equal(t, 10, d.Desired, "the last decision holds")
	require.Contains(t, d.Explanation.Problem, `query "q": the current demand: history: query returned a negative value`)
	require.Contains(t, d.Explanation.Problem, ": -5 at 2026-03-02T12:02:00Z")
	require.Equal(t, 1, strings.Count(logs.String(), "level=WARN"), "%s", logs.String())
	require.Contains(t, logs.String(), `level=WARN msg="target query failing: decisions hold" target=web reason=bad_query`)
	require.Contains(t, logs.String(), `-5 at 2026-03-02T12:02:00Z`)
}

// negativeBefore answers a flat 35 whose two points before the newest
// the query evaluated below zero, as history's filler reports them.
type negativeBefore struct{}

func (negativeBefore) QueryRange(_ context.Context, _ string, start, end time.Time, step time.Duration) (history.Series, error) {
	var s history.Series
	for t := start; !t.After(end); t = t.Add(step) {
		s.T = append(s.T, t.Unix())
		s.V = append(s.V, 35)
	}
	if n := len(s.V); n >= 3 { // not the instant read of the current demand
		s.V[n-2], s.V[n-3] = math.NaN(), math.NaN()
		s.Negative, s.LastNegative, s.NegativeValue = 2, s.T[n-2], -1
	}
	return s, nil
}

// TestNegativePointsCounted: negative points before the current demand are
// left out of the window as missing and counted, for /api/verification's
// dropped_negative; the current demand decides as usual.
func TestNegativePointsCounted(t *testing.T) {
	now := fixtureStart
	f := newFixture(t, t.TempDir(), &fakeHistory{value: 35}, confidentForecast, ModeAct, &now)
	f.c.d.History = negativeBefore{}
	require.NoError(t, f.c.ReconcileOnce(t.Context()))
	snap := f.c.Snapshot().Targets[0]
	require.Equal(t, 2, snap.Window.Negative())
	require.NotEqual(t, policy.ReasonBadQuery, snap.Decision.Reason)
	require.Equal(t, snap.Window.Present(), snap.Window.Len()-2)
}

// TestBadCurrentValueLogs: a current_query reading more units than any
// pool holds (bytes for replicas) is the query's problem, logged once with
// the target and the value; it fell back to the acknowledged units with
// no log. (A negative value is history.ErrNegative, a query error, logged
// as TestBadCurrentQueryLogsOnce's.)
func TestBadCurrentValueLogs(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := &fakeHistory{value: 35}
		h.setQuery("cur", 3e12)
		target := testTarget
		target.CurrentQuery = "cur"
		logs, stop := runLogged(t, target, h)
		defer stop()
		out := logs.String()
		require.Equal(t, 1, strings.Count(out, "level=WARN"), "%s", out)
		require.Contains(t, out, `level=WARN msg="target current_query failing: current units fall back" target=web reason=current_query err="current_query \"cur\": value 3e+12 is not a unit count (more than 2147483647)"`)
	})
}

// runLogged runs a controller of target over h in the synctest bubble,
// logging at DEBUG into the returned buffer, until the returned stop.
func runLogged(t *testing.T, target policy.Target, h *fakeHistory) (logs *testkit.SyncBuffer, stop func()) {
	t.Helper()
	logs = &testkit.SyncBuffer{}
	st, err := state.New(t.TempDir())
	require.NoError(t, err)
	deps := testDeps(h, confidentForecast, st, NewMetrics(prometheus.NewRegistry(), []policy.Target{target}), time.Now)
	deps.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, err := New([]policy.Target{target}, testOptions(ModeAct), deps)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { _ = c.Run(ctx); close(done) }()
	synctest.Wait()
	return logs, func() { cancel(); <-done }
}

// TestBadQueryLogsOnce: a target whose query returns several series for
// six cycles logs one WARN naming the target and the reason, DEBUG at the
// five cycles after, no "cycle failed", and one INFO with the problem's
// duration when it decides normally again; a second problem is a new WARN.
func TestBadQueryLogsOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := &fakeHistory{value: 35}
		logs, stop := runLogged(t, testTarget, h)
		defer stop()

		h.set(0, fmt.Errorf("%w (2 series)", history.ErrMultipleSeries))
		time.Sleep(6 * time.Minute) // six failing cycles
		synctest.Wait()
		out := logs.String()
		require.Equal(t, 1, strings.Count(out, "level=WARN"), "%s", out)
		require.Contains(t, out, `level=WARN msg="target query failing: decisions hold" target=web reason=bad_query err="query \"q\": history: query returned more than one series; aggregate it (e.g. sum(...)) (2 series)"`)
		require.Equal(t, 5, strings.Count(out, "level=DEBUG"), "%s", out)
		require.NotContains(t, out, "cycle failed")

		h.set(35, nil)
		time.Sleep(time.Minute)
		synctest.Wait()
		out = logs.String()
		require.Equal(t, 1, strings.Count(out, "level=INFO"), "%s", out)
		require.Contains(t, out, `level=INFO msg="target query recovered" target=web failing_for=6m0s failed_attempts=6`)

		h.set(0, fmt.Errorf("%w (3 series)", history.ErrMultipleSeries))
		time.Sleep(time.Minute)
		synctest.Wait()
		require.Equal(t, 2, strings.Count(logs.String(), "level=WARN"), "%s", logs.String())
	})
}

// TestBadCurrentQueryLogsOnce: a current_query the store cannot evaluate
// for three cycles logs one WARN naming the target and its query, DEBUG
// after, no "cycle failed", and one INFO when it reads again.
func TestBadCurrentQueryLogsOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := &fakeHistory{value: 35}
		h.setQuery("cur", 4)
		target := testTarget
		target.CurrentQuery = "cur"
		logs, stop := runLogged(t, target, h)
		defer stop()

		h.setQueryErr("cur", fmt.Errorf("%w: parse error", history.ErrQuery))
		time.Sleep(3 * time.Minute)
		synctest.Wait()
		out := logs.String()
		require.Equal(t, 1, strings.Count(out, "level=WARN"), "%s", out)
		require.Contains(t, out, `level=WARN msg="target current_query failing: current units fall back" target=web reason=current_query err="current_query \"cur\": history: the store could not evaluate the query: parse error"`)
		require.Equal(t, 2, strings.Count(out, "level=DEBUG"), "%s", out)
		require.NotContains(t, out, "cycle failed")

		h.setQueryErr("cur", nil)
		time.Sleep(time.Minute)
		synctest.Wait()
		require.Contains(t, logs.String(), `level=INFO msg="target current_query recovered" target=web failing_for=3m0s failed_attempts=3`)
	})
}

// TestCurrentQueryWithoutValueLogs: a current_query that matches no series
// (a misspelt label, a deployment renamed) logs nothing within the grace,
// then one WARN naming the target and its query, DEBUG after, never "cycle
// failed", and one INFO when it reads again. It fell back to the
// acknowledged units without a word, for as long as it lasted.
func TestCurrentQueryWithoutValueLogs(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := &fakeHistory{value: 35}
		h.setQuery("replicas", 4)
		target := testTarget
		target.CurrentQuery = "replicas"
		logs, stop := runLogged(t, target, h)
		defer stop()

		h.setQueryErr("replicas", history.ErrNoData)
		time.Sleep(time.Minute - time.Nanosecond) // within the grace
		synctest.Wait()
		require.NotContains(t, logs.String(), "current_query", "within the grace")

		time.Sleep(3 * time.Minute)
		synctest.Wait()
		out := logs.String()
		require.Equal(t, 1, strings.Count(out, "level=WARN"), "%s", out)
		require.Contains(t, out, `level=WARN msg="target current_query failing: current units fall back" target=web reason=current_query err="current_query \"replicas\": history: query returned no data"`)
		require.NotContains(t, out, "cycle failed")

		h.setQueryErr("replicas", nil)
		time.Sleep(time.Minute)
		synctest.Wait()
		require.Contains(t, logs.String(), `level=INFO msg="target current_query recovered" target=web`)
	})
}

// TestUntracked: the errors trackers log are left out of cycle failed, the
// others kept with their target's name.
func TestUntracked(t *testing.T) {
	q := tracked{errors.New("bad query")}
	err := errors.Join(targetError{"a", q}, targetError{"b", errors.Join(q, errors.New("detector"))}, errors.New("save"))
	require.EqualError(t, untracked(err), "target b: detector\nsave")
	require.NoError(t, untracked(errors.Join(targetError{"a", q})))
	require.ErrorIs(t, err, q)
	two := fmt.Errorf("%w: %w", errors.New("save"), errors.New("disk full"))
	require.Same(t, two, untracked(two), "an error without tracked parts is kept as written")
}

// TestNoDataLogsOnce: a target whose query matches nothing while the store
// answers (a misspelt metric, an exporter gone) logs one WARN naming the
// target once it has had no fresh data for noDataGrace, DEBUG at each
// cycle after, never "cycle failed", and one INFO when data is back; a
// cycle without data shorter than the grace (a store that just started)
// logs nothing. It was never logged: health and prescale_target_data_ok
// only.
func TestNoDataLogsOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := &fakeHistory{value: 35, until: 1} // every point NaN: no data
		setUntil := func(u int64) {
			h.mu.Lock()
			defer h.mu.Unlock()
			h.until = u
		}
		logs, stop := runLogged(t, testTarget, h)
		defer stop()
		require.Empty(t, logs.String(), "the first cycle without data is within the grace")

		time.Sleep(5 * time.Minute) // five more cycles without data
		synctest.Wait()
		out := logs.String()
		require.Equal(t, 1, strings.Count(out, "level=WARN"), "%s", out)
		require.Contains(t, out, `level=WARN msg="target has no fresh data: decisions hold (no_data)" target=web query=q missing_since=2000-01-01T00:00:00Z err="history: query returned no data (window`)
		require.Equal(t, 4, strings.Count(out, "level=DEBUG"), "%s", out)
		require.NotContains(t, out, "cycle failed")

		setUntil(0)
		time.Sleep(time.Minute)
		synctest.Wait()
		out = logs.String()
		require.Equal(t, 1, strings.Count(out, "level=INFO"), "%s", out)
		require.Contains(t, out, `level=INFO msg="target data back" target=web failing_for=5m0s failed_attempts=5`)

		// One cycle without fresh data, shorter than the grace: nothing.
		setUntil(time.Now().Unix() - 1)
		time.Sleep(time.Minute)
		synctest.Wait()
		setUntil(0)
		time.Sleep(time.Minute)
		synctest.Wait()
		require.Equal(t, out, logs.String())
	})
}
