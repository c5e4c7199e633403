package scrape

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestScrapeBodyOverLimitFails: a target whose answer is longer than the
// scraper's body limit fails the scrape (up 0), as Prometheus's
// body_size_limit does, keeping none of its samples. The answer was cut
// at the limit and parsed: cut at a line's end, the scrape succeeded
// (up 1) without the series after the cut (here the demand), which read
// as missing data with the target up; cut inside a line, the lines before
// it were kept.
func TestScrapeBodyOverLimitFails(t *testing.T) {
	const body = "a 1\nb 2\ndemand 123\n"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte(body))
	}))
	defer srv.Close()
	sc := NewScraper(nil, []Target{{Job: "app", URL: srv.URL + "/metrics"}}, nil, Target{}, time.Second)
	for _, limit := range []string{"a 1\nb 2\n", "a 1\nb 2\ndemand 12"} {
		sc.maxBody = int64(len(limit))
		b, _, err := sc.fetch(t.Context(), srv.URL+"/metrics")
		require.ErrorContains(t, err, fmt.Sprintf("answer longer than %d bytes (the scraper's limit)", len(limit)))
		require.Empty(t, b, "nothing of a cut answer is kept")
	}

	sc.maxBody = int64(len(body))
	b, ctype, err := sc.fetch(t.Context(), srv.URL+"/metrics")
	require.NoError(t, err, "an answer of exactly the limit is whole")
	got := parseExposition(b, ctype, "", "app", "h:1", 0)
	require.NoError(t, got.err)
	require.Len(t, got.samples, 3)
	require.Equal(t, "demand", got.samples[2].Labels.Get("__name__"))
	require.InDelta(t, 123, got.samples[2].V, 0)
}

// TestScrapeNamesItsTimeout: the embedded store's scrape says its timeout
// as Prometheus does (X-Prometheus-Scrape-Timeout-Seconds), so a
// prescale-exporter ends a slow application probe in time
// (TestE2ESlowProbeKeepsTheScrape) instead of the scrape failing with
// every host metric.
func TestScrapeNamesItsTimeout(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = fmt.Fprintf(w, "timeout_header{v=%q} 1\n", r.Header.Get("X-Prometheus-Scrape-Timeout-Seconds"))
	}))
	defer srv.Close()
	sc := NewScraper(nil, []Target{{Job: "app", URL: srv.URL + "/metrics"}}, nil, Target{}, 2500*time.Millisecond)
	b, _, err := sc.fetch(t.Context(), srv.URL+"/metrics")
	require.NoError(t, err)
	require.Equal(t, "timeout_header{v=\"2.5\"} 1\n", string(b))
}
