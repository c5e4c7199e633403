package memlimit

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestDefault(t *testing.T) {
	v2, v1 := cgroupFiles[0], cgroupFiles[1]
	const unit = "/sys/fs/cgroup/system.slice/prescale-controller.service"
	for _, tc := range []struct {
		name   string
		env    string
		files  map[string]string
		want   int64
		source string
	}{
		{"cgroup v2 limit", "", map[string]string{v2: "1073741824\n"}, 858993459, v2},
		{"cgroup v2 without a limit", "", map[string]string{v2: "max\n", v1: "1073741824\n"}, 0, ""},
		{"cgroup v1 limit", "", map[string]string{v1: "2147483648\n"}, 1717986918, v1},
		{"cgroup v1 without a limit", "", map[string]string{v1: "9223372036854771712\n"}, 0, ""},
		{"GOMEMLIMIT set", "900MiB", map[string]string{v2: "1073741824\n"}, 0, ""},
		{"GOMEMLIMIT off", "off", map[string]string{v2: "1073741824\n"}, 0, ""},
		{"not in a container", "", nil, 0, ""},
		{"unreadable value", "", map[string]string{v2: "lots\n"}, 0, ""},
		// Not a container: a systemd unit's MemoryMax=1G on a cgroup v2
		// host, where /sys/fs/cgroup is the whole hierarchy; before, only
		// its root was read, and no limit was found.
		{"systemd unit, cgroup v2", "", map[string]string{
			"/proc/self/cgroup":  "0::/system.slice/prescale-controller.service\n",
			unit + "/memory.max": "1073741824\n",
		}, 858993459, unit + "/memory.max"},
		{"a slice's limit above the unit's", "", map[string]string{
			"/proc/self/cgroup":                      "0::/system.slice/prescale-controller.service\n",
			unit + "/memory.max":                     "max\n",
			"/sys/fs/cgroup/system.slice/memory.max": "2147483648\n",
		}, 1717986918, "/sys/fs/cgroup/system.slice/memory.max"},
		{"systemd unit, cgroup v1", "", map[string]string{
			"/proc/self/cgroup": "5:memory:/system.slice/prescale-controller.service\n1:name=systemd:/system.slice/prescale-controller.service\n",
			"/sys/fs/cgroup/memory/system.slice/prescale-controller.service/memory.limit_in_bytes": "1073741824\n",
			v1: "9223372036854771712\n",
		}, 858993459, "/sys/fs/cgroup/memory/system.slice/prescale-controller.service/memory.limit_in_bytes"},
		// Found by FuzzDefault: 0.8 of it overflowed int64 to a negative
		// soft limit. 1 EiB or more is no limit, as cgroup v1's is.
		{"a cgroup v2 limit of 1 EiB or more", "", map[string]string{
			"/proc/self/cgroup":  "0::/system.slice/prescale-controller.service\n",
			unit + "/memory.max": "1e48\n",
		}, 0, ""},
		{"a container's limit below its own cgroup's", "", map[string]string{
			"/proc/self/cgroup": "0::/\n",
			v2:                  "536870912\n",
		}, 429496729, v2},
	} {
		getenv := func(k string) string {
			if k == "GOMEMLIMIT" {
				return tc.env
			}
			return ""
		}
		read := func(name string) ([]byte, error) {
			if v, ok := tc.files[name]; ok {
				return []byte(v), nil
			}
			return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
		}
		got, source := Default(getenv, read)
		require.Equal(t, tc.want, got, tc.name)
		require.Equal(t, tc.source, source, tc.name)
	}
}

// TestDefaultFixtures reads the trees under testdata/ as the root of the
// files Default opens (never the host's): the bytes real cgroup files
// hold, their newlines included.
func TestDefaultFixtures(t *testing.T) {
	for _, tc := range []struct {
		dir    string
		want   int64
		source string
	}{
		{"v2-limit", 429496729, "/sys/fs/cgroup/memory.max"},
		{"v2-max", 0, ""},
		{"v1-limit", 214748364, "/sys/fs/cgroup/memory/memory.limit_in_bytes"},
		{"v1-unlimited", 0, ""},
		{"unit-v2", 858993459, "/sys/fs/cgroup/system.slice/prescale-controller.service/memory.max"},
		{"none", 0, ""},
	} {
		root := filepath.Join("testdata", tc.dir)
		read := func(name string) ([]byte, error) { return os.ReadFile(filepath.Join(root, name)) }
		got, source := Default(func(string) string { return "" }, read)
		require.Equal(t, tc.want, got, tc.dir)
		require.Equal(t, tc.source, source, tc.dir)
	}
}
