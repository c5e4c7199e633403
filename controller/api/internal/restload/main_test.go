package main

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The raw client reads answers by their Content-Length over one kept-alive
// connection, as net/http's client does, and reports what it cannot read.
func TestRawClientReadsAnswers(t *testing.T) {
	body := strings.Repeat("x", 100_000)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/big":
			w.Header().Set("Content-Length", "100000")
			_, _ = w.Write([]byte(body))
		case "/chunked":
			w.(http.Flusher).Flush() // no Content-Length: chunked
			_, _ = w.Write([]byte("a"))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	u, err := url.Parse(srv.URL)
	require.NoError(t, err)
	for _, c := range []func() (getter, error){rawClient(u.Host), netHTTPClient(srv.URL, 1)} {
		get, err := c()
		require.NoError(t, err)
		for range 3 {
			n, err := get("/big")
			require.NoError(t, err)
			require.Equal(t, int64(100_000), n)
		}
		_, err = get("/missing")
		require.ErrorContains(t, err, "404")
	}
	get, err := rawClient(u.Host)()
	require.NoError(t, err)
	_, err = get("/chunked")
	require.ErrorContains(t, err, "without Content-Length")

	res := run(rawClient(u.Host), 3, 2, []string{"/big"}, true)
	require.Zero(t, res.Errors, res.FirstErr)
	require.Equal(t, 6, res.Requests)
	require.Len(t, res.Latencies, 6)
}
