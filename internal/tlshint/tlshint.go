// Package tlshint says what to do when a server's TLS certificate is signed
// by an authority this host does not trust (an internal CA): Go reads the
// system's CA bundle, or the PEM files SSL_CERT_FILE and SSL_CERT_DIR name,
// which no error message says.
package tlshint

import (
	"crypto/x509"
	"errors"
)

// Unknown is the hint For gives.
const Unknown = " (the server's certificate is signed by a CA this host does not trust: add the CA to the system's bundle, or set SSL_CERT_FILE to a PEM file holding it, or SSL_CERT_DIR to a directory of them)"

// For returns Unknown when err is a certificate signed by an unknown
// authority, else "".
func For(err error) string {
	var ua x509.UnknownAuthorityError
	if errors.As(err, &ua) {
		return Unknown
	}
	return ""
}
