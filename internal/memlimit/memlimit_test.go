package memlimit

import (
	"io/fs"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestDefault(t *testing.T) {
	v2, v1 := cgroupFiles[0], cgroupFiles[1]
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
