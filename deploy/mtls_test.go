package deploy

import (
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/backtest"
	"github.com/prescale/prescale/internal/testkit"
	"github.com/prescale/prescale/internal/tlsfiles"
)

// TestE2EMutualTLS: a real Prometheus requiring client certificates
// (--web.config.file, client_auth_type: RequireAndVerifyClientCert) signed
// by a CA generated here, on loopback. The controller given the CA, a
// client certificate and its key reads its history (ready after a cycle),
// and so does prescale backtest --prometheus's reader; without the pair
// both fail with the hint naming the variables to set.
func TestE2EMutualTLS(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: builds the controller and starts a real Prometheus server")
	}
	promBin := requireServer(t, true, "PRESCALE_PROMETHEUS_BIN", "prometheus", "prometheus")
	dir := t.TempDir()
	controllerBin := goBuild(t, dir, "prescale-controller")
	pki := testkit.NewPKI(t)
	serverCert, serverKey := pki.Issue(t, "prometheus", true)
	clientCert, clientKey := pki.Issue(t, "prescale", false)
	files := tlsfiles.Files{
		CA:   testkit.WriteFile(t, dir, "ca.pem", pki.CAPEM),
		Cert: testkit.WriteFile(t, dir, "client.pem", clientCert),
		Key:  testkit.WriteFile(t, dir, "client-key.pem", clientKey),
		Host: "127.0.0.1",
	}
	webConfig := testkit.WriteFile(t, dir, "web.yml", fmt.Appendf(nil, "tls_server_config:\n  cert_file: %s\n  key_file: %s\n"+
		"  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: %s\n",
		testkit.WriteFile(t, dir, "server.pem", serverCert), testkit.WriteFile(t, dir, "server-key.pem", serverKey), files.CA))
	promAddr := testkit.FreeAddr(t)
	prom := startProcess(t, dir, "prometheus", promBin, []string{
		"--config.file=" + testkit.WriteFile(t, dir, "prometheus.yml", []byte("global: {scrape_interval: 15s}\n")),
		"--storage.tsdb.path=" + filepath.Join(dir, "prometheus-data"),
		"--web.listen-address=" + promAddr,
		"--web.config.file=" + webConfig,
	}, nil)
	promURL := "https://" + promAddr
	withPair, err := tlsfiles.Config(files, nil)
	require.NoError(t, err)
	poll(t, 30*time.Second, "Prometheus ready over mutual TLS", []*testkit.Process{prom}, func() error {
		_, err := tlsGet(t, withPair, promURL+"/-/ready")
		return err
	})
	caOnly := tlsfiles.Files{CA: files.CA, Host: files.Host}

	// prescale backtest --prometheus's reader.
	end := time.Now().Truncate(time.Minute)
	_, vs, err := backtest.QueryRange(t.Context(), promURL, nil, withPair, "vector(3)", end.Add(-10*time.Minute), end, time.Minute, 30*time.Second)
	require.NoError(t, err)
	require.InDelta(t, 3.0, vs[len(vs)-1], 0)
	noPair, err := tlsfiles.Config(caOnly, nil)
	require.NoError(t, err)
	// The server's alert, or the connection it closed (tlshint.HistoryClosed:
	// a broken pipe, HTTP/2's "client conn could not be established"): both
	// name the settings.
	for range 5 {
		_, _, err = backtest.QueryRange(t.Context(), promURL, nil, noPair, "vector(3)", end.Add(-10*time.Minute), end, time.Minute, 30*time.Second)
		require.ErrorContains(t, err, "set PRESCALE_PROMETHEUS_CERT_FILE and PRESCALE_PROMETHEUS_KEY_FILE")
	}

	// The controller, with the pair and without.
	for _, tc := range []struct {
		name  string
		files tlsfiles.Files
		ready bool
		body  string
	}{
		{"with the pair", files, true, `"ready"`},
		{"without the pair", caOnly, false, "set PRESCALE_PROMETHEUS_CERT_FILE and PRESCALE_PROMETHEUS_KEY_FILE"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addr := testkit.FreeAddr(t)
			env := []string{
				"PRESCALE_LISTEN=" + addr, "PRESCALE_DATA_DIR=" + t.TempDir(), "PRESCALE_PROMETHEUS_URL=" + promURL,
				"PRESCALE_PROMETHEUS_CA_FILE=" + tc.files.CA, "PRESCALE_PROMETHEUS_CERT_FILE=" + tc.files.Cert, "PRESCALE_PROMETHEUS_KEY_FILE=" + tc.files.Key,
				"PRESCALE_SCALING_INTERVAL=1h", "PRESCALE_STEP=2s", "PRESCALE_TARGET_PROVISIONING_LAG=1s", "PRESCALE_HISTORY_WINDOW=1m",
				"PRESCALE_MODE=forecast-only", "PRESCALE_TARGET_NAME=web", "PRESCALE_TARGET_QUERY=vector(3)", "PRESCALE_TARGET_CAPACITY_PER_UNIT=1",
			}
			ctl := startProcess(t, t.TempDir(), "controller", controllerBin, nil, env)
			poll(t, 60*time.Second, "the controller's /readyz after a cycle", []*testkit.Process{prom, ctl}, func() error {
				body, code, err := readyz(t, "http://"+addr+"/readyz")
				switch {
				case err != nil:
					return err
				case strings.Contains(body, "no decision cycle completed yet"):
					return fmt.Errorf("HTTP %d: %s", code, body)
				case (code == http.StatusOK) != tc.ready:
					t.Fatalf("/readyz: HTTP %d: %s", code, body)
				case !strings.Contains(body, tc.body):
					return fmt.Errorf("HTTP %d: %s", code, body) // a form of the refusal without the hint: the next cycle's
				}
				return nil
			})
		})
	}
}

// tlsGet fetches u through a client of cfg; an answer other than 200 is
// an error.
func tlsGet(t *testing.T, cfg *tls.Config, u string) (string, error) {
	tr := &http.Transport{TLSClientConfig: cfg}
	defer tr.CloseIdleConnections()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, u, nil)
	require.NoError(t, err)
	resp, err := (&http.Client{Transport: tr, Timeout: 5 * time.Second}).Do(req)
	if err != nil {
		return "", err
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("HTTP %d: %s", resp.StatusCode, b)
	}
	return string(b), err
}

// readyz fetches the controller's /readyz: its body and status.
func readyz(t *testing.T, u string) (string, int, error) {
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, u, nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", 0, err
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	return string(b), resp.StatusCode, err
}
