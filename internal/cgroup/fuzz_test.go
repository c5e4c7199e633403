package cgroup

import (
	"math"
	"os"
	"strings"
	"testing"
)

// FuzzRead feeds any bytes as a process's /proc/<pid>/cgroup and as every
// limit file Read may open (cpu.max, memory.max and v1's files, in every
// directory): no panic, and limits that are 0 (none) or positive and
// finite, with MemFrom naming a file exactly when a memory limit is set.
func FuzzRead(f *testing.F) {
	f.Add([]byte("0::/kubepods/pod1/c1\n"), []byte("200000 100000"))
	f.Add([]byte("4:memory:/docker/abc\n3:cpu,cpuacct:/docker/abc\n"), []byte("536870912"))
	f.Add([]byte("0::/../../pod2/c2\n"), []byte("max"))
	// ParseFloat reads these as +Inf: no limit, not an infinite one.
	f.Add([]byte("0::/\n"), []byte("inf"))
	f.Add([]byte("0::/\n"), []byte("Infinity 1"))
	f.Add([]byte("0::/\n"), []byte("1e308 1e-308"))
	f.Fuzz(func(t *testing.T, cgroupFile, limitFile []byte) {
		read := func(name string) ([]byte, error) {
			if strings.HasSuffix(name, "/cgroup") && !strings.Contains(name, "/fs/") {
				return cgroupFile, nil
			}
			if strings.Count(name, "/") > 64 {
				return nil, os.ErrNotExist
			}
			return limitFile, nil
		}
		lim := Read(read, nil, "/proc", "/sys", "7")
		for _, v := range []float64{lim.CPUs, lim.MemBytes} {
			if v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("limit %v from %q / %q", v, cgroupFile, limitFile)
			}
		}
		if (lim.MemBytes > 0) != (lim.MemFrom != "") {
			t.Fatalf("memory %v from %q", lim.MemBytes, lim.MemFrom)
		}
	})
}
