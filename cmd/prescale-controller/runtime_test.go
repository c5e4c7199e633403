package main

import (
	"bytes"
	"io/fs"
	"log/slog"
	"math"
	"runtime/debug"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/internal/memlimit"
)

// TestRuntimeMemory applies the runtime's memory settings as the
// controller starts: the GC percent is lowered and logged when GOGC is
// unset and left as it was when GOGC is set; the soft limit follows a
// cgroup's memory limit when GOMEMLIMIT is unset.
func TestRuntimeMemory(t *testing.T) {
	prevPercent, prevLimit := debug.SetGCPercent(100), debug.SetMemoryLimit(math.MaxInt64)
	t.Cleanup(func() {
		debug.SetGCPercent(prevPercent)
		debug.SetMemoryLimit(prevLimit)
	})
	noFiles := func(name string) ([]byte, error) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	limitFile := func(name string) ([]byte, error) {
		if name == "/sys/fs/cgroup/memory.max" {
			return []byte("1073741824\n"), nil
		}
		return noFiles(name)
	}
	for _, tc := range []struct {
		name        string
		env         map[string]string
		readFile    func(string) ([]byte, error)
		percent     int
		limit       int64
		logs, quiet string
	}{
		{"nothing set, no limit", nil, noFiles, memlimit.GCPercent, math.MaxInt64,
			`msg="garbage collection percent set below the Go runtime's 100 (GOGC unset)" percent=75`, "soft memory limit"},
		{"GOGC set", map[string]string{"GOGC": "100"}, noFiles, 100, math.MaxInt64, "", "percent"},
		{"GOGC off", map[string]string{"GOGC": "off"}, noFiles, 100, math.MaxInt64, "", "percent"},
		{"a cgroup's limit, GOGC set", map[string]string{"GOGC": "100"}, limitFile, 100, 858993459,
			`msg="soft memory limit set below the cgroup's memory limit (GOMEMLIMIT unset)" bytes=858993459`, "percent="},
	} {
		debug.SetGCPercent(100)
		debug.SetMemoryLimit(math.MaxInt64)
		var logs bytes.Buffer
		runtimeMemory(slog.New(slog.NewTextHandler(&logs, nil)), func(k string) string { return tc.env[k] }, tc.readFile)
		require.Equal(t, tc.percent, debug.SetGCPercent(100), tc.name)
		require.Equal(t, tc.limit, debug.SetMemoryLimit(math.MaxInt64), tc.name)
		require.Contains(t, logs.String(), tc.logs, tc.name)
		require.NotContains(t, logs.String(), tc.quiet, tc.name)
	}
}
