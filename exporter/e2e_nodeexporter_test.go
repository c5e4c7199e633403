package exporter

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/internal/testkit"
)

// nodeExporterBinary finds a real node_exporter: PRESCALE_NODE_EXPORTER_BIN,
// else Debian's prometheus-node-exporter or node_exporter on PATH. Missing,
// the test fails with how to install it (make test-deps does).
func nodeExporterBinary(t *testing.T) string {
	t.Helper()
	names := []string{"prometheus-node-exporter", "node_exporter"}
	if v := os.Getenv("PRESCALE_NODE_EXPORTER_BIN"); v != "" {
		names = []string{v}
	}
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	t.Fatalf("the end-to-end test needs a real node_exporter (%s not found): install it with "+
		"`sudo apt-get install prometheus-node-exporter` or make test-deps, or set PRESCALE_NODE_EXPORTER_BIN "+
		"to its path; `go test -short` skips this test", strings.Join(names, " or "))
	return ""
}

// series is one scrape: value by metric name and sorted labels.
type series map[string]float64

func seriesKey(name string, labels map[string]string, keep ...string) string {
	parts := make([]string, 0, len(keep))
	for _, k := range keep {
		parts = append(parts, k+"="+labels[k])
	}
	return name + "{" + strings.Join(parts, ",") + "}"
}

// scrapeSeries fetches url and keeps the samples of the families in keep
// (name -> the labels that identify a sample), counters and gauges alike.
func scrapeSeries(ctx context.Context, t *testing.T, url string, keep map[string][]string) series {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode, url)
	parser := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := parser.TextToMetricFamilies(strings.NewReader(string(body)))
	require.NoError(t, err, url)
	out := series{}
	for name, mf := range mfs {
		labels, ok := keep[name]
		if !ok {
			continue
		}
		for _, m := range mf.GetMetric() {
			ls := map[string]string{}
			for _, l := range m.GetLabel() {
				ls[l.GetName()] = l.GetValue()
			}
			v := m.GetGauge().GetValue()
			if m.GetCounter() != nil {
				v = m.GetCounter().GetValue()
			}
			out[seriesKey(name, ls, labels...)] = v
		}
	}
	return out
}

// nodeKeep and prescaleKeep are the families compared, with the labels
// that identify a sample; pairs maps a node_exporter series to prescale's.
var (
	nodeKeep = map[string][]string{
		"node_cpu_seconds_total": {"cpu", "mode"}, "node_memory_MemTotal_bytes": nil,
		"node_boot_time_seconds": nil, "node_filesystem_size_bytes": {"mountpoint"},
		"node_network_receive_bytes_total": {"device"}, "node_network_transmit_bytes_total": {"device"},
		"node_disk_read_bytes_total": {"device"}, "node_disk_written_bytes_total": {"device"},
		"node_disk_reads_completed_total": {"device"}, "node_disk_writes_completed_total": {"device"},
		"node_disk_read_time_seconds_total": {"device"}, "node_disk_write_time_seconds_total": {"device"},
		"node_disk_io_time_seconds_total":    {"device"},
		"node_network_receive_packets_total": {"device"}, "node_network_transmit_packets_total": {"device"},
		"node_network_receive_errs_total": {"device"}, "node_network_transmit_errs_total": {"device"},
		"node_network_receive_drop_total": {"device"}, "node_network_transmit_drop_total": {"device"},
		"node_context_switches_total": nil, "node_forks_total": nil,
		"node_load1": nil, "node_load5": nil, "node_load15": nil,
		"node_memory_MemFree_bytes": nil, "node_memory_Buffers_bytes": nil, "node_memory_MemAvailable_bytes": nil,
		"node_memory_SwapTotal_bytes": nil,
		"node_filesystem_free_bytes":  {"mountpoint"}, "node_filesystem_avail_bytes": {"mountpoint"},
	}
	prescaleKeep = map[string][]string{
		"prescale_cpu_seconds_total": {"cpu", "mode"}, "prescale_cpus": nil, "prescale_memory_size_bytes": nil,
		"prescale_boot_time_seconds": nil, "prescale_filesystem_size_bytes": {"mountpoint"},
		"prescale_network_bytes_total":   {"device", "direction"},
		"prescale_disk_read_bytes_total": {"device"}, "prescale_disk_written_bytes_total": {"device"},
		"prescale_disk_reads_completed_total": {"device"}, "prescale_disk_writes_completed_total": {"device"},
		"prescale_disk_read_time_seconds_total": {"device"}, "prescale_disk_write_time_seconds_total": {"device"},
		"prescale_disk_io_time_seconds_total":    {"device"},
		"prescale_network_packets_total":         {"device", "direction"},
		"prescale_network_errors_total":          {"device", "direction"},
		"prescale_network_dropped_packets_total": {"device", "direction"},
		"prescale_context_switches_total":        nil, "prescale_processes_created_total": nil,
		"prescale_load1": nil, "prescale_load5": nil, "prescale_load15": nil,
		"prescale_memory_bytes": {"state"}, "prescale_memory_available_bytes": nil, "prescale_swap_size_bytes": nil,
		"prescale_filesystem_free_bytes": {"mountpoint"}, "prescale_filesystem_avail_bytes": {"mountpoint"},
	}
)

var loadKeys = []string{"node_load1{}", "node_load5{}", "node_load15{}"}

// nodeNetwork maps node_exporter's per-direction network families to
// prescale's, which carry the direction as a label.
var nodeNetwork = map[string]string{
	"bytes": "prescale_network_bytes_total", "packets": "prescale_network_packets_total",
	"errs": "prescale_network_errors_total", "drop": "prescale_network_dropped_packets_total",
}

// prescaleName maps a node_exporter series key to prescale's.
func prescaleName(nodeKey string) string {
	name, labels, _ := strings.Cut(nodeKey, "{")
	for _, dir := range []string{"receive", "transmit"} {
		if what, ok := strings.CutPrefix(name, "node_network_"+dir+"_"); ok {
			return nodeNetwork[strings.TrimSuffix(what, "_total")] + "{" + strings.TrimSuffix(labels, "}") + ",direction=" + dir + "}"
		}
	}
	switch name {
	case "node_memory_MemTotal_bytes":
		return "prescale_memory_size_bytes{}"
	case "node_memory_MemFree_bytes":
		return "prescale_memory_bytes{state=free}"
	case "node_memory_Buffers_bytes":
		return "prescale_memory_bytes{state=buffers}"
	case "node_memory_MemAvailable_bytes":
		return "prescale_memory_available_bytes{}"
	case "node_memory_SwapTotal_bytes":
		return "prescale_swap_size_bytes{}"
	case "node_forks_total":
		return "prescale_processes_created_total{}"
	}
	return "prescale_" + strings.TrimPrefix(name, "node_") + "{" + labels
}

// TestE2ENodeExporter compares the exporter's host metrics with a real
// node_exporter's on the same host. Counters are bracketed: node_exporter
// is read before and after prescale, so prescale's value of a counter must
// lie between the two (both read the same /proc files, both hold cpu
// counters that step back). Quantities that do not move (memory size, cpu
// count, boot time, the size of /, the load averages between the kernel's
// 5 s updates) must be equal.
func TestE2ENodeExporter(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test; skipped under -short")
	}
	bin := nodeExporterBinary(t)
	port := freePort(t)
	nodeURL := fmt.Sprintf("http://127.0.0.1:%d/metrics", port)
	cmd := exec.Command(bin, "--web.listen-address=127.0.0.1:"+strconv.Itoa(port), "--collector.disable-defaults",
		"--collector.cpu", "--collector.meminfo", "--collector.stat", "--collector.filesystem",
		"--collector.netdev", "--collector.diskstats", "--collector.loadavg",
		// The same file systems as prescale's defaults (node_exporter's
		// also leave out overlay, the root of a container).
		"--collector.filesystem.mount-points-exclude="+DefaultMountPointsExclude,
		"--collector.filesystem.fs-types-exclude="+DefaultFSTypesExclude)
	cmd.Env = testkit.CleanEnv()
	proc := testkit.StartProcess(t, "node_exporter", cmd, filepath.Join(t.TempDir(), "node_exporter.log"))
	ctx := t.Context()
	proc.WaitHTTP(ctx, t, nodeURL, e2eDeadline)

	cfg := DefaultConfig()
	cfg.Listen = "127.0.0.1:0"
	e, err := New(cfg, prometheus.NewRegistry())
	require.NoError(t, err)
	addr, err := e.Listen()
	require.NoError(t, err)
	testkit.Background(context.Background(), t, e.Run)
	prescaleURL := "http://" + addr.String() + "/metrics"

	// The kernel updates the load averages every 5 s: a triple of reads
	// that straddles an update is read again.
	var before, got, after series
	testkit.Eventually(ctx, t, e2eDeadline, "two node_exporter reads with the same load averages, prescale's moving gauges between them", func() error {
		before = scrapeSeries(ctx, t, nodeURL, nodeKeep)
		got = scrapeSeries(ctx, t, prescaleURL, prescaleKeep)
		after = scrapeSeries(ctx, t, nodeURL, nodeKeep)
		for _, k := range loadKeys {
			if before[k] != after[k] {
				return fmt.Errorf("%s moved from %v to %v", k, before[k], after[k])
			}
		}
		_, err := movingGauges(before, after, got)
		return err
	})

	compareExact(t, before, after, got)
	compareBracketed(t, before, after, got)
	compared, err := movingGauges(before, after, got)
	require.NoError(t, err)
	t.Logf("moving gauges compared: %d", compared)
	require.GreaterOrEqual(t, compared, 5, "memory free, buffers and available, and / free and avail")
}

// movingGauges checks the gauges that move between reads (free, buffer
// and available memory; free and available bytes of each file system both
// list): prescale's value lies between node_exporter's two reads, give or
// take 1 % of the memory or file system size. That catches a wrong unit or
// field (KiB for bytes, MemFree for MemAvailable, free for avail). Another
// process allocating and freeing more than that between the reads would
// fail it once: the reads are repeated until none does. It returns how
// many were compared.
func movingGauges(before, after, got series) (int, error) {
	compared := 0
	for k, lo := range before {
		name, labels, _ := strings.Cut(k, "{")
		var size float64
		switch name {
		case "node_memory_MemFree_bytes", "node_memory_Buffers_bytes", "node_memory_MemAvailable_bytes":
			size = before["node_memory_MemTotal_bytes{}"]
		case "node_filesystem_free_bytes", "node_filesystem_avail_bytes":
			size = before["node_filesystem_size_bytes{"+labels]
		default:
			continue
		}
		p, ok := got[prescaleName(k)]
		if !ok && strings.HasPrefix(name, "node_filesystem_") {
			continue // a file system only node_exporter lists
		}
		if !ok {
			return compared, fmt.Errorf("prescale has no %s", prescaleName(k))
		}
		hi, tol := after[k], size/100
		if p < min(lo, hi)-tol || p > max(lo, hi)+tol {
			return compared, fmt.Errorf("%s: prescale %v, node_exporter %v then %v", prescaleName(k), p, lo, hi)
		}
		compared++
	}
	return compared, nil
}

// compareExact checks what does not move between the two node_exporter
// reads: memory size, boot time, the size of / and of every other file
// system both list, the load averages, and the number of cpus.
func compareExact(t *testing.T, before, after, got series) {
	t.Helper()
	keys := append([]string{"node_memory_MemTotal_bytes{}", "node_memory_SwapTotal_bytes{}", "node_boot_time_seconds{}", "node_filesystem_size_bytes{mountpoint=/}"}, loadKeys...)
	for k := range before {
		if _, ok := got[prescaleName(k)]; ok && k != "node_filesystem_size_bytes{mountpoint=/}" && strings.HasPrefix(k, "node_filesystem_size_bytes{") {
			keys = append(keys, k)
		}
	}
	for _, k := range keys {
		require.Contains(t, before, k)
		require.InDelta(t, before[k], after[k], 0, "%s moved between the two node_exporter reads", k)
		require.InDelta(t, before[k], got[prescaleName(k)], 0, "%s vs %s", k, prescaleName(k))
	}
	t.Logf("equal: %v", keys)
	cpus := 0
	for k := range before {
		if strings.HasPrefix(k, "node_cpu_seconds_total{") && strings.HasSuffix(k, ",mode=idle}") {
			cpus++
		}
	}
	require.Positive(t, cpus)
	require.InDelta(t, float64(cpus), got["prescale_cpus{}"], 0, "cpus: node_exporter's count of idle series")
}

// compareBracketed checks every counter present in both: node_exporter's
// read before <= prescale's <= node_exporter's read after. A device only
// one of them lists (prescale leaves out partitions, loop and zram disks,
// and disks without any I/O; node_exporter leaves out others) is skipped,
// but the cpu seconds of every cpu and mode must be there.
func compareBracketed(t *testing.T, before, after, got series) {
	t.Helper()
	compared := map[string]int{}
	for k, lo := range before {
		name, _, _ := strings.Cut(k, "{")
		if !strings.HasSuffix(name, "_total") {
			continue
		}
		hi, ok := after[k]
		require.True(t, ok, "%s gone from the second node_exporter read", k)
		p, ok := got[prescaleName(k)]
		if !ok {
			require.NotEqual(t, "node_cpu_seconds_total", name, "prescale has no %s", prescaleName(k))
			continue
		}
		// Counts are whole numbers and cpu seconds whole ticks of 0.01 s;
		// node_exporter's division by USER_HZ can differ from prescale's
		// in the last digits (2243.11999775688 for 224312 ticks), so the
		// bracket allows 1 ms: a tenth of a tick, less than one count.
		const eps = 1e-3
		require.GreaterOrEqual(t, p, lo-eps, "%s: prescale %v below node_exporter's earlier read", prescaleName(k), p)
		require.LessOrEqual(t, p, hi+eps, "%s: prescale %v above node_exporter's later read %v", prescaleName(k), p, hi)
		compared[name]++
	}
	t.Logf("counters bracketed per family: %v", compared)
	for _, name := range []string{"node_cpu_seconds_total", "node_context_switches_total", "node_forks_total"} {
		require.Positive(t, compared[name], "no %s compared", name)
	}
}
