package exporter

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/shirou/gopsutil/v4/common"
)

// cgroupLimits are the cpu and memory limits of a process's cgroups: a
// container's (docker --cpus/--memory, a Kubernetes pod's limits) or a
// systemd unit's (CPUQuota=, MemoryMax=). 0 means none found.
type cgroupLimits struct {
	cpus     float64 // cpu quota / period
	memBytes float64
}

// v1Unlimited is the value from which a cgroup v1 memory limit means none
// (v1 writes the largest page-aligned int64 when no limit is set).
const v1Unlimited = 1 << 60

// readCgroupLimits reads the limits of process pid from the cgroups named
// in /proc/<pid>/cgroup under /sys/fs/cgroup: cgroup v2's cpu.max and
// memory.max (mounted at /sys/fs/cgroup, or /sys/fs/cgroup/unified beside
// v1), v1's cpu.cfs_quota_us / cpu.cfs_period_us and
// memory.limit_in_bytes. A limit applies to every cgroup below the one
// that sets it, so the lowest of the process's cgroup and those above it
// is taken. A path outside the exporter's own cgroup namespace (it starts
// with /..) cannot be found under /sys and is left out.
func readCgroupLimits(ctx context.Context, pid int32) cgroupLimits {
	data, err := os.ReadFile(procPath(ctx, strconv.Itoa(int(pid)), "cgroup"))
	if err != nil {
		return cgroupLimits{}
	}
	var lim cgroupLimits
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		parts := strings.SplitN(sc.Text(), ":", 3)
		if len(parts) != 3 || !strings.HasPrefix(parts[2], "/") || strings.HasPrefix(parts[2], "/..") {
			continue
		}
		ctrls, dir := strings.Split(parts[1], ","), path.Clean(parts[2])
		switch {
		case parts[0] == "0" && parts[1] == "": // v2
			for _, mount := range []string{"", "unified"} {
				lim.lower(limitsAbove(ctx, mount, dir, readV2))
			}
		case slices.Contains(ctrls, "cpu"):
			for _, mount := range []string{parts[1], "cpu"} {
				lim.lower(limitsAbove(ctx, mount, dir, readV1CPU))
			}
		case slices.Contains(ctrls, "memory"):
			lim.lower(limitsAbove(ctx, "memory", dir, readV1Memory))
		}
	}
	return lim
}

// lower keeps, for each limit, the lowest found.
func (l *cgroupLimits) lower(o cgroupLimits) {
	if o.cpus > 0 && (l.cpus == 0 || o.cpus < l.cpus) {
		l.cpus = o.cpus
	}
	if o.memBytes > 0 && (l.memBytes == 0 || o.memBytes < l.memBytes) {
		l.memBytes = o.memBytes
	}
}

// limitsAbove reads the limits of cgroup dir of the hierarchy mounted at
// /sys/fs/cgroup/mount and of every cgroup above it, keeping the lowest.
func limitsAbove(ctx context.Context, mount, dir string, read func(base string) cgroupLimits) cgroupLimits {
	var lim cgroupLimits
	for {
		lim.lower(read(hostPath(ctx, common.HostSysEnvKey, "/sys", "fs", "cgroup", mount, dir)))
		if dir == "/" {
			return lim
		}
		dir = path.Dir(dir)
	}
}

// readV2 reads cpu.max ("max 100000" or "QUOTA PERIOD") and memory.max
// ("max" or bytes) of a cgroup v2 directory.
func readV2(base string) cgroupLimits {
	var lim cgroupLimits
	if f := strings.Fields(readSmall(base + "/cpu.max")); len(f) == 2 {
		lim.cpus = quotaCPUs(f[0], f[1])
	}
	if v, err := strconv.ParseFloat(readSmall(base+"/memory.max"), 64); err == nil && v > 0 {
		lim.memBytes = v
	}
	return lim
}

// readV1CPU reads cpu.cfs_quota_us (-1: none) over cpu.cfs_period_us of a
// cgroup v1 cpu directory.
func readV1CPU(base string) cgroupLimits {
	return cgroupLimits{cpus: quotaCPUs(readSmall(base+"/cpu.cfs_quota_us"), readSmall(base+"/cpu.cfs_period_us"))}
}

// readV1Memory reads memory.limit_in_bytes of a cgroup v1 memory directory.
func readV1Memory(base string) cgroupLimits {
	v, err := strconv.ParseFloat(readSmall(base+"/memory.limit_in_bytes"), 64)
	if err != nil || v <= 0 || v >= v1Unlimited {
		return cgroupLimits{}
	}
	return cgroupLimits{memBytes: v}
}

// quotaCPUs is quota / period in cpus, or 0 for no quota ("max", -1) or
// anything unreadable.
func quotaCPUs(quota, period string) float64 {
	q, err1 := strconv.ParseFloat(quota, 64)
	p, err2 := strconv.ParseFloat(period, 64)
	if err1 != nil || err2 != nil || q <= 0 || p <= 0 {
		return 0
	}
	return q / p
}

// readSmall reads a one-line cgroup file, trimmed ("" when absent).
func readSmall(name string) string {
	b, err := os.ReadFile(name)
	if err != nil || len(b) > 256 {
		return ""
	}
	return strings.TrimSpace(string(b))
}
