package tlsfiles

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"time"
)

// DialTLS returns tr's DialTLSContext: the TLS connection to the first
// host tr dials (the URL's, or an HTTPS proxy's), made as net/http makes
// it (tr's dialer, a clone of tr.TLSClientConfig as it is at each dial,
// with ServerName the host dialed when unset, tr.TLSHandshakeTimeout),
// except that a Config's verification (VerifyConnection) learns the host
// dialed. It knows only the name sent in SNI, which an IP address is
// not, and took Files.Host, the URL's host, in its place: an HTTPS proxy
// addressed by IP address had its certificate checked for the URL's host
// and was refused, where crypto/tls checks the proxy's address. The
// server reached through the proxy (CONNECT) is not dialed here: net/http
// makes that handshake itself, with ServerName the URL's host, and Host
// stands for it when that is an IP address.
func DialTLS(tr *http.Transport) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, _, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, err
		}
		dial := tr.DialContext
		if dial == nil {
			dial = (&net.Dialer{}).DialContext
		}
		conn, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		cfg := &tls.Config{MinVersion: tls.VersionTLS12}
		if tr.TLSClientConfig != nil {
			cfg = tr.TLSClientConfig.Clone()
		}
		if cfg.ServerName == "" {
			cfg.ServerName = host
		}
		if v := cfg.VerifyConnection; v != nil {
			cfg.VerifyConnection = func(cs tls.ConnectionState) error {
				if cs.ServerName == "" {
					cs.ServerName = host // not in SNI: an IP address
				}
				return v(cs)
			}
		}
		tc, err := handshake(ctx, tls.Client(conn, cfg), tr.TLSHandshakeTimeout)
		if err != nil {
			_ = conn.Close()
			return nil, err
		}
		return tc, nil
	}
}

// handshake runs tc's handshake within timeout (0: ctx's deadline only).
func handshake(ctx context.Context, tc *tls.Conn, timeout time.Duration) (*tls.Conn, error) {
	hctx := ctx
	if timeout > 0 {
		var cancel context.CancelFunc
		hctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	if err := tc.HandshakeContext(hctx); err != nil {
		if ctx.Err() == nil && hctx.Err() != nil {
			return nil, fmt.Errorf("TLS handshake timeout (%s): %w", timeout, err)
		}
		return nil, err
	}
	return tc, nil
}
