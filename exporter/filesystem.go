package exporter

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/shirou/gopsutil/v4/disk"

	"github.com/prescale/prescale/exporter/internal/hostpath"
	"github.com/prescale/prescale/internal/bounded"
)

// UsageFunc returns the usage of the file system mounted at path, as
// disk.UsageWithContext does with statfs(2).
type UsageFunc func(ctx context.Context, path string) (*disk.UsageStat, error)

// filesystemCollector exposes size, free and available bytes per mount
// point, pseudo file systems excluded by type and mount point.
type filesystemCollector struct {
	mountExclude, typeExclude *regexp.Regexp
	usage                     UsageFunc

	// stuck holds the mount points whose statfs has not returned (a dead
	// NFS server): they are skipped until it does, so hung calls never
	// pile up, one per scrape.
	stuck *bounded.Calls

	size, free, avail *prometheus.Desc
}

var _ Collector = (*filesystemCollector)(nil)

func newFilesystemCollector(mountExclude, typeExclude *regexp.Regexp, usage UsageFunc) *filesystemCollector {
	labels := []string{"device", "mountpoint", "fstype"}
	return &filesystemCollector{
		stuck:        bounded.NewCalls(errors.New("an earlier statfs has not returned yet")),
		mountExclude: mountExclude,
		typeExclude:  typeExclude,
		usage:        usage,
		size:         prometheus.NewDesc(fqName("filesystem", "size_bytes"), "File system size.", labels, nil),
		free:         prometheus.NewDesc(fqName("filesystem", "free_bytes"), "Free bytes, including those reserved for root.", labels, nil),
		avail:        prometheus.NewDesc(fqName("filesystem", "avail_bytes"), "Bytes available to unprivileged users.", labels, nil),
	}
}

type fsSample struct {
	device, mountpoint, fstype string
	size, free, avail          float64
}

func (c *filesystemCollector) Update(ctx context.Context, ch chan<- prometheus.Metric) error {
	parts, err := disk.PartitionsWithContext(ctx, true)
	if err != nil {
		return err
	}
	if len(parts) == 0 {
		// gopsutil returns no mounts, not an error, for a mount table
		// that opens but reads empty: a host has at least its root.
		return fmt.Errorf("filesystem: no mount points in %s", hostpath.Proc(ctx, "1", "mountinfo"))
	}
	var errs []error
	names := sync.OnceValue(func() map[string]string { return mapperNames(ctx) })
	for _, p := range selectPartitions(parts, c.mountExclude, c.typeExclude) {
		p.Device = fsDevice(ctx, p.Device, names)
		u, err := c.statfs(ctx, p.Mountpoint)
		if err != nil {
			// One unreadable mount (permissions, a stale NFS handle) must
			// not hide the others; the collector still reports failure.
			errs = append(errs, fmt.Errorf("statfs %s: %w", p.Mountpoint, err))
			continue
		}
		s := fsSampleFrom(p, u)
		ch <- prometheus.MustNewConstMetric(c.size, prometheus.GaugeValue, s.size, s.device, s.mountpoint, s.fstype)
		ch <- prometheus.MustNewConstMetric(c.free, prometheus.GaugeValue, s.free, s.device, s.mountpoint, s.fstype)
		ch <- prometheus.MustNewConstMetric(c.avail, prometheus.GaugeValue, s.avail, s.device, s.mountpoint, s.fstype)
	}
	return errors.Join(errs...)
}

// statfs calls the usage function with the scrape's deadline. A call that
// outlives it keeps running in its goroutine, and the mount point is marked
// stuck until the call returns.
func (c *filesystemCollector) statfs(ctx context.Context, mountpoint string) (*disk.UsageStat, error) {
	return bounded.Do(ctx, c.stuck, mountpoint, func() (*disk.UsageStat, error) {
		return c.usage(ctx, hostpath.Root(ctx, mountpoint))
	})
}

// selectPartitions drops excluded mount points and types and keeps one
// entry per mount point (the last mounted, which is the visible one),
// sorted by mount point.
func selectPartitions(parts []disk.PartitionStat, mountExclude, typeExclude *regexp.Regexp) []disk.PartitionStat {
	byMount := make(map[string]disk.PartitionStat, len(parts))
	for _, p := range parts {
		if mountExclude != nil && mountExclude.MatchString(p.Mountpoint) {
			continue
		}
		if typeExclude != nil && typeExclude.MatchString(p.Fstype) {
			continue
		}
		byMount[p.Mountpoint] = p
	}
	out := make([]disk.PartitionStat, 0, len(byMount))
	for _, p := range byMount {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Mountpoint < out[j].Mountpoint })
	return out
}

// fsSampleFrom converts a statfs reading. gopsutil's UsageStat.Free is the
// space available to unprivileged users (f_bavail) and Used is
// total - f_bfree, so the free space including root's reserve is Total-Used.
func fsSampleFrom(p disk.PartitionStat, u *disk.UsageStat) fsSample {
	free := float64(0)
	if u.Total >= u.Used {
		free = float64(u.Total - u.Used)
	}
	return fsSample{
		device:     p.Device,
		mountpoint: p.Mountpoint,
		fstype:     p.Fstype,
		size:       float64(u.Total),
		free:       free,
		avail:      float64(u.Free),
	}
}

func (c *filesystemCollector) Describe(ch chan<- *prometheus.Desc) {
	describe(ch, c.size, c.free, c.avail)
}
