package history

import (
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/internal/tlshint"
)

// TestRemotePlainHTTPResetHasNoTLSHint: a connection reset by an http://
// history source says nothing of TLS handshakes or client certificates:
// the hint of a closed connection is for https:// only.
func TestRemotePlainHTTPResetHasNoTLSHint(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			_ = conn.(*net.TCPConn).SetLinger(0)
			_ = conn.Close()
		}
	}))
	t.Cleanup(srv.Close)
	r, err := NewRemoteWith(srv.URL, RemoteOptions{Timeout: 10 * time.Second})
	require.NoError(t, err)
	end := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	_, err = r.QueryRange(t.Context(), "up", end.Add(-time.Hour), end, time.Minute)
	require.ErrorContains(t, err, "connection reset by peer")
	require.NotContains(t, err.Error(), tlshint.HistoryClosed)
	require.NotContains(t, err.Error(), "TLS")
}
