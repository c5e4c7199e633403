// Package cgroup reads the cpu and memory limits of a process's cgroups
// (a container's, a Kubernetes pod's, a systemd unit's) from /proc and
// /sys, under roots and with a file reader the caller gives (the exporter's
// HOST_PROC and HOST_SYS, fixture trees in tests). It only reads.
package cgroup

import (
	"bufio"
	"bytes"
	"math"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// Limits are the cpu and memory limits of a process's cgroups: a
// container's (docker --cpus/--memory, a Kubernetes pod's limits) or a
// systemd unit's (CPUQuota=, MemoryMax=). 0 means none found.
type Limits struct {
	CPUs     float64 // cpu quota / period
	MemBytes float64
	// MemFrom is the file MemBytes was read from.
	MemFrom string
}

// V1Unlimited is the value from which a cgroup v1 memory limit means none
// (v1 writes the largest page-aligned int64 when no limit is set).
const V1Unlimited = 1 << 60

// ReadFile reads a whole file (ReadBounded in production).
type ReadFile func(name string) ([]byte, error)

// ReadFileIn reads a whole file named relative to root, another
// process's root, resolved inside it (ReadBoundedIn in production).
type ReadFileIn func(root, name string) ([]byte, error)

// Read reads the limits of process pid ("self", or a number) from the
// cgroups named in proc/<pid>/cgroup under sys/fs/cgroup (proc and sys
// are the roots of /proc and /sys): cgroup v2's cpu.max and memory.max
// (mounted at /sys/fs/cgroup, or /sys/fs/cgroup/unified beside v1), v1's
// cpu.cfs_quota_us / cpu.cfs_period_us and memory.limit_in_bytes. A limit
// applies to every cgroup below the one that sets it, so the lowest of the
// process's cgroup and those above it is taken. A v2 path outside the
// reader's own cgroup namespace (it starts with /..: a sidecar reading its
// pod's application container) cannot be found under sys; the limits of
// the process's own view, proc/<pid>/root/sys/fs/cgroup (its container's
// cgroup, in its own cgroup namespace), are read instead, which the
// kernel allows to a reader with the process's user or CAP_SYS_PTRACE;
// else it is left out. Those are read with readIn, inside that root (nil:
// readFile of the joined path, for a process whose root is the reader's).
func Read(readFile ReadFile, readIn ReadFileIn, proc, sys, pid string) Limits {
	data, err := readFile(filepath.Join(proc, pid, "cgroup"))
	if err != nil {
		return Limits{}
	}
	r := reader{readFile: readFile, root: filepath.Join(sys, "fs", "cgroup")}
	var lim Limits
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		parts := strings.SplitN(sc.Text(), ":", 3)
		if len(parts) != 3 || !strings.HasPrefix(parts[2], "/") {
			continue
		}
		if strings.HasPrefix(parts[2], "/..") {
			if parts[0] == "0" && parts[1] == "" {
				lim.lower(ownView(readFile, readIn, filepath.Join(proc, pid, "root")))
			}
			continue
		}
		ctrls, dir := strings.Split(parts[1], ","), path.Clean(parts[2])
		switch {
		case parts[0] == "0" && parts[1] == "": // v2
			for _, mount := range []string{"", "unified"} {
				lim.lower(r.above(mount, dir, r.v2))
			}
		case slices.Contains(ctrls, "cpu"):
			for _, mount := range []string{parts[1], "cpu"} {
				lim.lower(r.above(mount, dir, r.v1CPU))
			}
		case slices.Contains(ctrls, "memory"):
			lim.lower(r.above("memory", dir, r.v1Memory))
		}
	}
	return lim
}

// ownView reads the v2 limits of a process's own view of its cgroup,
// root/sys/fs/cgroup, with the names resolved inside root.
func ownView(readFile ReadFile, readIn ReadFileIn, root string) Limits {
	if readIn == nil {
		readIn = func(root, name string) ([]byte, error) { return readFile(filepath.Join(root, name)) }
	}
	in := func(name string) ([]byte, error) {
		rel, err := filepath.Rel(root, name)
		if err != nil {
			return nil, err
		}
		return readIn(root, rel)
	}
	own := reader{readFile: in, root: filepath.Join(root, "sys", "fs", "cgroup")}
	return own.v2(own.root)
}

// lower keeps, for each limit, the lowest found.
func (l *Limits) lower(o Limits) {
	if o.CPUs > 0 && (l.CPUs == 0 || o.CPUs < l.CPUs) {
		l.CPUs = o.CPUs
	}
	if o.MemBytes > 0 && (l.MemBytes == 0 || o.MemBytes < l.MemBytes) {
		l.MemBytes, l.MemFrom = o.MemBytes, o.MemFrom
	}
}

type reader struct {
	readFile ReadFile
	root     string // sys/fs/cgroup
}

// above reads the limits of cgroup dir of the hierarchy mounted at
// root/mount and of every cgroup above it, keeping the lowest.
func (r reader) above(mount, dir string, read func(base string) Limits) Limits {
	var lim Limits
	for {
		lim.lower(read(filepath.Join(r.root, mount, dir)))
		if dir == "/" {
			return lim
		}
		dir = path.Dir(dir)
	}
}

// v2 reads cpu.max ("max 100000" or "QUOTA PERIOD") and memory.max ("max"
// or bytes) of a cgroup v2 directory.
func (r reader) v2(base string) Limits {
	var lim Limits
	if f := strings.Fields(r.small(base + "/cpu.max")); len(f) == 2 {
		lim.CPUs = quotaCPUs(f[0], f[1])
	}
	if v, err := strconv.ParseFloat(r.small(base+"/memory.max"), 64); err == nil && v > 0 && !math.IsInf(v, 1) {
		lim.MemBytes, lim.MemFrom = v, base+"/memory.max"
	}
	return lim
}

// v1CPU reads cpu.cfs_quota_us (-1: none) over cpu.cfs_period_us of a
// cgroup v1 cpu directory.
func (r reader) v1CPU(base string) Limits {
	return Limits{CPUs: quotaCPUs(r.small(base+"/cpu.cfs_quota_us"), r.small(base+"/cpu.cfs_period_us"))}
}

// v1Memory reads memory.limit_in_bytes of a cgroup v1 memory directory.
func (r reader) v1Memory(base string) Limits {
	name := base + "/memory.limit_in_bytes"
	v, err := strconv.ParseFloat(r.small(name), 64)
	if err != nil || v <= 0 || v >= V1Unlimited {
		return Limits{}
	}
	return Limits{MemBytes: v, MemFrom: name}
}

// quotaCPUs is quota / period in cpus, or 0 for no quota ("max", -1) or
// anything unreadable (ParseFloat also reads "inf" and "NaN": not a
// limit, nor a quotient that overflows).
func quotaCPUs(quota, period string) float64 {
	q, err1 := strconv.ParseFloat(quota, 64)
	p, err2 := strconv.ParseFloat(period, 64)
	if c := q / p; err1 == nil && err2 == nil && q > 0 && p > 0 && c > 0 && !math.IsInf(c, 1) {
		return c
	}
	return 0
}

// small reads a one-line cgroup file, trimmed ("" when absent).
func (r reader) small(name string) string {
	b, err := r.readFile(name)
	if err != nil || len(b) > 256 {
		return ""
	}
	return strings.TrimSpace(string(b))
}
