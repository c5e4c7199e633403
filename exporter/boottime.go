package exporter

import (
	"context"
	"fmt"
	"os"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/prescale/prescale/exporter/internal/hostpath"
	"github.com/prescale/prescale/exporter/internal/procfs"
)

// bootCollector exposes the boot time (btime in /proc/stat) and the uptime
// (/proc/uptime). gopsutil's host.BootTime is not used: inside a container
// it switches to time.Now() minus /proc/uptime and caches that in a
// package-global, which makes it neither exact nor testable from fixtures.
type bootCollector struct {
	bootTime, uptime *prometheus.Desc
}

var _ Collector = (*bootCollector)(nil)

func newBootCollector() *bootCollector {
	return &bootCollector{
		bootTime: prometheus.NewDesc(fqName("", "boot_time_seconds"), "Unix time the host booted.", nil, nil),
		uptime:   prometheus.NewDesc(fqName("", "uptime_seconds"), "Seconds since the host booted (/proc/uptime).", nil, nil),
	}
}

func (c *bootCollector) Update(ctx context.Context, ch chan<- prometheus.Metric) error {
	for _, m := range []struct {
		file  string
		parse func([]byte) (float64, error)
		desc  *prometheus.Desc
	}{{"stat", procfs.BootTime, c.bootTime}, {"uptime", procfs.Uptime, c.uptime}} {
		path := hostpath.Proc(ctx, m.file)
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		v, err := m.parse(b)
		if err != nil {
			return fmt.Errorf("boot: %s: %w", path, err)
		}
		ch <- prometheus.MustNewConstMetric(m.desc, prometheus.GaugeValue, v)
	}
	return nil
}

func (c *bootCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.bootTime; ch <- c.uptime }
