package actuator

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"
)

var testAction = Action{
	Target: "web", Tier: "web", Kind: "instances", Current: 2, Desired: 5, Direction: "up",
	Reason: "forecast", Explanation: "forecast -> 5 units", Confidence: 0.91, Forecast: 30, Upper: 33,
	CostPerHour: 0.5, At: time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC),
}

func noWait(ctx context.Context, _ time.Duration) error { return ctx.Err() }

func TestWebhookRetries(t *testing.T) {
	for _, tc := range []struct {
		name      string
		statuses  []int
		wantCalls int32
		wantErr   string
		sent      float64
		failed    float64
	}{
		{"ok", []int{200}, 1, "", 1, 0},
		{"5xx then ok", []int{503, 500, 204}, 3, "", 1, 0},
		// It said "permanent: HTTP 400", which the Level re-sends all the same.
		{"4xx is not retried", []int{400, 200}, 1, `refused, not retried before the next resend: HTTP 400 (answered "some body the sender must drain")`, 0, 1},
		{"5xx until attempts run out", []int{502, 502, 502, 502}, 3, `HTTP 502 (answered "some body the sender must drain")`, 0, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var calls atomic.Int32
			var body []byte
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				n := calls.Add(1)
				body, _ = io.ReadAll(r.Body)
				w.WriteHeader(tc.statuses[min(int(n), len(tc.statuses))-1])
				_, _ = w.Write([]byte("some body the sender must drain"))
			}))
			defer srv.Close()
			reg := prometheus.NewRegistry()
			w, err := NewWebhook(WebhookConfig{URL: srv.URL + "/hook?token=abc", Receiver: "r1", MaxAttempts: 3, Wait: noWait}, NewMetrics(reg))
			require.NoError(t, err)
			err = w.Send(t.Context(), testAction)
			if tc.wantErr != "" {
				require.ErrorContains(t, err, tc.wantErr)
				require.NotContains(t, err.Error(), "abc", "query strings are redacted")
			} else {
				require.NoError(t, err)
			}
			require.Equal(t, tc.wantCalls, calls.Load())
			require.InDelta(t, tc.sent, testutil.ToFloat64(w.metrics.sent.WithLabelValues("r1")), 0)
			require.InDelta(t, tc.failed, testutil.ToFloat64(w.metrics.failed.WithLabelValues("r1")), 0)
			var m Message
			require.NoError(t, json.Unmarshal(body, &m))
			require.Equal(t, "4", m.Version)
		})
	}
}

// TestWebhookBusyRetried: a 429 or 503 is retried within the delivery like
// a 5xx, after the receiver's Retry-After (seconds or an HTTP date, read
// against the injected clock) where it is longer than the backoff; a
// Retry-After beyond the 30 s the delivery waits between attempts ends the
// delivery (the Level re-sends it later). Other 4xx are never retried. A
// 429 was taken as permanent.
func TestWebhookBusyRetried(t *testing.T) {
	now := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name       string
		status     int
		retryAfter string
		wantCalls  int32
		wantWaits  []time.Duration
		wantErr    string
	}{
		{"429 without Retry-After waits the backoff", 429, "", 3, []time.Duration{500 * time.Millisecond, time.Second}, ""},
		{"429 Retry-After seconds", 429, "7", 3, []time.Duration{7 * time.Second, 7 * time.Second}, ""},
		{"503 Retry-After date", 503, now.Add(12 * time.Second).Format(http.TimeFormat), 3, []time.Duration{12 * time.Second, 12 * time.Second}, ""},
		{"Retry-After date past", 429, now.Add(-time.Hour).Format(http.TimeFormat), 3, []time.Duration{500 * time.Millisecond, time.Second}, ""},
		{"Retry-After shorter than backoff", 503, "0", 3, []time.Duration{500 * time.Millisecond, time.Second}, ""},
		{"Retry-After unreadable", 429, "soon", 3, []time.Duration{500 * time.Millisecond, time.Second}, ""},
		{"Retry-After beyond the limit", 429, "120", 1, nil, "HTTP 429 (answered \"slow down\"), Retry-After 2m0s: beyond the 30s"},
		{"other 4xx never", 409, "1", 1, nil, "HTTP 409"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var calls atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if calls.Add(1) < 3 {
					if tc.retryAfter != "" {
						w.Header().Set("Retry-After", tc.retryAfter)
					}
					w.WriteHeader(tc.status)
					_, _ = w.Write([]byte("slow down"))
					return
				}
				w.WriteHeader(http.StatusOK)
			}))
			defer srv.Close()
			var waits []time.Duration
			wait := func(ctx context.Context, d time.Duration) error { waits = append(waits, d); return ctx.Err() }
			reg := prometheus.NewRegistry()
			w, err := NewWebhook(WebhookConfig{URL: srv.URL, Receiver: "r1", MaxAttempts: 5, Wait: wait, Now: func() time.Time { return now }}, NewMetrics(reg))
			require.NoError(t, err)
			err = w.Send(t.Context(), testAction)
			if tc.wantErr != "" {
				require.ErrorContains(t, err, tc.wantErr)
			} else {
				require.NoError(t, err)
			}
			require.Equal(t, tc.wantCalls, calls.Load())
			require.Equal(t, tc.wantWaits, waits)
			require.InDelta(t, float64(len(tc.wantWaits)), testutil.ToFloat64(w.metrics.retries.WithLabelValues("r1")), 0)
		})
	}
}

// TestRetryAfter: seconds or an HTTP date, a date in the past meaning
// now (0, never negative: the Level waits it before its next resend);
// anything else is not read.
func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"7", 7 * time.Second, true},
		{" 0 ", 0, true},
		{now.Add(12 * time.Second).Format(http.TimeFormat), 12 * time.Second, true},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0, true},
		{"-1", 0, false},
		{"soon", 0, false},
	} {
		d, ok := retryAfter(tc.in, now)
		require.Equal(t, tc.ok, ok, tc.in)
		require.Equal(t, tc.want, d, tc.in)
	}
}

// TestWebhookBackoffCapped: the wait between attempts doubles from the
// backoff up to maxBackoff (30 s), and stays there.
func TestWebhookBackoffCapped(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
	}))
	defer srv.Close()
	var waits []time.Duration
	wait := func(ctx context.Context, d time.Duration) error { waits = append(waits, d); return ctx.Err() }
	w, err := NewWebhook(WebhookConfig{URL: srv.URL, Receiver: "r1", MaxAttempts: 9, Backoff: time.Second, Wait: wait}, nil)
	require.NoError(t, err)
	require.ErrorContains(t, w.Send(t.Context(), testAction), "HTTP 500")
	s := time.Second
	require.Equal(t, []time.Duration{s, 2 * s, 4 * s, 8 * s, 16 * s, 30 * s, 30 * s, 30 * s}, waits)
}

// TestWebhookAnswerHidesCutToken: a query token longer than the 512 bytes
// of the answer kept (a JWT), echoed near the start of a receiver's error
// page, is cut inside: its start was quoted, 200 bytes of it (found by
// FuzzWebhookAnswer).
func TestWebhookAnswerHidesCutToken(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "bad token "+r.URL.Query().Get("token"), http.StatusBadRequest)
	}))
	defer srv.Close()
	tok := strings.Repeat("eyJhbGciOi", 60)
	w, err := NewWebhook(WebhookConfig{URL: srv.URL + "/hook?token=" + tok, MaxAttempts: 1, Wait: noWait}, nil)
	require.NoError(t, err)
	err = w.Send(t.Context(), testAction)
	require.ErrorContains(t, err, `HTTP 400 (answered "bad token REDACTED")`)
	require.NotContains(t, err.Error(), "eyJhbGci")
}

// TestWebhookAnswerScrubbed: a receiver's error page that echoes the
// request (the URL's credentials, its query) is quoted without them.
func TestWebhookAnswerScrubbed(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, p, _ := r.BasicAuth()
		http.Error(w, "no route for "+r.URL.String()+" (user "+u+":"+p+", key "+r.URL.Query().Get("key")+")", http.StatusNotFound)
	}))
	defer srv.Close()
	u := strings.Replace(srv.URL, "http://", "http://ops:pa55word@", 1) + "/hook?key=s3cret-key"
	w, err := NewWebhook(WebhookConfig{URL: u, MaxAttempts: 1, Wait: noWait}, nil)
	require.NoError(t, err)
	err = w.Send(t.Context(), testAction)
	require.ErrorContains(t, err, `HTTP 404 (answered "no route for /hook?REDACTED (user REDACTED, key REDACTED)")`)
	for _, secret := range []string{"pa55word", "s3cret-key", "ops"} {
		require.NotContains(t, err.Error(), secret)
	}
}

// TestWebhookUntrustedCertificate: an https receiver whose certificate is
// signed by a CA this host does not trust (an internal CA) fails naming
// what to do (SSL_CERT_FILE), which Go's x509 error does not say.
func TestWebhookUntrustedCertificate(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer srv.Close()
	w, err := NewWebhook(WebhookConfig{URL: srv.URL + "/hook", MaxAttempts: 1, Wait: noWait}, nil)
	require.NoError(t, err)
	err = w.Send(t.Context(), testAction)
	require.ErrorContains(t, err, "certificate signed by unknown authority")
	require.ErrorContains(t, err, "set SSL_CERT_FILE to a PEM file holding it")
}

func TestWebhookPayload(t *testing.T) {
	w, err := NewWebhook(WebhookConfig{URL: "http://example.invalid/hook", Receiver: "ops", ExternalURL: "http://ctl:9111/api/scaling/status"}, nil)
	require.NoError(t, err)
	b, err := json.Marshal(w.Payload(testAction))
	require.NoError(t, err)
	golden, err := os.ReadFile(filepath.Join("testdata", "webhook_v4.json"))
	require.NoError(t, err)
	require.JSONEq(t, string(golden), string(b))
}

// TestWebhookFingerprintIsNotTheDecision: the alert's fingerprint hashes
// its labels (target, tier, kind, direction, reason), not desired_units,
// so two decisions in one direction for one reason share it (2 -> 7, then
// 7 -> 8 units, both up for low_confidence, seen from a real controller).
// The docs told receivers to deduplicate by it, which drops the second
// decision; they now say to key on the fingerprint and desired_units.
func TestWebhookFingerprintIsNotTheDecision(t *testing.T) {
	w, err := NewWebhook(WebhookConfig{URL: "http://example.invalid/hook", Receiver: "ops"}, nil)
	require.NoError(t, err)
	first, next := testAction, testAction
	next.Current, next.Desired = testAction.Desired, testAction.Desired+1
	a, b := w.Payload(first).Alerts[0], w.Payload(next).Alerts[0]
	require.NotEqual(t, a.Annotations["desired_units"], b.Annotations["desired_units"])
	require.Equal(t, a.Fingerprint, b.Fingerprint, "the docs say the fingerprint alone does not tell decisions apart")
	next.Reason = "reactive"
	require.NotEqual(t, a.Fingerprint, w.Payload(next).Alerts[0].Fingerprint, "another reason, another fingerprint")
}

func TestWebhookTimeoutRetried(t *testing.T) {
	var calls atomic.Int32
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			select { // hang until the client gives up
			case <-r.Context().Done():
			case <-release:
			}
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	defer close(release)
	w, err := NewWebhook(WebhookConfig{URL: srv.URL, Timeout: 50 * time.Millisecond, MaxAttempts: 2, Wait: noWait}, nil)
	require.NoError(t, err)
	require.NoError(t, w.Send(t.Context(), testAction))
	require.Equal(t, int32(2), calls.Load())

	// A delivery whose every attempt times out says so and names the
	// setting; it said only "context deadline exceeded".
	calls.Store(0) // the next call hangs
	w, err = NewWebhook(WebhookConfig{URL: srv.URL, Timeout: 50 * time.Millisecond, MaxAttempts: 1, Wait: noWait}, nil)
	require.NoError(t, err)
	require.ErrorContains(t, w.Send(t.Context(), testAction), "no answer within 50ms (PRESCALE_WEBHOOK_TIMEOUT)")
}

// TestWebhookConnectionErrorRetried: a receiver not listening (connection
// refused) is retried within the delivery as a timeout is, and counted in
// prescale_actuator_retries_total, as the metric's help and docs/metrics.md now
// say (they named 5xx, 429 and timeouts only).
func TestWebhookConnectionErrorRetried(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nothing listens there now
	m := NewMetrics(prometheus.NewRegistry())
	w, err := NewWebhook(WebhookConfig{URL: url, Receiver: "r1", MaxAttempts: 3, Wait: noWait}, m)
	require.NoError(t, err)
	require.ErrorContains(t, w.Send(t.Context(), testAction), "connection refused")
	require.InDelta(t, 2, testutil.ToFloat64(m.retries.WithLabelValues("r1")), 0)
	require.InDelta(t, 1, testutil.ToFloat64(m.failed.WithLabelValues("r1")), 0)
}

func TestWebhookBadURL(t *testing.T) {
	_, err := NewWebhook(WebhookConfig{URL: "ftp://user:pw@host/x"}, nil)
	require.ErrorContains(t, err, "must be http(s)")
	require.NotContains(t, err.Error(), "pw")
}

func TestExec(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "env.txt")
	m := NewMetrics(prometheus.NewRegistry())
	e, err := NewExec([]string{"/bin/sh", "-c", `env | grep ^PRESCALE_ | sort > "$0"`, out}, 5*time.Second, m)
	require.NoError(t, err)
	require.NoError(t, e.Deliver(t.Context(), testAction))
	// Timed as a webhook delivery is: the histogram had no observation for
	// exec, whatever the commands took.
	require.Equal(t, uint64(1), histCount(t, m, "exec"))
	b, err := os.ReadFile(out)
	require.NoError(t, err)
	for _, kv := range []string{"PRESCALE_TARGET=web", "PRESCALE_DESIRED_UNITS=5", "PRESCALE_CURRENT_UNITS=2", "PRESCALE_DIRECTION=up", "PRESCALE_REASON=forecast", "PRESCALE_DECIDED_AT=2026-03-02T12:00:00Z"} {
		require.Contains(t, string(b), kv+"\n")
	}

	slow, err := NewExec([]string{"/bin/sh", "-c", "sleep 10"}, 100*time.Millisecond, nil)
	require.NoError(t, err)
	err = slow.Deliver(t.Context(), testAction)
	require.ErrorContains(t, err, "timed out after 100ms")

	failing, err := NewExec([]string{"/bin/sh", "-c", "echo nope; exit 3"}, time.Second, m)
	require.NoError(t, err)
	require.ErrorContains(t, failing.Deliver(t.Context(), testAction), `exit status 3 (output: "nope\n")`)
	require.Equal(t, uint64(2), histCount(t, m, "exec"), "a failed delivery is timed too")

	_, err = NewExec(nil, 0, nil)
	require.Error(t, err)
}

// TestExecEnvHoldsNoControllerSettings: the command gets the controller's
// environment without the controller's own PRESCALE_* settings: it got
// PRESCALE_API_TOKEN, and the URLs with their credentials.
func TestExecEnvHoldsNoControllerSettings(t *testing.T) {
	t.Setenv("PRESCALE_API_TOKEN", "s3cret-token")
	t.Setenv("PRESCALE_PROMETHEUS_URL", "http://u:s3cret@prometheus:9090")
	t.Setenv("CLOUD_PROFILE", "ops")
	out := filepath.Join(t.TempDir(), "env.txt")
	e, err := NewExec([]string{"/bin/sh", "-c", `env > "$0"`, out}, 5*time.Second, nil)
	require.NoError(t, err)
	require.NoError(t, e.Deliver(t.Context(), testAction))
	b, err := os.ReadFile(out)
	require.NoError(t, err)
	require.NotContains(t, string(b), "s3cret")
	require.Contains(t, string(b), "CLOUD_PROFILE=ops\n", "the rest of the environment is passed on")
	require.Contains(t, string(b), "PRESCALE_DESIRED_UNITS=5\n")
}

// TestWebhookRedirects: a receiver that redirects with 301, 302 or 303
// (an http:// URL moved to https://) is not followed: the client would
// repeat the request as a GET without the message, the redirect target
// answered it, and prescale took that for an acknowledgement of a
// decision the receiver never got. The delivery fails at once, naming the
// target URL (redacted); 307 and 308 repeat the POST with its body and are
// followed.
func TestWebhookRedirects(t *testing.T) {
	for _, code := range []int{301, 302, 303, 307, 308} {
		t.Run(strconv.Itoa(code), func(t *testing.T) {
			var posts, gets atomic.Int32
			var got []byte
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/hook" {
					http.Redirect(w, r, "/final?token=s3cret", code)
					return
				}
				if r.Method == http.MethodGet {
					gets.Add(1)
					return
				}
				posts.Add(1)
				got, _ = io.ReadAll(r.Body)
			}))
			defer srv.Close()
			w, err := NewWebhook(WebhookConfig{URL: srv.URL + "/hook", MaxAttempts: 3, Wait: noWait}, nil)
			require.NoError(t, err)
			err = w.Send(t.Context(), testAction)
			require.Zero(t, gets.Load(), "the message is never replaced by a GET")
			if code == 307 || code == 308 {
				require.NoError(t, err)
				require.Equal(t, int32(1), posts.Load())
				var m Message
				require.NoError(t, json.Unmarshal(got, &m), "the redirected POST carries the message")
				return
			}
			require.ErrorContains(t, err, "redirect (with a GET, which drops the message) not followed: "+srv.URL+"/final?REDACTED; set PRESCALE_WEBHOOK_URL to it")
			require.NotContains(t, err.Error(), "s3cret")
			require.Zero(t, posts.Load())
		})
	}
}

// busyReceiver is a webhook receiver on loopback that answers status
// with the Retry-After retryAfter holds while busy, and 200 once not;
// calls counts its requests.
type busyReceiver struct {
	url        string
	calls      atomic.Int32
	busy       atomic.Bool
	retryAfter atomic.Value
}

func newBusyReceiver(t *testing.T, status int, retryAfter string) *busyReceiver {
	rcv := &busyReceiver{}
	rcv.busy.Store(true)
	rcv.retryAfter.Store(retryAfter)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rcv.calls.Add(1)
		if rcv.busy.Load() {
			w.Header().Set("Retry-After", rcv.retryAfter.Load().(string))
			w.WriteHeader(status)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(srv.Close)
	rcv.url = srv.URL
	return rcv
}

// clockedLevel is a Level delivering to url whose clock reads *now and
// whose deliveries never wait.
func clockedLevel(t *testing.T, url string, now *time.Time) *Level {
	clock := func() time.Time { return *now }
	noWait := func(ctx context.Context, _ time.Duration) error { return ctx.Err() }
	w, err := NewWebhook(WebhookConfig{URL: url, MaxAttempts: 5, Wait: noWait, Now: clock}, nil)
	require.NoError(t, err)
	return NewLevel(w, LevelConfig{Now: clock, MinBackoff: time.Second, MaxBackoff: 30 * time.Second})
}

// TestLevelHonoursRetryAfter: a receiver's Retry-After beyond what one
// delivery waits (30 s) holds the target's resends until it has passed,
// a changed decision's included, at most MaxRetryAfter; health's
// next_attempt shows it. The Level re-sent on its own backoff (1 s, 2 s,
// ...), each resend refused again, long before the receiver asked.
func TestLevelHonoursRetryAfter(t *testing.T) {
	now := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	rcv := newBusyReceiver(t, http.StatusTooManyRequests, "120")
	calls, busy, retryAfter := &rcv.calls, &rcv.busy, &rcv.retryAfter
	l := clockedLevel(t, rcv.url, &now)
	ctx := t.Context()
	start := now

	require.NoError(t, l.Act(ctx, Action{Target: "web", Desired: 3}))
	require.Equal(t, start.Add(2*time.Minute), l.Sync(ctx), "next resend at the receiver's Retry-After, not the 1 s backoff")
	require.EqualValues(t, 1, calls.Load(), "beyond 30 s the delivery ends at once")
	require.Equal(t, start.Add(2*time.Minute), l.Status()[0].NextAttempt)
	now = start.Add(time.Minute)
	require.NoError(t, l.Act(ctx, Action{Target: "web", Desired: 4}))
	l.Sync(ctx)
	require.EqualValues(t, 1, calls.Load(), "a changed decision waits for the Retry-After too")

	// A Retry-After of a day holds resends for MaxRetryAfter.
	retryAfter.Store("86400")
	now = start.Add(2 * time.Minute)
	require.Equal(t, now.Add(MaxRetryAfter), l.Sync(ctx))
	require.EqualValues(t, 2, calls.Load())
	require.Contains(t, l.Status()[0].LastErr, "re-sent once it has passed (at most 1h)")

	busy.Store(false)
	now = now.Add(MaxRetryAfter)
	require.True(t, l.Sync(ctx).IsZero(), "acknowledged: nothing pending")
	require.EqualValues(t, 3, calls.Load())
	units, _, ok := l.Acked("web")
	require.True(t, ok)
	require.Equal(t, 4, units)
}

// TestRetryAfterHoldsTheReceiver: a Retry-After answers the receiver's
// load, so it holds every target of that receiver (one Level per URL),
// not only the one whose delivery it refused: each other target was sent
// once more, and refused, before it was held too (three targets, three
// refused requests where one was asked for).
func TestRetryAfterHoldsTheReceiver(t *testing.T) {
	now := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	rcv := newBusyReceiver(t, http.StatusServiceUnavailable, "120")
	calls, busy := &rcv.calls, &rcv.busy
	l := clockedLevel(t, rcv.url, &now)
	ctx := t.Context()
	start := now
	for i, name := range []string{"api", "web", "worker"} {
		require.NoError(t, l.Act(ctx, Action{Target: name, Desired: 3 + i}))
	}
	require.Equal(t, start.Add(2*time.Minute), l.Sync(ctx))
	require.EqualValues(t, 1, calls.Load(), "the other targets wait for the receiver's Retry-After")
	for _, s := range l.Status() {
		require.Equal(t, start.Add(2*time.Minute), s.NextAttempt, s.Target)
	}
	now = start.Add(time.Minute)
	require.NoError(t, l.Act(ctx, Action{Target: "web", Desired: 9}))
	l.Sync(ctx)
	require.EqualValues(t, 1, calls.Load(), "a changed decision of another target waits too")

	busy.Store(false)
	now = start.Add(2 * time.Minute)
	require.True(t, l.Sync(ctx).IsZero(), "all acknowledged")
	require.EqualValues(t, 4, calls.Load())
}

// histCount is the number of observations of the delivery duration
// histogram for a receiver.
func histCount(t *testing.T, m *Metrics, receiver string) uint64 {
	t.Helper()
	return histogram(t, m, receiver).GetSampleCount()
}

// TestWebhookStopsRetryingAReplacedDecision: a decision made while the
// previous one's delivery is failing ends that delivery's attempts, during
// an attempt or the wait after one, and is sent at once. Before, the old
// units were retried up to PRESCALE_WEBHOOK_MAX_ATTEMPTS times (tried live:
// 18 units sent, and acknowledged by a receiver back from a hang, 2.5 s
// after the decision for 13; with the defaults a new decision waited up to
// 5 attempts of 10 s and 7.5 s of waits).
func TestWebhookStopsRetryingAReplacedDecision(t *testing.T) {
	for _, during := range []string{"attempt", "wait"} {
		t.Run(during, func(t *testing.T) {
			var l *Level
			var mu sync.Mutex
			var got []string // desired units of each request, in order
			sent := func() []string {
				mu.Lock()
				defer mu.Unlock()
				return slices.Clone(got)
			}
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				var m Message
				if err := json.NewDecoder(r.Body).Decode(&m); err != nil || len(m.Alerts) != 1 {
					http.Error(w, "bad message", http.StatusBadRequest)
					return
				}
				units := m.Alerts[0].Annotations["desired_units"]
				mu.Lock()
				got = append(got, units)
				first := len(got) == 1
				mu.Unlock()
				if units != "3" {
					return
				}
				if during == "attempt" && first {
					_ = l.Act(r.Context(), Action{Target: "web", Desired: 8})
				}
				http.Error(w, "receiver down", http.StatusInternalServerError)
			}))
			t.Cleanup(srv.Close)
			waits := 0
			var overran atomic.Bool
			wait := func(ctx context.Context, _ time.Duration) error {
				waits++
				if during != "wait" || waits > 1 {
					return ctx.Err()
				}
				_ = l.Act(ctx, Action{Target: "web", Desired: 8})
				select { // the new decision ends the wait (a watchdog, not a sleep)
				case <-ctx.Done():
					return ctx.Err()
				case <-time.After(10 * time.Second):
					overran.Store(true) // Send breaks on the new decision anyway: say it here
					return errors.New("the wait went on after the decision changed")
				}
			}
			now := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
			w, err := NewWebhook(WebhookConfig{URL: srv.URL, MaxAttempts: 5, Wait: wait}, NewMetrics(prometheus.NewRegistry()))
			require.NoError(t, err)
			var log strings.Builder
			l = NewLevel(w, LevelConfig{Now: func() time.Time { return now }, Logger: slog.New(slog.NewTextHandler(&log, nil))})
			ctx := t.Context()

			require.NoError(t, l.Act(ctx, Action{Target: "web", Desired: 3}))
			require.Equal(t, now, l.Sync(ctx), "the new decision is due at once")
			require.Equal(t, []string{"3"}, sent(), "the replaced decision is not retried")
			require.Contains(t, l.Status()[0].LastErr, "HTTP 500")
			require.Contains(t, l.Status()[0].LastErr, notRetried)
			require.False(t, overran.Load(), "the wait went on after the decision changed")
			require.Zero(t, testutil.ToFloat64(w.metrics.retries.WithLabelValues(w.cfg.Receiver)), "no attempt was repeated")
			if during == "attempt" {
				require.Zero(t, waits, "no wait after an attempt whose decision was replaced")
			}
			require.True(t, l.Sync(ctx).IsZero(), "acknowledged")
			require.Equal(t, []string{"3", "8"}, sent())
			units, _, ok := l.Acked("web")
			require.True(t, ok)
			require.Equal(t, 8, units)
			require.Contains(t, log.String(), "actuation recovered")
		})
	}
}

// TestWebhookClosedConnectionSaysSo: a receiver that closes the
// connection without answering (a crash while handling, a proxy giving
// up) is retried as any connection error, and the error says what
// happened; it said "EOF" alone (tried live: `Post http://...: EOF`).
// So for one that closes it within its answer's head (unexpected EOF)
// and one that resets it (connection reset by peer).
func TestWebhookClosedConnectionSaysSo(t *testing.T) {
	for _, tc := range []struct {
		name  string
		close func(*net.TCPConn)
	}{
		{"closed", func(c *net.TCPConn) { _ = c.Close() }},
		{"closed within the head", func(c *net.TCPConn) {
			_, _ = c.Write([]byte("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"))
			_ = c.Close()
		}},
		{"reset", func(c *net.TCPConn) { _ = c.SetLinger(0); _ = c.Close() }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var calls atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				calls.Add(1)
				conn, _, err := http.NewResponseController(w).Hijack()
				if err == nil {
					tc.close(conn.(*net.TCPConn))
				}
			}))
			t.Cleanup(srv.Close)
			w, err := NewWebhook(WebhookConfig{URL: srv.URL, MaxAttempts: 2, Wait: noWait}, nil)
			require.NoError(t, err)
			err = w.Send(t.Context(), testAction)
			require.ErrorContains(t, err, "(the receiver closed the connection without answering)")
			require.EqualValues(t, 2, calls.Load(), "retried")
		})
	}
}

// TestReplacedDuringRetryAfterHoldsOnlyWhatWasAsked: a 503's Retry-After
// (20 s, within what one delivery waits) is waited between attempts; new
// desired units end that wait, and are sent once the time the receiver
// asked for has passed, 20 s after its answer. The hold was counted again
// from the cut: new units decided 19 s into the wait waited until 39 s.
func TestReplacedDuringRetryAfterHoldsOnlyWhatWasAsked(t *testing.T) {
	start := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	now := start
	rcv := newBusyReceiver(t, http.StatusServiceUnavailable, "20")
	clock := func() time.Time { return now }
	var l *Level
	wait := func(ctx context.Context, d time.Duration) error {
		require.Equal(t, 20*time.Second, d, "the Retry-After is waited")
		now = now.Add(19 * time.Second)
		_ = l.Act(ctx, Action{Target: "web", Desired: 8}) // ends the wait
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Second): // a watchdog, not a sleep
			return errors.New("the wait went on after the decision changed")
		}
	}
	w, err := NewWebhook(WebhookConfig{URL: rcv.url, MaxAttempts: 5, Wait: wait, Now: clock}, nil)
	require.NoError(t, err)
	l = NewLevel(w, LevelConfig{Now: clock, MinBackoff: time.Second, MaxBackoff: 30 * time.Second})

	require.NoError(t, l.Act(t.Context(), Action{Target: "web", Desired: 3}))
	require.Equal(t, start.Add(20*time.Second), l.Sync(t.Context()), "the new units are due when the receiver asked")
	require.EqualValues(t, 1, rcv.calls.Load())
	require.Contains(t, l.Status()[0].LastErr, notRetried)
}
