package exporter

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
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
	}{{"stat", parseBootTime, c.bootTime}, {"uptime", parseUptime, c.uptime}} {
		b, err := os.ReadFile(procPath(ctx, m.file))
		if err != nil {
			return err
		}
		v, err := m.parse(b)
		if err != nil {
			return err
		}
		ch <- prometheus.MustNewConstMetric(m.desc, prometheus.GaugeValue, v)
	}
	return nil
}

// parseBootTime returns the value of the "btime" line of /proc/stat.
func parseBootTime(stat []byte) (float64, error) {
	for line := range bytes.Lines(stat) {
		f := bytes.Fields(line)
		if len(f) == 2 && string(f[0]) == "btime" {
			v, err := strconv.ParseFloat(string(f[1]), 64)
			if err != nil {
				return 0, fmt.Errorf("btime %s: %w", quoteCut(string(f[1])), errors.Unwrap(err))
			}
			return v, nil
		}
	}
	return 0, errors.New("no btime line in /proc/stat")
}

// parseUptime returns the first field of /proc/uptime (seconds since boot).
func parseUptime(data []byte) (float64, error) {
	f := bytes.Fields(data)
	if len(f) == 0 {
		return 0, errors.New("empty /proc/uptime")
	}
	v, err := strconv.ParseFloat(string(f[0]), 64)
	if err != nil {
		return 0, fmt.Errorf("uptime %s: %w", quoteCut(string(f[0])), errors.Unwrap(err))
	}
	return v, nil
}

func (c *bootCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.bootTime; ch <- c.uptime }
