package exporter

import (
	"context"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/shirou/gopsutil/v4/mem"

	"github.com/prescale/prescale/exporter/internal/hostpath"
	"github.com/prescale/prescale/exporter/internal/loadscore"
)

// memoryCollector exposes memory and swap from /proc/meminfo. The states of
// prescale_memory_bytes partition prescale_memory_size_bytes, so summing them
// is meaningful; "available" (an estimate that overlaps free and cached) is
// a metric of its own.
type memoryCollector struct {
	size      *prometheus.Desc
	bytes     *prometheus.Desc
	available *prometheus.Desc
	swapSize  *prometheus.Desc
	swapBytes *prometheus.Desc
}

var _ Collector = (*memoryCollector)(nil)

func newMemoryCollector() *memoryCollector {
	return &memoryCollector{
		size: prometheus.NewDesc(fqName("memory", "size_bytes"),
			"Total usable memory (MemTotal).", nil, nil),
		bytes: prometheus.NewDesc(fqName("memory", "bytes"),
			"Memory by state; used = size - free - buffers - cached, cached includes reclaimable slab.", []string{"state"}, nil),
		available: prometheus.NewDesc(fqName("memory", "available_bytes"),
			"Memory available for new work without swapping (MemAvailable).", nil, nil),
		swapSize: prometheus.NewDesc(fqName("swap", "size_bytes"),
			"Total swap space (SwapTotal).", nil, nil),
		swapBytes: prometheus.NewDesc(fqName("swap", "bytes"),
			"Swap space by state.", []string{"state"}, nil),
	}
}

type memoryValues struct {
	size, available    float64
	used, free         float64
	buffers, cached    float64
	swapSize           float64
	swapUsed, swapFree float64
}

func (c *memoryCollector) Update(ctx context.Context, ch chan<- prometheus.Metric) error {
	vm, err := mem.VirtualMemoryWithContext(ctx)
	if err != nil {
		return err
	}
	if vm.Total == 0 {
		// gopsutil returns zeros, not an error, when /proc/meminfo reads
		// empty: a host without memory is no reading.
		return fmt.Errorf("memory: no MemTotal in %s", hostpath.Proc(ctx, "meminfo"))
	}
	v := memoryFrom(vm)
	ch <- prometheus.MustNewConstMetric(c.size, prometheus.GaugeValue, v.size)
	for _, s := range []struct {
		state string
		value float64
	}{{"used", v.used}, {"free", v.free}, {"buffers", v.buffers}, {"cached", v.cached}} {
		ch <- prometheus.MustNewConstMetric(c.bytes, prometheus.GaugeValue, s.value, s.state)
	}
	ch <- prometheus.MustNewConstMetric(c.available, prometheus.GaugeValue, v.available)
	ch <- prometheus.MustNewConstMetric(c.swapSize, prometheus.GaugeValue, v.swapSize)
	ch <- prometheus.MustNewConstMetric(c.swapBytes, prometheus.GaugeValue, v.swapUsed, "used")
	ch <- prometheus.MustNewConstMetric(c.swapBytes, prometheus.GaugeValue, v.swapFree, "free")
	loadscore.ScrapeFrom(ctx).Set(func(in *loadscore.Inputs) { in.MemoryBytes = v.size })
	return nil
}

// memoryFrom converts gopsutil's /proc/meminfo reading. Swap comes from the
// same file (SwapTotal, SwapFree) rather than mem.SwapMemory, which uses the
// sysinfo syscall and so cannot be pointed at a fixture.
func memoryFrom(vm *mem.VirtualMemoryStat) memoryValues {
	v := memoryValues{
		size:      float64(vm.Total),
		available: float64(vm.Available),
		free:      float64(vm.Free),
		buffers:   float64(vm.Buffers),
		cached:    float64(vm.Cached),
		swapSize:  float64(vm.SwapTotal),
		swapFree:  float64(vm.SwapFree),
	}
	v.used = max(0, v.size-v.free-v.buffers-v.cached)
	v.swapUsed = max(0, v.swapSize-v.swapFree)
	return v
}

func (c *memoryCollector) Describe(ch chan<- *prometheus.Desc) {
	describe(ch, c.size, c.bytes, c.available, c.swapSize, c.swapBytes)
}
