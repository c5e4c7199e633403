package exporter

import (
	"context"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/shirou/gopsutil/v4/load"

	"github.com/prescale/prescale/exporter/internal/hostpath"
	"github.com/prescale/prescale/exporter/internal/loadscore"
)

// loadCollector exposes the 1, 5 and 15 minute load averages (/proc/loadavg).
type loadCollector struct {
	load1, load5, load15 *prometheus.Desc
}

var _ Collector = (*loadCollector)(nil)

func newLoadCollector() *loadCollector {
	return &loadCollector{
		load1:  prometheus.NewDesc(fqName("", "load1"), "1 minute load average.", nil, nil),
		load5:  prometheus.NewDesc(fqName("", "load5"), "5 minute load average.", nil, nil),
		load15: prometheus.NewDesc(fqName("", "load15"), "15 minute load average.", nil, nil),
	}
}

func (c *loadCollector) Update(ctx context.Context, ch chan<- prometheus.Metric) (err error) {
	defer func() {
		// gopsutil indexes past the fields of a loadavg that reads short
		// (empty): name the file rather than the index.
		if r := recover(); r != nil {
			err = fmt.Errorf("load: cannot read the load averages of %s: %v", hostpath.Proc(ctx, "loadavg"), r)
		}
	}()
	avg, err := load.AvgWithContext(ctx)
	if err != nil {
		return err
	}
	ch <- prometheus.MustNewConstMetric(c.load1, prometheus.GaugeValue, avg.Load1)
	ch <- prometheus.MustNewConstMetric(c.load5, prometheus.GaugeValue, avg.Load5)
	ch <- prometheus.MustNewConstMetric(c.load15, prometheus.GaugeValue, avg.Load15)
	loadscore.ScrapeFrom(ctx).Set(func(in *loadscore.Inputs) { in.Load1 = avg.Load1; in.HasLoad1 = true })
	return nil
}

func (c *loadCollector) Describe(ch chan<- *prometheus.Desc) {
	describe(ch, c.load1, c.load5, c.load15)
}
