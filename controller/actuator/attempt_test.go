package actuator

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// fakeReceiver is a webhook receiver on an injected clock: each attempt
// takes took (advancing the clock) and answers status, or, hanging, takes
// the attempt's timeout and fails as an HTTP client that timed out does.
type fakeReceiver struct {
	now     *time.Time
	took    time.Duration
	status  int
	hanging bool
}

func (f *fakeReceiver) RoundTrip(*http.Request) (*http.Response, error) {
	*f.now = f.now.Add(f.took)
	if f.hanging {
		return nil, context.DeadlineExceeded
	}
	return &http.Response{StatusCode: f.status, Body: io.NopCloser(strings.NewReader("")), Header: http.Header{}}, nil
}

// TestAttemptFailureReportedAtOnce measures, on an injected clock, how
// long into a delivery to a failing receiver its target shows failing (the
// health's actuator entry reads Status) and the WARN is logged: at the
// first failed attempt, the receiver answering 500 (at once) or hanging
// (the attempt's 10 s timeout). Before, both came when the delivery's 5th
// attempt had failed: 7.5 s (the waits between attempts: 0.5, 1, 2, 4 s)
// for the 500, 57.5 s for the hanging receiver (5 x 10 s, and the waits).
func TestAttemptFailureReportedAtOnce(t *testing.T) {
	for _, tc := range []struct {
		name    string
		rcv     fakeReceiver
		visible time.Duration
	}{
		{"answering 500", fakeReceiver{took: 10 * time.Millisecond, status: 500}, 10 * time.Millisecond},
		{"hanging", fakeReceiver{took: 10 * time.Second, hanging: true}, 10 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t0 := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
			now := t0
			rcv := tc.rcv
			rcv.now = &now
			var logs bytes.Buffer
			var l *Level
			var failingAt, warnedAt time.Duration
			seen := func() {
				st := l.Status()
				if failingAt == 0 && len(st) == 1 && st[0].Failing {
					failingAt = now.Sub(t0)
					require.Equal(t, 1, st[0].FailedAttempts)
					require.Contains(t, st[0].LastErr, "attempt 1 of 5, retried")
				}
				if warnedAt == 0 && strings.Contains(logs.String(), "level=WARN") {
					warnedAt = now.Sub(t0)
				}
			}
			w, err := NewWebhook(WebhookConfig{URL: "http://receiver.invalid/hook", Client: &http.Client{Transport: &rcv},
				Now: func() time.Time { return now },
				Wait: func(_ context.Context, d time.Duration) error {
					seen()
					now = now.Add(d)
					return nil
				}}, nil)
			require.NoError(t, err)
			l = NewLevel(w, LevelConfig{Now: func() time.Time { return now }, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
			require.NoError(t, l.Act(t.Context(), Action{Target: "web", Desired: 3}))
			l.Sync(t.Context())
			seen()
			t.Logf("delivery ended at %s; failing in the health at %s, WARN at %s", now.Sub(t0), failingAt, warnedAt)
			require.Equal(t, tc.visible, failingAt)
			require.Equal(t, tc.visible, warnedAt)
			require.Equal(t, 1, strings.Count(logs.String(), "level=WARN"), logs.String())
			require.Equal(t, 5, l.Status()[0].FailedAttempts)
		})
	}
}

// A receiver that fails an attempt and acknowledges the next, within one
// delivery, is one outage: one WARN at the failed attempt, one INFO at
// the acknowledgement (before, nothing was logged, and the health never
// showed the failure).
func TestRecoveredWithinTheDelivery(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if calls.Add(1) == 1 {
			w.WriteHeader(http.StatusInternalServerError)
		}
	}))
	defer srv.Close()
	w, err := NewWebhook(WebhookConfig{URL: srv.URL, Wait: noWait}, nil)
	require.NoError(t, err)
	var logs bytes.Buffer
	l := NewLevel(w, LevelConfig{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	require.NoError(t, l.Act(t.Context(), Action{Target: "web", Desired: 3}))
	l.Sync(t.Context())
	require.EqualValues(t, 2, calls.Load())
	out := logs.String()
	require.Equal(t, 1, strings.Count(out, "level=WARN"), out)
	require.Equal(t, 1, strings.Count(out, "level=INFO"), out)
	require.Contains(t, out, `level=WARN msg="actuation failing`)
	require.Contains(t, out, "HTTP 500")
	require.Contains(t, out, `level=INFO msg="actuation recovered"`)
	require.Contains(t, out, "failed_attempts=1")
	st := l.Status()
	require.False(t, st[0].Failing)
	require.False(t, st[0].Pending)
}

// An attempt reported failed at once (attemptFailed) whose wait before
// the next is cut short by new desired units ends the delivery with that
// attempt's error: the attempt is one failure, not two (failed_attempts
// counts attempts). While it waits the target is unsure (the receiver
// may have applied the failed attempt), as a state file saved then says.
func TestAttemptReplacedDuringItsWaitCountsOnce(t *testing.T) {
	now := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	rcv := fakeReceiver{now: &now, took: 10 * time.Millisecond, status: 500}
	var l *Level
	waits := 0
	unsure := false
	w, err := NewWebhook(WebhookConfig{URL: "http://receiver.invalid/hook", Client: &http.Client{Transport: &rcv},
		Now: func() time.Time { return now },
		Wait: func(ctx context.Context, d time.Duration) error {
			waits++
			unsure = l.Unsure("web")                                                  // what a cycle saving the state now records
			require.NoError(t, l.Act(t.Context(), Action{Target: "web", Desired: 4})) // decided during the wait
			return nil
		}}, nil)
	require.NoError(t, err)
	l = NewLevel(w, LevelConfig{Now: func() time.Time { return now }})
	require.NoError(t, l.Act(t.Context(), Action{Target: "web", Desired: 3}))
	l.Sync(t.Context())
	require.Equal(t, 1, waits) // one attempt, then its wait, replaced
	require.True(t, unsure, "a failed attempt may have been applied (a timeout): unsure while it is retried")
	st := l.Status()
	require.True(t, st[0].Failing)
	require.Equal(t, 1, st[0].FailedAttempts, st[0].LastErr)
}
