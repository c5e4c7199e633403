package cgroup

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/sys/unix"
)

// ReadBoundedIn is the ReadFileIn for production: ReadBounded for name
// (relative, clean) inside root, another process's root
// (/proc/<pid>/root), resolved as if root were /. That process controls
// its files: a symlink there to /etc/shadow, or to ../../../etc/shadow,
// would otherwise be read from the reader's own root. It opens with
// openat2's RESOLVE_IN_ROOT (Linux 5.6), magic links (/proc/self/root)
// refused; where the kernel lacks openat2 (ENOSYS) or a seccomp filter
// refuses it (EPERM), each component is opened without following
// symlinks, and a symlink anywhere on the path is refused.
func ReadBoundedIn(root, name string) ([]byte, error) {
	dir, err := unix.Open(root, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: root, Err: err}
	}
	defer closePath(dir, -1)
	full := filepath.Join(root, name)
	fd, err := unix.Openat2(dir, name, &unix.OpenHow{
		Flags:   unix.O_RDONLY | unix.O_NONBLOCK | unix.O_NOCTTY | unix.O_CLOEXEC,
		Resolve: unix.RESOLVE_IN_ROOT | unix.RESOLVE_NO_MAGICLINKS,
	})
	if errors.Is(err, unix.ENOSYS) || errors.Is(err, unix.EPERM) {
		fd, err = openNoSymlinks(dir, name)
	}
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: full, Err: err}
	}
	return readRegular(os.NewFile(uintptr(fd), full))
}

// openNoSymlinks opens name (relative, without . or .. components) under
// the directory dir for reading without blocking, one component at a
// time, none followed if a symlink: a directory that is one fails with
// ENOTDIR, the file with ELOOP.
func openNoSymlinks(dir int, name string) (int, error) {
	parts := strings.Split(name, "/")
	if slices.ContainsFunc(parts, func(p string) bool { return p == "" || p == "." || p == ".." }) {
		return -1, unix.EINVAL
	}
	cur := dir
	for _, p := range parts[:len(parts)-1] {
		next, err := unix.Openat(cur, p, unix.O_PATH|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		closePath(cur, dir)
		if err != nil {
			return -1, err
		}
		cur = next
	}
	fd, err := unix.Openat(cur, parts[len(parts)-1], unix.O_RDONLY|unix.O_NONBLOCK|unix.O_NOCTTY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	closePath(cur, dir)
	return fd, err
}

// closePath closes fd, a directory opened for its path only (nothing to
// flush: an error says nothing), unless it is keep.
func closePath(fd, keep int) {
	if fd != keep {
		_ = unix.Close(fd)
	}
}
