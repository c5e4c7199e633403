package queryhttp

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestRedirectNeverDowngrades: a redirect of an https:// query to http://
// on the same host is not followed: the operator's headers
// (PRESCALE_PROMETHEUS_HEADERS: a bearer token, a tenant's key), added to
// every request, and the URL's Basic credentials would cross the network
// in clear text. It was followed as the same host's.
func TestRedirectNeverDowngrades(t *testing.T) {
	first, err := http.NewRequest(http.MethodPost, "https://prom.example:9090/api/v1/query_range", nil)
	require.NoError(t, err)
	down, err := http.NewRequest(http.MethodPost, "http://prom.example:9090/api/v1/query_range", nil)
	require.NoError(t, err)
	down.Response = &http.Response{StatusCode: http.StatusPermanentRedirect}
	require.ErrorContains(t, sameQuery(down, []*http.Request{first}), "the server answered HTTP 308, to http://prom.example:9090")
	up, err := http.NewRequest(http.MethodPost, "https://prom.example:9090/x/api/v1/query_range", nil)
	require.NoError(t, err)
	require.NoError(t, sameQuery(up, []*http.Request{first}), "https to https on the same host is followed")
	require.NoError(t, sameQuery(up, []*http.Request{down}), "http to https is followed")

	hits := 0
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits++
		http.Redirect(w, r, "http://"+r.Host+"/api/v1/query_range", http.StatusPermanentRedirect)
	}))
	defer srv.Close()
	c := NewClient(1, http.Header{"Authorization": {"Bearer s3cret-token"}}, 0, nil, nil)
	c.Transport.(headerTransport).next.(limitTransport).next.(*http.Transport).TLSClientConfig = srv.Client().Transport.(*http.Transport).TLSClientConfig
	resp, err := c.Post(srv.URL+"/api/v1/query_range", "application/x-www-form-urlencoded", nil)
	if resp != nil {
		resp.Body.Close()
	}
	require.ErrorIs(t, err, errRedirect)
	require.Equal(t, 1, hits)
}
