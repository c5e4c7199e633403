// Package tlshint says what to do when a TLS handshake fails for a reason
// no error message names: a server's certificate signed by an authority
// this host does not trust (an internal CA: Go reads the system's CA
// bundle, or the PEM files SSL_CERT_FILE and SSL_CERT_DIR name), or a
// server that demands a client certificate, which only the history source
// can present (ForHistory names its settings; elsewhere For suggests basic
// auth or a proxy).
package tlshint

import (
	"crypto/x509"
	"errors"
	"net"
	"strings"
	"syscall"
)

// Unknown is the hint For gives for an untrusted server certificate.
const Unknown = " (the server's certificate is signed by a CA this host does not trust: add the CA to the system's bundle, or set SSL_CERT_FILE to a PEM file holding it, or SSL_CERT_DIR to a directory of them)"

// ClientCert is the hint For gives when the server ended the handshake
// with the alert a server sends a client without a certificate. Where
// For is used (the webhook actuator, the embedded store's scrape targets,
// the exporter's application probe) prescale can send basic auth from
// the URL, and no other header.
const ClientCert = " (the server refused the TLS handshake: it requires a client certificate (mutual TLS, e.g. client_auth_type: RequireAndVerifyClientCert in Prometheus's --web.config.file), and prescale sends none: let it in by basic auth instead (the URL's user:password@, which prescale sends), or through a proxy holding the certificate)"

// The hints of ForHistory: the history source (PRESCALE_PROMETHEUS_URL,
// prescale backtest --prometheus) can trust a CA of its own and present a
// client certificate.
const (
	HistoryUnknown     = " (the server's certificate is signed by a CA this host does not trust: set PRESCALE_PROMETHEUS_CA_FILE (prescale backtest: --ca-file) to a PEM file holding it; or add it to the system's bundle, or set SSL_CERT_FILE to a PEM file holding it)"
	HistoryNoCert      = " (the server refused the TLS handshake: it requires a client certificate (mutual TLS, e.g. client_auth_type: RequireAndVerifyClientCert in Prometheus's --web.config.file), and none is set: set PRESCALE_PROMETHEUS_CERT_FILE and PRESCALE_PROMETHEUS_KEY_FILE (prescale backtest: --cert-file and --key-file) to the PEM files of one and its key)"
	HistoryCertRefused = " (the server refused the client certificate of PRESCALE_PROMETHEUS_CERT_FILE (prescale backtest: --cert-file): is it signed by a CA of the server's client_ca_file, unexpired, and made for client authentication?)"
	HistoryClosed      = " (the server closed the connection during or right after the TLS handshake: if it requires a client certificate (mutual TLS), set PRESCALE_PROMETHEUS_CERT_FILE and PRESCALE_PROMETHEUS_KEY_FILE (prescale backtest: --cert-file and --key-file) to the PEM files of one and its key)"
	HistoryName        = " (the server's certificate is not for this host name: set PRESCALE_PROMETHEUS_SERVER_NAME (prescale backtest: --server-name) to a name it holds)"
)

// ForHistory is For for the history source, whose settings the hint
// names; https tells whether its URL is https://, cert whether it
// presented a client certificate. A TLS 1.3 server requiring a
// certificate refuses it after the client has finished its handshake,
// so the client's request may fail on the closed connection (closed)
// before it reads the server's alert.
func ForHistory(err error, https, cert bool) string {
	var he x509.HostnameError
	switch h := For(err); {
	case h == "" && https && !cert && closed(err):
		return HistoryClosed
	case h == Unknown:
		return HistoryUnknown
	case h == ClientCert && cert:
		return HistoryCertRefused
	case h == ClientCert:
		return HistoryNoCert
	case errors.As(err, &he):
		return HistoryName
	default:
		return h
	}
}

// closed reports whether err is a connection the server closed: a
// broken pipe, a reset, or HTTP/2's "client conn could not be
// established" (net/http's bundled HTTP/2 client, whose error wraps no
// cause), as a request to Prometheus 2.42 requiring a client certificate
// ended on some attempts.
func closed(err error) bool {
	return errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET) ||
		strings.Contains(err.Error(), "http2: client conn could not be established")
}

// For returns the hint for err, or "" when it has none.
func For(err error) string {
	var ua x509.UnknownAuthorityError
	if errors.As(err, &ua) {
		return Unknown
	}
	// crypto/tls reports an alert from the server as a net.OpError "remote
	// error" wrapping its unexported alert type: "tls: bad certificate"
	// (TLS 1.2, and TLS 1.3 servers on Go's crypto/tls such as
	// Prometheus's) or "tls: certificate required" (TLS 1.3's own alert).
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Op == "remote error" && oe.Err != nil {
		switch oe.Err.Error() {
		case "tls: bad certificate", "tls: certificate required":
			return ClientCert
		}
	}
	return ""
}
