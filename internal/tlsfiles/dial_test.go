package tlsfiles

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/internal/testkit"
)

// silentListener is a loopback listener whose connections are accepted
// and never answered; each accepted connection is sent on the channel.
func silentListener(t *testing.T) (net.Listener, <-chan net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = ln.Close() })
	conns := make(chan net.Conn, 4)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { _ = c.Close() })
			conns <- c
		}
	}()
	return ln, conns
}

// dialResult runs dial in a goroutine and returns its error, failing the
// test if it has not returned within 30 s (a handshake left waiting).
func dialResult(t *testing.T, dial func() (net.Conn, error)) error {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		c, err := dial()
		if c != nil {
			_ = c.Close()
		}
		done <- err
	}()
	select {
	case err := <-done:
		return err
	case <-time.After(30 * time.Second):
		require.FailNow(t, "DialTLS did not return: the handshake is not bounded")
		return nil
	}
}

// TestDialTLSHandshakeTimeout: a server that accepts the connection and
// never answers the handshake is given up on after the transport's
// TLSHandshakeTimeout, as net/http's own dial does. Without the timeout
// passed to the handshake, DialTLS waited for ever (the context has no
// deadline: net/http dials with the request's values, not its deadline).
func TestDialTLSHandshakeTimeout(t *testing.T) {
	ln, _ := silentListener(t)
	tr := &http.Transport{TLSClientConfig: &tls.Config{MinVersion: tls.VersionTLS12}, TLSHandshakeTimeout: 50 * time.Millisecond}
	err := dialResult(t, func() (net.Conn, error) {
		return DialTLS(tr)(context.Background(), "tcp", ln.Addr().String())
	})
	require.ErrorContains(t, err, "TLS handshake timeout (50ms)")
}

// TestDialTLSHonoursCancel: a request given up on (its dial's context
// cancelled) ends a handshake the server never answers, with no
// handshake timeout set. With Handshake in place of HandshakeContext the
// dial waited for ever.
func TestDialTLSHonoursCancel(t *testing.T) {
	ln, conns := silentListener(t)
	tr := &http.Transport{TLSClientConfig: &tls.Config{MinVersion: tls.VersionTLS12}}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		c := <-conns
		_, _ = c.Read(make([]byte, 1)) // the client's hello: the handshake is under way
		cancel()
	}()
	err := dialResult(t, func() (net.Conn, error) { return DialTLS(tr)(ctx, "tcp", ln.Addr().String()) })
	require.ErrorIs(t, err, context.Canceled)
}

// TestDialTLSClosesARefusedConnection: a server whose certificate is
// refused (here not for the host dialed, 127.0.0.1) has its connection
// closed by DialTLS: crypto/tls sends the alert but leaves the
// connection open, and net/http drops a dial's error without closing
// anything. Without the close the server's read waited for ever.
func TestDialTLSClosesARefusedConnection(t *testing.T) {
	pki := testkit.NewPKI(t)
	pair, err := tls.X509KeyPair(pki.IssueServer(t, "server", "localhost"))
	require.NoError(t, err)
	ln, conns := silentListener(t)
	caFile := testkit.WriteFile(t, t.TempDir(), "ca.pem", pki.CAPEM)
	cfg, err := Config(Files{CA: caFile, Host: "127.0.0.1"}, nil)
	require.NoError(t, err)
	tr := &http.Transport{TLSClientConfig: cfg}
	served := make(chan error, 1)
	go func() {
		raw := <-conns
		hsErr := tls.Server(raw, &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{pair}}).Handshake()
		if hsErr == nil {
			served <- errors.New("the server's handshake succeeded")
			return
		}
		_ = raw.SetReadDeadline(time.Now().Add(time.Minute))
		// EOF, or a reset (the client closed with the server's
		// last records unread): not the deadline.
		_, err := io.Copy(io.Discard, raw)
		if ne := net.Error(nil); errors.As(err, &ne) && ne.Timeout() {
			served <- err
			return
		}
		served <- nil
	}()
	err = dialResult(t, func() (net.Conn, error) { return DialTLS(tr)(t.Context(), "tcp", ln.Addr().String()) })
	require.ErrorContains(t, err, "127.0.0.1", "refused for the host dialed")
	require.NoError(t, <-served, "the refused connection is closed by the client")
}
