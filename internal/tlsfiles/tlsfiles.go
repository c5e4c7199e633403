// Package tlsfiles builds a client's TLS configuration from PEM files, as
// a Prometheus tls_config does (ca_file, cert_file, key_file,
// server_name): the CA that signs the server's certificate, and a client
// certificate for a server requiring one (mutual TLS). The CA file, and
// the certificate and key, are read again at the first handshake after
// they change on disk (cert-manager, Vault, a Kubernetes Secret's new
// symlink), without a restart.
package tlsfiles

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"sync"
	"time"
)

// Files are the PEM files and the name to verify; empty fields are unset.
type Files struct {
	CA         string // certificates of the CAs to trust (empty: the system's)
	Cert, Key  string // the client certificate and its private key: both or neither
	ServerName string // the name the server's certificate must hold (empty: the host dialed)
	// Host is the host of the URL connected to (no port), the name the
	// server's certificate must hold when ServerName is empty and the
	// handshake sent no name (SNI), that is, for an IP address. It does
	// not count as a setting: Files holding only Host are empty.
	Host string
}

// Which of Files's files an Error is about.
const (
	CA   = "CA"
	Cert = "Cert"
	Key  = "Key"
)

// Error is a file of Files that cannot be used. Its message names the
// file, never what it holds.
type Error struct {
	Which string // CA, Cert or Key
	Path  string
	Err   error
}

func (e *Error) Error() string { return e.Path + ": " + e.Err.Error() }

func (e *Error) Unwrap() error { return e.Err }

// Config reads f's files into a client TLS configuration; nil when f is
// empty. A failed reload of the CA file, or of the certificate and key,
// is logged on log (nil: not logged) once per change of the files, and
// what was read before is kept.
//
// With a CA file, the server's certificate is verified here, at each
// handshake, against the CA file's certificates as last read
// (VerifyConnection): crypto/tls reads RootCAs once per Config, and an
// http.Transport clones its Config for every connection, so a pool in
// RootCAs could not change without a new Transport. The check is
// crypto/tls's own (x509 Verify: the chain to a CA of the file, the
// validity dates, the server-auth usage, the name) against the name the
// handshake would have checked: ServerName, else the name sent in SNI
// (the host dialed: the URL's, or an HTTPS proxy's), else, for an IP
// address, which SNI does not carry, the host dialed when the connection
// was made by DialTLS (the first one of a request: the URL's host, or an
// HTTPS proxy's), else Host; with none of them the handshake fails rather
// than skip the name. A transport without DialTLS checks an HTTPS proxy
// addressed by IP address for Host, the URL's host, and refuses it.
func Config(f Files, log *slog.Logger) (*tls.Config, error) {
	if f.CA == "" && f.Cert == "" && f.Key == "" && f.ServerName == "" {
		return nil, nil
	}
	cfg := &tls.Config{ServerName: f.ServerName, MinVersion: tls.VersionTLS12}
	if f.CA != "" {
		ca := &reloading[*x509.CertPool]{paths: [2]string{f.CA}, what: "CA file", log: log, read: func() (*x509.CertPool, error) {
			pool, err := readCA(f.CA)
			if err != nil {
				return nil, &Error{Which: CA, Path: f.CA, Err: err}
			}
			return pool, nil
		}}
		if err := ca.load(); err != nil {
			return nil, err
		}
		cfg.InsecureSkipVerify = true //nolint:gosec // verified by VerifyConnection, with the pool as last read
		cfg.VerifyConnection = func(cs tls.ConnectionState) error { return verify(cs, ca.get(), f.ServerName, f.Host) }
	}
	switch {
	case f.Cert == "" && f.Key == "":
		return cfg, nil
	case f.Cert == "":
		return nil, &Error{Which: Cert, Err: errors.New("no certificate file for the key")}
	case f.Key == "":
		return nil, &Error{Which: Key, Path: f.Cert, Err: errors.New("no key file for the certificate")}
	}
	p := &reloading[*tls.Certificate]{paths: [2]string{f.Cert, f.Key}, what: "client certificate", log: log,
		read:  func() (*tls.Certificate, error) { return readPair(f.Cert, f.Key) },
		attrs: func(c *tls.Certificate) []any { return []any{"not_after", c.Leaf.NotAfter} }}
	if err := p.load(); err != nil {
		return nil, err
	}
	cfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return p.get(), nil }
	return cfg, nil
}

// verify checks the server's certificate of cs against the CAs of pool
// and name, else the name sent in SNI, else host, as crypto/tls would
// have: an http.Transport sets the ServerName of a handshake to the host
// it dials, which SNI carries unless it is an IP address.
func verify(cs tls.ConnectionState, pool *x509.CertPool, name, host string) error {
	if name == "" {
		name = cs.ServerName
	}
	if name == "" {
		name = host
	}
	switch {
	case len(cs.PeerCertificates) == 0:
		return errors.New("tls: the server presented no certificate")
	case name == "":
		return errors.New("tls: no name to verify the server's certificate against (an IP address as the host, and neither ServerName nor Host)")
	}
	opts := x509.VerifyOptions{Roots: pool, DNSName: name, Intermediates: x509.NewCertPool()}
	for _, c := range cs.PeerCertificates[1:] {
		opts.Intermediates.AddCert(c)
	}
	if _, err := cs.PeerCertificates[0].Verify(opts); err != nil {
		return &tls.CertificateVerificationError{UnverifiedCertificates: cs.PeerCertificates, Err: err}
	}
	return nil
}

// Watch returns a function reporting whether any of f's files changed on
// disk since it last reported a change (at first, since Watch); nil when
// f names no file. A client asks it before each request and, on a change,
// opens new connections: a kept-alive connection goes on with the
// certificates of its handshake, and only a handshake reads the files
// again.
func (f Files) Watch() func() bool {
	var paths []string
	for _, p := range []string{f.CA, f.Cert, f.Key} {
		if p != "" {
			paths = append(paths, p)
		}
	}
	if len(paths) == 0 {
		return nil
	}
	stamps := func() []stamp {
		s := make([]stamp, len(paths))
		for i, p := range paths {
			s[i] = stampOf(p)
		}
		return s
	}
	var mu sync.Mutex
	last := stamps()
	return func() bool {
		now := stamps()
		mu.Lock()
		defer mu.Unlock()
		if slices.Equal(now, last) {
			return false
		}
		last = now
		return true
	}
}

// readCA reads a PEM file of CA certificates.
func readCA(path string) (*x509.CertPool, error) {
	b, err := os.ReadFile(path) //nolint:gosec // the operator's setting
	if err != nil {
		return nil, err
	}
	certs, err := parseCerts(b)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	for _, c := range certs {
		pool.AddCert(c)
	}
	return pool, nil
}

// parseCerts parses every CERTIFICATE block of a PEM file; at least one.
func parseCerts(b []byte) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	for {
		var blk *pem.Block
		blk, b = pem.Decode(b)
		if blk == nil {
			break
		}
		if blk.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			return nil, fmt.Errorf("certificate %d: %w", len(out)+1, err)
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, errors.New("no PEM CERTIFICATE block")
	}
	return out, nil
}

// stamp identifies a version of a file: its modification time and size
// (the zero stamp when it cannot be read).
type stamp struct {
	mod  time.Time
	size int64
}

func stampOf(path string) stamp {
	fi, err := os.Stat(path)
	if err != nil {
		return stamp{}
	}
	return stamp{fi.ModTime(), fi.Size()}
}

// reloading is a value read from one or two files (the second path may
// be empty), read again when asked for after either file's stamp changed;
// a failed read keeps the previous value and is logged once until the
// files change again.
type reloading[T any] struct {
	paths [2]string
	what  string // what is read, for the log: "CA file", "client certificate"
	read  func() (T, error)
	attrs func(T) []any // what to log of a value read again (nil: nothing more)
	log   *slog.Logger

	mu      sync.Mutex
	current T
	at      [2]stamp  // the files' stamps when current was read
	failed  *[2]stamp // at the last failed read since (nil: none; missing files have zero stamps)
}

func (r *reloading[T]) stamps() [2]stamp {
	var s [2]stamp
	for i, p := range r.paths {
		if p != "" {
			s[i] = stampOf(p)
		}
	}
	return s
}

// load reads the value, remembering the files' stamps.
func (r *reloading[T]) load() error {
	at := r.stamps()
	v, err := r.read()
	if err != nil {
		return err
	}
	r.current, r.at = v, at
	return nil
}

// get is the value, read again when a file's stamp changed since it was
// read.
func (r *reloading[T]) get() T {
	now := r.stamps()
	r.mu.Lock()
	defer r.mu.Unlock()
	if now == r.at || r.failed != nil && now == *r.failed {
		return r.current
	}
	v, err := r.read()
	if err != nil {
		r.failed = &now
		if r.log != nil {
			r.log.Warn(r.what+" not reloaded: the previous one is kept", "err", err)
		}
		return r.current
	}
	r.current, r.at, r.failed = v, now, nil
	if r.log != nil {
		args := []any{"file", r.paths[0]}
		if r.attrs != nil {
			args = append(args, r.attrs(v)...)
		}
		r.log.Info(r.what+" reloaded", args...)
	}
	return v
}

// readPair reads a certificate and its key. An error names the file
// (Error) and what is wrong with it, never the key's bytes.
func readPair(certPath, keyPath string) (*tls.Certificate, error) {
	certPEM, err := os.ReadFile(certPath) //nolint:gosec // the operator's setting
	if err != nil {
		return nil, &Error{Which: Cert, Path: certPath, Err: err}
	}
	if _, err := parseCerts(certPEM); err != nil {
		return nil, &Error{Which: Cert, Path: certPath, Err: err}
	}
	keyPEM, err := os.ReadFile(keyPath) //nolint:gosec // the operator's setting
	if err != nil {
		return nil, &Error{Which: Key, Path: keyPath, Err: err}
	}
	c, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, &Error{Which: Key, Path: keyPath, Err: fmt.Errorf("%w (certificate %s)", err, certPath)}
	}
	return &c, nil
}
