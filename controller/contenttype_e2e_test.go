package controller_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestE2EEmbeddedFallbackProtocol: prescale run's code on the embedded
// store scraping a target that answers without a Content-Type decides on
// its demand with PRESCALE_SCRAPE_FALLBACK_PROTOCOL set (the variable
// reaches the scraper); without it such a scrape fails, as in Prometheus 3
// (TestScrapeWithoutContentTypeFails, controller/history).
func TestE2EEmbeddedFallbackProtocol(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test: skipped with -short")
	}
	ctx := t.Context()
	tgt := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header()["Content-Type"] = nil // net/http sniffs one otherwise
		_, _ = w.Write([]byte("demand{svc=\"web\"} 7\n"))
	}))
	t.Cleanup(tgt.Close)
	sink := newWebhookSink(t)
	cfg := e2eConfig("", sink.srv.URL, t.TempDir())
	cfg.ScrapeTargets = []string{tgt.URL + "/metrics"}
	cfg.ScrapeFallback = "PrometheusText0.0.4"
	cfg.TargetQuery = `demand{svc="web"}`
	url, _ := runApp(ctx, t, cfg)
	awaitDemandDecision(ctx, t, url)
}
