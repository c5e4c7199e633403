package exporter

import (
	"context"
	"log/slog"
	"os"
	"regexp"
	"sort"
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/prescale/prescale/exporter/internal/hostpath"
	"github.com/prescale/prescale/exporter/internal/procfs"
)

// diskCollector exposes per-device I/O counters from /proc/diskstats. A
// line it cannot parse (of a device not excluded) is left out, the other devices published, and
// counted in prescale_exporter_diskstats_skipped_lines; the first scrape
// that skips lines after one that did not logs a warning.
type diskCollector struct {
	exclude *regexp.Regexp
	logger  *slog.Logger

	mu          sync.Mutex
	lastSkipped int // lines skipped by the last scrape, for the warning

	skipped *prometheus.Desc

	readBytes, writtenBytes *prometheus.Desc
	reads, writes           *prometheus.Desc
	readTime, writeTime     *prometheus.Desc
	ioTime, ioNow           *prometheus.Desc
}

var _ Collector = (*diskCollector)(nil)

func newDiskCollector(exclude *regexp.Regexp, logger *slog.Logger) *diskCollector {
	d := func(name, help string) *prometheus.Desc {
		return prometheus.NewDesc(fqName("disk", name), help, []string{"device"}, nil)
	}
	return &diskCollector{
		exclude: exclude,
		logger:  logger,
		skipped: prometheus.NewDesc(fqName("exporter", "diskstats_skipped_lines"),
			"Lines of /proc/diskstats the last scrape could not parse and left out of the disk metrics (lines of excluded devices not counted).", nil, nil),
		readBytes:    d("read_bytes_total", "Bytes read from the device."),
		writtenBytes: d("written_bytes_total", "Bytes written to the device."),
		reads:        d("reads_completed_total", "Read operations completed."),
		writes:       d("writes_completed_total", "Write operations completed."),
		readTime:     d("read_time_seconds_total", "Seconds spent by all reads."),
		writeTime:    d("write_time_seconds_total", "Seconds spent by all writes."),
		ioTime:       d("io_time_seconds_total", "Seconds the device spent doing I/O (its busy time)."),
		ioNow:        d("io_now", "I/O operations in progress."),
	}
}

type diskSample struct {
	device                  string
	readBytes, writtenBytes float64
	reads, writes           float64
	readTime, writeTime     float64
	ioTime, ioNow           float64
}

func (c *diskCollector) Update(ctx context.Context, ch chan<- prometheus.Metric) error {
	stats, skipped, err := readDiskStats(ctx, c.exclude)
	if err != nil {
		return err
	}
	c.noteSkipped(skipped)
	ch <- prometheus.MustNewConstMetric(c.skipped, prometheus.GaugeValue, float64(len(skipped)))
	for _, s := range diskSamples(stats) {
		ch <- prometheus.MustNewConstMetric(c.readBytes, prometheus.CounterValue, s.readBytes, s.device)
		ch <- prometheus.MustNewConstMetric(c.writtenBytes, prometheus.CounterValue, s.writtenBytes, s.device)
		ch <- prometheus.MustNewConstMetric(c.reads, prometheus.CounterValue, s.reads, s.device)
		ch <- prometheus.MustNewConstMetric(c.writes, prometheus.CounterValue, s.writes, s.device)
		ch <- prometheus.MustNewConstMetric(c.readTime, prometheus.CounterValue, s.readTime, s.device)
		ch <- prometheus.MustNewConstMetric(c.writeTime, prometheus.CounterValue, s.writeTime, s.device)
		ch <- prometheus.MustNewConstMetric(c.ioTime, prometheus.CounterValue, s.ioTime, s.device)
		ch <- prometheus.MustNewConstMetric(c.ioNow, prometheus.GaugeValue, s.ioNow, s.device)
	}
	return nil
}

// readDiskStats reads /proc/diskstats itself: gopsutil's IOCounters drops
// the devices that never did I/O (node_exporter lists them at 0) and looks
// up each device's serial number and label, which are not exported.
// The lines of devices exclude matches are left out; the other lines it
// cannot parse are returned as errors, one per line (a malformed line of
// an excluded device is not counted or warned about: it would not have
// been published).
func readDiskStats(ctx context.Context, exclude *regexp.Regexp) ([]procfs.DiskStat, []error, error) {
	data, err := os.ReadFile(hostpath.Proc(ctx, "diskstats"))
	if err != nil {
		return nil, nil, err
	}
	var excluded func(string) bool
	if exclude != nil {
		excluded = exclude.MatchString
	}
	lines, skipped := procfs.DiskStats(data, excluded)
	return lines, skipped, nil
}

// noteSkipped logs the first bad line when lines are skipped after a
// scrape that skipped none (one warning while the file stays malformed).
func (c *diskCollector) noteSkipped(skipped []error) {
	c.mu.Lock()
	warn := len(skipped) > 0 && c.lastSkipped == 0
	c.lastSkipped = len(skipped)
	c.mu.Unlock()
	if warn {
		c.logger.Warn("disk: lines of /proc/diskstats skipped, the other devices published",
			"skipped", len(skipped), "first", skipped[0].Error())
	}
}

// diskSamples converts sectors to bytes and milliseconds to seconds, and
// sorts by device name; of a device named on several lines the last is
// kept (two samples of one device would fail the whole scrape).
// readDiskStats already dropped excluded devices.
func diskSamples(lines []procfs.DiskStat) []diskSample {
	const sector = 512 // diskstats counts 512-byte sectors whatever the device's
	out := make([]diskSample, 0, len(lines))
	for _, d := range lines {
		out = append(out, diskSample{
			device:       d.Name,
			readBytes:    float64(d.ReadSectors * sector),
			writtenBytes: float64(d.WriteSectors * sector),
			reads:        float64(d.Reads),
			writes:       float64(d.Writes),
			readTime:     float64(d.ReadMillis) / 1000,
			writeTime:    float64(d.WriteMillis) / 1000,
			ioTime:       float64(d.IOMillis) / 1000,
			ioNow:        float64(d.InProgress),
		})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].device < out[j].device })
	kept := out[:0]
	for i, s := range out {
		if i+1 < len(out) && out[i+1].device == s.device {
			continue // a later line of the same device wins
		}
		kept = append(kept, s)
	}
	return kept
}

func (c *diskCollector) Describe(ch chan<- *prometheus.Desc) {
	describe(ch, c.skipped, c.readBytes, c.writtenBytes, c.reads, c.writes, c.readTime, c.writeTime, c.ioTime, c.ioNow)
}
