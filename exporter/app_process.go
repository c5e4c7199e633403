package exporter

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

	"github.com/prometheus/client_golang/prometheus"
	"github.com/shirou/gopsutil/v4/common"
	"github.com/shirou/gopsutil/v4/process"

	"github.com/prescale/prescale/exporter/internal/loadscore"
	"github.com/prescale/prescale/exporter/internal/procfs"
	"github.com/prescale/prescale/internal/bounded"
	"github.com/prescale/prescale/internal/cgroup"
)

// processCollector exposes the resource use of the application process
// named by PRESCALE_APP_PROCESS. A process that cannot be found (it
// vanished, or the pid file is stale) is a collector failure: success 0 and
// no app_process samples.
type processCollector struct {
	finder *processFinder

	// stuckLimits marks a cgroup limits read that has not returned (a
	// file on a FUSE mount whose daemon does not answer): later ones, of
	// any pid, are skipped until it does.
	stuckLimits *bounded.Calls

	cpu, rss, fds, threads *prometheus.Desc
}

var _ Collector = (*processCollector)(nil)

func newProcessCollector(spec string) *processCollector {
	return &processCollector{
		finder:      &processFinder{spec: spec},
		stuckLimits: bounded.NewCalls(errors.New("an earlier read of its cgroup limits has not returned")),
		cpu:         prometheus.NewDesc(fqName("app", "process_cpu_seconds_total"), "User and system cpu seconds used by the application process.", nil, nil),
		rss:         prometheus.NewDesc(fqName("app", "process_resident_memory_bytes"), "Resident memory of the application process.", nil, nil),
		fds:         prometheus.NewDesc(fqName("app", "process_open_fds"), "Open file descriptors of the application process.", nil, nil),
		threads:     prometheus.NewDesc(fqName("app", "process_threads"), "Threads of the application process.", nil, nil),
	}
}

type procReading struct {
	cpuSeconds, rss, fds, threads float64
	hasFDs                        bool // the fd directory was readable
}

func (c *processCollector) Update(ctx context.Context, ch chan<- prometheus.Metric) error {
	pid, err := c.finder.find(ctx)
	if err != nil {
		return err
	}
	r, err := readProcess(ctx, pid)
	if err != nil {
		c.finder.forget(pid)
		return fmt.Errorf("process %d: %w", pid, err)
	}
	ch <- prometheus.MustNewConstMetric(c.cpu, prometheus.CounterValue, r.cpuSeconds)
	ch <- prometheus.MustNewConstMetric(c.rss, prometheus.GaugeValue, r.rss)
	if r.hasFDs {
		ch <- prometheus.MustNewConstMetric(c.fds, prometheus.GaugeValue, r.fds)
	}
	ch <- prometheus.MustNewConstMetric(c.threads, prometheus.GaugeValue, r.threads)
	lim := c.limits(ctx, pid)
	loadscore.ScrapeFrom(ctx).Set(func(in *loadscore.Inputs) {
		in.HasProcess, in.ProcessPID, in.ProcessCPUSeconds, in.ProcessRSS = true, pid, r.cpuSeconds, r.rss
		in.CPULimit, in.MemoryLimit = lim.CPUs, lim.MemBytes
	})
	return nil
}

// limits reads the process's cgroup limits bounded by the scrape's
// deadline, every file in one call: one goroutine per scrape, where one per
// file (12 on a host with cgroup v1 and v2 mounts) cost 0.12 ms of cpu and
// 56 allocations per scrape. The files of one cgroup tree are on
// one mount, so a hung file stands for all: while its read has not
// returned, later scrapes skip the limits (none known: the score takes the
// host's cpus and memory) instead of starting one more read, also for
// another pid (the application restarted: keyed by pid, each restart left
// one more read blocked on the same mount). Losing every limit for one
// hung file is kept: the files come from at most two places that can hang
// (cgroupfs answers from memory): a FUSE daemon serving the cgroup tree
// (lxcfs), which hangs all of its files at once, and the process's own
// view through /proc/<pid>/root, a mount its container controls, which is
// read only for a v2 cgroup outside the exporter's namespace, then the
// only v2 limits there are. Skipping only the hung file would leave a read
// blocked per file of a hung mount, and per restart of a container (its
// cgroup directory's files are new paths), unless capped.
func (c *processCollector) limits(ctx context.Context, pid int32) cgroup.Limits {
	p := strconv.Itoa(int(pid))
	lim, _ := bounded.Do(ctx, c.stuckLimits, "limits", func() (cgroup.Limits, error) {
		return cgroup.Read(readFile, readFileIn, procPath(ctx), hostPath(ctx, common.HostSysEnvKey, "/sys"), p), nil
	})
	return lim
}

// readProcess reads the process's raw figures with gopsutil:
// /proc/<pid>/stat, statm, status and the fd directory.
func readProcess(ctx context.Context, pid int32) (procReading, error) {
	// Built directly rather than with process.NewProcessWithContext, whose
	// existence check signals the real pid even when HOST_PROC points at a
	// fixture tree.
	p := &process.Process{Pid: pid}
	times, err := p.TimesWithContext(ctx)
	if err != nil {
		return procReading{}, err
	}
	mi, err := p.MemoryInfoWithContext(ctx)
	if err != nil {
		return procReading{}, err
	}
	// /proc/<pid>/fd is readable only by the process's user (or with
	// CAP_DAC_READ_SEARCH): an exporter running as another user (DynamicUser,
	// 65534) failed the whole collector on it, losing cpu and memory.
	fds, err := numFDs(ctx, p)
	hasFDs := err == nil
	if err != nil && !errors.Is(err, fs.ErrPermission) {
		return procReading{}, err
	}
	threads, err := p.NumThreadsWithContext(ctx)
	if err != nil {
		return procReading{}, err
	}
	return procReading{cpuSeconds: times.User + times.System, rss: float64(mi.RSS),
		fds: float64(fds), threads: float64(threads), hasFDs: hasFDs}, nil
}

// readFile and readFileIn read the pid file and the cgroup files, given up
// at the scrape's deadline (cgroup.Bound, processCollector.limits): tests
// replace them.
var (
	readFile   cgroup.ReadFile   = cgroup.ReadBounded
	readFileIn cgroup.ReadFileIn = cgroup.ReadBoundedIn
)

// numFDs counts a process's open file descriptors (tests replace it).
var numFDs = func(ctx context.Context, p *process.Process) (int32, error) { return p.NumFDsWithContext(ctx) }

// processFinder resolves PRESCALE_APP_PROCESS to a pid on every scrape. A
// spec containing a "/" is a pid file, read each time; otherwise it is a
// process name: the pid found last time is reused while its name still
// matches, and /proc is scanned again (lowest matching pid wins) only when
// it does not.
type processFinder struct {
	spec string

	mu     sync.Mutex
	cached int32
}

func isPidFile(spec string) bool { return strings.Contains(spec, "/") }

func (f *processFinder) find(ctx context.Context) (int32, error) {
	if isPidFile(f.spec) {
		data, err := readPidFile(ctx, f.spec)
		if err != nil {
			return 0, fmt.Errorf("pid file: %w", err)
		}
		pid, err := procfs.PidFile(data)
		if err != nil {
			return 0, fmt.Errorf("pid file %s: %w", f.spec, err)
		}
		if _, err := os.Stat(procPath(ctx, strconv.Itoa(int(pid)))); err != nil {
			return 0, fmt.Errorf("process %d from pid file %s is not running", pid, f.spec)
		}
		return pid, nil
	}

	f.mu.Lock()
	cached := f.cached
	f.mu.Unlock()
	if cached != 0 && processName(ctx, cached) == f.spec {
		return cached, nil
	}
	pids, err := process.PidsWithContext(ctx)
	if err != nil {
		return 0, err
	}
	var found int32
	for _, pid := range pids {
		if (found == 0 || pid < found) && processName(ctx, pid) == f.spec {
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

func (f *processFinder) forget(pid int32) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.cached == pid {
		f.cached = 0
	}
}

// processName returns the process's name (comm, or argv[0] when comm is
// truncated at 15 bytes), or "" when it cannot be read.
func processName(ctx context.Context, pid int32) string {
	name, err := (&process.Process{Pid: pid}).NameWithContext(ctx)
	if err != nil {
		return ""
	}
	return name
}

// readPidFile reads the pid file. With HOST_ROOT set its pid is looked up
// among the host's processes, so the file is read only under HOST_ROOT,
// symlinks resolved inside it, as mount points are (a path spelt out with
// HOST_ROOT names the same file). The exporter's own file is never read
// then: its pid, from another pid namespace, would name another process.
func readPidFile(ctx context.Context, spec string) ([]byte, error) {
	root := rootPath(ctx)
	if root == "/" {
		return cgroup.Bound(ctx, readFile)(spec)
	}
	if !filepath.IsAbs(spec) {
		return nil, fmt.Errorf("PRESCALE_APP_PROCESS=%s is relative: with HOST_ROOT=%s give the host's absolute path", spec, root)
	}
	rel, ok := strings.CutPrefix(filepath.Clean(spec), root+"/")
	if !ok {
		rel = strings.TrimPrefix(filepath.Clean(spec), "/")
	}
	data, err := cgroup.BoundIn(ctx, readFileIn)(root, rel)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("PRESCALE_APP_PROCESS=%s: no %s under HOST_ROOT=%s (the exporter's own file is not read: its pid would name another process): %w",
			spec, "/"+rel, root, fs.ErrNotExist)
	}
	return data, err
}

// checkPidFileRoots refuses a pid file (PRESCALE_APP_PROCESS with a "/")
// read from the exporter's own file system while its pid is looked up
// under a moved proc root (HOST_PROC set, HOST_ROOT not): the pid was
// written in another pid namespace than the one HOST_PROC shows, so it
// would name an unrelated process there, or none. With HOST_ROOT the file
// is read under it (readPidFile), in the host's namespace.
func checkPidFileRoots(ctx context.Context, spec string) error {
	if !isPidFile(spec) || filepath.Clean(procPath(ctx)) == "/proc" || rootPath(ctx) != "/" {
		return nil
	}
	return fmt.Errorf("%s=%s is a pid file in the exporter's own file system, but HOST_PROC=%s looks its pid up in another pid namespace: "+
		"set HOST_ROOT to the root of the file system that holds the file, as seen from HOST_PROC's namespace (the host's root, /host/root in the DaemonSets), or name the process instead of its pid file",
		envAppProcess, spec, procPath(ctx))
}

func (c *processCollector) Describe(ch chan<- *prometheus.Desc) {
	describe(ch, c.cpu, c.rss, c.fds, c.threads)
}
