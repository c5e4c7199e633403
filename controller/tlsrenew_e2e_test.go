package controller_test

import (
	"errors"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/prescale/prescale/internal/testkit"
)

// TestE2ERenewedClientCertificate: a controller reading an https history
// source that requires a client certificate presents the renewed one at
// its first query after the files change on disk, without a restart: the
// app wires the files' watch (tlsfiles.Files.Watch) into the history
// client, whose kept-alive connection would otherwise go on with the
// certificate of its handshake.
func TestE2ERenewedClientCertificate(t *testing.T) {
	pki := testkit.NewPKI(t)
	var mu sync.Mutex
	seen := map[string]bool{} // the client certificates the server was shown
	srv := pki.ServeMutualTLS(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen[r.TLS.PeerCertificates[0].Subject.CommonName] = true
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"status":"success","data":{"resultType":"matrix","result":[]}}`)
	}))
	dir := t.TempDir()
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	cfg := e2eConfig(srv.URL, newWebhookSink(t).srv.URL, t.TempDir())
	cfg.PrometheusCAFile = testkit.WriteFile(t, dir, "ca.pem", pki.CAPEM)
	cfg.PrometheusCertFile, cfg.PrometheusKeyFile = pki.WriteClientPair(t, dir, "first", at)
	_, stop := runApp(t.Context(), t, cfg)
	defer stop()
	shown := func(cn string) func() error {
		return func() error {
			mu.Lock()
			defer mu.Unlock()
			if !seen[cn] {
				return errors.New("not yet")
			}
			return nil
		}
	}
	testkit.Eventually(t.Context(), t, 30*time.Second, "a query presenting the first certificate", shown("first"))
	pki.WriteClientPair(t, dir, "second", at.Add(time.Minute)) // a new modification time, as a renewal gives
	testkit.Eventually(t.Context(), t, 30*time.Second, "a query presenting the renewed certificate", shown("second"))
}
