package memlimit

import (
	"io/fs"
	"strings"
	"testing"
)

// FuzzDefault feeds any bytes as /proc/self/cgroup, as the container's
// memory limit files (cgroupFiles) and as every other limit file Default
// may open: no panic, a soft limit never negative, and one above 0 names
// the file it was read from and is at most Fraction of the largest
// value those files could hold.
func FuzzDefault(f *testing.F) {
	f.Add([]byte("0::/system.slice/prescale-controller.service\n"), []byte("1073741824\n"), []byte("max\n"))
	f.Add([]byte("5:memory:/docker/abc\n"), []byte("9223372036854771712\n"), []byte("536870912"))
	f.Add([]byte("0::/\n"), []byte("1e-300"), []byte("NaN"))
	f.Fuzz(func(t *testing.T, cgroupFile, containerFile, limitFile []byte) {
		read := func(name string) ([]byte, error) {
			switch {
			case name == "/proc/self/cgroup":
				return cgroupFile, nil
			case name == cgroupFiles[0] || name == cgroupFiles[1]:
				return containerFile, nil
			case strings.Count(name, "/") > 64:
				return nil, fs.ErrNotExist
			}
			return limitFile, nil
		}
		limit, source := Default(func(string) string { return "" }, read)
		if limit < 0 {
			t.Fatalf("limit %d from %q", limit, source)
		}
		if limit > 0 && source == "" {
			t.Fatalf("limit %d from no file", limit)
		}
		if float64(limit) > Fraction*9223372036854775807 {
			t.Fatalf("limit %d above Fraction of the largest int64", limit)
		}
	})
}
