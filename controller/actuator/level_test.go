package actuator

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"
)

// flaky is a deliverer that fails while down and records what it was sent.
type flaky struct {
	mu   sync.Mutex
	down bool
	got  []int // desired units of every delivery attempt
	sent chan int
}

func (f *flaky) Name() string { return "flaky" }

func (f *flaky) Deliver(_ context.Context, a Action) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.got = append(f.got, a.Desired)
	if f.sent != nil {
		f.sent <- a.Desired
	}
	if f.down {
		return errors.New("HTTP 500")
	}
	return nil
}

func (f *flaky) setDown(d bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.down = d
}

func (f *flaky) attempts() []int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]int(nil), f.got...)
}

type levelFixture struct {
	l   *Level
	f   *flaky
	now time.Time
	log *bytes.Buffer
	m   *Metrics
}

func newLevelFixture(t *testing.T) *levelFixture {
	t.Helper()
	fx := &levelFixture{f: &flaky{}, now: time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC), log: &bytes.Buffer{},
		m: NewMetrics(prometheus.NewRegistry())}
	fx.l = NewLevel(fx.f, LevelConfig{
		Now: func() time.Time { return fx.now }, MinBackoff: time.Second, MaxBackoff: 5 * time.Second,
		Logger: slog.New(slog.NewTextHandler(fx.log, nil)), Metrics: fx.m,
	})
	return fx
}

func (fx *levelFixture) pending(target string) float64 {
	return testutil.ToFloat64(fx.m.pending.WithLabelValues(target, "flaky"))
}

func act(units int) Action { return Action{Target: "web", Desired: units} }

// TestLevelResendsCurrentDesired: a failing receiver gets the target's
// current desired units again, with capped exponential backoff, until it
// acknowledges them; a decision made meanwhile replaces the unsent one.
func TestLevelResendsCurrentDesired(t *testing.T) {
	fx := newLevelFixture(t)
	ctx := t.Context()
	fx.l.Restore("web", 1, false)
	require.Zero(t, fx.pending("web"))
	fx.f.setDown(true)

	require.NoError(t, fx.l.Act(ctx, act(3)))
	require.InDelta(t, 1.0, fx.pending("web"), 0, "pending as soon as the desired units differ from the acknowledged ones")
	var waits []time.Duration
	for range 5 {
		next := fx.l.Sync(ctx)
		waits = append(waits, next.Sub(fx.now))
		fx.l.Sync(ctx) // not due yet: nothing sent
		fx.now = next
	}
	require.Equal(t, []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 5 * time.Second, 5 * time.Second}, waits, "exponential backoff capped at MaxBackoff")
	require.Equal(t, []int{3, 3, 3, 3, 3}, fx.f.attempts())
	u, _, ok := fx.l.Acked("web")
	require.True(t, ok)
	require.Equal(t, 1, u, "nothing acknowledged: still the restored units")
	st := fx.l.Status()
	require.Len(t, st, 1)
	require.True(t, st[0].Pending)
	require.True(t, st[0].Failing)
	require.Equal(t, 5, st[0].FailedAttempts)
	require.Equal(t, "HTTP 500", st[0].LastErr)

	// A new decision is due at once, and the stale 3 is never sent again.
	require.NoError(t, fx.l.Act(ctx, act(4)))
	fx.l.Sync(ctx)
	fx.f.setDown(false)
	fx.l.Sync(ctx) // backoff not expired
	fx.now = fx.now.Add(5 * time.Second)
	require.True(t, fx.l.Sync(ctx).IsZero(), "nothing pending once acknowledged")
	require.Equal(t, []int{3, 3, 3, 3, 3, 4, 4}, fx.f.attempts())
	u, at, ok := fx.l.Acked("web")
	require.True(t, ok)
	require.Equal(t, 4, u)
	require.Equal(t, fx.now, at)
	require.Zero(t, fx.pending("web"))
	require.False(t, fx.l.Status()[0].Failing)

	logs := fx.log.String()
	require.Equal(t, 1, strings.Count(logs, "level=WARN"), "one WARN per outage, not per retry:\n%s", logs)
	require.Equal(t, 1, strings.Count(logs, "actuation recovered"), logs)
	require.Contains(t, logs, "failed_attempts=6")

	// Acknowledged units equal to the desired ones: nothing is sent.
	require.NoError(t, fx.l.Act(ctx, act(4)))
	fx.l.Sync(ctx)
	require.Len(t, fx.f.attempts(), 7)
}

// TestLevelRestoredUnitsNotResent: after a restart, desired units the
// receiver had acknowledged are not sent again; different ones are.
func TestLevelRestoredUnitsNotResent(t *testing.T) {
	fx := newLevelFixture(t)
	ctx := t.Context()
	fx.l.Restore("web", 5, false)
	require.NoError(t, fx.l.Act(ctx, act(5)))
	fx.l.Sync(ctx)
	require.Empty(t, fx.f.attempts())
	require.NoError(t, fx.l.Act(ctx, act(2)))
	fx.l.Sync(ctx)
	require.Equal(t, []int{2}, fx.f.attempts())
}

// TestLevelInline: an inline level delivers within Act and reports the
// failure, then retries it as any level does.
func TestLevelInline(t *testing.T) {
	fx := newLevelFixture(t)
	fx.l.cfg.Inline = true
	fx.f.setDown(true)
	err := fx.l.Act(t.Context(), act(2))
	var de *DeliveryError
	require.ErrorAs(t, err, &de)
	require.Equal(t, "web", de.Target)
	fx.f.setDown(false)
	fx.now = fx.now.Add(time.Second)
	require.NoError(t, fx.l.Act(t.Context(), act(2)))
	require.Equal(t, []int{2, 2}, fx.f.attempts())
}

// TestLevelRun: the background loop delivers as soon as Act records a
// change (real timers; the test waits on the deliveries, with a deadline).
func TestLevelRun(t *testing.T) {
	fx := newLevelFixture(t)
	fx.f.sent = make(chan int, 4)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { fx.l.Run(ctx); close(done) }()
	require.NoError(t, fx.l.Act(ctx, act(7)))
	select {
	case u := <-fx.f.sent:
		require.Equal(t, 7, u)
	case <-time.After(10 * time.Second):
		t.Fatal("no delivery within 10s")
	}
	cancel()
	<-done
}

// blocking delivers nothing until its context ends.
type blocking struct{ started chan struct{} }

func (blocking) Name() string { return "blocking" }
func (b blocking) Deliver(ctx context.Context, _ Action) error {
	close(b.started)
	<-ctx.Done()
	return ctx.Err()
}

// TestLevelShutdownIsNotAnOutage: a delivery cut short by shutdown is not
// counted or logged as the receiver's failure.
func TestLevelShutdownIsNotAnOutage(t *testing.T) {
	var logs bytes.Buffer
	b := blocking{started: make(chan struct{})}
	l := NewLevel(b, LevelConfig{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	ctx, cancel := context.WithCancel(t.Context())
	require.NoError(t, l.Act(ctx, act(3)))
	done := make(chan struct{})
	go func() { l.Sync(ctx); close(done) }()
	<-b.started
	cancel()
	<-done
	st := l.Status()
	require.Len(t, st, 1)
	require.True(t, st[0].Pending)
	require.False(t, st[0].Failing)
	require.Empty(t, logs.String())
	require.True(t, l.Unsure("web"), "the request was out: the receiver may have applied it")
}

// failThenBlock fails its first delivery, then blocks the next until its
// context ends.
type failThenBlock struct {
	calls   *int
	started chan struct{}
}

func (failThenBlock) Name() string { return "failThenBlock" }
func (f failThenBlock) Deliver(ctx context.Context, _ Action) error {
	if *f.calls++; *f.calls == 1 {
		return errors.New("HTTP 500")
	}
	close(f.started)
	<-ctx.Done()
	return ctx.Err()
}

// TestLevelStatusDuringDelivery: while a resend is under way the target is
// pending with no next attempt scheduled; /api/system/health showed the
// time that resend had been due (16 s in the past behind a receiver that
// answered after 15 s).
func TestLevelStatusDuringDelivery(t *testing.T) {
	now := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	d := failThenBlock{calls: new(int), started: make(chan struct{})}
	l := NewLevel(d, LevelConfig{Now: func() time.Time { return now }})
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	require.NoError(t, l.Act(ctx, act(3)))
	l.Sync(ctx)
	st := l.Status()
	require.True(t, st[0].Failing)
	require.Equal(t, now.Add(time.Second), st[0].NextAttempt, "the resend is scheduled")
	now = now.Add(time.Second)
	done := make(chan struct{})
	go func() { l.Sync(ctx); close(done) }()
	<-d.started
	st = l.Status()
	require.True(t, st[0].Pending)
	require.True(t, st[0].NextAttempt.IsZero(), "a resend under way: none scheduled, got %s", st[0].NextAttempt)
	cancel()
	<-done
}

// TestLevelShutdownKeepsWhatMayHaveBeenApplied: a delivery cut short by
// the shutdown may have been applied (the receiver acted, then the request
// was cancelled), so the target is unsure and a restarted controller sends
// the acknowledged units again rather than taking them as in place; an
// acknowledgement that arrives as the shutdown starts is recorded. Before,
// both outcomes were dropped: a receiver that applied 3 units was left at
// 3 when the next decision went back to the acknowledged 10.
func TestLevelShutdownKeepsWhatMayHaveBeenApplied(t *testing.T) {
	h := &hook{}
	l := NewLevel(h, LevelConfig{})
	l.Restore("web", 10, false)
	ctx, cancel := context.WithCancel(t.Context())
	require.NoError(t, l.Act(ctx, act(3)))
	h.during = func(Action) error {
		cancel()
		return ctx.Err()
	}
	l.Sync(ctx)
	require.True(t, l.Unsure("web"))
	require.False(t, l.Status()[0].Failing, "not the receiver's failure")

	ctx2, cancel2 := context.WithCancel(t.Context())
	require.NoError(t, l.Act(ctx2, act(4)))
	h.during = func(Action) error {
		cancel2()
		return nil // acknowledged as the shutdown started
	}
	l.Sync(ctx2)
	units, _, ok := l.Acked("web")
	require.True(t, ok)
	require.Equal(t, 4, units)
	require.False(t, l.Unsure("web"))
}

// stuck is a deliverer whose deliveries to the targets in hang block until
// their context ends; the others are acknowledged and reported on sent.
type stuck struct {
	hang    map[string]bool
	started chan string
	sent    chan string
}

func (stuck) Name() string { return "stuck" }
func (s stuck) Deliver(ctx context.Context, a Action) error {
	s.started <- a.Target
	if s.hang[a.Target] {
		<-ctx.Done()
		return ctx.Err()
	}
	s.sent <- a.Target
	return nil
}

// TestLevelRunHungTargetHoldsOnlyItself: while a receiver hangs for one
// target (a stuck command, up to PRESCALE_EXEC_TIMEOUT at every resend),
// another target's new decision is delivered at once. Run delivered one
// target at a time, so the other waited for the hung delivery's timeout
// (13 s of a 20 s timeout, tried with the exec actuator).
func TestLevelRunHungTargetHoldsOnlyItself(t *testing.T) {
	s := stuck{hang: map[string]bool{"a": true, "b": true}, started: make(chan string, 8), sent: make(chan string, 8)}
	l := NewLevel(s, LevelConfig{Parallel: 2})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { l.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	wait := func(ch chan string, what string) string {
		select {
		case got := <-ch:
			return got
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: nothing within 10 s", what)
			return ""
		}
	}
	require.NoError(t, l.Act(ctx, Action{Target: "a", Desired: 3}))
	require.Equal(t, "a", wait(s.started, "a's delivery"))
	require.NoError(t, l.Act(ctx, Action{Target: "c", Desired: 2}))
	require.Equal(t, "c", wait(s.sent, "c's delivery while a's hangs"))
}

// TestLevelParallelBound: at most Parallel deliveries are in flight; the
// next due target starts when one ends.
func TestLevelParallelBound(t *testing.T) {
	s := stuck{hang: map[string]bool{"a": true, "b": true}, started: make(chan string, 8), sent: make(chan string, 8)}
	l := NewLevel(s, LevelConfig{Parallel: 2})
	ctx, cancel := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	for _, a := range []Action{{Target: "a", Desired: 3}, {Target: "b", Desired: 4}, {Target: "c", Desired: 5}} {
		require.NoError(t, l.Act(ctx, a))
	}
	require.True(t, l.dispatch(ctx, &wg).IsZero(), "no timer while Parallel deliveries are in flight")
	require.ElementsMatch(t, []string{"a", "b"}, []string{<-s.started, <-s.started})
	require.True(t, l.dispatch(ctx, &wg).IsZero())
	require.Empty(t, s.started, "c waits for a free delivery")
	cancel()
	wg.Wait()
	require.True(t, l.Status()[2].Pending)
}

// gated is a deliverer whose deliveries to a target wait until its
// release channel is closed; it records the most deliveries to one target
// that were in flight at once.
type gated struct {
	release map[string]chan struct{}
	started chan string
	mu      sync.Mutex
	active  map[string]int
	most    int
	got     []int // desired units of every delivery, in order
}

func (*gated) Name() string { return "gated" }
func (g *gated) Deliver(ctx context.Context, a Action) error {
	g.mu.Lock()
	g.active[a.Target]++
	g.most = max(g.most, g.active[a.Target])
	g.got = append(g.got, a.Desired)
	g.mu.Unlock()
	defer func() {
		g.mu.Lock()
		g.active[a.Target]--
		g.mu.Unlock()
	}()
	g.started <- a.Target
	select {
	case <-g.release[a.Target]:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// TestLevelSyncBesideRun: a Sync round beside Run never delivers to a
// target that Run started delivering to after the round listed it: one
// delivery per target at a time. Sync delivered b while Run's delivery to
// b was still in flight (two commands for the same target at once).
func TestLevelSyncBesideRun(t *testing.T) {
	g := &gated{release: map[string]chan struct{}{"a": make(chan struct{}), "b": make(chan struct{})},
		started: make(chan string, 8), active: map[string]int{}}
	l := NewLevel(g, LevelConfig{})
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	require.NoError(t, l.Act(ctx, Action{Target: "a", Desired: 3}))
	require.NoError(t, l.Act(ctx, Action{Target: "b", Desired: 4}))
	synced := make(chan struct{})
	go func() { l.Sync(ctx); close(synced) }()
	require.Equal(t, "a", <-g.started, "Sync starts with a")
	ran := make(chan struct{})
	go func() { l.Run(ctx); close(ran) }()
	require.Equal(t, "b", <-g.started, "Run delivers b while Sync's a is in flight")
	close(g.release["a"])
	select {
	case <-synced:
	case got := <-g.started:
		t.Fatalf("Sync delivered %s while Run's delivery to it was in flight", got)
	}
	close(g.release["b"])
	cancel()
	<-ran
	require.Equal(t, 1, g.most)
}

// TestLevelRunDecisionDuringDelivery: a decision made while a delivery to
// the same target is in flight is delivered once that one ends: the
// delivery's end wakes Run (which had nothing to start at the decision's
// own wake-up), and the target is due at once.
func TestLevelRunDecisionDuringDelivery(t *testing.T) {
	g := &gated{release: map[string]chan struct{}{"a": make(chan struct{})}, started: make(chan string, 8), active: map[string]int{}}
	l := NewLevel(g, LevelConfig{})
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var wg sync.WaitGroup
	require.NoError(t, l.Act(ctx, Action{Target: "a", Desired: 3}))
	<-l.kick
	l.dispatch(ctx, &wg)
	require.Equal(t, "a", <-g.started)
	require.NoError(t, l.Act(ctx, Action{Target: "a", Desired: 5}))
	<-l.kick
	require.True(t, l.dispatch(ctx, &wg).IsZero(), "nothing to start while a's delivery is in flight")
	require.Empty(t, g.started)
	close(g.release["a"])
	wg.Wait()
	select {
	case <-l.kick:
	default:
		t.Fatal("the delivery's end did not wake Run")
	}
	next := l.dispatch(ctx, &wg)
	require.Equal(t, "a", <-g.started, "the decision made during the delivery is delivered after it")
	wg.Wait()
	require.True(t, next.IsZero())
	g.mu.Lock()
	defer g.mu.Unlock()
	require.Equal(t, []int{3, 5}, g.got)
	require.Equal(t, 1, g.most)
}

// hook is a deliverer that calls during (when set) inside each delivery
// and answers with its error; it records the desired units sent.
type hook struct {
	during func(a Action) error
	got    []int
}

func (*hook) Name() string { return "hook" }
func (h *hook) Deliver(_ context.Context, a Action) error {
	h.got = append(h.got, a.Desired)
	if h.during == nil {
		return nil
	}
	return h.during(a)
}

// TestLevelFailedDeliveryThenBackToAcked: a delivery that failed may have
// been applied (a command that scaled, then timed out; a webhook that
// answered 500 after acting), so when the decision returns meanwhile to
// the units last acknowledged they are sent again, not taken as in place.
// Before, nothing was sent: a scale-down from 10 to 5 that timed out after
// it was applied, then a decision for 10 again, left the receiver at 5.
func TestLevelFailedDeliveryThenBackToAcked(t *testing.T) {
	h := &hook{}
	now := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	l := NewLevel(h, LevelConfig{Now: func() time.Time { return now }})
	ctx := t.Context()
	l.Restore("web", 10, false)
	require.NoError(t, l.Act(ctx, act(5)))
	h.during = func(Action) error {
		require.NoError(t, l.Act(ctx, act(10))) // the next decision, while 5 is delivered
		return errors.New("timed out after 20s")
	}
	l.Sync(ctx)
	h.during = nil
	require.True(t, l.Status()[0].Pending, "10 is pending: the receiver may be at 5")
	l.Sync(ctx)
	require.Equal(t, []int{5, 10}, h.got)
	st := l.Status()[0]
	require.False(t, st.Pending)
	require.False(t, st.Failing, "the outage ended with 10 acknowledged")
	units, _, ok := l.Acked("web")
	require.True(t, ok)
	require.Equal(t, 10, units)
}

// TestLevelOneWarnPerReceiverOutage: a receiver down for many targets is
// one outage, as the history source's is: one WARN naming the first
// failing target and the error, DEBUG for the other targets and every
// retry over five cycles, one INFO when the last target is acknowledged
// (with the targets it hit). A later outage is a new WARN. Before, each
// target logged its own WARN and INFO: 1,000 of each for a receiver down
// over 1,000 targets.
func TestLevelOneWarnPerReceiverOutage(t *testing.T) {
	fx := newLevelFixture(t)
	ctx := context.Background()
	fx.f.setDown(true)
	names := []string{"a", "b", "c", "d"}
	for cycle := range 5 {
		for _, n := range names {
			require.NoError(t, fx.l.Act(ctx, Action{Target: n, Desired: 2 + cycle%2}))
		}
		fx.l.Sync(ctx)
		fx.now = fx.now.Add(time.Minute)
	}
	logs := fx.log.String()
	require.Equal(t, 1, strings.Count(logs, "level=WARN"), logs)
	require.Contains(t, logs, `level=WARN msg="actuation failing: the current desired units will be re-sent until acknowledged" target=a actuator=flaky desired=2 targets_failing=1 err="HTTP 500"`)
	require.Len(t, fx.l.Status(), 4)
	for _, s := range fx.l.Status() {
		require.True(t, s.Failing, "health still names every failing target: %+v", s)
	}

	fx.f.setDown(false)
	fx.l.Sync(ctx)
	logs = fx.log.String()
	require.Equal(t, 1, strings.Count(logs, "level=INFO"), logs)
	require.Contains(t, logs, `level=INFO msg="actuation recovered" actuator=flaky targets=4 last_target=d failing_for=5m0s failed_attempts=20`)

	fx.f.setDown(true)
	require.NoError(t, fx.l.Act(ctx, Action{Target: "c", Desired: 7}))
	fx.l.Sync(ctx)
	require.Equal(t, 2, strings.Count(fx.log.String(), "level=WARN"), "a new outage is a new WARN:\n%s", fx.log.String())
}

// TestLevelOnAck: OnAck's function hears of each acknowledgement of a
// background delivery (Sync here; Run's too), once the Level's lock is
// released (it reads Acked), and of no failure; an inline level, whose
// deliveries end within Act, never calls it.
func TestLevelOnAck(t *testing.T) {
	fx := newLevelFixture(t)
	var heard []string
	fx.l.OnAck(func(target string) {
		u, _, ok := fx.l.Acked(target) // deadlocks under l.mu
		require.True(t, ok)
		heard = append(heard, fmt.Sprintf("%s=%d", target, u))
	})
	fx.f.setDown(true)
	require.NoError(t, fx.l.Act(t.Context(), act(3)))
	fx.l.Sync(t.Context())
	require.Empty(t, heard, "a failed delivery")
	fx.f.setDown(false)
	fx.now = fx.now.Add(time.Second)
	fx.l.Sync(t.Context())
	require.Equal(t, []string{"web=3"}, heard)

	fx.l.cfg.Inline = true
	require.NoError(t, fx.l.Act(t.Context(), act(4)))
	require.Equal(t, []int{3, 3, 4}, fx.f.attempts())
	require.Equal(t, []string{"web=3"}, heard, "inline")
}

func TestStatusAcknowledgedText(t *testing.T) {
	ten := 10
	require.Equal(t, "none", Status{Desired: 3}.AcknowledgedText())
	require.Equal(t, "10", Status{Desired: 3, Acknowledged: &ten}.AcknowledgedText())
}

// TestLevelNewDecisionDueAtOnce: new desired units decided while the
// receiver's backoff runs are sent at once, not at the backoff's end; the
// same units decided again keep the backoff.
func TestLevelNewDecisionDueAtOnce(t *testing.T) {
	fx := newLevelFixture(t)
	ctx := t.Context()
	fx.f.setDown(true)
	require.NoError(t, fx.l.Act(ctx, act(3)))
	require.Equal(t, fx.now.Add(time.Second), fx.l.Sync(ctx), "failed: retried after the backoff")
	require.NoError(t, fx.l.Act(ctx, act(3)))
	fx.l.Sync(ctx)
	require.Equal(t, []int{3}, fx.f.attempts(), "the same units keep the backoff")
	require.NoError(t, fx.l.Act(ctx, act(4)))
	fx.l.Sync(ctx)
	require.Equal(t, []int{3, 4}, fx.f.attempts(), "new units: sent at once")
}
