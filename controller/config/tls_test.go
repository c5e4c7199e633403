package config

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/internal/testkit"
)

// TestValidateTLS: the history source's TLS files are read at start: a
// certificate without its key (or the reverse), an unreadable file, a
// file that is no PEM, a key that is not the certificate's, each fail
// naming the variable and the file, never the key's bytes.
func TestValidateTLS(t *testing.T) {
	pki := testkit.NewPKI(t)
	dir := t.TempDir()
	certA, keyA := pki.Issue(t, "a", false)
	_, keyB := pki.Issue(t, "b", false)
	ca := testkit.WriteFile(t, dir, "ca.pem", pki.CAPEM)
	cert := testkit.WriteFile(t, dir, "cert.pem", certA)
	key := testkit.WriteFile(t, dir, "key.pem", keyA)
	other := testkit.WriteFile(t, dir, "other-key.pem", keyB)
	notPEM := testkit.WriteFile(t, dir, "not.pem", []byte("not PEM\n"))
	missing := filepath.Join(dir, "missing.pem")
	for _, tc := range []struct {
		name, ca, cert, key, want string
	}{
		{"good", ca, cert, key, ""},
		{"CA alone", ca, "", "", ""},
		{"cert without key", "", cert, "", "PRESCALE_PROMETHEUS_KEY_FILE: must be set with PRESCALE_PROMETHEUS_CERT_FILE"},
		{"key without cert", "", "", key, "PRESCALE_PROMETHEUS_CERT_FILE: must be set with PRESCALE_PROMETHEUS_KEY_FILE"},
		{"mismatched pair", "", cert, other, "PRESCALE_PROMETHEUS_KEY_FILE: " + other + ": tls: private key does not match public key (certificate " + cert + ")"},
		{"bad PEM cert", "", notPEM, key, "PRESCALE_PROMETHEUS_CERT_FILE: " + notPEM + ": no PEM CERTIFICATE block"},
		{"bad PEM key", "", cert, notPEM, "PRESCALE_PROMETHEUS_KEY_FILE: " + notPEM + ": tls: failed to find any PEM data in key input"},
		{"bad PEM CA", notPEM, "", "", "PRESCALE_PROMETHEUS_CA_FILE: " + notPEM + ": no PEM CERTIFICATE block"},
		{"unreadable cert", "", missing, key, "PRESCALE_PROMETHEUS_CERT_FILE: " + missing + ": open " + missing},
		{"unreadable CA", missing, cert, key, "PRESCALE_PROMETHEUS_CA_FILE: " + missing + ": open " + missing},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := validConfig(t)
			c.PrometheusURL = "https://p:9090"
			c.PrometheusCAFile, c.PrometheusCertFile, c.PrometheusKeyFile = tc.ca, tc.cert, tc.key
			err := c.Validate()
			if tc.want == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, tc.want)
			for _, k := range [][]byte{keyA, keyB} {
				require.NotContains(t, err.Error(), strings.Split(string(k), "\n")[1], "key material in the error")
			}
		})
	}
	// The embedded store reads none of them: not read, a WARN instead.
	c := validConfig(t)
	c.PrometheusCertFile = missing
	require.NoError(t, c.Validate())
}

// TestUnusedTLS: TLS files for the embedded store or an http:// server
// are read by nothing: one WARN each.
func TestUnusedTLS(t *testing.T) {
	c := Config{Actuators: []string{"none"}, PrometheusCAFile: "ca.pem", PrometheusServerName: "p"}
	require.Equal(t, []string{
		"PRESCALE_PROMETHEUS_CA_FILE is set but unused: PRESCALE_PROMETHEUS_URL is empty, so history is read from the embedded store",
		"PRESCALE_PROMETHEUS_SERVER_NAME is set but unused: PRESCALE_PROMETHEUS_URL is empty, so history is read from the embedded store",
	}, c.Unused())
	c.PrometheusURL = "http://p:9090"
	require.Equal(t, []string{
		"PRESCALE_PROMETHEUS_CA_FILE is set but unused: PRESCALE_PROMETHEUS_URL is not https://, so no TLS",
		"PRESCALE_PROMETHEUS_SERVER_NAME is set but unused: PRESCALE_PROMETHEUS_URL is not https://, so no TLS",
	}, c.Unused())
	c.PrometheusURL = "HTTPS://p:9090"
	require.Empty(t, c.Unused())
}

// TestPrometheusTLSHost: the TLS files carry the host of
// PRESCALE_PROMETHEUS_URL without its port or brackets, the name a
// certificate is verified against when the handshake sent none (an IP
// address) and PRESCALE_PROMETHEUS_SERVER_NAME is empty.
func TestPrometheusTLSHost(t *testing.T) {
	for url, want := range map[string]string{
		"https://prom.example:9090/select/0": "prom.example",
		"https://[::1]:9090":                 "::1",
		"https://10.0.0.7":                   "10.0.0.7",
		"https://prom\x7f.example":           "",
		"":                                   "",
	} {
		c := Config{PrometheusURL: url, PrometheusServerName: "set"}
		require.Equal(t, want, c.PrometheusTLS().Host, url)
		require.Equal(t, "set", c.PrometheusTLS().ServerName)
	}
}
