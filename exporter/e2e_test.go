package exporter

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/api"
	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/internal/testkit"
)

// The end-to-end tests build and start real processes. They are skipped
// only under -short; a missing prometheus binary fails them.

const e2eDeadline = 90 * time.Second

// freePort returns a loopback port that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := ln.Addr().(*net.TCPAddr).Port
	require.NoError(t, ln.Close())
	return port
}

// buildExporter builds cmd/prescale-exporter into a temporary directory.
func buildExporter(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "prescale-exporter")
	cmd := exec.CommandContext(t.Context(), "go", "build", "-o", bin, "github.com/prescale/prescale/cmd/prescale-exporter")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "go build: %s", out)
	return bin
}

// exitCode runs a short-lived command and returns its exit code and output.
func exitCode(t *testing.T, cmd *exec.Cmd) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode(), stdout.String(), stderr.String()
	}
	require.NoError(t, err)
	return 0, stdout.String(), stderr.String()
}

// summarize reduces an exposition to what does not depend on the host:
// HELP and TYPE of every family except the Go runtime's (which change with
// the Go version), plus the per-collector success samples.
func summarize(t *testing.T, exposition []byte) []byte {
	t.Helper()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := parser.TextToMetricFamilies(bytes.NewReader(exposition))
	require.NoError(t, err)
	names := make([]string, 0, len(mfs))
	for name := range mfs {
		names = append(names, name)
	}
	sort.Strings(names)
	var buf bytes.Buffer
	for _, name := range names {
		if strings.HasPrefix(name, "go_") && name != "go_goroutines" {
			continue
		}
		mf := mfs[name]
		fmt.Fprintf(&buf, "# HELP %s %s\n# TYPE %s %s\n", name, mf.GetHelp(), name, strings.ToLower(mf.GetType().String()))
		if name == "prescale_exporter_collector_success" {
			var lines []string
			for _, m := range mf.GetMetric() {
				var ls []string
				for _, l := range m.GetLabel() {
					ls = append(ls, l.GetName()+"="+strconv.Quote(l.GetValue()))
				}
				lines = append(lines, fmt.Sprintf("%s{%s} %g", name, strings.Join(ls, ","), m.GetGauge().GetValue()))
			}
			sort.Strings(lines)
			buf.WriteString(strings.Join(lines, "\n") + "\n")
		}
	}
	return buf.Bytes()
}

func TestE2EBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test; skipped under -short")
	}
	bin := buildExporter(t)

	t.Run("-h prints the configuration table and exits 0", func(t *testing.T) {
		code, stdout, _ := exitCode(t, exec.CommandContext(t.Context(), bin, "-h"))
		require.Equal(t, 0, code)
		for _, v := range []string{"PRESCALE_EXPORTER_LISTEN", "PRESCALE_APP_URL", "PRESCALE_APP_PORT", "PRESCALE_APP_PROCESS", "PRESCALE_APP_PROBE_TIMEOUT", ":9110"} {
			require.Contains(t, stdout, v)
		}
	})

	bad := []struct {
		name, env, mentions string
	}{
		{"unknown env value", "PRESCALE_APP_PORT=eighty", "PRESCALE_APP_PORT"},
		{"invalid listen address", "PRESCALE_EXPORTER_LISTEN=nowhere", "PRESCALE_EXPORTER_LISTEN"},
		{"listen address not local", "PRESCALE_EXPORTER_LISTEN=192.0.2.1:9110", "PRESCALE_EXPORTER_LISTEN"},
		{"invalid regexp", "PRESCALE_EXPORTER_FS_TYPES_EXCLUDE=(", "PRESCALE_EXPORTER_FS_TYPES_EXCLUDE"},
	}
	for _, tc := range bad {
		t.Run(tc.name+" exits 2", func(t *testing.T) {
			cmd := exec.CommandContext(t.Context(), bin)
			cmd.Env = testkit.CleanEnv(tc.env)
			code, _, stderr := exitCode(t, cmd)
			require.Equal(t, 2, code, stderr)
			require.Contains(t, stderr, tc.mentions)
		})
	}

	t.Run("scrape matches the golden summary", func(t *testing.T) {
		app := appServer(t, 200)
		appPort := app.Listener.Addr().(*net.TCPAddr).Port
		port := freePort(t)
		pidFile := filepath.Join(t.TempDir(), "exporter.pid")
		cmd := exec.Command(bin)
		cmd.Env = testkit.CleanEnv(
			"PRESCALE_EXPORTER_LISTEN=127.0.0.1:"+strconv.Itoa(port),
			"PRESCALE_APP_URL="+app.URL,
			"PRESCALE_APP_PORT="+strconv.Itoa(appPort),
			"PRESCALE_APP_PROCESS="+pidFile,
		)
		proc := testkit.StartProcess(t, "prescale-exporter", cmd, filepath.Join(t.TempDir(), "exporter.log"))
		// The exporter watches itself as "the application".
		require.NoError(t, os.WriteFile(pidFile, []byte(strconv.Itoa(cmd.Process.Pid)), 0o644))

		base := fmt.Sprintf("http://127.0.0.1:%d", port)
		proc.WaitHTTP(t.Context(), t, base+"/healthz", e2eDeadline)
		code, _, body := get(t, "GET", base+"/metrics")
		require.Equal(t, 200, code)
		got := summarize(t, []byte(body))
		golden := filepath.Join("testdata", "e2e-binary.golden")
		if *update {
			require.NoError(t, os.WriteFile(golden, got, 0o644))
		}
		want, err := os.ReadFile(golden)
		require.NoError(t, err)
		require.Equal(t, string(want), string(got))
	})
}

func TestE2EPrometheus(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test; skipped under -short")
	}
	promBin, err := exec.LookPath("prometheus")
	if err != nil {
		t.Fatalf("the prometheus binary is needed for this end-to-end test and is not on PATH: %v\n"+
			"install it with: sudo apt-get install prometheus (or run make test-deps), "+
			"or put a prometheus 2.x/3.x binary on PATH", err)
	}

	// The exporter, in-process on the real host.
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector())
	cfg := DefaultConfig()
	cfg.Listen = "127.0.0.1:0"
	e, err := New(cfg, reg)
	require.NoError(t, err)
	addr, err := e.Listen()
	require.NoError(t, err)
	testkit.Background(context.Background(), t, e.Run)

	// A real Prometheus scraping it.
	dir := t.TempDir()
	cfgFile := filepath.Join(dir, "prometheus.yml")
	require.NoError(t, os.WriteFile(cfgFile, []byte(testkit.PrometheusConfig(t, "prescale-exporter", addr.String())), 0o644))
	promPort := freePort(t)
	cmd := exec.Command(promBin,
		"--config.file="+cfgFile,
		"--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address=127.0.0.1:"+strconv.Itoa(promPort),
	)
	testkit.StartProcess(t, "prometheus", cmd, filepath.Join(dir, "prometheus.log"))

	client, err := api.NewClient(api.Config{Address: fmt.Sprintf("http://127.0.0.1:%d", promPort)})
	require.NoError(t, err)
	papi := promv1.NewAPI(client)

	ctx := t.Context()
	testkit.Eventually(ctx, t, e2eDeadline, "Prometheus scrapes the exporter", func() error {
		targets, err := papi.Targets(ctx)
		if err != nil {
			return err
		}
		for _, tg := range targets.Active {
			if tg.ScrapeURL == "http://"+addr.String()+"/metrics" && tg.Health == promv1.HealthGood {
				return nil
			}
		}
		return fmt.Errorf("target not up yet: %+v", targets.Active)
	})

	var result model.Vector
	testkit.Eventually(ctx, t, e2eDeadline, "a CPU rate from Prometheus", func() error {
		v, _, _, err := papi.Query(ctx, `sum by (mode) (rate(prescale_cpu_seconds_total[5s]))`, time.Now())
		if err != nil {
			return err
		}
		vec, ok := v.(model.Vector)
		if !ok || len(vec) == 0 {
			return fmt.Errorf("no data yet: %v", v)
		}
		result = vec
		return nil
	})
	var total float64
	for _, s := range result {
		require.GreaterOrEqual(t, float64(s.Value), 0.0, "rate of a counter")
		total += float64(s.Value)
	}
	// All modes together: about one cpu-second per second per cpu.
	require.Greater(t, total, 0.0)

	v, _, _, err := papi.Query(t.Context(), `min(prescale_exporter_collector_success{collector=~"cpu|memory|load|network"})`, time.Now())
	require.NoError(t, err)
	vec := v.(model.Vector)
	require.Len(t, vec, 1)
	require.InDelta(t, 1.0, float64(vec[0].Value), 0)
}
