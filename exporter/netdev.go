package exporter

import (
	"context"
	"sort"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/shirou/gopsutil/v4/net"
)

// networkCollector exposes per-interface counters from /proc/net/dev, with
// the direction as a label (receive, transmit).
type networkCollector struct {
	bytes, packets, errors, drops *prometheus.Desc
}

var _ Collector = (*networkCollector)(nil)

func newNetworkCollector() *networkCollector {
	d := func(name, help string) *prometheus.Desc {
		return prometheus.NewDesc(fqName("network", name), help, []string{"device", "direction"}, nil)
	}
	return &networkCollector{
		bytes:   d("bytes_total", "Bytes received or transmitted by the interface."),
		packets: d("packets_total", "Packets received or transmitted by the interface."),
		errors:  d("errors_total", "Receive or transmit errors of the interface."),
		drops:   d("dropped_packets_total", "Packets dropped on receive or transmit by the interface."),
	}
}

type netSample struct {
	device                        string
	direction                     string
	bytes, packets, errors, drops float64
}

func (c *networkCollector) Update(ctx context.Context, ch chan<- prometheus.Metric) error {
	stats, err := net.IOCountersWithContext(ctx, true)
	if err != nil {
		return err
	}
	for _, s := range netSamples(stats) {
		ch <- prometheus.MustNewConstMetric(c.bytes, prometheus.CounterValue, s.bytes, s.device, s.direction)
		ch <- prometheus.MustNewConstMetric(c.packets, prometheus.CounterValue, s.packets, s.device, s.direction)
		ch <- prometheus.MustNewConstMetric(c.errors, prometheus.CounterValue, s.errors, s.device, s.direction)
		ch <- prometheus.MustNewConstMetric(c.drops, prometheus.CounterValue, s.drops, s.device, s.direction)
	}
	return nil
}

// netSamples splits each interface's counters into a receive and a
// transmit sample, sorted by interface.
func netSamples(stats []net.IOCountersStat) []netSample {
	sorted := append([]net.IOCountersStat(nil), stats...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
	out := make([]netSample, 0, 2*len(sorted))
	for _, s := range sorted {
		out = append(out,
			netSample{s.Name, "receive", float64(s.BytesRecv), float64(s.PacketsRecv), float64(s.Errin), float64(s.Dropin)},
			netSample{s.Name, "transmit", float64(s.BytesSent), float64(s.PacketsSent), float64(s.Errout), float64(s.Dropout)},
		)
	}
	return out
}

func (c *networkCollector) Describe(ch chan<- *prometheus.Desc) {
	describe(ch, c.bytes, c.packets, c.errors, c.drops)
}
