package exporter

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/shirou/gopsutil/v4/cpu"

	"github.com/prescale/prescale/exporter/internal/hostpath"
	"github.com/prescale/prescale/exporter/internal/loadscore"
)

// cpuCollector exposes the seconds each cpu spent in each mode (from
// /proc/stat, a counter) and the number of online cpus. It never samples
// utilisation itself: rate() in PromQL does that, so no scrape sleeps.
type cpuCollector struct {
	seconds *prometheus.Desc
	cpus    *prometheus.Desc

	// mu guards last, the values of the previous scrape per cpu: the
	// kernel's iowait (and, on some kernels, idle) can go backwards by a
	// tick or two, which Prometheus would read as a counter reset, so a
	// value lower than the last one published is held at it.
	mu   sync.Mutex
	last map[string][len(cpuModes)]float64
}

var _ Collector = (*cpuCollector)(nil)

func newCPUCollector() *cpuCollector {
	return &cpuCollector{
		seconds: prometheus.NewDesc(fqName("cpu", "seconds_total"),
			"Seconds the cpus spent in each mode.", []string{"cpu", "mode"}, nil),
		cpus: prometheus.NewDesc(fqName("", "cpus"),
			"Number of online logical cpus.", nil, nil),
		last: map[string][len(cpuModes)]float64{},
	}
}

// cpuHotplugJump is how far idle and iowait together must go back for the
// cpu's counters to be taken as restarted (the cpu went offline and came
// back: the kernel restarts both) rather than held: the kernel's own
// backward steps are a tick or two, and the sum, unlike iowait alone, does
// not go back when idle time counted as iowait is counted as idle instead.
// Idle alone missed the restart of a cpu that was idle less than 3 s but
// waited on I/O for hours: its iowait was held there for as long again.
const cpuHotplugJump = 3.0

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
		return fmt.Errorf("cpu: no per-cpu lines in %s", hostpath.Proc(ctx, "stat"))
	}
	samples = c.monotonic(samples)
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

// monotonic holds each cpu's counters at least at the values published last,
// unless idle and iowait together went back by cpuHotplugJump or more (then
// the cpu's counters restart from the new values). Cpus that went offline are forgotten.
func (c *cpuCollector) monotonic(samples []cpuSample) []cpuSample {
	const idle, iowait = 3, 4 // indexes in cpuModes
	c.mu.Lock()
	defer c.mu.Unlock()
	seen := make(map[string][len(cpuModes)]float64, len(samples))
	for i, s := range samples {
		prev, ok := c.last[s.cpu]
		if ok && prev[idle]+prev[iowait]-s.seconds[idle]-s.seconds[iowait] < cpuHotplugJump {
			for m := range s.seconds {
				s.seconds[m] = max(s.seconds[m], prev[m])
			}
		}
		samples[i] = s
		seen[s.cpu] = s.seconds
	}
	c.last = seen
	return samples
}

func (c *cpuCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.seconds; ch <- c.cpus }
