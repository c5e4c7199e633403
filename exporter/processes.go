package exporter

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/prescale/prescale/exporter/internal/hostpath"
	"github.com/prescale/prescale/exporter/internal/procfs"
)

// processesCollector exposes process counts. Running and blocked come from
// procs_running and procs_blocked in /proc/stat (read by procfs, not
// gopsutil, whose zeros for an empty file would pass) and the total from the pid
// directories of /proc: no per-process files are read, so the cost does not
// grow with the number of processes beyond one directory listing.
type processesCollector struct {
	running, blocked, total, created, ctxt *prometheus.Desc
}

var _ Collector = (*processesCollector)(nil)

func newProcessesCollector() *processesCollector {
	return &processesCollector{
		running: prometheus.NewDesc(fqName("processes", "running"),
			"Runnable threads (procs_running in /proc/stat), less the exporter's own but the one reading it.", nil, nil),
		blocked: prometheus.NewDesc(fqName("processes", "blocked"), "Threads blocked waiting for I/O (procs_blocked in /proc/stat).", nil, nil),
		total:   prometheus.NewDesc(fqName("", "processes"), "Processes on the host (pid directories in /proc).", nil, nil),
		created: prometheus.NewDesc(fqName("processes", "created_total"), "Processes and threads created (forks) since boot.", nil, nil),
		ctxt:    prometheus.NewDesc(fqName("", "context_switches_total"), "Context switches since boot.", nil, nil),
	}
}

func (c *processesCollector) Update(ctx context.Context, ch chan<- prometheus.Metric) error {
	path := hostpath.Proc(ctx, "stat")
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	m, err := procfs.Processes(b)
	if err != nil {
		return fmt.Errorf("processes: %s: %w", path, err)
	}
	total, err := countPids(hostpath.Proc(ctx))
	if err != nil {
		return err
	}
	running := int(min(m.Running, math.MaxInt32))
	if own := ownRunning(ctx); own > 1 {
		// The reader stays counted, as node_exporter's own reader is.
		running = max(1, running-(own-1))
	}
	ch <- prometheus.MustNewConstMetric(c.running, prometheus.GaugeValue, float64(running))
	ch <- prometheus.MustNewConstMetric(c.blocked, prometheus.GaugeValue, float64(m.Blocked))
	ch <- prometheus.MustNewConstMetric(c.total, prometheus.GaugeValue, float64(total))
	ch <- prometheus.MustNewConstMetric(c.created, prometheus.CounterValue, float64(m.Created))
	ch <- prometheus.MustNewConstMetric(c.ctxt, prometheus.CounterValue, float64(m.ContextSwitches))
	return nil
}

// countPids counts the process directories of dir (/proc under
// HOST_PROC): the entries whose name is a number.
func countPids(dir string) (int, error) {
	f, err := os.Open(dir)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	names, err := f.Readdirnames(-1)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, name := range names {
		if _, err := strconv.ParseUint(name, 10, 64); err == nil {
			n++
		}
	}
	return n, nil
}

// ownRunning counts the exporter's own threads the kernel has runnable
// (/proc/self/task/*/stat, under HOST_PROC), the one reading them
// included; 0 when they cannot be read. procs_running counts them: the
// scrape's own threads (the Go runtime's, woken for the concurrent
// sources) read 2 to 3 more runnable threads on an idle 2-cpu host than
// node_exporter, reading at the same moments, or awk.
func ownRunning(ctx context.Context) int {
	dir := hostpath.Proc(ctx, "self", "task")
	tasks, err := os.ReadDir(dir)
	if err != nil {
		return 0
	}
	n := 0
	for _, t := range tasks {
		b, err := os.ReadFile(filepath.Join(dir, t.Name(), "stat"))
		if err != nil {
			continue // a thread that ended meanwhile
		}
		if st, err := procfs.TaskState(b); err == nil && st == 'R' {
			n++
		}
	}
	return n
}

func (c *processesCollector) Describe(ch chan<- *prometheus.Desc) {
	describe(ch, c.running, c.blocked, c.total, c.created, c.ctxt)
}
