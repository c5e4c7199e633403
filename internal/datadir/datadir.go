// Package datadir guards a data directory against a second process: an
// exclusive flock(2) on a lock file that holds the owner's pid, so the
// second one can say who holds it. The kernel drops the lock when its
// holder exits, crashed or not, so a stale file never blocks a start.
package datadir

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// LockName is the lock file's name inside the data directory.
const LockName = "prescale.lock"

// Lock is a held data directory lock.
type Lock struct {
	f *os.File
}

// HeldError says the directory is locked by another holder; PID is 0
// when the holder's pid could not be read.
type HeldError struct {
	Dir string
	PID int
}

func (e *HeldError) Error() string {
	if e.PID > 0 {
		return fmt.Sprintf("%s is in use by another prescale process (pid %d); stop it or use another directory", e.Dir, e.PID)
	}
	return fmt.Sprintf("%s is in use by another prescale process; stop it or use another directory", e.Dir)
}

// Acquire creates dir if needed and locks it, or returns a *HeldError.
func Acquire(dir string) (*Lock, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, LockName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		_ = f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, &HeldError{Dir: dir, PID: readPID(path)}
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	// The pid is for the message of a second process only; a failure to
	// write it leaves the lock held.
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return &Lock{f: f}, nil
}

// Release unlocks (closing the file drops the flock). The file stays:
// removing it would race with a process that has just opened it.
func (l *Lock) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	return err
}

func readPID(path string) int {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return 0
	}
	return pid
}
