package queryhttp

import (
	"crypto/tls"
	"crypto/x509"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestNewClientKeepsItsOwnTLSConfig: NewClient works on its own copy of
// the TLS configuration it is given: what net/http writes into a
// transport's (h2 in NextProtos) never reaches the caller's, and the
// caller's changes after NewClient never reach the transports made at a
// renewal.
func TestNewClientKeepsItsOwnTLSConfig(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") }))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	t.Cleanup(srv.Close)
	tc := srv.Client().Transport.(*http.Transport).TLSClientConfig.Clone()
	tc.NextProtos = nil
	c := NewClient(2, nil, 10*time.Second, tc, func() bool { return true }) // a new transport each request
	defer c.CloseIdleConnections()
	get := func() {
		resp, err := c.Get(srv.URL)
		require.NoError(t, err)
		_, err = io.Copy(io.Discard, resp.Body)
		require.NoError(t, err)
		require.NoError(t, resp.Body.Close())
	}
	get()
	require.Empty(t, tc.NextProtos, "the caller's configuration as given")
	tc.RootCAs = x509.NewCertPool() // trusts nothing
	tc.MinVersion = tls.VersionTLS13
	tc.MaxVersion = tls.VersionTLS12
	get()
	get()
}
