package queryhttp

import (
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/internal/testkit"
)

// TestRenewingClosesTheOldConnections: after the TLS files change, the
// old transport's idle connection is closed at once, and one in use at
// the change is closed when its answer is read, never reused; the
// requests after the change share one new connection. Without
// CloseIdleConnections the old idle connection stayed open (90 s), and
// with CloseIdleConnections on the same transport the one in use went
// back to its pool.
func TestRenewingClosesTheOldConnections(t *testing.T) {
	started, release := make(chan struct{}), make(chan struct{})
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/held" {
			started <- struct{}{}
			<-release
		}
		_, _ = io.WriteString(w, "ok")
	}))
	var mu sync.Mutex
	var conns []net.Conn // in the order the server accepted them
	closed := make(chan net.Conn, 8)
	srv.Config.ConnState = func(c net.Conn, s http.ConnState) {
		switch s {
		case http.StateNew:
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		case http.StateClosed:
			closed <- c
		}
	}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	var changed atomic.Bool
	c := NewClient(2, nil, 10*time.Second, srv.Client().Transport.(*http.Transport).TLSClientConfig, func() bool { return changed.Swap(false) })
	defer c.CloseIdleConnections()
	fetch := func(path string) error {
		resp, err := c.Get(srv.URL + path)
		if err != nil {
			return err
		}
		_, err = io.Copy(io.Discard, resp.Body)
		return errors.Join(err, resp.Body.Close())
	}
	get := func(path string) { require.NoError(t, fetch(path), path) }
	conn := func(i int) net.Conn {
		mu.Lock()
		defer mu.Unlock()
		require.Greater(t, len(conns), i, "connections opened")
		return conns[i]
	}
	waitClosed := func(want net.Conn, what string) {
		select {
		case c := <-closed:
			require.Equal(t, want.RemoteAddr(), c.RemoteAddr(), what)
		case <-time.After(testkit.Patience(10 * time.Second)):
			t.Fatalf("%s: not closed", what)
		}
	}

	get("/")
	changed.Store(true)
	get("/")
	waitClosed(conn(0), "the idle connection of before the change")

	held := make(chan error)
	go func() { held <- fetch("/held") }()
	<-started
	changed.Store(true)
	get("/") // a new connection: the one before is in use
	close(release)
	require.NoError(t, <-held)
	waitClosed(conn(1), "the connection in use at the change, once its answer is read")
	get("/")
	get("/")
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, conns, 3, "the requests after the change share one connection")
	require.Empty(t, closed)
}
