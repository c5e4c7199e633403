package exporter

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/shirou/gopsutil/v4/common"
	"github.com/stretchr/testify/require"
)

// cpuScrape writes stat as HOST_PROC's /proc/stat, runs the collector once
// and returns prescale_cpu_seconds_total by "cpu/mode".
func cpuScrape(t *testing.T, c *cpuCollector, dir, stat string) map[string]float64 {
	t.Helper()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "stat"), []byte(stat), 0o644))
	ctx := context.WithValue(t.Context(), common.EnvKey, common.EnvMap{common.HostProcEnvKey: dir})
	ch := make(chan prometheus.Metric, 64)
	require.NoError(t, c.Update(ctx, ch))
	close(ch)
	got := map[string]float64{}
	for m := range ch {
		var pb dto.Metric
		require.NoError(t, m.Write(&pb))
		if pb.GetCounter() == nil {
			continue
		}
		labels := map[string]string{}
		for _, l := range pb.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		got[labels["cpu"]+"/"+labels["mode"]] = pb.GetCounter().GetValue()
	}
	return got
}

// TestCPUCountersNeverGoBack: the kernel's iowait can step back a tick
// (proc(5): "the value of iowait field in /proc/stat will decrease in
// certain conditions"); published raw, Prometheus reads that as a counter
// reset and rate() adds the whole counter in one step. node_exporter holds
// such values; so does prescale now. A cpu whose idle goes back by seconds
// was offline and restarted: its counters are published as they are.
func TestCPUCountersNeverGoBack(t *testing.T) {
	dir := t.TempDir()
	c := newCPUCollector()
	line := "cpu  0 0 0 0 0 0 0 0\n"
	got := cpuScrape(t, c, dir, line+"cpu0 100 0 50 1000 500 0 7 0 0 0\ncpu1 10 0 0 20 3 0 0 0 0 0\n")
	require.InDelta(t, 5.0, got["0/iowait"], 1e-9)

	got = cpuScrape(t, c, dir, line+"cpu0 101 0 50 999 499 0 7 0 0 0\ncpu1 11 0 0 21 3 0 0 0 0 0\n")
	require.InDelta(t, 5.0, got["0/iowait"], 1e-9, "iowait one tick lower is held")
	require.InDelta(t, 10.0, got["0/idle"], 1e-9, "idle one tick lower is held")
	require.InDelta(t, 1.01, got["0/user"], 1e-9, "a rising counter moves")
	require.InDelta(t, 0.11, got["1/user"], 1e-9)

	got = cpuScrape(t, c, dir, line+"cpu0 2 0 1 5 1 0 0 0 0 0\ncpu1 12 0 0 22 3 0 0 0 0 0\n")
	require.InDelta(t, 0.05, got["0/idle"], 1e-9, "idle back by 9.95 s: the cpu restarted")
	require.InDelta(t, 0.01, got["0/iowait"], 1e-9)
	require.InDelta(t, 0.12, got["1/user"], 1e-9)

	// cpu1 was idle 0.22 s in all but waited on I/O 5,000 s: taken offline
	// and back, its idle goes back 0.17 s only, its iowait 4,999.9 s. Held
	// by idle alone, its iowait stayed at 5,000 s until it caught up.
	got = cpuScrape(t, c, dir, line+"cpu0 3 0 1 6 1 0 0 0 0 0\ncpu1 12 0 0 22 500000 0 0 0 0 0\n")
	require.InDelta(t, 5000.0, got["1/iowait"], 1e-9)
	got = cpuScrape(t, c, dir, line+"cpu0 3 0 1 6 1 0 0 0 0 0\ncpu1 12 0 0 5 10 0 0 0 0 0\n")
	require.InDelta(t, 0.1, got["1/iowait"], 1e-9, "idle and iowait back by 5,000 s: the cpu restarted")
	require.InDelta(t, 0.05, got["1/idle"], 1e-9)

	// A cpu absent from a scrape (offline) is forgotten: back with counters
	// a little lower, they are published as read, not held.
	cpuScrape(t, c, dir, line+"cpu0 3 0 1 6 1 0 0 0 0 0\n")
	got = cpuScrape(t, c, dir, line+"cpu0 3 0 1 6 1 0 0 0 0 0\ncpu1 11 0 0 5 10 0 0 0 0 0\n")
	require.InDelta(t, 0.11, got["1/user"], 1e-9, "held at 0.12 had it been remembered")
}
