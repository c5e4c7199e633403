package tlsfiles

import (
	"strings"
	"testing"
)

// FuzzParseCerts reads any PEM file of CA certificates
// (PRESCALE_PROMETHEUS_CA_FILE): at least one certificate, no more than
// the file's CERTIFICATE blocks, or an error naming the certificate or
// saying no block was found. Never a panic.
func FuzzParseCerts(f *testing.F) {
	f.Add([]byte("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"))
	f.Add([]byte("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		certs, err := parseCerts(b)
		if err != nil {
			if msg := err.Error(); !strings.HasPrefix(msg, "certificate ") && msg != "no PEM CERTIFICATE block" {
				t.Fatalf("error %q", msg)
			}
			return
		}
		if len(certs) == 0 || len(certs) > strings.Count(string(b), "-----BEGIN CERTIFICATE-----") {
			t.Fatalf("%d certificates", len(certs))
		}
	})
}
