package tlshint

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestFor: a real TLS server whose certificate no CA of this host signed
// gives the hint; the same server through a client that trusts it, and
// other errors, give none.
func TestFor(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer srv.Close()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL, nil)
	require.NoError(t, err)
	_, err = http.DefaultClient.Do(req) //nolint:bodyclose // it fails
	require.Error(t, err)
	require.Equal(t, Unknown, For(err))
	resp, err := srv.Client().Do(req)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	require.Empty(t, For(http.ErrHandlerTimeout))
	require.Empty(t, For(nil))
}
