package exporter

import (
	"context"
	"fmt"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/shirou/gopsutil/v4/cpu"

	"github.com/prescale/prescale/exporter/internal/loadscore"
)

// cpuCollector exposes the seconds each cpu spent in each mode (from
// /proc/stat, a counter) and the number of online cpus. It never samples
// utilisation itself: rate() in PromQL does that, so no scrape sleeps.
type cpuCollector struct {
	seconds *prometheus.Desc
	cpus    *prometheus.Desc
}

var _ Collector = (*cpuCollector)(nil)

func newCPUCollector() *cpuCollector {
	return &cpuCollector{
		seconds: prometheus.NewDesc(fqName("cpu", "seconds_total"),
			"Seconds the cpus spent in each mode.", []string{"cpu", "mode"}, nil),
		cpus: prometheus.NewDesc(fqName("", "cpus"),
			"Number of online logical cpus.", nil, nil),
	}
}

// cpuModes lists the modes exposed, in /proc/stat order. Guest time is
// already included in user and nice by the kernel, so it is left out.
var cpuModes = [...]string{"user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal"}

type cpuSample struct {
	cpu     string
	seconds [len(cpuModes)]float64
}

func (c *cpuCollector) Update(ctx context.Context, ch chan<- prometheus.Metric) error {
	times, err := cpu.TimesWithContext(ctx, true)
	if err != nil {
		return err
	}
	samples := cpuSamples(times)
	if len(samples) == 0 {
		// gopsutil returns an empty slice, not an error, when /proc/stat
		// is unreadable. The path says where HOST_PROC pointed it.
		return fmt.Errorf("cpu: no per-cpu lines in %s", procPath(ctx, "stat"))
	}
	for _, s := range samples {
		for i, mode := range cpuModes {
			ch <- prometheus.MustNewConstMetric(c.seconds, prometheus.CounterValue, s.seconds[i], s.cpu, mode)
		}
	}
	ch <- prometheus.MustNewConstMetric(c.cpus, prometheus.GaugeValue, float64(len(samples)))
	loadscore.ScrapeFrom(ctx).Set(func(in *loadscore.Inputs) { in.CPUs = len(samples) })
	return nil
}

// cpuSamples converts gopsutil's per-cpu times (already in seconds) to
// samples labelled by the cpu number ("cpu3" becomes "3").
func cpuSamples(times []cpu.TimesStat) []cpuSample {
	out := make([]cpuSample, 0, len(times))
	for _, t := range times {
		out = append(out, cpuSample{
			cpu:     strings.TrimPrefix(t.CPU, "cpu"),
			seconds: [len(cpuModes)]float64{t.User, t.Nice, t.System, t.Idle, t.Iowait, t.Irq, t.Softirq, t.Steal},
		})
	}
	return out
}

func (c *cpuCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.seconds; ch <- c.cpus }
