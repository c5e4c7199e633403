package exporter

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/prometheus/client_golang/api"
	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/internal/testkit"
)

// TestE2ESlowProbeKeepsTheScrape: a real Prometheus (scrape_timeout 1s)
// scrapes the exporter while the application hangs and the probe's
// timeout (5 s) is longer than the scrape's. The collection ends within
// the timeout Prometheus sends (X-Prometheus-Scrape-Timeout-Seconds): the
// scrape succeeds, with the probe failed and the latency signal at full
// load. Before, every scrape took the probe's 5 s and timed out at
// Prometheus: the target was down and every host metric lost while the
// application was slow.
func TestE2ESlowProbeKeepsTheScrape(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test; skipped under -short")
	}
	promBin, err := exec.LookPath("prometheus")
	require.NoError(t, err, "the prometheus binary is needed: sudo apt-get install prometheus (or make test-deps)")
	hang := make(chan struct{})
	app := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-hang:
		}
	}))
	defer app.Close()
	defer close(hang)

	cfg := DefaultConfig()
	cfg.Listen = "127.0.0.1:0"
	cfg.AppURL = app.URL
	cfg.ProbeTimeout = 5 * time.Second
	e, err := New(cfg, prometheus.NewRegistry())
	require.NoError(t, err)
	addr, err := e.Listen()
	require.NoError(t, err)
	testkit.Background(context.Background(), t, e.Run)

	dir := t.TempDir()
	cfgFile := filepath.Join(dir, "prometheus.yml")
	require.NoError(t, os.WriteFile(cfgFile, []byte(testkit.PrometheusConfig(t, "prescale-exporter", addr.String())), 0o644))
	promPort := freePort(t)
	cmd := exec.Command(promBin, "--config.file="+cfgFile, "--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address=127.0.0.1:"+strconv.Itoa(promPort))
	testkit.StartProcess(t, "prometheus", cmd, filepath.Join(dir, "prometheus.log"))
	client, err := api.NewClient(api.Config{Address: fmt.Sprintf("http://127.0.0.1:%d", promPort)})
	require.NoError(t, err)
	papi := promv1.NewAPI(client)

	ctx := t.Context()
	testkit.Eventually(ctx, t, e2eDeadline, "scrapes succeed with the probe failed and the latency signal at 1", func() error {
		v, _, _, err := papi.Query(ctx, `up + on() prescale_app_probe_success + on() prescale_app_load_signal_ratio{signal="latency"} + on() prescale_exporter_collector_success{collector="cpu"}`, time.Now())
		if err != nil {
			return err
		}
		vec, ok := v.(model.Vector)
		if !ok || len(vec) != 1 || vec[0].Value != 3 { // up 1, probe_success 0, latency 1, cpu 1
			targets, _ := papi.Targets(ctx)
			return fmt.Errorf("up + probe_success + latency + cpu = %v (want 3); targets %+v", v, targets.Active)
		}
		return nil
	})
}
