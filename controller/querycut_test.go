package controller

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/history"
	"github.com/prescale/prescale/controller/policy"
	"github.com/prescale/prescale/controller/state"
)

// hungHistory is a history source that accepts every query and answers
// none: each waits for its 30 s timeout (PRESCALE_QUERY_TIMEOUT), as
// Remote's against a server that hangs, unless the context ends first.
// While answering, it serves fakeHistory's.
type hungHistory struct {
	mu       sync.Mutex
	hung     bool
	calls    int
	answerer *fakeHistory
}

func (h *hungHistory) QueryRange(ctx context.Context, q string, start, end time.Time, step time.Duration) (history.Series, error) {
	h.mu.Lock()
	h.calls++
	hung := h.hung
	h.mu.Unlock()
	if !hung {
		return h.answerer.QueryRange(ctx, q, start, end, step)
	}
	select {
	case <-ctx.Done():
		return history.Series{}, fmt.Errorf("history: query_range: %w", ctx.Err())
	case <-time.After(30 * time.Second):
		return history.Series{}, fmt.Errorf("history: query_range: no answer within 30s (PRESCALE_QUERY_TIMEOUT): %w", context.DeadlineExceeded)
	}
}

// TestHungSourceCutsTheCycle: against a history source that hangs, a cycle
// of 40 targets at 4 queries at a time ends once the first 8 queries have
// timed out (two rounds of 30 s), the other targets held as the source's
// problem without being queried; it took 40 / 4 x 30 s = 5 minutes (an
// hour for 1,000 targets at the defaults: 8 at a time, 30 s), and
// decisions resumed only that long after the source answered again.
func TestHungSourceCutsTheCycle(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		targets := make([]policy.Target, 40)
		for i := range targets {
			targets[i] = testTarget
			targets[i].Name = fmt.Sprintf("t%02d", i)
		}
		h := &hungHistory{answerer: &fakeHistory{value: 35}}
		st, err := state.New(t.TempDir())
		require.NoError(t, err)
		o := testOptions(ModeAct)
		o.QueryConcurrency = 4
		c, err := New(targets, o, testDeps(h, confidentForecast, st, NewMetrics(prometheus.NewRegistry(), targets), time.Now))
		require.NoError(t, err)
		require.NoError(t, c.ReconcileOnce(t.Context()))

		h.mu.Lock()
		h.hung, h.calls = true, 0
		h.mu.Unlock()
		time.Sleep(time.Minute) // the next cycle's time: new grid points to read
		t0 := time.Now()
		err = c.ReconcileOnce(t.Context())
		require.Error(t, err)
		require.Equal(t, time.Minute, time.Since(t0), "two rounds of timeouts")
		require.LessOrEqual(t, h.calls, 3*o.QueryConcurrency, "the targets after the cut are not queried")
		snap := c.Snapshot()
		require.False(t, snap.HistoryUp)
		cut := 0
		for _, ts := range snap.Targets {
			require.NotEqual(t, policy.ReasonBadQuery, ts.Decision.Reason, ts.Target.Name)
			require.Equal(t, policy.ReasonNoData, ts.Decision.Reason, ts.Target.Name)
			if strings.Contains(ts.HistoryErr, "not queried this cycle: the history source failed the cycle's first 8 targets' queries and answered none (history: query_range: no answer within 30s (PRESCALE_QUERY_TIMEOUT)") {
				cut++
			}
		}
		require.GreaterOrEqual(t, cut, len(targets)-3*o.QueryConcurrency, "the targets not queried say why")

		// The source answers again: the next cycle decides every target.
		h.mu.Lock()
		h.hung = false
		h.mu.Unlock()
		time.Sleep(time.Minute)
		require.NoError(t, c.ReconcileOnce(t.Context()))
		for _, ts := range c.Snapshot().Targets {
			require.NotEqual(t, policy.ReasonNoData, ts.Decision.Reason, ts.Target.Name)
		}
	})
}

// TestTimeoutsAmongAnswersCutNothing: targets whose queries time out
// while the source answers the others (heavy queries), as many as run at
// a time and at the head of the targets, hold alone; the others are
// decided in the same cycle.
func TestTimeoutsAmongAnswersCutNothing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		targets := make([]policy.Target, 12)
		for i := range targets {
			targets[i] = testTarget
			targets[i].Name = fmt.Sprintf("t%02d", i)
			targets[i].Query = fmt.Sprintf("q%02d", i)
		}
		h := &heavyHistory{answerer: &fakeHistory{value: 35}, heavy: map[string]bool{"q00": true, "q01": true, "q02": true}}
		st, err := state.New(t.TempDir())
		require.NoError(t, err)
		o := testOptions(ModeAct)
		o.QueryConcurrency = 2
		c, err := New(targets, o, testDeps(h, confidentForecast, st, NewMetrics(prometheus.NewRegistry(), targets), time.Now))
		require.NoError(t, err)
		require.Error(t, c.ReconcileOnce(t.Context()))
		for i, ts := range c.Snapshot().Targets {
			if i < 3 {
				require.Equal(t, policy.ReasonNoData, ts.Decision.Reason, ts.Target.Name)
				require.NotContains(t, ts.HistoryErr, "not queried", ts.Target.Name)
				continue
			}
			require.NotEqual(t, policy.ReasonNoData, ts.Decision.Reason, ts.Target.Name)
		}
	})
}

// heavyHistory answers as answerer but for the heavy queries, which time
// out after 30 s.
type heavyHistory struct {
	answerer *fakeHistory
	heavy    map[string]bool
}

func (h *heavyHistory) QueryRange(ctx context.Context, q string, start, end time.Time, step time.Duration) (history.Series, error) {
	if !h.heavy[q] {
		return h.answerer.QueryRange(ctx, q, start, end, step)
	}
	select {
	case <-ctx.Done():
		return history.Series{}, ctx.Err()
	case <-time.After(30 * time.Second):
		return history.Series{}, fmt.Errorf("history: query_range: no answer within 30s (PRESCALE_QUERY_TIMEOUT): %w", context.DeadlineExceeded)
	}
}
