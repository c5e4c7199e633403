// Package appproc finds the exporter's application process
// (PRESCALE_APP_PROCESS): by name, scanning the proc root, or by pid file,
// read under HOST_ROOT when it is set so that its pid names a process of
// the host's pid namespace.
package appproc

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/shirou/gopsutil/v4/process"

	"github.com/prescale/prescale/exporter/internal/hostpath"
	"github.com/prescale/prescale/exporter/internal/procfs"
	"github.com/prescale/prescale/internal/cgroup"
)

// Finder resolves PRESCALE_APP_PROCESS to a pid on every scrape. A
// spec containing a "/" is a pid file, read each time; otherwise it is a
// process name: the pid found last time is reused while its name still
// matches, and /proc is scanned again (lowest matching pid wins) only when
// it does not.
type Finder struct {
	spec string
	// read and readIn read the pid file (ReadPidFile).
	read   cgroup.ReadFile
	readIn cgroup.ReadFileIn

	mu     sync.Mutex
	cached int32
}

// NewFinder returns the finder of spec, a process name or a pid file
// (IsPidFile) that read, or under HOST_ROOT readIn, reads.
func NewFinder(spec string, read cgroup.ReadFile, readIn cgroup.ReadFileIn) *Finder {
	return &Finder{spec: spec, read: read, readIn: readIn}
}

// IsPidFile reports whether spec names a pid file (it has a "/").
func IsPidFile(spec string) bool { return strings.Contains(spec, "/") }

// Find returns the pid of the process, found anew or the one found last
// time while its name still matches.
func (f *Finder) Find(ctx context.Context) (int32, error) {
	if IsPidFile(f.spec) {
		data, err := f.ReadPidFile(ctx)
		if err != nil {
			return 0, fmt.Errorf("pid file: %w", err)
		}
		pid, err := procfs.PidFile(data)
		if err != nil {
			return 0, fmt.Errorf("pid file %s: %w", f.spec, err)
		}
		if _, err := os.Stat(hostpath.Proc(ctx, strconv.Itoa(int(pid)))); err != nil {
			return 0, fmt.Errorf("process %d from pid file %s is not running", pid, f.spec)
		}
		return pid, nil
	}

	f.mu.Lock()
	cached := f.cached
	f.mu.Unlock()
	if cached != 0 && Name(ctx, cached) == f.spec {
		return cached, nil
	}
	pids, err := process.PidsWithContext(ctx)
	if err != nil {
		return 0, err
	}
	var found int32
	for _, pid := range pids {
		if (found == 0 || pid < found) && Name(ctx, pid) == f.spec {
			found = pid
		}
	}
	f.mu.Lock()
	f.cached = found
	f.mu.Unlock()
	if found == 0 {
		return 0, fmt.Errorf("no process named %q", f.spec)
	}
	return found, nil
}

// Forget drops pid as the one found last time (it vanished).
func (f *Finder) Forget(pid int32) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.cached == pid {
		f.cached = 0
	}
}

// Name returns the process's name (comm, or argv[0] when comm is
// truncated at 15 bytes), or "" when it cannot be read.
func Name(ctx context.Context, pid int32) string {
	name, err := (&process.Process{Pid: pid}).NameWithContext(ctx)
	if err != nil {
		return ""
	}
	return name
}

// ReadPidFile reads the pid file. With HOST_ROOT set its pid is looked up
// among the host's processes, so the file is read only under HOST_ROOT,
// symlinks resolved inside it, as mount points are (a path spelt out with
// HOST_ROOT names the same file). The exporter's own file is never read
// then: its pid, from another pid namespace, would name another process.
func (f *Finder) ReadPidFile(ctx context.Context) ([]byte, error) {
	spec := f.spec
	root := hostpath.Root(ctx)
	if root == "/" {
		return cgroup.Bound(ctx, f.read)(spec)
	}
	if !filepath.IsAbs(spec) {
		return nil, fmt.Errorf("PRESCALE_APP_PROCESS=%s is relative: with HOST_ROOT=%s give the host's absolute path", spec, root)
	}
	rel, ok := strings.CutPrefix(filepath.Clean(spec), root+"/")
	if !ok {
		rel = strings.TrimPrefix(filepath.Clean(spec), "/")
	}
	data, err := cgroup.BoundIn(ctx, f.readIn)(root, rel)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("PRESCALE_APP_PROCESS=%s: no %s under HOST_ROOT=%s (the exporter's own file is not read: its pid would name another process): %w",
			spec, "/"+rel, root, fs.ErrNotExist)
	}
	return data, err
}

// CheckPidFileRoots refuses a pid file (PRESCALE_APP_PROCESS with a "/")
// read from the exporter's own file system while its pid is looked up
// under a moved proc root (HOST_PROC set, HOST_ROOT not): the pid was
// written in another pid namespace than the one HOST_PROC shows, so it
// would name an unrelated process there, or none. With HOST_ROOT the file
// is read under it (ReadPidFile), in the host's namespace.
func CheckPidFileRoots(ctx context.Context, spec string) error {
	if !IsPidFile(spec) || filepath.Clean(hostpath.Proc(ctx)) == "/proc" || hostpath.Root(ctx) != "/" {
		return nil
	}
	return fmt.Errorf("PRESCALE_APP_PROCESS=%s is a pid file in the exporter's own file system, but HOST_PROC=%s looks its pid up in another pid namespace: "+
		"set HOST_ROOT to the root of the file system that holds the file, as seen from HOST_PROC's namespace (the host's root, /host/root in the DaemonSets), or name the process instead of its pid file",
		spec, hostpath.Proc(ctx))
}
