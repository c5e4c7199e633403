// Package tlsfiles builds a client's TLS configuration from PEM files, as
// a Prometheus tls_config does (ca_file, cert_file, key_file,
// server_name): the CA that signs the server's certificate, and a client
// certificate for a server requiring one (mutual TLS). The certificate and
// key are read again when either file changes on disk (cert-manager,
// Vault, a Kubernetes Secret's new symlink), without a restart.
package tlsfiles

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"
)

// Files are the PEM files and the name to verify; empty fields are unset.
type Files struct {
	CA         string // certificates of the CAs to trust (empty: the system's)
	Cert, Key  string // the client certificate and its private key: both or neither
	ServerName string // the name the server's certificate must hold (empty: the URL's host)
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
// empty. A failed reload of the certificate and key is logged on log
// (nil: not logged) once per change of the files, and the previous pair
// is kept.
func Config(f Files, log *slog.Logger) (*tls.Config, error) {
	if f == (Files{}) {
		return nil, nil
	}
	cfg := &tls.Config{ServerName: f.ServerName, MinVersion: tls.VersionTLS12}
	if f.CA != "" {
		pool, err := readCA(f.CA)
		if err != nil {
			return nil, &Error{Which: CA, Path: f.CA, Err: err}
		}
		cfg.RootCAs = pool
	}
	switch {
	case f.Cert == "" && f.Key == "":
		return cfg, nil
	case f.Cert == "":
		return nil, &Error{Which: Cert, Err: errors.New("no certificate file for the key")}
	case f.Key == "":
		return nil, &Error{Which: Key, Path: f.Cert, Err: errors.New("no key file for the certificate")}
	}
	p := &pair{cert: f.Cert, key: f.Key, log: log}
	if err := p.load(); err != nil {
		return nil, err
	}
	cfg.GetClientCertificate = p.get
	return cfg, nil
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

// pair is a client certificate and key read from files, read again at a
// handshake after either file changed.
type pair struct {
	cert, key string
	log       *slog.Logger

	mu         sync.Mutex
	current    *tls.Certificate
	at, failed [2]stamp // the files' stamps when current was read; at the last failed read
}

// load reads the pair, remembering the files' stamps.
func (p *pair) load() error {
	at := [2]stamp{stampOf(p.cert), stampOf(p.key)}
	c, err := readPair(p.cert, p.key)
	if err != nil {
		return err
	}
	p.current, p.at = c, at
	return nil
}

// get is tls.Config.GetClientCertificate: the pair, read again when a
// file's stamp changed since it was read; a failed read keeps the
// previous pair and is logged once until the files change again.
func (p *pair) get(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
	now := [2]stamp{stampOf(p.cert), stampOf(p.key)}
	p.mu.Lock()
	defer p.mu.Unlock()
	if now == p.at || now == p.failed {
		return p.current, nil
	}
	c, err := readPair(p.cert, p.key)
	if err != nil {
		p.failed = now
		if p.log != nil {
			p.log.Warn("client certificate not reloaded: the previous one is kept", "err", err)
		}
		return p.current, nil
	}
	p.current, p.at, p.failed = c, now, [2]stamp{}
	if p.log != nil {
		p.log.Info("client certificate reloaded", "cert", p.cert, "not_after", c.Leaf.NotAfter)
	}
	return c, nil
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
