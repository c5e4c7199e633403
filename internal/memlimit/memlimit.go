// Package memlimit gives a process in a container a soft memory limit
// (the Go runtime's, as GOMEMLIMIT sets) below the container's own, so
// that garbage collection works harder near the limit instead of the
// process being killed at it. It only reads: the caller applies the
// limit (runtime/debug.SetMemoryLimit).
package memlimit

import (
	"strconv"
	"strings"
)

// Fraction of the container's memory limit the soft limit is set to: what
// docs/deploy.md advises for GOMEMLIMIT (the rest is for what the runtime
// does not count: goroutine stacks, fragmentation, the binary).
const Fraction = 0.8

// cgroupFiles are where the container's memory limit is read: cgroup v2,
// then v1.
var cgroupFiles = []string{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"}

// unlimited is the value from which a v1 limit means none (v1 writes the
// largest page-aligned int64 when no limit is set).
const unlimited = 1 << 60

// Default returns the soft memory limit in bytes to set, Fraction of the
// container's limit, and the file it was read from; 0 when GOMEMLIMIT is
// set (the operator's choice stands, "off" included) or no limit is found.
// getenv and readFile are os.Getenv and os.ReadFile in production.
func Default(getenv func(string) string, readFile func(string) ([]byte, error)) (int64, string) {
	if getenv("GOMEMLIMIT") != "" {
		return 0, ""
	}
	for _, f := range cgroupFiles {
		b, err := readFile(f)
		if err != nil {
			continue
		}
		v, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
		if err != nil || v <= 0 || v >= unlimited { // "max": no limit
			return 0, ""
		}
		return int64(float64(v) * Fraction), f
	}
	return 0, ""
}
