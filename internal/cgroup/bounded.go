package cgroup

import (
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
)

// MaxFileBytes bounds what ReadBounded reads: /proc/<pid>/cgroup is a
// few hundred bytes (v1: one line per hierarchy), a limit file one line.
const MaxFileBytes = 64 << 10

// ReadBounded is the ReadFile for production: it reads a regular file
// (procfs and cgroupfs files are) of at most MaxFileBytes, and refuses
// anything else at once. Another container's files are read through
// /proc/<pid>/root, whose mounts that container controls: a FIFO there
// would block a plain open and read, /dev/zero would never end, and a
// terminal (a pty whose other end it holds) would become the controlling
// terminal of an exporter that is a session leader without one (its
// container's first process), stopped by a ^C written there. The open
// does not block (O_NONBLOCK) nor take a terminal (O_NOCTTY), and the
// kind is checked on the open file.
// Those files are read with ReadBoundedIn, which also resolves their
// symlinks inside that root.
func ReadBounded(name string) ([]byte, error) {
	f, err := os.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOCTTY, 0)
	if err != nil {
		return nil, err
	}
	return readRegular(f)
}

// readRegular reads f, and closes it, when it is a regular file of at
// most MaxFileBytes.
func readRegular(f *os.File) ([]byte, error) {
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file (%s)", f.Name(), st.Mode().Type())
	}
	b, err := io.ReadAll(io.LimitReader(f, MaxFileBytes+1))
	if err != nil {
		return nil, err
	}
	if len(b) > MaxFileBytes {
		return nil, errors.New(f.Name() + ": over 64 KiB")
	}
	return b, nil
}
