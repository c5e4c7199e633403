package scrape

import (
	"math"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestScrapeWithoutContentTypeFails: a target answering without a
// Content-Type fails the embedded store's scrape (up 0, none of its
// samples kept), as it fails a Prometheus 3 scrape; with a fallback
// protocol (PRESCALE_SCRAPE_FALLBACK_PROTOCOL, Prometheus's
// fallback_scrape_protocol) it is read in that format. It was read as
// the text format: up 1 in the embedded store where Prometheus 3 had 0.
func TestScrapeWithoutContentTypeFails(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header()["Content-Type"] = nil // net/http sniffs one otherwise
		_, _ = w.Write([]byte("demand 7\n"))
	}))
	defer srv.Close()
	emb := openEmbedded(t)
	sc := NewScraper(emb, []Target{{Job: "app", URL: srv.URL + "/metrics"}}, nil, Target{}, time.Second)
	err := sc.ScrapeOnce(t.Context(), at(0))
	require.ErrorContains(t, err, "parse: content type: non-compliant scrape target sending blank Content-Type")
	require.InDelta(t, 0, instantAt(t, emb, `up`, at(0)), 0)
	require.True(t, math.IsNaN(instantAt(t, emb, `demand`, at(0))), "none of a failed scrape's samples is kept")

	require.ErrorContains(t, sc.SetFallbackProtocol("PrometheusText"), `unknown scrape protocol "PrometheusText", want one of OpenMetricsText0.0.1, OpenMetricsText1.0.0, PrometheusProto, PrometheusText0.0.4, PrometheusText1.0.0`)
	require.NoError(t, sc.SetFallbackProtocol("PrometheusText0.0.4"))
	require.NoError(t, sc.ScrapeOnce(t.Context(), at(15)))
	require.InDelta(t, 1, instantAt(t, emb, `up`, at(15)), 0)
	require.InDelta(t, 7, instantAt(t, emb, `demand`, at(15)), 0)
}

func TestFallbackMediaType(t *testing.T) {
	for protocol, want := range map[string]string{
		"": "", "PrometheusText0.0.4": "text/plain", "PrometheusText1.0.0": "text/plain",
		"OpenMetricsText0.0.1": "application/openmetrics-text", "OpenMetricsText1.0.0": "application/openmetrics-text",
		"PrometheusProto": "application/vnd.google.protobuf",
	} {
		got, err := FallbackMediaType(protocol)
		require.NoError(t, err, protocol)
		require.Equal(t, want, got, protocol)
	}
	_, err := FallbackMediaType("text/plain")
	require.ErrorContains(t, err, `unknown scrape protocol "text/plain"`)
}
