package main

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestLoadGoesToLoopbackOnly: restload sends its load to this machine's
// servers only, as every load and failure test of the project does: a
// -url of another host is refused before anything is sent (it was taken),
// and a redirect is not followed (net/http's client followed one to any
// host).
func TestLoadGoesToLoopbackOnly(t *testing.T) {
	for _, ok := range []string{"http://127.0.0.1:9111", "http://127.1.2.3:80", "http://[::1]:9111", "http://localhost:9111"} {
		_, err := loopbackURL(ok)
		require.NoError(t, err, ok)
	}
	for _, bad := range []string{"", "http://10.0.0.1:9111", "http://example.com", "http://0.0.0.0:9111", "https://127.0.0.1:1", "http://[::ffff:8.8.8.8]:80", "127.0.0.1:9111", "http://localhost.example.com:80"} {
		_, err := loopbackURL(bad)
		require.Error(t, err, bad)
	}
	hops := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hops++
		http.Redirect(w, r, "/elsewhere", http.StatusFound)
	}))
	defer srv.Close()
	get, err := netHTTPClient(srv.URL, 1)()
	require.NoError(t, err)
	_, err = get("/")
	require.ErrorContains(t, err, "status 302")
	require.Equal(t, 1, hops)
}
