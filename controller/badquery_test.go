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
	"github.com/prescale/prescale/controller/internal/cyclelog"
	"github.com/prescale/prescale/controller/policy"
	"github.com/prescale/prescale/controller/state"
	"github.com/prescale/prescale/internal/testkit"
)

// flat35 answers a flat 35 on the grid that edit then changes the way
// history's filler reports what the store returned.
type flat35 func(s *history.Series, end time.Time)

func (edit flat35) QueryRange(_ context.Context, _ string, start, end time.Time, step time.Duration) (history.Series, error) {
	var s history.Series
	for t := start; !t.After(end); t = t.Add(step) {
		s.T = append(s.T, t.Unix())
		s.V = append(s.V, 35)
	}
	edit(&s, end)
	return s, nil
}

// nanAtEnd answers a flat 35 whose newest grid point the store returned
// as NaN (a ratio's 0/0 at the current demand).
var nanAtEnd = flat35(func(s *history.Series, end time.Time) {
	s.V[len(s.V)-1] = math.NaN()
	s.LastDropped = end.Unix()
	s.LeftOut[history.LeftNaN] = []int64{end.Unix()}
})

// negativeAtEnd answers a flat 35 whose newest grid point the query
// evaluated to -5 (a deriv() or a subtraction), as history's filler
// reports it: missing, and named in LastNegative, NegativeValue and
// LeftOut (which Negative counts).
var negativeAtEnd = flat35(func(s *history.Series, end time.Time) {
	s.V[len(s.V)-1] = math.NaN()
	s.LastNegative, s.NegativeValue = end.Unix(), -5
	s.LeftOut[history.LeftNegative] = []int64{end.Unix()}
})

// negativeBefore answers a flat 35 whose two points before the newest
// the query evaluated below zero, as history's filler reports them.
var negativeBefore = flat35(func(s *history.Series, _ time.Time) {
	if n := len(s.V); n >= 3 { // not the instant read of the current demand
		s.V[n-2], s.V[n-3] = math.NaN(), math.NaN()
		s.LastNegative, s.NegativeValue = s.T[n-2], -1
		s.LeftOut[history.LeftNegative] = []int64{s.T[n-3], s.T[n-2]}
	}
})

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
	f.c.d.History = nanAtEnd
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
	require.ErrorIs(t, f.c.ReconcileOnce(t.Context()), cyclelog.ErrHistory)
	d = last()
	require.Equal(t, policy.ReasonNoData, d.Reason)
	require.Equal(t, "connection refused", d.Explanation.Problem)
	require.Equal(t, 10, d.Desired)
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
	f.c.d.History = negativeAtEnd
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

// TestNegativePointsCounted: negative points before the current demand are
// left out of the window as missing and counted, for /api/verification's
// dropped_negative; the current demand decides as usual.
func TestNegativePointsCounted(t *testing.T) {
	now := fixtureStart
	f := newFixture(t, t.TempDir(), &fakeHistory{value: 35}, confidentForecast, ModeAct, &now)
	f.c.d.History = negativeBefore
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
		_, logs, stop := runCurrentQuery(t, "cur", 3e12)
		defer stop()
		out := logs.String()
		requireOneWarn(t, out, `level=WARN msg="target current_query failing: current units fall back" target=web reason=current_query err="current_query \"cur\": value 3e+12 is not a unit count (more than 2147483647)"`)
	})
}

// advance lets d pass in the synctest bubble and waits until every
// goroutine in it is blocked again.
func advance(d time.Duration) {
	time.Sleep(d)
	synctest.Wait()
}

// requireOneWarn requires one WARN in the log out, and want in it.
func requireOneWarn(t *testing.T, out, want string) {
	t.Helper()
	require.Equal(t, 1, strings.Count(out, "level=WARN"), "%s", out)
	require.Contains(t, out, want)
}

// loggedRun is a controller running in the synctest bubble, logging at
// DEBUG into logs, until stop.
type loggedRun struct {
	c    *Controller
	m    *Metrics
	logs *testkit.SyncBuffer
	stop func()
}

// startLogged runs a controller of target over h, its state file in dir,
// in the synctest bubble, and returns once it is blocked (after its first
// cycle).
func startLogged(t *testing.T, target policy.Target, h *fakeHistory, dir string) loggedRun {
	t.Helper()
	r := loggedRun{logs: &testkit.SyncBuffer{}, m: NewMetrics(prometheus.NewRegistry(), []policy.Target{target})}
	st, err := state.New(dir)
	require.NoError(t, err)
	deps := testDeps(h, confidentForecast, st, r.m, time.Now)
	deps.Logger = slog.New(slog.NewTextHandler(r.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	r.c, err = New([]policy.Target{target}, testOptions(ModeAct), deps)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { _ = r.c.Run(ctx); close(done) }()
	synctest.Wait()
	r.stop = func() { cancel(); <-done }
	return r
}

// runLogged is startLogged with a temporary state directory, returning
// the log and the stop.
func runLogged(t *testing.T, target policy.Target, h *fakeHistory) (logs *testkit.SyncBuffer, stop func()) {
	t.Helper()
	r := startLogged(t, target, h, t.TempDir())
	return r.logs, r.stop
}

// runCurrentQuery is runLogged of testTarget with current_query q, which
// reads v units until the test changes it on the returned history.
func runCurrentQuery(t *testing.T, q string, v float64) (h *fakeHistory, logs *testkit.SyncBuffer, stop func()) {
	t.Helper()
	h = &fakeHistory{value: 35}
	h.setQuery(q, v)
	target := testTarget
	target.CurrentQuery = q
	logs, stop = runLogged(t, target, h)
	return h, logs, stop
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
		advance(6 * time.Minute) // six failing cycles
		out := logs.String()
		requireOneWarn(t, out, `level=WARN msg="target query failing: decisions hold" target=web reason=bad_query err="query \"q\": history: query returned more than one series; aggregate it (e.g. sum(...)) (2 series)"`)
		require.Equal(t, 5, strings.Count(out, "level=DEBUG"), "%s", out)
		require.NotContains(t, out, "cycle failed")

		h.set(35, nil)
		advance(time.Minute)
		out = logs.String()
		require.Equal(t, 1, outageInfos(out), "%s", out)
		require.Contains(t, out, `level=INFO msg="target query recovered" target=web failing_for=6m0s failed_attempts=6`)

		h.set(0, fmt.Errorf("%w (3 series)", history.ErrMultipleSeries))
		advance(time.Minute)
		require.Equal(t, 2, strings.Count(logs.String(), "level=WARN"), "%s", logs.String())
	})
}

// TestBadCurrentQueryLogsOnce: a current_query the store cannot evaluate
// for three cycles logs one WARN naming the target and its query, DEBUG
// after, no "cycle failed", and one INFO when it reads again.
func TestBadCurrentQueryLogsOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, logs, stop := runCurrentQuery(t, "cur", 4)
		defer stop()

		h.setQueryErr("cur", fmt.Errorf("%w: parse error", history.ErrQuery))
		advance(3 * time.Minute)
		out := logs.String()
		requireOneWarn(t, out, `level=WARN msg="target current_query failing: current units fall back" target=web reason=current_query err="current_query \"cur\": history: the store could not evaluate the query: parse error"`)
		require.Equal(t, 2, strings.Count(out, "level=DEBUG"), "%s", out)
		require.NotContains(t, out, "cycle failed")

		h.setQueryErr("cur", nil)
		advance(time.Minute)
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
		h, logs, stop := runCurrentQuery(t, "replicas", 4)
		defer stop()

		h.setQueryErr("replicas", history.ErrNoData)
		advance(time.Minute - time.Nanosecond) // within the grace
		require.NotContains(t, logs.String(), "current_query", "within the grace")

		advance(3 * time.Minute)
		out := logs.String()
		requireOneWarn(t, out, `level=WARN msg="target current_query failing: current units fall back" target=web reason=current_query err="current_query \"replicas\": history: query returned no data"`)
		require.NotContains(t, out, "cycle failed")

		h.setQueryErr("replicas", nil)
		advance(time.Minute)
		require.Contains(t, logs.String(), `level=INFO msg="target current_query recovered" target=web`)
	})
}

// TestNoDataLogsOnce: a target whose query matches nothing while the store
// answers (a misspelt metric, an exporter gone) logs one WARN naming the
// target once it has had no fresh data for cyclelog.NoDataGrace, DEBUG at each
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

		advance(5 * time.Minute) // five more cycles without data
		out := logs.String()
		requireOneWarn(t, out, `level=WARN msg="target has no fresh data: decisions hold (no_data)" target=web query=q missing_since=2000-01-01T00:00:00Z err="history: query returned no data (window`)
		require.Contains(t, out, `): no series matches the query (a misspelt metric or label?)"`, "the message says why")
		require.Equal(t, 4, strings.Count(out, "level=DEBUG"), "%s", out)
		require.NotContains(t, out, "cycle failed")

		setUntil(0)
		advance(time.Minute)
		out = logs.String()
		require.Equal(t, 1, outageInfos(out), "%s", out)
		require.Contains(t, out, `level=INFO msg="target data back" target=web failing_for=6m0s failed_attempts=6`, "from the first cycle without data (missing_since), the grace included")

		// One cycle without fresh data, shorter than the grace: nothing.
		setUntil(time.Now().Unix() - 1)
		advance(time.Minute)
		setUntil(0)
		advance(time.Minute)
		require.Equal(t, out, logs.String())
	})
}

// sixTargetsLogged is a controller of six targets t0 to t5 reading h,
// logging at DEBUG; each call of the cycle it returns is one
// ReconcileOnce, a minute after the one before (the clock is injected),
// and returns what that cycle logged.
func sixTargetsLogged(t *testing.T, h *fakeHistory) (cycle func() string) {
	t.Helper()
	targets := make([]policy.Target, 6)
	for i := range targets {
		targets[i] = testTarget
		targets[i].Name = fmt.Sprintf("t%d", i)
	}
	st, err := state.New(t.TempDir())
	require.NoError(t, err)
	now := fixtureStart
	logs := &testkit.SyncBuffer{}
	deps := testDeps(h, confidentForecast, st, NewMetrics(prometheus.NewRegistry(), targets), func() time.Time { return now })
	deps.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, err := New(targets, testOptions(ModeAct), deps)
	require.NoError(t, err)
	return func() string {
		before := len(logs.String())
		_ = c.ReconcileOnce(t.Context())
		now = now.Add(time.Minute)
		return logs.String()[before:]
	}
}

// TestNoDataManyTargetsLogsOnce: six targets losing their data in the same
// cycle (one exporter gone under all of them) log one WARN with their
// count and the first three names, each target at DEBUG, and one INFO when
// the data is back; each target logged its own WARN and INFO (1,000 of
// each for an exporter gone under 1,000 targets). The clock is injected:
// each cycle is one ReconcileOnce.
func TestNoDataManyTargetsLogsOnce(t *testing.T) {
	h := &fakeHistory{value: 35, until: 1} // every point NaN: no data
	cycle := sixTargetsLogged(t, h)
	require.NotContains(t, cycle(), "no fresh data", "the first cycle without data is within the grace")

	out := cycle()
	requireOneWarn(t, out, `level=WARN msg="targets have no fresh data: decisions hold (no_data)" targets=6 first="t0, t1, t2" err="history: query returned no data (window`)
	require.Equal(t, 6, strings.Count(out, `level=DEBUG msg="target has no fresh data: decisions hold (no_data)"`), "%s", out)
	require.Contains(t, out, `level=DEBUG msg="target has no fresh data: decisions hold (no_data)" target=t5 query=q missing_since=2026-03-02T12:00:30Z`)
	out = cycle()
	require.NotContains(t, out, "level=WARN")
	require.Equal(t, 6, strings.Count(out, `msg="target has no fresh data: decisions hold (no_data)"`), "%s", out)

	h.mu.Lock()
	h.until = 0
	h.mu.Unlock()
	out = cycle()
	require.Equal(t, 1, outageInfos(out), "%s", out)
	require.Contains(t, out, `level=INFO msg="targets data back" targets=6 first="t0, t1, t2" failing_for=3m0s failed_attempts=3`)
	require.Equal(t, 6, strings.Count(out, `level=DEBUG msg="target data back"`), "%s", out)
	require.NotContains(t, out, "level=WARN")
}

// TestBadQueryManyTargetsLogsOnce: six targets whose queries the store
// starts refusing in the same cycle (a query limit lowered under every
// target's read) log one WARN with their count and the first three
// names, each target at DEBUG, and one INFO when the store answers them
// again; each target logged its own WARN and INFO (1,000 of each under
// 1,000 targets). The clock is injected: each cycle is one ReconcileOnce.
func TestBadQueryManyTargetsLogsOnce(t *testing.T) {
	h := &fakeHistory{value: 35}
	cycle := sixTargetsLogged(t, h)
	cycle()
	h.set(0, fmt.Errorf("%w: query processing would load too many samples into memory in query execution", history.ErrQuery))
	out := cycle()
	requireOneWarn(t, out, `level=WARN msg="targets' queries failing: decisions hold" targets=6 first="t0, t1, t2" err="query \"q\": history: the store could not evaluate the query: query processing would load too many samples`)
	require.Equal(t, 6, strings.Count(out, `level=DEBUG msg="target query failing: decisions hold"`), "%s", out)
	require.Contains(t, out, `level=DEBUG msg="target query failing: decisions hold" target=t5 reason=bad_query err=`)
	out = cycle()
	require.NotContains(t, out, "level=WARN")

	h.set(35, nil)
	out = cycle()
	require.Equal(t, 1, outageInfos(out), "%s", out)
	require.Contains(t, out, `level=INFO msg="targets' queries recovered" targets=6 first="t0, t1, t2" failing_for=2m0s failed_attempts=2`)
	require.Equal(t, 6, strings.Count(out, `level=DEBUG msg="target query recovered"`), "%s", out)
}

// outageInfos counts the INFO lines of out but the decisions' own
// ("scaling", logged in act mode with or without actuators): an outage
// logs one INFO when it ends.
func outageInfos(out string) int {
	return strings.Count(out, "level=INFO") - strings.Count(out, "level=INFO msg=scaling ")
}
