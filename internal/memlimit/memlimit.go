// Package memlimit gives a process in a container (or a systemd unit with
// MemoryMax=) a soft memory limit (the Go runtime's, as GOMEMLIMIT sets)
// below the cgroup's own, so
// that garbage collection works harder near the limit instead of the
// process being killed at it, and a garbage collection percent below the
// runtime's default (DefaultGCPercent) when GOGC is unset. It only reads:
// the caller applies them (runtime/debug.SetMemoryLimit, SetGCPercent).
package memlimit

import (
	"strconv"
	"strings"

	"github.com/prescale/prescale/internal/cgroup"
)

// Fraction of the container's memory limit the soft limit is set to: what
// docs/deploy.md advises for GOMEMLIMIT (the rest is for what the runtime
// does not count: goroutine stacks, fragmentation, the binary).
const Fraction = 0.8

// cgroupFiles are where a container's memory limit is read (its cgroup is
// the mount's root in its own cgroup namespace): cgroup v2, then v1.
var cgroupFiles = []string{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"}

// Default returns the soft memory limit in bytes to set, Fraction of the
// memory limit, and the file it was read from; 0 when GOMEMLIMIT is set
// (the operator's choice stands, "off" included) or no limit is found
// (one of 1 EiB or more, cgroup.V1Unlimited, is none).
// The limit is the lowest of a container's (cgroupFiles) and those of the
// cgroups /proc/self/cgroup names, the process's own and each above it (a
// systemd unit's MemoryMax=, a slice's). getenv and readFile are os.Getenv
// and os.ReadFile in production.
func Default(getenv func(string) string, readFile func(string) ([]byte, error)) (int64, string) {
	if getenv("GOMEMLIMIT") != "" {
		return 0, ""
	}
	lim := cgroup.Read(readFile, nil, "/proc", "/sys", "self")
	for _, f := range cgroupFiles {
		b, err := readFile(f)
		if err != nil {
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(string(b)), 64)
		if err == nil && v > 0 && v < cgroup.V1Unlimited && (lim.MemBytes == 0 || v < lim.MemBytes) { // "max": no limit
			lim.MemBytes, lim.MemFrom = v, f
		}
		break
	}
	if lim.MemBytes == 0 || lim.MemBytes >= cgroup.V1Unlimited { // 1 EiB or more: none (0.8 of 1e48 overflowed int64)
		return 0, ""
	}
	return int64(lim.MemBytes * Fraction), lim.MemFrom
}
