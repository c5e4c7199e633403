package testkit

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// PKI is a CA generated for a test, issuing certificates for loopback
// servers and for clients (mutual TLS). Nothing is written but what a
// test asks for, under its own directory.
type PKI struct {
	CA    *x509.Certificate
	CAPEM []byte
	key   *ecdsa.PrivateKey
	n     int64
}

// NewPKI makes a CA valid from an hour ago for a day.
func NewPKI(t testing.TB) *PKI {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "prescale test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	ca, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	return &PKI{CA: ca, CAPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), key: key, n: 1}
}

// Issue returns a certificate signed by the CA and its key, both PEM: a
// server's for 127.0.0.1 and localhost, or a client's.
func (p *PKI) Issue(t testing.TB, name string, server bool) (certPEM, keyPEM []byte) {
	t.Helper()
	if server {
		return p.IssueServer(t, name, "127.0.0.1", "localhost")
	}
	return p.issue(t, name, x509.ExtKeyUsageClientAuth, nil)
}

// IssueServer returns a server's certificate signed by the CA for hosts
// alone (IP addresses or DNS names), and its key, both PEM.
func (p *PKI) IssueServer(t testing.TB, name string, hosts ...string) (certPEM, keyPEM []byte) {
	t.Helper()
	return p.issue(t, name, x509.ExtKeyUsageServerAuth, hosts)
}

func (p *PKI) issue(t testing.TB, name string, usage x509.ExtKeyUsage, hosts []string) (certPEM, keyPEM []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	p.n++
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(p.n), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage},
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.CA, &key.PublicKey, p.key)
	require.NoError(t, err)
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	require.NoError(t, err)
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder})
}

// WriteFile writes b to name under dir (mode 0600) and returns its path.
func WriteFile(t testing.TB, dir, name string, b []byte) string {
	t.Helper()
	path := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(path, b, 0o600))
	return path
}

// WriteClientPair writes a client certificate of p's CA for cn and its
// key to c.pem and k.pem under dir, both modified at the time given (a
// later one at each call, as a renewal of the files gives), and returns
// their paths.
func (p *PKI) WriteClientPair(t testing.TB, dir, cn string, modified time.Time) (certPath, keyPath string) {
	t.Helper()
	cert, key := p.Issue(t, cn, false)
	certPath, keyPath = WriteFile(t, dir, "c.pem", cert), WriteFile(t, dir, "k.pem", key)
	for _, path := range []string{certPath, keyPath} {
		require.NoError(t, os.Chtimes(path, modified, modified))
	}
	return certPath, keyPath
}

// ServeMutualTLS starts a loopback HTTPS server of h with a certificate of
// p's CA that requires a client certificate of that CA; refused
// handshakes are not logged. It is closed when the test ends.
func (p *PKI) ServeMutualTLS(t testing.TB, h http.Handler) *httptest.Server {
	t.Helper()
	certPEM, keyPEM := p.Issue(t, "server", true)
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	require.NoError(t, err)
	pool := x509.NewCertPool()
	pool.AddCert(p.CA)
	srv := httptest.NewUnstartedServer(h)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{pair}, ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: pool, MinVersion: tls.VersionTLS12}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}
