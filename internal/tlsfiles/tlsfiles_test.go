package tlsfiles

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"log"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/internal/testkit"
)

// mtlsServer is a loopback HTTPS server with a certificate of pki's CA,
// requiring a client certificate of that CA; it answers with the
// client certificate's common name.
func mtlsServer(t *testing.T, pki *testkit.PKI) *httptest.Server {
	return pki.ServeMutualTLS(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, r.TLS.PeerCertificates[0].Subject.CommonName)
	}))
}

// get fetches target through a client of cfg and returns the body.
func get(t *testing.T, cfg *tls.Config, target string) (string, error) {
	tr := &http.Transport{TLSClientConfig: cfg}
	defer tr.CloseIdleConnections()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, target, nil)
	require.NoError(t, err)
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		return "", err
	}
	defer func() { require.NoError(t, resp.Body.Close()) }()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

// TestConfigGoodPair: the CA file verifies the server, the pair lets the
// client in; without the pair the server refuses it.
func TestConfigGoodPair(t *testing.T) {
	pki := testkit.NewPKI(t)
	srv := mtlsServer(t, pki)
	dir := t.TempDir()
	certPEM, keyPEM := pki.Issue(t, "prescale", false)
	f := Files{CA: testkit.WriteFile(t, dir, "ca.pem", pki.CAPEM), Cert: testkit.WriteFile(t, dir, "c.pem", certPEM), Key: testkit.WriteFile(t, dir, "k.pem", keyPEM), Host: "127.0.0.1"}
	cfg, err := Config(f, nil)
	require.NoError(t, err)
	body, err := get(t, cfg, srv.URL)
	require.NoError(t, err)
	require.Equal(t, "prescale", body)

	cfg, err = Config(Files{CA: f.CA, ServerName: "localhost"}, nil)
	require.NoError(t, err)
	_, err = get(t, cfg, srv.URL)
	require.Error(t, err, "no client certificate")

	cfg, err = Config(Files{Host: "127.0.0.1"}, nil)
	require.NoError(t, err)
	require.Nil(t, cfg, "Host alone is no setting")
}

// TestConfigErrors: each bad file is an Error naming which file and its
// path, never the key's bytes.
func TestConfigErrors(t *testing.T) {
	pki := testkit.NewPKI(t)
	dir := t.TempDir()
	certA, keyA := pki.Issue(t, "a", false)
	_, keyB := pki.Issue(t, "b", false)
	w := func(name string, b []byte) string { return testkit.WriteFile(t, dir, name, b) }
	for _, tc := range []struct {
		name, which, path, says string
		f                       Files
	}{
		{"mismatched pair", Key, "kb.pem", "private key does not match", Files{Cert: w("ca.pem", certA), Key: w("kb.pem", keyB)}},
		{"bad PEM cert", Cert, "bad.pem", "no PEM CERTIFICATE", Files{Cert: w("bad.pem", []byte("not PEM")), Key: w("ka.pem", keyA)}},
		{"key as cert", Cert, "ka.pem", "no PEM CERTIFICATE", Files{Cert: w("ka.pem", keyA), Key: w("ka.pem", keyA)}},
		{"bad PEM key", Key, "bad.pem", "failed to find any PEM data", Files{Cert: w("ca.pem", certA), Key: w("bad.pem", []byte("not PEM"))}},
		{"unreadable cert", Cert, "none.pem", "no such file", Files{Cert: filepath.Join(dir, "none.pem"), Key: w("ka.pem", keyA)}},
		{"unreadable key", Key, "none.pem", "no such file", Files{Cert: w("ca.pem", certA), Key: filepath.Join(dir, "none.pem")}},
		{"bad CA", CA, "bad.pem", "no PEM CERTIFICATE", Files{CA: w("bad.pem", []byte("not PEM"))}},
		{"cert without key", Key, "ca.pem", "no key file", Files{Cert: w("ca.pem", certA)}},
		{"key without cert", Cert, "", "no certificate file", Files{Key: w("ka.pem", keyA)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Config(tc.f, nil)
			var fe *Error
			require.ErrorAs(t, err, &fe)
			require.Equal(t, tc.which, fe.Which)
			if tc.path != "" {
				require.Equal(t, tc.path, filepath.Base(fe.Path))
			}
			require.Contains(t, err.Error(), tc.says)
			for _, k := range [][]byte{keyA, keyB} {
				require.NotContains(t, err.Error(), strings.Split(string(k), "\n")[1], "key material in the error")
			}
		})
	}
}

// TestRotation: a new pair written over the files is presented at the
// next handshake; a bad one keeps the previous pair, logged once until
// the files change again.
func TestRotation(t *testing.T) {
	pki := testkit.NewPKI(t)
	dir := t.TempDir()
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	write := func(cert, key []byte) {
		at = at.Add(time.Minute) // a new modification time, as a rotation gives
		for name, b := range map[string][]byte{"c.pem": cert, "k.pem": key} {
			p := testkit.WriteFile(t, dir, name, b)
			require.NoError(t, os.Chtimes(p, at, at))
		}
	}
	cn := func(cfg *tls.Config) string {
		c, err := cfg.GetClientCertificate(&tls.CertificateRequestInfo{})
		require.NoError(t, err)
		return c.Leaf.Subject.CommonName
	}
	var logs testkit.SyncBuffer
	lg := slog.New(slog.NewTextHandler(&logs, nil))
	write(pki.Issue(t, "first", false))
	cfg, err := Config(Files{Cert: filepath.Join(dir, "c.pem"), Key: filepath.Join(dir, "k.pem")}, lg)
	require.NoError(t, err)
	require.Equal(t, "first", cn(cfg))

	write(pki.Issue(t, "second", false))
	require.Equal(t, "second", cn(cfg))
	require.Contains(t, logs.String(), "client certificate reloaded")

	_, otherKey := pki.Issue(t, "other", false)
	certThird, _ := pki.Issue(t, "third", false)
	write(certThird, otherKey) // a mismatched pair
	require.Equal(t, "second", cn(cfg))
	require.Equal(t, "second", cn(cfg))
	require.Equal(t, 1, strings.Count(logs.String(), "not reloaded"), logs.String())
	require.Contains(t, logs.String(), "private key does not match")

	require.NoError(t, os.Remove(filepath.Join(dir, "k.pem")))
	require.Equal(t, "second", cn(cfg))
	require.Equal(t, 2, strings.Count(logs.String(), "not reloaded"), logs.String())

	write(pki.Issue(t, "fourth", false))
	require.Equal(t, "fourth", cn(cfg))
	require.Equal(t, 2, strings.Count(logs.String(), "not reloaded"), logs.String())
}

// movingServer is a loopback HTTPS server whose certificate is the one
// last stored in cert (the server's certificate renewed by another CA).
func movingServer(t *testing.T, cert *atomic.Pointer[tls.Certificate]) *httptest.Server {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") }))
	srv.TLS = &tls.Config{MinVersion: tls.VersionTLS12, GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) {
		// GetCertificate is not asked without SNI (an IP address) when
		// Certificates holds httptest's own.
		return &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{*cert.Load()}}, nil
	}}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

// serverPair is a server certificate of pki, for 127.0.0.1 and localhost.
func serverPair(t *testing.T, pki *testkit.PKI) *tls.Certificate {
	c, err := tls.X509KeyPair(pki.Issue(t, "server", true))
	require.NoError(t, err)
	return &c
}

// TestCARotation: the server's certificate moves to a new CA; once the CA
// file holds the new CA, a new connection through the same Config
// verifies, without a restart. A CA file of another CA still fails, a
// bad one keeps the CAs read before (logged once, without the file's
// content), and the name is still checked: Host, ServerName, and neither
// for an IP address.
func TestCARotation(t *testing.T) {
	oldCA, newCA, otherCA := testkit.NewPKI(t), testkit.NewPKI(t), testkit.NewPKI(t)
	var cert atomic.Pointer[tls.Certificate]
	cert.Store(serverPair(t, oldCA))
	srv := movingServer(t, &cert)
	dir := t.TempDir()
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	writeCA := func(b []byte) string {
		at = at.Add(time.Minute) // a new modification time, as a rotation gives
		p := testkit.WriteFile(t, dir, "ca.crt", b)
		require.NoError(t, os.Chtimes(p, at, at))
		return p
	}
	var logs testkit.SyncBuffer
	cfg, err := Config(Files{CA: writeCA(oldCA.CAPEM), Host: "127.0.0.1"}, slog.New(slog.NewTextHandler(&logs, nil)))
	require.NoError(t, err)
	unknown := func(err error) bool { var ua x509.UnknownAuthorityError; return errors.As(err, &ua) }
	_, err = get(t, cfg, srv.URL)
	require.NoError(t, err)

	cert.Store(serverPair(t, newCA))
	_, err = get(t, cfg, srv.URL)
	require.True(t, unknown(err), "the server's new CA is not trusted yet: %v", err)
	writeCA(append(slices.Clone(oldCA.CAPEM), newCA.CAPEM...)) // the bundle during the rotation
	_, err = get(t, cfg, srv.URL)
	require.NoError(t, err, "the CA file read again")
	require.Contains(t, logs.String(), "CA file reloaded")

	writeCA([]byte("not PEM at all"))
	for range 2 {
		_, err = get(t, cfg, srv.URL)
		require.NoError(t, err, "a bad CA file keeps the CAs read before")
	}
	require.Equal(t, 1, strings.Count(logs.String(), "CA file not reloaded"), logs.String())
	require.Contains(t, logs.String(), "no PEM CERTIFICATE block")
	require.NotContains(t, logs.String(), "not PEM at all")

	writeCA(otherCA.CAPEM)
	_, err = get(t, cfg, srv.URL)
	require.True(t, unknown(err), "another CA's file: %v", err)

	writeCA(newCA.CAPEM)
	for _, tc := range []struct {
		f    Files
		says string
	}{
		{Files{Host: "localhost"}, ""},
		{Files{Host: "prometheus.example"}, "not prometheus.example"},
		{Files{ServerName: "prometheus.example", Host: "127.0.0.1"}, "not prometheus.example"},
		{Files{}, "no name to verify"},
	} {
		tc.f.CA = filepath.Join(dir, "ca.crt")
		cfg, err := Config(tc.f, nil)
		require.NoError(t, err)
		_, err = get(t, cfg, srv.URL)
		if tc.says == "" {
			require.NoError(t, err)
			continue
		}
		require.ErrorContains(t, err, tc.says)
		if tc.f.Host != "" {
			var he x509.HostnameError
			require.ErrorAs(t, err, &he, "tlshint's hint for another host's certificate")
		}
	}
}

// connectProxy is a loopback HTTPS proxy with a certificate of pki for
// localhost alone, tunnelling CONNECT to the address asked for.
func connectProxy(t *testing.T, pki *testkit.PKI) *url.URL {
	return connectProxyFor(t, pki, "localhost")
}

// connectProxyFor is connectProxy with a certificate for host alone, and
// the URL naming host.
func connectProxyFor(t *testing.T, pki *testkit.PKI, host string) *url.URL {
	pair, err := tls.X509KeyPair(pki.IssueServer(t, "proxy", host))
	require.NoError(t, err)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		up, err := net.Dial("tcp", r.Host)
		if r.Method != http.MethodConnect || err != nil {
			http.Error(w, "CONNECT to a reachable address only", http.StatusBadGateway)
			return
		}
		down, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			_ = up.Close()
			return
		}
		_, _ = io.WriteString(down, "HTTP/1.1 200 Connection established\r\n\r\n")
		go func() { _, _ = io.Copy(up, down); _ = up.Close() }()
		_, _ = io.Copy(down, up)
		_ = down.Close()
	}))
	srv.TLS = &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{pair}}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	u, err := url.Parse(srv.URL)
	require.NoError(t, err)
	u.Host = net.JoinHostPort(host, u.Port())
	return u
}

// TestVerifiesTheHostDialed: through an HTTPS proxy named by a DNS name,
// the proxy's certificate is checked for the proxy's name, as crypto/tls
// checks it (the name the client sent in SNI), and the server's, tunnelled,
// for the URL's host (Host, an IP address here). It checked the proxy's
// certificate for the URL's host, refusing a proxy that crypto/tls (and
// this package before the CA was read again) lets through.
func TestVerifiesTheHostDialed(t *testing.T) {
	pki := testkit.NewPKI(t)
	var cert atomic.Pointer[tls.Certificate]
	cert.Store(serverPair(t, pki))
	srv := movingServer(t, &cert)
	proxy := connectProxy(t, pki)
	caFile := testkit.WriteFile(t, t.TempDir(), "ca.pem", pki.CAPEM)
	through := func(cfg *tls.Config) error { return getThrough(t, proxy, srv.URL, cfg, false) }
	pool := x509.NewCertPool()
	pool.AddCert(pki.CA)
	require.NoError(t, through(&tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}), "crypto/tls's own check")
	cfg, err := Config(Files{CA: caFile, Host: "127.0.0.1"}, nil)
	require.NoError(t, err)
	require.NoError(t, through(cfg))

	cfg, err = Config(Files{CA: caFile, Host: "prometheus.example"}, nil)
	require.NoError(t, err)
	require.ErrorContains(t, through(cfg), "not prometheus.example", "the tunnelled server's name is still checked")
}

// TestVerifiesAProxyByIP: through an HTTPS proxy addressed by IP address
// (its certificate for 127.0.0.1 alone) to a server named localhost, the
// proxy's certificate is checked for the proxy's address with DialTLS as
// the transport's DialTLSContext, as crypto/tls checks it. Without it,
// the handshake with the proxy, which sends no name (SNI) for an IP
// address, was checked for Host (the URL's, localhost) and refused. The
// tunnelled server's name is still checked.
func TestVerifiesAProxyByIP(t *testing.T) {
	pki := testkit.NewPKI(t)
	var cert atomic.Pointer[tls.Certificate]
	cert.Store(serverPair(t, pki))
	srv := movingServer(t, &cert)
	target, err := url.Parse(srv.URL)
	require.NoError(t, err)
	target.Host = net.JoinHostPort("localhost", target.Port())
	proxy := connectProxyFor(t, pki, "127.0.0.1")
	caFile := testkit.WriteFile(t, t.TempDir(), "ca.pem", pki.CAPEM)
	through := func(cfg *tls.Config, dialTLS bool) error { return getThrough(t, proxy, target.String(), cfg, dialTLS) }
	pool := x509.NewCertPool()
	pool.AddCert(pki.CA)
	require.NoError(t, through(&tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}, false), "crypto/tls's own check")
	require.NoError(t, through(&tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}, true), "crypto/tls's own check, dialed by DialTLS")
	cfg, err := Config(Files{CA: caFile, Host: "localhost"}, nil)
	require.NoError(t, err)
	require.NoError(t, through(cfg, true))
	err = through(cfg, false)
	require.ErrorContains(t, err, "proxyconnect", "the proxy checked for the URL's host without DialTLS")
	require.ErrorContains(t, err, "wanted to match localhost")

	other, err := tls.X509KeyPair(pki.IssueServer(t, "server", "prometheus.example"))
	require.NoError(t, err)
	cert.Store(&other)
	require.ErrorContains(t, through(cfg, true), "not localhost", "the tunnelled server's name is still checked")
}

// getThrough GETs target through the HTTPS proxy with cfg, on a transport
// of its own whose first TLS connection (the proxy's) DialTLS makes when
// dialTLS, net/http otherwise.
func getThrough(t *testing.T, proxy *url.URL, target string, cfg *tls.Config, dialTLS bool) error {
	tr := &http.Transport{TLSClientConfig: cfg, Proxy: http.ProxyURL(proxy)}
	if dialTLS {
		tr.DialTLSContext = DialTLS(tr)
	}
	defer tr.CloseIdleConnections()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, target, nil)
	require.NoError(t, err)
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		return err
	}
	return resp.Body.Close()
}

// signer is a certificate and its key, a CA signing others in a test.
type signer struct {
	cert *x509.Certificate
	der  []byte
	key  *ecdsa.PrivateKey
}

// sign makes a certificate of tmpl signed by parent (nil: self-signed).
func sign(t *testing.T, tmpl *x509.Certificate, parent *signer) *signer {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl.SerialNumber = big.NewInt(time.Now().UnixNano())
	issuer, issuerKey := tmpl, key
	if parent != nil {
		issuer, issuerKey = parent.cert, parent.key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, issuer, &key.PublicKey, issuerKey)
	require.NoError(t, err)
	c, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	return &signer{cert: c, der: der, key: key}
}

// TestVerifiesAsCryptoTLS: against servers presenting a chain through an
// intermediate CA, an expired certificate, one for client auth only, and
// one for another name, Config with the root in its CA file decides as
// crypto/tls with the root in RootCAs does: the intermediates the server
// sends are used, the dates and the server-auth usage are checked.
func TestVerifiesAsCryptoTLS(t *testing.T) {
	now := time.Now()
	ca := func(name string, parent *signer) *signer {
		return sign(t, &x509.Certificate{Subject: pkix.Name{CommonName: name}, NotBefore: now.Add(-24 * time.Hour), NotAfter: now.Add(24 * time.Hour),
			IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}, parent)
	}
	root := ca("root", nil)
	inter := ca("intermediate", root)
	leaf := func(from, to time.Time, usage x509.ExtKeyUsage, ip string) *signer {
		return sign(t, &x509.Certificate{Subject: pkix.Name{CommonName: "server"}, NotBefore: from, NotAfter: to,
			KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage}, IPAddresses: []net.IP{net.ParseIP(ip)}}, inter)
	}
	valid, hour := now.Add(-time.Minute), time.Hour
	var cert atomic.Pointer[tls.Certificate]
	srv := movingServer(t, &cert)
	caFile := testkit.WriteFile(t, t.TempDir(), "root.pem", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: root.der}))
	cfg, err := Config(Files{CA: caFile, Host: "127.0.0.1"}, nil)
	require.NoError(t, err)
	pool := x509.NewCertPool()
	pool.AddCert(root.cert)
	ref := &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	for _, tc := range []struct {
		name  string
		leaf  *signer
		chain bool // the server sends the intermediate
		ok    bool
	}{
		{"chain", leaf(valid, now.Add(hour), x509.ExtKeyUsageServerAuth, "127.0.0.1"), true, true},
		{"no intermediate sent", leaf(valid, now.Add(hour), x509.ExtKeyUsageServerAuth, "127.0.0.1"), false, false},
		{"expired", leaf(now.Add(-2*hour), now.Add(-hour), x509.ExtKeyUsageServerAuth, "127.0.0.1"), true, false},
		{"not yet valid", leaf(now.Add(hour), now.Add(2*hour), x509.ExtKeyUsageServerAuth, "127.0.0.1"), true, false},
		{"client auth only", leaf(valid, now.Add(hour), x509.ExtKeyUsageClientAuth, "127.0.0.1"), true, false},
		{"another IP address", leaf(valid, now.Add(hour), x509.ExtKeyUsageServerAuth, "127.0.0.2"), true, false},
	} {
		c := tls.Certificate{Certificate: [][]byte{tc.leaf.der}, PrivateKey: tc.leaf.key}
		if tc.chain {
			c.Certificate = append(c.Certificate, inter.der)
		}
		cert.Store(&c)
		_, want := get(t, ref, srv.URL)
		require.Equal(t, tc.ok, want == nil, "%s: crypto/tls: %v", tc.name, want)
		_, err := get(t, cfg, srv.URL)
		require.Equal(t, tc.ok, err == nil, "%s: %v", tc.name, err)
		if !tc.ok {
			var ve *tls.CertificateVerificationError
			require.ErrorAs(t, err, &ve, tc.name)
		}
	}
}

// TestWatch: Watch reports each change of the CA, certificate or key file
// once (a new modification time, or a new size at the same time), and is
// nil without files.
func TestWatch(t *testing.T) {
	require.Nil(t, Files{ServerName: "prometheus.example", Host: "127.0.0.1"}.Watch())
	dir := t.TempDir()
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	write := func(name, body string) string {
		p := testkit.WriteFile(t, dir, name, []byte(body))
		require.NoError(t, os.Chtimes(p, at, at))
		return p
	}
	f := Files{CA: write("ca.pem", "ca"), Cert: write("c.pem", "cert"), Key: write("k.pem", "key")}
	changed := f.Watch()
	require.False(t, changed(), "nothing changed")
	for _, name := range []string{"ca.pem", "c.pem", "k.pem"} {
		at = at.Add(time.Minute)
		write(name, "renewed")
		require.True(t, changed(), name)
		require.False(t, changed(), "%s: reported once", name)
	}
	write("k.pem", "same time, another size") // k.pem was written at this time
	require.True(t, changed(), "a new size at the same modification time")
	require.False(t, changed())
}

// TestRemovedFilesKeptAndLogged: with the CA file, or the certificate and
// the key, removed (a Secret deleted, a mount gone), what was read before
// is kept and the failed read logged once. It was kept without a word: the
// stamps of missing files matched the stamps of no failed read.
func TestRemovedFilesKeptAndLogged(t *testing.T) {
	pki := testkit.NewPKI(t)
	dir := t.TempDir()
	certPEM, keyPEM := pki.Issue(t, "client", false)
	f := Files{CA: testkit.WriteFile(t, dir, "ca.pem", pki.CAPEM), Cert: testkit.WriteFile(t, dir, "c.pem", certPEM),
		Key: testkit.WriteFile(t, dir, "k.pem", keyPEM)}
	var logs testkit.SyncBuffer
	cfg, err := Config(f, slog.New(slog.NewTextHandler(&logs, nil)))
	require.NoError(t, err)
	serverPEM, _ := pki.Issue(t, "server", true)
	blk, _ := pem.Decode(serverPEM)
	leaf, err := x509.ParseCertificate(blk.Bytes)
	require.NoError(t, err)
	cs := tls.ConnectionState{PeerCertificates: []*x509.Certificate{leaf}, ServerName: "localhost"}
	for _, p := range []string{f.CA, f.Cert, f.Key} {
		require.NoError(t, os.Remove(p))
	}
	for range 2 {
		require.NoError(t, cfg.VerifyConnection(cs), "the CAs read before")
		c, err := cfg.GetClientCertificate(&tls.CertificateRequestInfo{})
		require.NoError(t, err)
		require.Equal(t, "client", c.Leaf.Subject.CommonName)
	}
	require.Equal(t, 1, strings.Count(logs.String(), "CA file not reloaded"), logs.String())
	require.Equal(t, 1, strings.Count(logs.String(), "client certificate not reloaded"), logs.String())
	require.Contains(t, logs.String(), "no such file")
}
