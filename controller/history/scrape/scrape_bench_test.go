package scrape

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prescale/prescale/controller/history"
)

// BenchmarkScrape is one scrape of a target exposing 200 series (a
// prescale-exporter's order of size) into the embedded store: fetch,
// parse, label building, staleness tracking and the TSDB append.
func BenchmarkScrape(b *testing.B) {
	var body strings.Builder
	body.WriteString("# TYPE app_requests_total counter\n")
	for i := range 200 {
		fmt.Fprintf(&body, "app_requests_total{path=\"/p%d\",code=\"200\"} %d\n", i, 1000+i)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte(body.String()))
	}))
	defer srv.Close()
	emb, err := history.OpenEmbedded(b.TempDir(), history.EmbeddedOptions{})
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = emb.Close() }()
	sc := NewScraper(emb, []Target{{Job: "app", URL: srv.URL + "/metrics"}}, nil, Target{}, 5*time.Second)
	t0 := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if err := sc.ScrapeOnce(b.Context(), t0.Add(time.Duration(i)*15*time.Second)); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
