package scrape

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestScrapeHidesEchoedURLCredentials: a scrape target (or the proxy
// before it) answering text that echoes the credentials of its URL in
// PRESCALE_SCRAPE_TARGETS (a login page quoting the token it got) fails
// the scrape with them shown as REDACTED: the parser's error quotes the
// answer's line, and it was logged as answered ("parsing: \"token
// s3cret-token-value\"", tried against a loopback target). The URL is
// redacted as before.
func TestScrapeHidesEchoedURLCredentials(t *testing.T) {
	for _, echoed := range []func(r *http.Request) string{
		func(r *http.Request) string { return "token " + r.URL.Query().Get("token") },
		func(r *http.Request) string { u, p, _ := r.BasicAuth(); return "user " + u + ":" + p },
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain; version=0.0.4")
			_, _ = w.Write([]byte(echoed(r) + "\n"))
		}))
		emb := openEmbedded(t)
		raw := "http://ops:pa55w0rd-secret@" + strings.TrimPrefix(srv.URL, "http://") + "/metrics?token=s3cret-token-value"
		sc := NewScraper(emb, []Target{{Job: "app", URL: raw}}, nil, Target{}, time.Second)
		err := sc.ScrapeOnce(t.Context(), at(0))
		srv.Close()
		require.ErrorContains(t, err, "parse: ")
		require.ErrorContains(t, err, "REDACTED\"")
		for _, secret := range []string{"s3cret-token-value", "pa55w0rd-secret"} {
			require.NotContains(t, err.Error(), secret)
		}
	}
}
