package tlshint

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"syscall"
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

// TestForClientCertificate: a server demanding a client certificate
// (Prometheus 2.42 with client_auth_type: RequireAndVerifyClientCert)
// ended the handshake with "remote error: tls: bad certificate", which
// reads as the server's own certificate being bad; the hint says what is
// missing. Go's TLS 1.3 server sends "certificate required"; one that
// checks the client in VerifyConnection sends "bad certificate", as that
// Prometheus did.
func TestForClientCertificate(t *testing.T) {
	noCert := errors.New("no client certificate")
	for _, tc := range []struct {
		name    string
		version uint16
		cfg     *tls.Config
	}{
		{"required, TLS 1.3", tls.VersionTLS13, &tls.Config{ClientAuth: tls.RequireAndVerifyClientCert}},
		{"checked, TLS 1.3", tls.VersionTLS13, &tls.Config{ClientAuth: tls.RequestClientCert, VerifyConnection: func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return noCert
			}
			return nil
		}}},
		{"checked, TLS 1.2", tls.VersionTLS12, &tls.Config{ClientAuth: tls.RequestClientCert, VerifyConnection: func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return noCert
			}
			return nil
		}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
			srv.TLS = tc.cfg
			srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake
			srv.StartTLS()
			defer srv.Close()
			client := srv.Client()
			tr := client.Transport.(*http.Transport).Clone()
			tr.TLSClientConfig.MinVersion, tr.TLSClientConfig.MaxVersion = tc.version, tc.version
			client.Transport = tr
			req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL, nil)
			require.NoError(t, err)
			_, err = client.Do(req) //nolint:bodyclose // it fails
			require.Error(t, err)
			require.Equal(t, ClientCert, For(err), "%v", err)
		})
	}
	// What it suggests can be set where For is used: basic auth in the
	// URL, not a header (it said "or a header": none can be set there).
	require.Contains(t, ClientCert, "basic auth instead (the URL's user:password@")
	require.NotContains(t, ClientCert, "header")
}

// TestForHistory: the history source's hints name its settings: the CA
// file for an unknown authority, the certificate and key files for a
// server requiring one and none sent, the certificate file when the
// server refused the one sent, the server name for a certificate of
// another host.
func TestForHistory(t *testing.T) {
	refused := &net.OpError{Op: "remote error", Err: errors.New("tls: certificate required")}
	closed := &url.Error{Op: "Post", URL: "https://p", Err: &net.OpError{Op: "write", Err: os.NewSyscallError("write", syscall.EPIPE)}}
	badCert := &url.Error{Op: "Post", URL: "https://p", Err: &net.OpError{Op: "remote error", Err: errors.New("tls: bad certificate")}}
	for _, tc := range []struct {
		name        string
		err         error
		https, cert bool
		want        string
	}{
		{"unknown authority", &url.Error{Op: "Post", URL: "https://p", Err: x509.UnknownAuthorityError{}}, true, false, HistoryUnknown},
		{"no certificate", refused, true, false, HistoryNoCert},
		{"no certificate, TLS 1.2", badCert, true, false, HistoryNoCert},
		{"certificate refused", badCert, true, true, HistoryCertRefused},
		{"another host's", &url.Error{Op: "Post", URL: "https://p", Err: x509.HostnameError{Certificate: &x509.Certificate{}, Host: "p"}}, true, false, HistoryName},
		{"none", errors.New("connection refused"), true, true, ""},
		// Prometheus 2.42 requiring a certificate, 2 attempts in 7.
		{"closed before the alert", closed, true, false, HistoryClosed},
		{"closed, reset", &url.Error{Op: "Post", URL: "https://p", Err: &net.OpError{Op: "read", Err: os.NewSyscallError("read", syscall.ECONNRESET)}}, true, false, HistoryClosed},
		{"closed, HTTP/2", &url.Error{Op: "Post", URL: "https://p", Err: errors.New("http2: client conn could not be established")}, true, false, HistoryClosed},
		{"closed, certificate sent", closed, true, true, ""},
		// The alert read names the cause: not the guess of a closed connection.
		{"alert within an HTTP/2 error", &url.Error{Op: "Post", URL: "https://p", Err: fmt.Errorf("http2: client conn could not be established: %w", refused)}, true, false, HistoryNoCert},
		{"closed, http://", closed, false, false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) { require.Equal(t, tc.want, ForHistory(tc.err, tc.https, tc.cert)) })
	}
	for _, h := range []string{HistoryNoCert, HistoryClosed} {
		require.Contains(t, h, "set PRESCALE_PROMETHEUS_CERT_FILE and PRESCALE_PROMETHEUS_KEY_FILE")
	}
}
