package cadence

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/internal/cyclelog"
)

// step is one cycle: how long it takes and what it returns.
type step struct {
	took time.Duration
	err  error
}

// observed is a prescale_cycle_lateness_seconds that keeps what it observes.
type observed []float64

func (o *observed) Observe(v float64) { *o = append(*o, v) }

// lines is a slog handler that keeps each record's level and message.
type lines []string

func (l *lines) Enabled(context.Context, slog.Level) bool { return true }
func (l *lines) Handle(_ context.Context, r slog.Record) error {
	*l = append(*l, r.Level.String()+" "+r.Message)
	return nil
}
func (l *lines) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *lines) WithGroup(string) slog.Handler      { return l }

// ran is what a Loop did over a scenario: each cycle's start after the
// bubble's (its clock starts at midnight UTC, a whole multiple of any
// interval of whole seconds), the lateness it observed, the overruns it
// counted and its log lines, each cut to its level and first three words.
type ran struct {
	starts   []time.Duration
	lateness observed
	overruns float64
	log      []string
}

// run runs a Loop of interval inside a synctest bubble, started offset
// after the bubble's start, over the cycles steps and one more that
// cancels the context.
func run(t *testing.T, interval, offset time.Duration, steps []step) ran {
	t.Helper()
	var got ran
	synctest.Test(t, func(t *testing.T) {
		epoch := time.Now()
		time.Sleep(offset) // virtual time inside the bubble
		var log lines
		l := &Loop{Interval: interval, Now: time.Now, Log: slog.New(&log), Lateness: &got.lateness,
			Overruns: prometheus.NewCounter(prometheus.CounterOpts{Name: "overruns"})}
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		cycle := func(context.Context) error {
			i := len(got.starts)
			if i == len(steps) {
				cancel() // Run returns once this cycle ends
				return nil
			}
			got.starts = append(got.starts, time.Since(epoch))
			time.Sleep(steps[i].took)
			return steps[i].err
		}
		require.NoError(t, l.Run(ctx, cycle))
		got.overruns = testutil.ToFloat64(l.Overruns)
		for _, s := range log {
			got.log = append(got.log, strings.Join(strings.Fields(s)[:min(4, len(strings.Fields(s)))], " "))
		}
	})
	return got
}

// TestRunSchedule: the first cycle at start, then on each whole multiple
// of the interval (missed ticks skipped, a tick due as a cycle ends run
// at once, as a ticker would; a cycle started off the grid that runs
// over a tick in less than the interval stands for it: the next is the
// first tick not before its end, and it is no overrun); while the history source is
// down, sooner, backing off from 1 s to the interval; a failed cycle is
// not Run's error, and logged unless an outage log reports it.
func TestRunSchedule(t *testing.T) {
	const s = time.Second
	history := cyclelog.Tracked(cyclelog.ErrHistory)
	for _, tc := range []struct {
		name   string
		offset time.Duration
		steps  []step
		starts []time.Duration
		log    []string
	}{
		{"one cycle", 0, []step{ok()}, []time.Duration{0}, nil},
		{"at start, then on the grid", 2300 * time.Millisecond, []step{{took: s}, {took: s}, {took: s}},
			[]time.Duration{2300 * time.Millisecond, 5 * s, 10 * s}, nil},
		{"a tick overrun is skipped", 0, []step{ok(), {took: 7 * s}, ok()},
			[]time.Duration{0, 5 * s, 15 * s}, // the second ends at 12 s
			[]string{"WARN cycles take longer", "INFO cycles fit in"}},
		{"a cycle ending on a tick runs it at once", 0, []step{ok(), {took: 5 * s}, ok()},
			[]time.Duration{0, 5 * s, 10 * s}, nil}, // it fit: not an overrun, no tick skipped
		{"an overrun ending on a tick runs it at once", 0, []step{ok(), {took: 10 * s}, ok()},
			[]time.Duration{0, 5 * s, 15 * s}, // the tick at 10 s skipped
			[]string{"WARN cycles take longer", "INFO cycles fit in"}},
		{"a cycle ending on its own tick waits for the next", 3 * s, []step{ok(), ok(), ok()},
			[]time.Duration{3 * s, 5 * s, 10 * s}, nil},
		{"an off-grid cycle over a tick subsumes it", 0, // the tick at 15 s: not run, not an overrun
			[]step{ok(), {err: history}, {err: history}, {err: history}, {took: 4 * s}, ok()},
			[]time.Duration{0, 5 * s, 6 * s, 8 * s, 12 * s, 20 * s}, nil}, // the fourth ends at 16 s
		{"history down: 1 s, 2 s, 4 s, then the interval", 0,
			[]step{{err: history}, {err: history}, {err: history}, {err: history}, {err: history}, ok(), ok()},
			[]time.Duration{0, s, 3 * s, 7 * s, 12 * s, 17 * s, 20 * s}, nil},
		{"the backoff starts again after a cycle that read it", 0,
			[]step{{err: history}, {err: history}, ok(), {err: history}, ok()},
			[]time.Duration{0, s, 3 * s, 5 * s, 6 * s}, nil},
		{"another failure keeps the grid and is logged", 0, []step{{err: errors.New("boom")}, {err: errors.New("boom")}},
			[]time.Duration{0, 5 * s}, []string{"WARN cycle failed", "WARN cycle failed"}},
		{"a failure an outage log reports is not logged again", 0, []step{{err: cyclelog.Tracked(errors.New("query"))}, ok()},
			[]time.Duration{0, 5 * s}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := run(t, 5*s, tc.offset, tc.steps)
			require.Equal(t, tc.starts, got.starts)
			require.Equal(t, make(observed, len(tc.steps)+1), got.lateness, "every cycle on time")
			require.Equal(t, tc.log, got.log)
		})
	}
}

// TestRunOverruns: a cycle longer than the interval is counted and its
// outage logged, one WARN when they start, DEBUG while they last, one
// INFO when one fits again; but not the first cycle that reads the
// history (it reads every target's whole window), nor one that failed
// on the history source.
func TestRunOverruns(t *testing.T) {
	const s = time.Second
	history := cyclelog.Tracked(cyclelog.ErrHistory)
	for _, tc := range []struct {
		name     string
		steps    []step
		overruns float64
		log      []string
	}{
		{"the first cycle is not counted", []step{{took: 9 * s}, {took: s}}, 0, nil},
		{"WARN, DEBUG, INFO", []step{{took: s}, {took: 6 * s}, {took: 7 * s}, {took: s}, {took: s}}, 2,
			[]string{"WARN cycles take longer", "DEBUG cycles take longer", "INFO cycles fit in"}},
		{"a cycle of the interval fits", []step{{took: s}, {took: 5 * s}}, 0, nil},
		{"a slow history failure is not counted, nor the first read after it",
			[]step{{took: 9 * s, err: history}, {took: 9 * s}, {took: 9 * s, err: history}, {took: 6 * s}}, 1,
			[]string{"WARN cycles take longer"}},
		{"overruns again after a fit: another WARN", []step{ok(), {took: 6 * s}, ok(), {took: 6 * s}}, 2,
			[]string{"WARN cycles take longer", "INFO cycles fit in", "WARN cycles take longer"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := run(t, 5*s, 0, tc.steps)
			require.InDelta(t, tc.overruns, got.overruns, 0)
			require.Equal(t, tc.log, got.log)
		})
	}
}

func ok() step { return step{} }

// TestRunStopsWhileWaiting: Run returns nil at once when its context
// ends between cycles.
func TestRunStopsWhileWaiting(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		var cycles int
		done := make(chan error, 1)
		l := &Loop{Interval: time.Minute, Now: time.Now, Log: slog.New(new(lines)), Lateness: new(observed),
			Overruns: prometheus.NewCounter(prometheus.CounterOpts{Name: "overruns"})}
		go func() { done <- l.Run(ctx, func(context.Context) error { cycles++; return nil }) }()
		time.Sleep(10 * time.Second) // virtual time inside the bubble
		synctest.Wait()
		require.Equal(t, 1, cycles, "the first at start, the next a minute after")
		start := time.Now()
		cancel()
		require.NoError(t, <-done)
		require.Zero(t, time.Since(start), "at once")
		require.Equal(t, 1, cycles)
	})
}

// TestRunLateness: a cycle that starts after its tick by the clock Run
// reads (here: the clock stepped while Run waited) observes how late it
// is; one that starts before it (the clock stepped back), 0.
func TestRunLateness(t *testing.T) {
	for _, tc := range []struct {
		name string
		step time.Duration
		want observed
	}{
		{"on time", 0, observed{0, 0}},
		{"stepped forward", 300 * time.Millisecond, observed{0, 0.3}},
		{"stepped back", -300 * time.Millisecond, observed{0, 0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var skew atomic.Int64
				var got observed
				l := &Loop{Interval: 5 * time.Second, Now: func() time.Time { return time.Now().Add(time.Duration(skew.Load())) },
					Log: slog.New(new(lines)), Lateness: &got, Overruns: prometheus.NewCounter(prometheus.CounterOpts{Name: "overruns"})}
				ctx, cancel := context.WithCancel(t.Context())
				done := make(chan error, 1)
				go func() {
					done <- l.Run(ctx, func(context.Context) error {
						if len(got) == 2 {
							cancel()
						}
						return nil
					})
				}()
				time.Sleep(2 * time.Second) // virtual time inside the bubble: Run waits for the tick at 5 s
				skew.Store(int64(tc.step))
				require.NoError(t, <-done)
				require.InDeltaSlice(t, tc.want, got, 1e-9)
			})
		})
	}
}
