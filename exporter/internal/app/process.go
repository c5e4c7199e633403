package app

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/shirou/gopsutil/v4/common"
	"github.com/shirou/gopsutil/v4/process"

	"github.com/prescale/prescale/exporter/internal/appproc"
	"github.com/prescale/prescale/exporter/internal/hostpath"
	"github.com/prescale/prescale/exporter/internal/loadscore"
	"github.com/prescale/prescale/internal/bounded"
	"github.com/prescale/prescale/internal/cgroup"
)

// Process exposes the resource use of the application process named by
// PRESCALE_APP_PROCESS. A process that cannot be found (it vanished, or the
// pid file is stale) is a collector failure: success 0 and no app_process
// samples.
type Process struct {
	finder *appproc.Finder
	reads  Reads

	// stuckLimits marks a cgroup limits read that has not returned (a
	// file on a FUSE mount whose daemon does not answer): later ones, of
	// any pid, are skipped until it does.
	stuckLimits *bounded.Calls

	cpu, rss, fds, threads *prometheus.Desc
}

// Reads are what Process reads with: the pid file (appproc.Finder) and the
// cgroup files (Process.limits), given up at the scrape's deadline
// (cgroup.ReadBounded, cgroup.ReadBoundedIn), and a process's open file
// descriptors (NumFDs). The exporter passes those; its tests replace them.
type Reads struct {
	File   cgroup.ReadFile
	FileIn cgroup.ReadFileIn
	NumFDs func(ctx context.Context, p *process.Process) (int32, error)
}

// NewProcess returns the collector of the process spec names (a name, or a
// pid file's path), read with reads.
func NewProcess(spec string, logger *slog.Logger, reads Reads) *Process {
	return &Process{
		finder:      appproc.NewFinder(spec, reads.File, reads.FileIn, logger),
		reads:       reads,
		stuckLimits: bounded.NewCalls(errors.New("an earlier read of its cgroup limits has not returned")),
		cpu:         prometheus.NewDesc(fqName("process_cpu_seconds_total"), "User and system cpu seconds used by the application process.", nil, nil),
		rss:         prometheus.NewDesc(fqName("process_resident_memory_bytes"), "Resident memory of the application process.", nil, nil),
		fds:         prometheus.NewDesc(fqName("process_open_fds"), "Open file descriptors of the application process.", nil, nil),
		threads:     prometheus.NewDesc(fqName("process_threads"), "Threads of the application process.", nil, nil),
	}
}

type procReading struct {
	cpuSeconds, rss, fds, threads float64
	hasFDs                        bool // the fd directory was readable
}

// Update reads the process and sends its metrics.
func (c *Process) Update(ctx context.Context, ch chan<- prometheus.Metric) error {
	pid, err := c.finder.Find(ctx)
	if err != nil {
		return err
	}
	r, err := readProcess(ctx, pid, c.reads.NumFDs)
	if err != nil {
		c.finder.Forget(pid)
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
func (c *Process) limits(ctx context.Context, pid int32) cgroup.Limits {
	p := strconv.Itoa(int(pid))
	lim, _ := bounded.Do(ctx, c.stuckLimits, "limits", func() (cgroup.Limits, error) {
		return cgroup.Read(c.reads.File, c.reads.FileIn, hostpath.Proc(ctx), hostpath.Of(ctx, common.HostSysEnvKey, "/sys"), p), nil
	})
	return lim
}

// readProcess reads the process's raw figures with gopsutil:
// /proc/<pid>/stat, statm, status and the fd directory (numFDs).
func readProcess(ctx context.Context, pid int32, numFDs func(context.Context, *process.Process) (int32, error)) (procReading, error) {
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

// NumFDs counts a process's open file descriptors with gopsutil.
func NumFDs(ctx context.Context, p *process.Process) (int32, error) { return p.NumFDsWithContext(ctx) }

// Describe sends the collector's descriptors.
func (c *Process) Describe(ch chan<- *prometheus.Desc) {
	describe(ch, c.cpu, c.rss, c.fds, c.threads)
}
