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
	"log/slog"
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
// process name: the process found last time is reused while its name
// still matches and it is no zombie, and the proc root is searched again
// only when not (byName).
type Finder struct {
	spec string
	// read and readIn read the pid file (ReadPidFile).
	read   cgroup.ReadFile
	readIn cgroup.ReadFileIn
	logger *slog.Logger

	mu     sync.Mutex
	cached match // the process found last time; pid 0: none
	// beside are the other processes of the name at the last search that
	// found one: when the one found goes away, they are not its restart.
	beside map[match]bool
	lost   int32 // the pid found last, gone, while none is found since
	// warned is the choice among several matches last logged.
	warned struct{ pid, n int32 }
}

// match is a process of the name and its start time (clock ticks since
// boot; 0 when unreadable).
type match struct {
	pid   int32
	start uint64
}

// NewFinder returns the finder of spec, a process name or a pid file
// (IsPidFile) that read, or under HOST_ROOT readIn, reads. A name that
// matches several processes is logged to logger (nil: not logged).
func NewFinder(spec string, read cgroup.ReadFile, readIn cgroup.ReadFileIn, logger *slog.Logger) *Finder {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Finder{spec: spec, read: read, readIn: readIn, logger: logger}
}

// IsPidFile reports whether spec names a pid file (it has a "/").
func IsPidFile(spec string) bool { return strings.Contains(spec, "/") }

// Find returns the pid of the process, found anew or the one found last
// time while its name still matches.
func (f *Finder) Find(ctx context.Context) (int32, error) {
	if !IsPidFile(f.spec) {
		return f.byName(ctx)
	}
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

// byName returns the process found last time while its name still
// matches. Otherwise it searches the proc root and takes, of the
// processes of the name, the oldest (the earliest start time; the lowest
// pid of those started in the same tick): a pre-forking server's master
// (nginx, gunicorn, postgres: a parent starts before its workers, whose
// pids, after the pids wrap around, can be lower than its own). When the
// process found before went away, those of the name that ran beside it at
// the search that found it are not taken for its restart. A zombie
// (exited, not reaped) is not a process of the name: never taken, and the
// process found last, turned zombie, is gone. Several matches are logged,
// once per pid taken and count.
func (f *Finder) byName(ctx context.Context) (int32, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.cached.pid != 0 {
		if _, live := stat(ctx, f.cached.pid); live && Name(ctx, f.cached.pid) == f.spec {
			return f.cached.pid, nil
		}
		f.lost, f.cached = f.cached.pid, match{}
	}
	pids, err := process.PidsWithContext(ctx)
	if err != nil {
		return 0, err
	}
	var all []match
	for _, pid := range pids {
		if Name(ctx, pid) != f.spec {
			continue
		}
		if start, live := stat(ctx, pid); live {
			all = append(all, match{pid: pid, start: start})
		}
	}
	found, ok := oldest(all, f.beside)
	if !ok {
		return 0, f.notFound(len(all))
	}
	f.cached, f.lost, f.beside = found, 0, make(map[match]bool, len(all)-1)
	for _, m := range all {
		if m != found {
			f.beside[m] = true
		}
	}
	f.logChoice(found.pid, int32(len(all)))
	return found.pid, nil
}

// oldest returns the oldest of ms not beside (the lowest pid of those
// started in the same tick). A start time that could not be read (0: the
// process exited during the search) comes after every one read: such a
// process taken would be gone at the first read, and the oldest, left
// beside it, never taken again.
func oldest(ms []match, beside map[match]bool) (match, bool) {
	var found match
	for _, m := range ms {
		if beside[m] {
			continue
		}
		if found.pid == 0 || older(m, found) {
			found = m
		}
	}
	return found, found.pid != 0
}

// older reports whether a started before b (an unknown start last; the
// lower pid of two started in the same tick).
func older(a, b match) bool {
	switch {
	case a.start == b.start:
		return a.pid < b.pid
	case a.start == 0 || b.start == 0:
		return b.start == 0
	}
	return a.start < b.start
}

func (f *Finder) notFound(n int) error {
	if n == 0 || f.lost == 0 {
		return fmt.Errorf("no process named %q", f.spec)
	}
	return fmt.Errorf("process %d named %q is gone and every other process of the name (%d) ran beside it, so are not taken for its restart (restart the exporter to take the oldest)",
		f.lost, f.spec, n)
}

// logChoice logs a WARN when the name matched several processes, once per
// pid taken and number of matches.
func (f *Finder) logChoice(pid, n int32) {
	if n < 2 {
		f.warned.pid, f.warned.n = 0, 0
		return
	}
	if f.warned.pid == pid && f.warned.n == n {
		return
	}
	f.warned.pid, f.warned.n = pid, n
	f.logger.Warn("app_process: the process name matches several processes; the oldest is read (name a pid file to choose)",
		"variable", "PRESCALE_APP_PROCESS", "name", f.spec, "matched", n, "pid", pid)
}

// stat reads pid's stat file: its start time in clock ticks since boot
// (0 when the file cannot be read or parsed: the process just exited),
// and whether it is live, not a zombie (Z: exited, not yet reaped by its
// parent; its name is still there, its cpu time frozen and its memory 0)
// nor dead (X).
func stat(ctx context.Context, pid int32) (start uint64, live bool) {
	data, err := os.ReadFile(hostpath.Proc(ctx, strconv.Itoa(int(pid)), "stat"))
	if err != nil {
		return 0, true
	}
	if st, err := procfs.TaskState(data); err == nil && (st == 'Z' || st == 'X') {
		return 0, false
	}
	t, err := procfs.StartTicks(data)
	if err != nil {
		return 0, true
	}
	return t, true
}

// Forget drops pid as the one found last time (it vanished).
func (f *Finder) Forget(pid int32) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.cached.pid == pid {
		f.lost, f.cached = pid, match{}
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
