package controller_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller"
	"github.com/prescale/prescale/controller/engine"
	"github.com/prescale/prescale/controller/history"
	"github.com/prescale/prescale/controller/policy"
	"github.com/prescale/prescale/controller/state"
	"github.com/prescale/prescale/exporter"
	"github.com/prescale/prescale/internal/testkit"
)

// requireBinary fails (never skips) when a real server the end-to-end tests
// need is missing, with the command that installs it.
func requireBinary(t *testing.T, name string) string {
	t.Helper()
	if testing.Short() {
		t.Skip("end-to-end test: skipped with -short")
	}
	p, err := exec.LookPath(name)
	require.NoError(t, err, "%s not found on PATH: install it with `sudo apt-get install prometheus` (Debian/Ubuntu) or run `make test-deps`", name)
	return p
}

// promServer is a real Prometheus process on loopback.
type promServer struct {
	t       *testing.T
	bin     string
	addr    string
	dataDir string
	cfgPath string
	logPath string
	proc    *testkit.Process
}

// newPromServer writes cfg into a temporary config file; Start runs it.
func newPromServer(t *testing.T, dataDir, cfg string) *promServer {
	t.Helper()
	bin := requireBinary(t, "prometheus")
	dir := t.TempDir()
	p := &promServer{t: t, bin: bin, addr: testkit.FreeAddr(t), dataDir: dataDir,
		cfgPath: filepath.Join(dir, "prometheus.yml"), logPath: filepath.Join(dir, "prometheus.log")}
	require.NoError(t, os.WriteFile(p.cfgPath, []byte(cfg), 0o600))
	return p
}

func (p *promServer) URL() string { return "http://" + p.addr }

// Start launches Prometheus (again, after Stop: same data, same log) and
// waits (with a deadline) for /-/ready.
func (p *promServer) Start(ctx context.Context) {
	t := p.t
	t.Helper()
	cmd := exec.Command(p.bin,
		"--config.file="+p.cfgPath,
		"--storage.tsdb.path="+p.dataDir,
		"--storage.tsdb.retention.time=3650d",
		"--web.listen-address="+p.addr,
		"--log.level=warn",
	)
	p.proc = testkit.StartProcess(t, "prometheus", cmd, p.logPath)
	p.proc.WaitHTTP(ctx, t, p.URL()+"/-/ready", 60*time.Second)
}

// Stop terminates Prometheus and waits for it.
func (p *promServer) Stop() {
	if p.proc != nil {
		p.proc.Stop()
	}
}

// scrapeGauge reads a metric from a /metrics URL: the sum of the samples
// whose labels include lbls.
func scrapeGauge(ctx context.Context, url, name string, lbls map[string]string) (float64, error) {
	fams, err := scrapeFamilies(ctx, url)
	if err != nil {
		return 0, err
	}
	return sumSeries(fams, name, lbls)
}

// scrapeFamilies reads the metric families of one scrape of a /metrics
// URL, by name: counters compared with each other are read from one
// scrape, as a cycle between two scrapes moves them apart.
func scrapeFamilies(ctx context.Context, url string) (map[string]*dto.MetricFamily, error) {
	resp, err := testkit.Get(ctx, url)
	if err != nil {
		return nil, err
	}
	defer func() { _, _ = io.Copy(io.Discard, resp.Body); _ = resp.Body.Close() }()
	dec := expfmt.NewDecoder(resp.Body, expfmt.ResponseFormat(resp.Header))
	fams := map[string]*dto.MetricFamily{}
	for {
		var mf = new(dto.MetricFamily)
		if err := dec.Decode(mf); err != nil {
			if errors.Is(err, io.EOF) {
				return fams, nil
			}
			return nil, err
		}
		fams[mf.GetName()] = mf
	}
}

// sumSeries is the sum of the samples of fams' metric name whose labels
// include lbls.
func sumSeries(fams map[string]*dto.MetricFamily, name string, lbls map[string]string) (float64, error) {
	sum, found := 0.0, false
metrics:
	for _, m := range fams[name].GetMetric() {
		for k, v := range lbls {
			found := false
			for _, lp := range m.GetLabel() {
				if lp.GetName() == k && lp.GetValue() == v {
					found = true
				}
			}
			if !found {
				continue metrics
			}
		}
		switch {
		case m.Gauge != nil:
			sum, found = sum+m.GetGauge().GetValue(), true
		case m.Counter != nil:
			sum, found = sum+m.GetCounter().GetValue(), true
		case m.Untyped != nil:
			sum, found = sum+m.GetUntyped().GetValue(), true
		}
	}
	if !found {
		return 0, fmt.Errorf("%s%v not found", name, lbls)
	}
	return sum, nil
}

// writeOpenMetrics writes a gauge series in the OpenMetrics text format
// promtool tsdb create-blocks-from openmetrics reads.
func writeOpenMetrics(t *testing.T, path, name string, lbls model.LabelSet, ts []int64, vs []float64) {
	t.Helper()
	f, err := os.Create(path)
	require.NoError(t, err)
	w := bufio.NewWriter(f)
	fmt.Fprintf(w, "# TYPE %s gauge\n", name)
	var lb []string
	for k, v := range lbls {
		lb = append(lb, fmt.Sprintf("%s=%q", k, string(v)))
	}
	for i := range ts {
		fmt.Fprintf(w, "%s{%s} %s %d\n", name, strings.Join(lb, ","), strconv.FormatFloat(vs[i], 'g', -1, 64), ts[i])
	}
	fmt.Fprintln(w, "# EOF")
	require.NoError(t, w.Flush())
	require.NoError(t, f.Close())
}

// startExporter runs the real exporter on loopback, with its own registry,
// until the test ends, and returns its address.
func startExporter(t *testing.T) net.Addr {
	t.Helper()
	ecfg := exporter.DefaultConfig()
	ecfg.Listen = "127.0.0.1:0"
	exp, err := exporter.New(ecfg, prometheus.NewRegistry())
	require.NoError(t, err)
	eaddr, err := exp.Listen()
	require.NoError(t, err)
	testkit.Background(t.Context(), t, exp.Run)
	return eaddr
}

// demandStore opens an embedded store in a temporary directory holding one
// series, demand{kv...}, with the samples; it is closed when the test ends.
func demandStore(t *testing.T, ts []int64, vs []float64, kv ...string) *history.Embedded {
	t.Helper()
	emb, err := history.OpenEmbedded(filepath.Join(t.TempDir(), "tsdb"), history.EmbeddedOptions{})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, emb.Close()) })
	_, err = emb.AppendSeries(t.Context(), testkit.Demand(kv...), ts, vs)
	require.NoError(t, err)
	return emb
}

// liveController is a forecast-only controller of tg over h with the
// measured defaults (coverage, detector, threshold) on a 5-minute step and
// cycle, reading window of history at the clock *now; units may be nil.
func liveController(t *testing.T, tg policy.Target, h history.History, window time.Duration, now *time.Time, units controller.UnitsSource) *controller.Controller {
	t.Helper()
	st, err := state.New(t.TempDir())
	require.NoError(t, err)
	step := 5 * time.Minute
	c, err := controller.New([]policy.Target{tg}, controller.Options{
		Interval: step, Step: step, Window: window, Coverage: engine.DefaultCoverage,
		Mode: controller.ModeForecastOnly, AnomalyThreshold: engine.DefaultAnomalyThreshold,
	}, controller.Deps{
		History: h, NewDetector: controller.DetectorByName(engine.DefaultDetector), Decide: policy.Decide,
		Units: units, State: st, Now: func() time.Time { return *now },
	})
	require.NoError(t, err)
	return c
}

// unitsOf is units an API answer gives (desired_units, current_units),
// -1 when null (not known yet).
func unitsOf(units *int) int {
	if units == nil {
		return -1
	}
	return *units
}
