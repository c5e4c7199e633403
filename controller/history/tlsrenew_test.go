package history

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/internal/testkit"
	"github.com/prescale/prescale/internal/tlsfiles"
)

// TestRemoteRenewsConnections: once the client certificate's files are
// renewed on disk, the next query opens a new connection, whose handshake
// presents the renewed certificate (RemoteOptions.TLSChanged from
// tlsfiles.Files.Watch). Without it the kept-alive connection presented
// the certificate of its handshake until it closed.
func TestRemoteRenewsConnections(t *testing.T) {
	pki := testkit.NewPKI(t)
	start := time.Unix(1700000000, 0)
	var mu sync.Mutex
	var seen []string // the client certificate of each query, in order
	srv := pki.ServeMutualTLS(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.TLS.PeerCertificates[0].Subject.CommonName)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = fmt.Fprintf(w, `{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[%d,"1"]]}]}}`, start.Unix())
	}))
	dir := t.TempDir()
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, watch := range []bool{true, false} {
		t.Run(fmt.Sprintf("watch=%v", watch), func(t *testing.T) {
			mu.Lock()
			seen = nil
			mu.Unlock()
			at = at.Add(time.Minute)
			cert, key := pki.WriteClientPair(t, dir, "first", at)
			f := tlsfiles.Files{CA: testkit.WriteFile(t, dir, "ca.pem", pki.CAPEM), Cert: cert, Key: key, Host: "127.0.0.1"}
			tc, err := tlsfiles.Config(f, nil)
			require.NoError(t, err)
			o := RemoteOptions{Timeout: 10 * time.Second, TLS: tc}
			if watch {
				o.TLSChanged = f.Watch()
			}
			r, err := NewRemoteWith(srv.URL, o)
			require.NoError(t, err)
			query := func() {
				_, err := r.QueryRange(t.Context(), "demand", start, start.Add(time.Minute), time.Minute)
				require.NoError(t, err)
			}
			query()
			query()
			at = at.Add(time.Minute) // a new modification time, as a renewal gives
			pki.WriteClientPair(t, dir, "second", at)
			query()
			query()
			want := []string{"first", "first", "second", "second"}
			if !watch {
				want = []string{"first", "first", "first", "first"} // the defect: one connection, one handshake
			}
			mu.Lock()
			defer mu.Unlock()
			require.Equal(t, want, seen)
		})
	}
}
