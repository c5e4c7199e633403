package scrape

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/history"
)

// openEmbedded opens an embedded store in a temporary directory, closed
// (without an error) when the test ends.
func openEmbedded(t *testing.T) *history.Embedded {
	t.Helper()
	emb, err := history.OpenEmbedded(t.TempDir(), history.EmbeddedOptions{})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, emb.Close()) })
	return emb
}

// refusingStore is the Embedded store refusing every append while refuse
// is set, as a full disk does.
type refusingStore struct {
	*history.Embedded
	refuse atomic.Bool
}

var errDiskFull = errors.New("history: commit: write to WAL: no space left on device")

func (s *refusingStore) Append(ctx context.Context, samples []history.Sample) (int, error) {
	if s.refuse.Load() {
		return 0, errDiskFull
	}
	return s.Embedded.Append(ctx, samples)
}

func debugLog(buf *bytes.Buffer) *slog.Logger {
	return slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// TestScrapeUntrustedCertificate: a scrape target of the embedded store
// whose certificate is signed by a CA this host does not trust fails
// naming what to do (SSL_CERT_FILE), as the history source does
// (TestRemoteUntrustedCertificate, controller/history).
func TestScrapeUntrustedCertificate(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer srv.Close()
	sc := NewScraper(nil, []Target{{Job: "app", URL: srv.URL + "/metrics"}}, nil, Target{}, 5*time.Second)
	_, _, err := sc.fetch(t.Context(), srv.URL+"/metrics")
	require.ErrorContains(t, err, "set SSL_CERT_FILE to a PEM file holding it")
}

func TestEmbeddedScrapeAndQuery(t *testing.T) {
	ctx := t.Context()
	emb := openEmbedded(t)

	// An HTTP target and an in-process registry, scraped at three instants.
	var mu sync.Mutex
	val := 10.0
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		_, _ = w.Write([]byte("# TYPE app_requests_total counter\napp_requests_total{path=\"/\"} " + formatFloat(val) + "\n"))
	}))
	defer target.Close()
	reg := prometheus.NewRegistry()
	g := prometheus.NewGauge(prometheus.GaugeOpts{Name: "queue_depth", Help: "h"})
	h := prometheus.NewHistogram(prometheus.HistogramOpts{Name: "lat_seconds", Help: "h", Buckets: []float64{0.1, 1}})
	reg.MustRegister(g, h)
	h.Observe(0.5)
	sc := NewScraper(emb, []Target{{Job: "app", URL: target.URL + "/metrics"}}, reg, Target{Job: "self", URL: "localhost:9111"}, time.Second)
	t0 := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	for i := range 3 {
		mu.Lock()
		val = 10 + 60*float64(i) // one request per second
		mu.Unlock()
		g.Set(float64(i))
		require.NoError(t, sc.ScrapeOnce(ctx, t0.Add(time.Duration(i)*time.Minute)))
	}
	s, err := emb.QueryRange(ctx, `sum(irate(app_requests_total{job="app"}[3m]))`, t0.Add(2*time.Minute), t0.Add(2*time.Minute), time.Minute)
	require.NoError(t, err)
	require.InDelta(t, 1, s.V[0], 1e-9, "PromQL irate over the scraped counter: (130-70)/60 s")
	s, err = emb.QueryRange(ctx, `queue_depth{job="self",instance="localhost:9111"}`, t0, t0.Add(2*time.Minute), time.Minute)
	require.NoError(t, err)
	require.Equal(t, []float64{0, 1, 2}, s.V)
	s, err = emb.QueryRange(ctx, `lat_seconds_bucket{le="1"}`, t0, t0, time.Minute)
	require.NoError(t, err)
	require.Equal(t, []float64{1}, s.V)
	s, err = emb.QueryRange(ctx, `up{job="app"}`, t0, t0, time.Minute)
	require.NoError(t, err)
	require.Equal(t, []float64{1}, s.V)

	_, err = emb.QueryRange(ctx, `nothing_here`, t0, t0.Add(time.Minute), time.Minute)
	require.ErrorIs(t, err, history.ErrNoData)
	_, err = emb.QueryRange(ctx, `{job="self"}`, t0, t0, time.Minute)
	require.ErrorIs(t, err, history.ErrMultipleSeries)
	_, err = emb.QueryRange(ctx, `sum(`, t0, t0, time.Minute)
	require.ErrorContains(t, err, "embedded query")

	// A target that is down is recorded as up=0, without failing the others.
	target.Close()
	err = sc.ScrapeOnce(ctx, t0.Add(3*time.Minute))
	require.Error(t, err)
	s, err = emb.QueryRange(ctx, `up{job="app"}`, t0.Add(3*time.Minute), t0.Add(3*time.Minute), time.Minute)
	require.NoError(t, err)
	require.Equal(t, []float64{0}, s.V)
}

// TestScrapeTargetDownLogsOnce: a scrape target that fails for five
// scrapes logs one WARN naming it, DEBUG after, and one INFO when it
// answers again, while the target beside it is never logged; a second
// outage is a new WARN. Before, every failed scrape logged a WARN (5,760 a
// day at the default interval), and its recovery nothing.
func TestScrapeTargetDownLogsOnce(t *testing.T) {
	emb := openEmbedded(t)
	var mu sync.Mutex
	failing := true
	flaky := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if failing {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte("x 1\n"))
	}))
	defer flaky.Close()
	fine := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("y 1\n")) }))
	defer fine.Close()
	set := func(v bool) {
		mu.Lock()
		defer mu.Unlock()
		failing = v
	}
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	sc := NewScraper(emb, []Target{{Job: "app", URL: flaky.URL + "/metrics"}, {Job: "ok", URL: fine.URL + "/metrics"}}, nil, Target{}, time.Second)
	t0 := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	for i := range 5 {
		sc.ScrapeLogged(t.Context(), t0.Add(time.Duration(i)*15*time.Second), log)
	}
	out := logs.String()
	instance := strings.TrimPrefix(flaky.URL, "http://")
	require.Equal(t, 1, strings.Count(out, "level=WARN"), out)
	require.Contains(t, out, `level=WARN msg="scrape target down: its up is 0 and its samples are missing until it answers" job=app instance=`+instance)
	require.Equal(t, 4, strings.Count(out, "level=DEBUG"), out)
	set(false)
	sc.ScrapeLogged(t.Context(), t0.Add(75*time.Second), log)
	require.Contains(t, logs.String(), `level=INFO msg="scrape target back" job=app instance=`+instance+` failing_for=1m15s failed_attempts=5`)
	require.NotContains(t, logs.String(), "job=ok")
	set(true)
	sc.ScrapeLogged(t.Context(), t0.Add(90*time.Second), log)
	require.Equal(t, 2, strings.Count(logs.String(), "level=WARN"), logs.String())
}

// TestScrapeStoreRefusingLogsOnce: a store refusing the scraped samples
// for four scrapes logs one WARN, DEBUG at the three after, and one INFO
// with the samples lost when it stores again; it logged a WARN at every
// scrape (4 in 4).
func TestScrapeStoreRefusingLogsOnce(t *testing.T) {
	st := &refusingStore{Embedded: openEmbedded(t)}
	st.refuse.Store(true)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("y 1\n")) }))
	defer srv.Close()
	sc := NewScraper(nil, []Target{{Job: "app", URL: srv.URL + "/metrics"}}, nil, Target{}, time.Second)
	sc.store = st
	var buf bytes.Buffer
	log := debugLog(&buf)
	t0 := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	for i := range 4 {
		sc.ScrapeLogged(t.Context(), t0.Add(time.Duration(i)*15*time.Second), log)
	}
	out := buf.String()
	require.Equal(t, 1, strings.Count(out, "level=WARN"), out)
	require.Contains(t, out, `level=WARN msg="embedded store refusing scraped samples: they are lost until it stores again" err="history: commit: write to WAL: no space left on device"`)
	require.Equal(t, 3, strings.Count(out, "level=DEBUG"), out)

	st.refuse.Store(false)
	sc.ScrapeLogged(t.Context(), t0.Add(time.Minute), log)
	sc.ScrapeLogged(t.Context(), t0.Add(75*time.Second), log)
	out = buf.String()
	require.Equal(t, 1, strings.Count(out, "level=INFO"), out)
	require.Contains(t, out, `level=INFO msg="embedded store storing scraped samples again" samples_lost=24 failing_for=1m0s failed_attempts=4`, "y and the 5 report series (up, scrape_*), four scrapes")
	s, err := st.QueryRange(t.Context(), `y`, t0.Add(time.Minute), t0.Add(time.Minute), time.Minute)
	require.NoError(t, err)
	require.Equal(t, []float64{1}, s.V)

	// A later outage counts its own losses from zero.
	buf.Reset()
	st.refuse.Store(true)
	sc.ScrapeLogged(t.Context(), t0.Add(90*time.Second), log)
	st.refuse.Store(false)
	sc.ScrapeLogged(t.Context(), t0.Add(105*time.Second), log)
	require.Contains(t, buf.String(), `level=INFO msg="embedded store storing scraped samples again" samples_lost=6 failing_for=15s failed_attempts=1`)
}

// TestScrapeParseErrorsCut: a scrape target's answer that does not parse
// fails the scrape with an error of at most 500 bytes of the parser's
// message, which quoted the whole line or Content-Type (found by
// FuzzParseExposition).
func TestScrapeParseErrorsCut(t *testing.T) {
	long := strings.Repeat("y", 5000)
	for _, c := range []struct{ body, ctype, want string }{
		{"metric{" + long, "text/plain", `expected equal, got "\n" ("INVALID") while parsing: "metric{yyy`},
		{"n 1", long, `content type: received unsupported Content-Type "yyy`},
	} {
		got := parseExposition([]byte(c.body), c.ctype, "", "app", "h:1", 1)
		require.ErrorContains(t, got.err, c.want)
		require.Less(t, len(got.err.Error()), 700)
	}
}
