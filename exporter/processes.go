package exporter

import (
	"context"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/shirou/gopsutil/v4/load"
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
		running: prometheus.NewDesc(fqName("processes", "running"), "Runnable threads (procs_running in /proc/stat).", nil, nil),
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
	ch <- prometheus.MustNewConstMetric(c.running, prometheus.GaugeValue, float64(m.ProcsRunning))
	ch <- prometheus.MustNewConstMetric(c.blocked, prometheus.GaugeValue, float64(m.ProcsBlocked))
	ch <- prometheus.MustNewConstMetric(c.total, prometheus.GaugeValue, float64(m.ProcsTotal))
	ch <- prometheus.MustNewConstMetric(c.created, prometheus.CounterValue, float64(m.ProcsCreated))
	ch <- prometheus.MustNewConstMetric(c.ctxt, prometheus.CounterValue, float64(m.Ctxt))
	return nil
}

func (c *processesCollector) Describe(ch chan<- *prometheus.Desc) {
	describe(ch, c.running, c.blocked, c.total, c.created, c.ctxt)
}
