package exporter

import (
	"context"
	"os"
	"path/filepath"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/shirou/gopsutil/v4/load"

	"github.com/prescale/prescale/exporter/internal/hostpath"
	"github.com/prescale/prescale/exporter/internal/procfs"
)

// processesCollector exposes process counts. Running and blocked come from
// procs_running and procs_blocked in /proc/stat and the total from the pid
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
	m, err := load.MiscWithContext(ctx)
	if err != nil {
		return err
	}
	running := m.ProcsRunning
	if own := ownRunning(ctx); own > 1 {
		// The reader stays counted, as node_exporter's own reader is.
		running = max(1, running-(own-1))
	}
	ch <- prometheus.MustNewConstMetric(c.running, prometheus.GaugeValue, float64(running))
	ch <- prometheus.MustNewConstMetric(c.blocked, prometheus.GaugeValue, float64(m.ProcsBlocked))
	ch <- prometheus.MustNewConstMetric(c.total, prometheus.GaugeValue, float64(m.ProcsTotal))
	ch <- prometheus.MustNewConstMetric(c.created, prometheus.CounterValue, float64(m.ProcsCreated))
	ch <- prometheus.MustNewConstMetric(c.ctxt, prometheus.CounterValue, float64(m.Ctxt))
	return nil
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
