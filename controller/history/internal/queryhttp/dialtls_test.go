package queryhttp

import (
	"crypto/tls"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/internal/testkit"
	"github.com/prescale/prescale/internal/tlsfiles"
)

// TestFirstHandshakeVerifiesTheHostDialed: the client's transport dials
// its TLS connections with tlsfiles.DialTLS, which checks the first
// host's certificate for the host dialed (127.0.0.1, an IP address that
// SNI does not carry), not for Files.Host: through an HTTPS proxy
// addressed by IP address, that host is the proxy (Files.Host is the
// URL's host). Without DialTLS the check took Files.Host, here another
// name, and failed. HTTP/2 is still negotiated.
func TestFirstHandshakeVerifiesTheHostDialed(t *testing.T) {
	pki := testkit.NewPKI(t)
	pair, err := tls.X509KeyPair(pki.IssueServer(t, "server", "127.0.0.1"))
	require.NoError(t, err)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") }))
	srv.EnableHTTP2 = true
	srv.TLS = &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{pair}}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	caFile := testkit.WriteFile(t, t.TempDir(), "ca.pem", pki.CAPEM)
	tc, err := tlsfiles.Config(tlsfiles.Files{CA: caFile, Host: "proxied.example"}, nil)
	require.NoError(t, err)
	c := NewClient(2, nil, 10*time.Second, tc, nil)
	defer c.CloseIdleConnections()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL, nil)
	require.NoError(t, err)
	resp, err := c.Do(req)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	require.Equal(t, 2, resp.ProtoMajor, "HTTP/2")
}
