package cgroup

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// fakeRoot is a container's root (as /proc/<pid>/root shows it) whose
// limit files are symlinks: memory.max an absolute one to a file outside
// the root (the reader's own /etc/shadow, say), cpu.max a relative one
// climbing out of it, limits/memory.max an absolute one to a file inside
// it, and cgroup.fifo a FIFO. It returns the root and the outside file.
func fakeRoot(t *testing.T) (string, string) {
	root, outside := t.TempDir(), filepath.Join(t.TempDir(), "secret")
	require.NoError(t, os.WriteFile(outside, []byte("42\n"), 0o600))
	cg := filepath.Join(root, "sys", "fs", "cgroup")
	require.NoError(t, os.MkdirAll(cg, 0o700))
	require.NoError(t, os.MkdirAll(filepath.Join(root, "limits"), 0o700))
	require.NoError(t, os.WriteFile(filepath.Join(root, "limits", "memory.max"), []byte("1073741824\n"), 0o600))
	require.NoError(t, os.Symlink(outside, filepath.Join(cg, "memory.max")))
	require.NoError(t, os.Symlink("../../../../../../../../.."+outside, filepath.Join(cg, "cpu.max")))
	require.NoError(t, os.Symlink("/limits", filepath.Join(root, "sys", "limits")))
	require.NoError(t, syscall.Mkfifo(filepath.Join(cg, "cgroup.fifo"), 0o600))
	return root, outside
}

// ReadBoundedIn resolves a container's symlinks inside its root: an
// absolute one, or one climbing out with .., never reads the file
// outside it (ReadBounded of the joined path does: the escape), an
// absolute one to a file inside the root reads that; a FIFO is refused
// at once.
func TestReadBoundedInStaysInRoot(t *testing.T) {
	root, outside := fakeRoot(t)
	b, err := ReadBounded(filepath.Join(root, "sys/fs/cgroup/memory.max"))
	require.NoError(t, err)
	require.Equal(t, "42\n", string(b), "the joined path follows the symlink out of the root")

	for _, name := range []string{"sys/fs/cgroup/memory.max", "sys/fs/cgroup/cpu.max"} {
		b, err := ReadBoundedIn(root, name)
		require.ErrorIs(t, err, os.ErrNotExist, "%s resolves to %s inside the root: absent", name, outside)
		require.Empty(t, b)
	}
	b, err = ReadBoundedIn(root, "sys/limits/memory.max")
	require.NoError(t, err)
	require.Equal(t, "1073741824\n", string(b), "/limits is the root's")
	_, err = ReadBoundedIn(root, "sys/fs/cgroup/cgroup.fifo")
	require.ErrorContains(t, err, "not a regular file")
	_, err = ReadBoundedIn(root, "sys/fs/cgroup/absent")
	require.ErrorIs(t, err, os.ErrNotExist)
}

// Read takes a container's own view (a v2 path outside the reader's
// cgroup namespace) through readIn: with ReadBoundedIn its memory.max,
// an absolute symlink out of its root, is no limit (with ReadBounded
// alone it read 42 bytes, the outside file).
func TestReadOwnViewInsideRoot(t *testing.T) {
	root, _ := fakeRoot(t)
	proc := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(proc, "7"), 0o700))
	require.NoError(t, os.WriteFile(filepath.Join(proc, "7", "cgroup"), []byte("0::/../../pod2/c2\n"), 0o600))
	require.NoError(t, os.Symlink(root, filepath.Join(proc, "7", "root")))
	require.InDelta(t, 42.0, Read(ReadBounded, nil, proc, t.TempDir(), "7").MemBytes, 0, "joined: the outside file")
	require.Equal(t, Limits{}, Read(ReadBounded, ReadBoundedIn, proc, t.TempDir(), "7"))
}

// openNoSymlinks, the fallback without openat2, refuses a symlink
// anywhere on the path and a . or .. component, and opens a plain path.
func TestOpenNoSymlinks(t *testing.T) {
	root, _ := fakeRoot(t)
	dir, err := unix.Open(root, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	require.NoError(t, err)
	defer closePath(dir, -1)
	for name, want := range map[string]error{
		"sys/fs/cgroup/memory.max":    unix.ELOOP,
		"sys/fs/cgroup/cpu.max":       unix.ELOOP,
		"sys/limits/memory.max":       unix.ENOTDIR,
		"sys/fs/../fs/cgroup/cpu.max": unix.EINVAL,
		"/etc/passwd":                 unix.EINVAL,
		"sys/fs/cgroup/absent":        unix.ENOENT,
	} {
		_, err := openNoSymlinks(dir, name)
		require.ErrorIs(t, err, want, name)
	}
	fd, err := openNoSymlinks(dir, "limits/memory.max")
	require.NoError(t, err)
	b, err := readRegular(os.NewFile(uintptr(fd), "memory.max"))
	require.NoError(t, err)
	require.Equal(t, "1073741824\n", string(b))
	fd, err = openNoSymlinks(dir, "sys/fs/cgroup/cgroup.fifo") // O_NONBLOCK: does not wait for a writer
	require.NoError(t, err)
	_, err = readRegular(os.NewFile(uintptr(fd), "cgroup.fifo"))
	require.ErrorContains(t, err, "not a regular file")
}
