package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestScrapesGoToLoopbackOnly: benchscrape scrapes this machine's
// exporters only, as every load test of the project does: a URL of another
// host is refused (exit 2) before anything is sent (it was scraped), and
// a redirect is not followed (net/http's client followed one to any host).
func TestScrapesGoToLoopbackOnly(t *testing.T) {
	for _, ok := range []string{"http://127.0.0.1:9110/metrics", "http://[::1]:9110/metrics", "http://localhost:9100/metrics"} {
		require.NoError(t, loopback(ok), ok)
	}
	for _, bad := range []string{"http://10.0.0.1:9110/metrics", "http://node:9100/metrics", "ftp://127.0.0.1/", "http://0.0.0.0:9110/"} {
		require.Error(t, loopback(bad), bad)
	}
	hops := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hops++
		http.Redirect(w, r, "/elsewhere", http.StatusFound)
	}))
	defer srv.Close()
	require.Equal(t, 1, run([]string{"-n", "1", "a=" + srv.URL}, io.Discard, io.Discard))
	require.Equal(t, 1, hops)
}
