package backtestcmd

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/internal/testkit"
)

// TestBacktestCmdMutualTLS: --ca-file, --cert-file and --key-file let
// prescale backtest --prometheus read a server requiring a client
// certificate of its CA (PRESCALE_PROMETHEUS_CA_FILE and the others'
// flags); without the pair it fails (exit 1) with the hint naming them;
// bad files are bad usage (exit 2) naming the flag and the file, never
// the key.
func TestBacktestCmdMutualTLS(t *testing.T) {
	pki := testkit.NewPKI(t)
	dir := t.TempDir()
	whole := func(start, _ int64) int64 { return start }
	srv := pki.ServeMutualTLS(t, promSine(t, "", whole, func(_, _ int64) int64 { return 0 }).Config.Handler)
	cc, ck := pki.Issue(t, "prescale", false)
	_, otherKey := pki.Issue(t, "other", false)
	ca, cert, key := testkit.WriteFile(t, dir, "ca.pem", pki.CAPEM), testkit.WriteFile(t, dir, "c.pem", cc), testkit.WriteFile(t, dir, "k.pem", ck)
	other := testkit.WriteFile(t, dir, "other.pem", otherKey)
	out := filepath.Join(dir, "d.csv")
	for _, tc := range []struct {
		name  string
		flags []string
		code  int
		says  string
	}{
		{"with the pair", []string{"--ca-file", ca, "--cert-file", cert, "--key-file", key}, 0, srv.URL},
		{"without it", []string{"--ca-file", ca}, 1, "set PRESCALE_PROMETHEUS_CERT_FILE and PRESCALE_PROMETHEUS_KEY_FILE (prescale backtest: --cert-file and --key-file)"},
		{"without the CA", []string{"--cert-file", cert, "--key-file", key}, 1, "set PRESCALE_PROMETHEUS_CA_FILE (prescale backtest: --ca-file)"},
		{"cert without key", []string{"--ca-file", ca, "--cert-file", cert}, 2, "--cert-file and --key-file go together"},
		{"key without cert", []string{"--ca-file", ca, "--key-file", key}, 2, "--cert-file and --key-file go together"},
		{"mismatched key", []string{"--ca-file", ca, "--cert-file", cert, "--key-file", other}, 2, "--key-file: " + other + ": tls: private key does not match public key"},
		{"key as CA", []string{"--ca-file", key}, 2, "--ca-file: " + key + ": no PEM CERTIFICATE block"},
		{"unreadable cert", []string{"--cert-file", filepath.Join(dir, "none"), "--key-file", key}, 2, "--cert-file: " + filepath.Join(dir, "none") + ": open"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			args := append([]string{"--prometheus", srv.URL, "--query", "sum(rate(x[1m]))", "--range", "1d", "--step", "1m",
				"--capacity", "10", "--decisions", out}, tc.flags...)
			code := Run(t.Context(), args, &stdout, &stderr)
			require.Equal(t, tc.code, code, stderr.String())
			require.Contains(t, stdout.String()+stderr.String(), tc.says)
			require.NotContains(t, stderr.String(), strings.Split(string(otherKey), "\n")[1], "key material")
		})
	}
	var stdout, stderr bytes.Buffer
	code := Run(t.Context(), []string{"--trace", filepath.Join(dir, "t.csv"), "--cert-file", cert, "--key-file", key,
		"--capacity", "1", "--decisions", out}, &stdout, &stderr)
	require.Equal(t, 2, code)
	require.Contains(t, stderr.String(), "--cert-file goes with --prometheus")
	stderr.Reset()
	code = Run(t.Context(), []string{"--trace", filepath.Join(dir, "t.csv"), "--server-name", "prom.example",
		"--capacity", "1", "--decisions", out}, &stdout, &stderr)
	require.Equal(t, 2, code)
	require.Contains(t, stderr.String(), "--server-name goes with --prometheus")
}
