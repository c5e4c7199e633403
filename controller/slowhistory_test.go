package controller

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/history"
	"github.com/prescale/prescale/controller/policy"
	"github.com/prescale/prescale/controller/state"
	"github.com/prescale/prescale/internal/testkit"
)

// stalledHistory answers as h once release is closed; until then every
// query reports on started and waits (a history source past its answer
// time).
type stalledHistory struct {
	h       *fakeHistory
	started chan struct{}
	release chan struct{}
}

func (s stalledHistory) QueryRange(ctx context.Context, q string, start, end time.Time, step time.Duration) (history.Series, error) {
	select {
	case s.started <- struct{}{}:
	default:
	}
	select {
	case <-s.release:
	case <-ctx.Done():
		return history.Series{}, ctx.Err()
	}
	return s.h.QueryRange(ctx, q, start, end, step)
}

// TestManualScalingDuringSlowHistory: a manual scaling made while a cycle
// waits for a slow history source is decided, acted on and saved at once,
// and the cycle then decides with it (reason manual). It waited for the
// cycle's queries (13 s behind an 8 s query through a delaying proxy;
// with PRESCALE_QUERY_TIMEOUT's default 30 s, past the API's write
// timeout).
func TestManualScalingDuringSlowHistory(t *testing.T) {
	now := fixtureStart
	f := newFixture(t, t.TempDir(), &fakeHistory{value: 35}, confidentForecast, ModeAct, &now)
	require.NoError(t, f.c.ReconcileOnce(t.Context()))
	stalled := stalledHistory{h: f.h, started: make(chan struct{}, 1), release: make(chan struct{})}
	f.c.d.History = stalled
	now = now.Add(time.Minute)
	cycle := make(chan error, 1)
	go func() { cycle <- f.c.ReconcileOnce(t.Context()) }()
	<-stalled.started

	overridden := make(chan error, 1)
	go func() {
		_, err := f.c.Override(t.Context(), "web", 7, time.Hour)
		overridden <- err
	}()
	select {
	case err := <-overridden:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		close(stalled.release)
		t.Fatal("the manual scaling waited for the cycle's history queries")
	}
	acts := f.act.actions()
	require.Equal(t, 7, acts[len(acts)-1].Desired, "acted on at once")

	close(stalled.release)
	require.NoError(t, <-cycle)
	ds := f.c.Snapshot().Targets[0].State.Decisions
	require.Equal(t, policy.ReasonManual, ds[len(ds)-1].Reason, "the cycle decides with the manual scaling")
	require.Equal(t, 7, ds[len(ds)-1].Desired)
}

// TestShutdownDuringQueriesDecidesNothing: a cycle whose history queries
// are cut short by shutdown (SIGTERM while it waits for the source) ends
// without deciding or saving: its queries failed because prescale is
// stopping, not because the source is down. It decided no_data and saved
// an outage hold, a scale-down floor for the stabilisation window after
// the restart, at every shutdown that came during a query.
func TestShutdownDuringQueriesDecidesNothing(t *testing.T) {
	now := fixtureStart
	f := newFixture(t, t.TempDir(), &fakeHistory{value: 35}, confidentForecast, ModeAct, &now)
	require.NoError(t, f.c.ReconcileOnce(t.Context()))
	before := f.c.Snapshot().Targets[0].State
	saved, err := os.ReadFile(f.c.d.State.Path())
	require.NoError(t, err)
	stalled := stalledHistory{h: f.h, started: make(chan struct{}, 1), release: make(chan struct{})}
	f.c.d.History = stalled
	now = now.Add(time.Minute)
	ctx, cancel := context.WithCancel(t.Context())
	cycle := make(chan error, 1)
	go func() { cycle <- f.c.ReconcileOnce(ctx) }()
	<-stalled.started
	cancel()
	require.ErrorIs(t, <-cycle, context.Canceled)
	after := f.c.Snapshot().Targets[0].State
	require.Len(t, after.Decisions, len(before.Decisions), "no decision: %+v", after.Decisions[len(after.Decisions)-1])
	require.Zero(t, after.Policy.OutageHold)
	again, err := os.ReadFile(f.c.d.State.Path())
	require.NoError(t, err)
	require.Equal(t, string(saved), string(again), "the state file is not written")
}

// laggyHistory answers as h after lag has passed (virtual time in a
// synctest bubble): a history source slow but within its timeout.
type laggyHistory struct {
	h   *fakeHistory
	lag atomic.Int64 // nanoseconds
}

func (l *laggyHistory) QueryRange(ctx context.Context, q string, start, end time.Time, step time.Duration) (history.Series, error) {
	time.Sleep(time.Duration(l.lag.Load()))
	return l.h.QueryRange(ctx, q, start, end, step)
}

// TestCyclesOverrunningTheIntervalLogOnce: cycles taking longer than the
// interval (a history source answering slowly, within its timeout) log
// one WARN naming PRESCALE_SCALING_INTERVAL and the cycle's time, DEBUG
// while they last, and one INFO once a cycle fits again; the first cycle,
// which reads every target's whole window, does not count. Run skips the
// ticks they overrun, and prescale_cycle_lateness_seconds stays at 0:
// tried live, 5 s cycles came 20 s apart (8 s a query through a delaying
// proxy) with nothing logged.
func TestCyclesOverrunningTheIntervalLogOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := &laggyHistory{h: &fakeHistory{value: 35}}
		var logs testkit.SyncBuffer
		m := NewMetrics(prometheus.NewRegistry(), []policy.Target{testTarget})
		h.lag.Store(int64(70 * time.Second)) // over the 1 m interval
		defer runInBubble(t, h, m, &logs)()
		time.Sleep(71 * time.Second)
		synctest.Wait()
		require.InDelta(t, 1, testutil.ToFloat64(m.Cycles), 0)
		require.NotContains(t, logs.String(), "PRESCALE_SCALING_INTERVAL", "the first cycle reads every window whole, slow by design")
		require.Zero(t, testutil.ToFloat64(m.Overruns), "the first cycle is no overrun")

		time.Sleep(5 * time.Minute)
		synctest.Wait()
		out := logs.String()
		require.Equal(t, 1, strings.Count(out, "level=WARN"), out)
		require.Contains(t, out, `level=WARN msg="cycles take longer than PRESCALE_SCALING_INTERVAL: the ticks they overrun are skipped, so decisions come less often `+
			`(prescale_cycle_phase_duration_seconds names the slow phase; query: the history source)" interval=1m0s err="the cycle took 1m10s"`)
		require.Positive(t, strings.Count(out, "level=DEBUG msg=\"cycles take longer"), out)
		overran := strings.Count(out, "msg=\"cycles take longer")
		require.InDelta(t, overran, testutil.ToFloat64(m.Overruns), 0, "prescale_cycle_overruns_total counts the cycles the log says overran")
		require.InDelta(t, testutil.ToFloat64(m.Cycles)-1, testutil.ToFloat64(m.Overruns), 0, "every cycle but the first")

		h.lag.Store(0)
		time.Sleep(5 * time.Minute)
		synctest.Wait()
		out = logs.String()
		require.Equal(t, 1, strings.Count(out, "level=INFO msg=\"cycles fit in PRESCALE_SCALING_INTERVAL again\""), out)
		require.Equal(t, 1, strings.Count(out, "level=WARN"), out)
		require.InDelta(t, strings.Count(out, "msg=\"cycles take longer"), testutil.ToFloat64(m.Overruns), 0, "cycles that fit are not counted")
		require.Less(t, testutil.ToFloat64(m.Overruns), testutil.ToFloat64(m.Cycles)-3, "cycles that fit are not counted")
	})
}

// TestCyclesFailingOnTheHistorySourceAreNotOverruns: cycles failing
// slowly on the history source (queries timing out) are its outage's to
// log, not overruns, and do not use up the first cycle's exception: the
// first that reads the source, every target's whole window, is not
// counted either; the slow cycles after it are.
func TestCyclesFailingOnTheHistorySourceAreNotOverruns(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fh := &fakeHistory{value: 35, err: errors.New("connection timed out")}
		h := &laggyHistory{h: fh}
		var logs testkit.SyncBuffer
		h.lag.Store(int64(70 * time.Second)) // over the 1 m interval
		m := NewMetrics(prometheus.NewRegistry(), []policy.Target{testTarget})
		defer runInBubble(t, h, m, &logs)()
		time.Sleep(5 * time.Minute)
		synctest.Wait()
		require.Contains(t, logs.String(), `level=WARN msg="history source down`)
		require.NotContains(t, logs.String(), "PRESCALE_SCALING_INTERVAL", "the outage's to log")
		require.Zero(t, testutil.ToFloat64(m.Overruns), "the outage's, not overruns")

		fh.mu.Lock()
		fh.err = nil
		fh.mu.Unlock()
		for !strings.Contains(logs.String(), "history source recovered") {
			time.Sleep(time.Second) // virtual time: until the first cycle that read the source ends
			synctest.Wait()
		}
		require.NotContains(t, logs.String(), "PRESCALE_SCALING_INTERVAL", "the first cycle that read the source")
		require.Zero(t, testutil.ToFloat64(m.Overruns), "the first cycle that read the source")

		time.Sleep(5 * time.Minute)
		synctest.Wait()
		require.Equal(t, 1, strings.Count(logs.String(), `level=WARN msg="cycles take longer than PRESCALE_SCALING_INTERVAL`), logs.String())
		require.InDelta(t, strings.Count(logs.String(), `msg="cycles take longer`), testutil.ToFloat64(m.Overruns), 0, logs.String())
	})
}

// TestClockStepIsNoOverrun: a cycle that starts late because the clock
// stepped forward while Run waited for its tick is timed from its start,
// not from its scheduled time: it is no overrun (its lateness is
// prescale_cycle_lateness_seconds').
func TestClockStepIsNoOverrun(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var step atomic.Int64
		now := func() time.Time { return time.Now().Add(time.Duration(step.Load())) }
		h := &laggyHistory{h: &fakeHistory{value: 35}}
		h.lag.Store(int64(10 * time.Second)) // within the 1 m interval
		var logs testkit.SyncBuffer
		m := NewMetrics(prometheus.NewRegistry(), []policy.Target{testTarget})
		defer runInBubbleAt(t, h, m, &logs, now)()
		time.Sleep(3*time.Minute + 30*time.Second) // between two cycles
		synctest.Wait()
		step.Store(int64(10 * time.Minute))
		time.Sleep(3 * time.Minute)
		synctest.Wait()
		require.Greater(t, testutil.ToFloat64(m.Cycles), 4.0)
		require.Zero(t, testutil.ToFloat64(m.Overruns), logs.String())
		require.NotContains(t, logs.String(), "PRESCALE_SCALING_INTERVAL", "no cycle took longer than the interval")
	})
}

// runInBubble starts Run of a controller of testTarget (act mode, a
// confident forecast) reading h, with metrics m, logging at DEBUG to logs,
// in the calling synctest bubble's virtual time; the function it returns
// stops Run and waits for it.
func runInBubble(t *testing.T, h history.History, m *Metrics, logs *testkit.SyncBuffer) (stop func()) {
	t.Helper()
	return runInBubbleAt(t, h, m, logs, time.Now)
}

// runInBubbleAt is runInBubble with the controller's clock now.
func runInBubbleAt(t *testing.T, h history.History, m *Metrics, logs *testkit.SyncBuffer, now func() time.Time) (stop func()) {
	t.Helper()
	st, err := state.New(t.TempDir())
	require.NoError(t, err)
	deps := testDeps(h, confidentForecast, st, m, now)
	deps.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, err := New([]policy.Target{testTarget}, testOptions(ModeAct), deps)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { _ = c.Run(ctx); close(done) }()
	return func() { cancel(); <-done }
}
