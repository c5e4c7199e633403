package exporter

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/shirou/gopsutil/v4/common"
	"github.com/shirou/gopsutil/v4/disk"
	"github.com/shirou/gopsutil/v4/process"
	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/exporter/internal/appproc"
	"github.com/prescale/prescale/internal/testkit"
)

func fixtureConfig(appURL string) Config {
	cfg := DefaultConfig()
	cfg.AppURL = appURL
	cfg.AppPort = 8080
	cfg.AppProcess = "webapp"
	return cfg
}

// TestCollectGolden compares the whole exposition of every source on the
// fixture host against testdata/host.golden (go test -update rewrites it).
func TestCollectGolden(t *testing.T) {
	root := fixtureRoot(t)
	tests := []struct {
		name   string
		cfg    func(appURL string) Config
		golden string
	}{
		{"all sources", fixtureConfig, "host.golden"},
		{"host only", func(string) Config { return DefaultConfig() }, "host-only.golden"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			app := appServer(t, 200)
			compareGolden(t, fixtureCollector(t, root, tc.cfg(app.URL)), tc.golden)
		})
	}
}

func TestCollectAndLint(t *testing.T) {
	root := fixtureRoot(t)
	app := appServer(t, 200)
	problems, err := testutil.CollectAndLint(fixtureCollector(t, root, fixtureConfig(app.URL)))
	require.NoError(t, err)
	require.Empty(t, problems)
}

// gatherValues gathers c and returns every sample as "name{labels}" -> value,
// the labels as the text format writes them (sorted by name).
func gatherValues(t *testing.T, c prometheus.Collector) map[string]float64 {
	t.Helper()
	out := map[string]float64{}
	for _, line := range strings.Split(string(exposition(t, c)), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		require.NoError(t, err, line)
		out[line[:i]] = v
	}
	return out
}

func success(name string) string {
	return `prescale_exporter_collector_success{collector="` + name + `"}`
}

// TestBadInput checks that broken sources give 0s, never a failed scrape.
func TestBadInput(t *testing.T) {
	root := fixtureRoot(t)

	t.Run("unreachable app URL gives probe_success 0", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		url := "http://" + ln.Addr().String() + "/"
		require.NoError(t, ln.Close()) // nothing listens there now
		cfg := DefaultConfig()
		cfg.AppURL = url
		got := gatherValues(t, fixtureCollector(t, root, cfg))
		require.Zero(t, got["prescale_app_probe_success"])
		require.Zero(t, got["prescale_app_probe_http_status_code"])
		require.InDelta(t, 1.0, got[success("app_probe")], 0, "the probe itself worked")
		require.InDelta(t, 1.0, got[`prescale_app_load_signal_ratio{signal="latency"}`], 0, "a failed probe is full load")
		require.InDelta(t, 1.0, got["prescale_app_load_score"], 0)
	})

	// An https application whose certificate this host does not trust
	// (an internal CA): the exporter's configuration, not the
	// application's load. The probe counted as failed, so the score was 1
	// for ever and a target scaling on it went to its maximum; now the
	// probe's collector fails (its WARN names SSL_CERT_FILE) and the
	// latency signal is left out.
	t.Run("untrusted certificate fails the probe's collector, not the score", func(t *testing.T) {
		app := httptest.NewTLSServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
		defer app.Close()
		cfg := DefaultConfig()
		cfg.AppURL = app.URL
		var logs bytes.Buffer
		c, err := NewCollector(cfg, WithEnv(fixtureEnv(root)), WithNow(fixedNow), WithFilesystemUsage(fakeUsage(root)),
			WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
		require.NoError(t, err)
		got := gatherValues(t, c)
		require.Zero(t, got[success("app_probe")])
		require.NotContains(t, got, "prescale_app_probe_success")
		require.NotContains(t, got, `prescale_app_load_signal_ratio{signal="latency"}`)
		require.Less(t, got["prescale_app_load_score"], 1.0, "the fixture's other signals")
		require.Contains(t, logs.String(), "certificate signed by unknown authority")
		require.Contains(t, logs.String(), "SSL_CERT_FILE")
	})

	t.Run("server error gives probe_success 0 with its status", func(t *testing.T) {
		cfg := DefaultConfig()
		cfg.AppURL = appServer(t, 503).URL
		got := gatherValues(t, fixtureCollector(t, root, cfg))
		require.Zero(t, got["prescale_app_probe_success"])
		require.InDelta(t, 503.0, got["prescale_app_probe_http_status_code"], 0)
	})

	t.Run("process vanishes between scrapes", func(t *testing.T) {
		tree := copyTree(t, root)
		cfg := DefaultConfig()
		cfg.AppProcess = "webapp"
		c := fixtureCollector(t, tree, cfg)
		got := gatherValues(t, c)
		require.InDelta(t, 1.0, got[success("app_process")], 0)
		require.InDelta(t, 3.0, got["prescale_app_process_cpu_seconds_total"], 0) // (250+50) ticks / 100 Hz
		require.NoError(t, os.RemoveAll(filepath.Join(tree, "proc", "4242")))
		got = gatherValues(t, c)
		require.Zero(t, got[success("app_process")])
		require.NotContains(t, got, "prescale_app_process_cpu_seconds_total")
		require.InDelta(t, 1.0, got[success("cpu")], 0, "other sources are unaffected")
	})

	// /proc/<pid>/fd of another user's process is not readable (the
	// systemd unit's DynamicUser, the DaemonSets' 65534): the other
	// figures are, and are kept; only open_fds is left out. The collector
	// failed on it ("open /proc/23448/fd: permission denied", tried as
	// nobody on a root process), losing app_cpu and app_memory.
	t.Run("fd directory of another user", func(t *testing.T) {
		was := numFDs
		t.Cleanup(func() { numFDs = was })
		numFDs = func(context.Context, *process.Process) (int32, error) {
			return 0, &fs.PathError{Op: "open", Path: "/proc/4242/fd", Err: syscall.EACCES}
		}
		cfg := DefaultConfig()
		cfg.AppProcess = "webapp"
		got := gatherValues(t, fixtureCollector(t, root, cfg))
		require.InDelta(t, 1.0, got[success("app_process")], 0)
		require.InDelta(t, 3.0, got["prescale_app_process_cpu_seconds_total"], 0)
		require.Contains(t, got, "prescale_app_process_resident_memory_bytes")
		require.Contains(t, got, `prescale_app_load_signal_ratio{signal="app_memory"}`)
		require.NotContains(t, got, "prescale_app_process_open_fds")
		numFDs = func(context.Context, *process.Process) (int32, error) { return 0, errors.New("read error") }
		got = gatherValues(t, fixtureCollector(t, root, cfg))
		require.Zero(t, got[success("app_process")], "any other failure still fails the collector")
	})

	for _, tc := range []struct {
		name, pid string
		want      map[string]float64 // absent: the sample is not there
	}{
		{"stale pid file", "99999", map[string]float64{success("app_process"): 0}},
		{"pid file of a fixture process", "4300", map[string]float64{success("app_process"): 1,
			"prescale_app_process_threads": 1, "prescale_app_process_open_fds": 3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			host := t.TempDir() // the fixture's HOST_ROOT, holding the pid file
			require.NoError(t, os.WriteFile(filepath.Join(host, "app.pid"), []byte(tc.pid+"\n"), 0o644))
			env := fixtureEnv(root)
			env[common.HostRootEnvKey] = host
			cfg := DefaultConfig()
			cfg.AppProcess = "/app.pid"
			c, err := NewCollector(cfg, WithEnv(env), WithNow(fixedNow), WithFilesystemUsage(fakeUsage(root)))
			require.NoError(t, err)
			got := gatherValues(t, c)
			for name, want := range tc.want {
				require.Contains(t, got, name)
				require.InDelta(t, want, got[name], 0, name)
			}
		})
	}

	// The exporter in a container (HOST_PROC, HOST_ROOT: the compose file,
	// the DaemonSets) reads the host's pid file, whose pid it looks up
	// among the host's processes: it read its own /run/app.pid, which
	// does not exist there. Debian's /var/run is a symlink to /run,
	// resolved inside HOST_ROOT; the host's root spelt out still works.
	t.Run("pid file under HOST_ROOT", func(t *testing.T) {
		host := t.TempDir()
		require.NoError(t, os.MkdirAll(filepath.Join(host, "run"), 0o755))
		require.NoError(t, os.MkdirAll(filepath.Join(host, "var"), 0o755))
		require.NoError(t, os.Symlink("/run", filepath.Join(host, "var", "run")))
		require.NoError(t, os.WriteFile(filepath.Join(host, "run", "app.pid"), []byte("4300\n"), 0o644))
		env := fixtureEnv(root)
		env[common.HostRootEnvKey] = host
		scrape := func(spec string) map[string]float64 {
			cfg := DefaultConfig()
			cfg.AppProcess = spec
			c, err := NewCollector(cfg, WithEnv(env), WithNow(fixedNow), WithFilesystemUsage(fakeUsage(root)))
			require.NoError(t, err)
			return gatherValues(t, c)
		}
		for _, spec := range []string{"/run/app.pid", "/var/run/app.pid", filepath.Join(host, "run", "app.pid"), filepath.Join(host, "var", "run", "app.pid")} {
			got := scrape(spec)
			require.InDelta(t, 1.0, got[success("app_process")], 0, spec)
			require.InDelta(t, 1.0, got["prescale_app_process_threads"], 0, spec)
		}
		require.Zero(t, scrape("/run/other.pid")[success("app_process")])
		_, err := appproc.NewFinder("/run/other.pid", readFile, readFileIn, nil).ReadPidFile(context.WithValue(t.Context(), common.EnvKey, env))
		require.ErrorContains(t, err, "PRESCALE_APP_PROCESS=/run/other.pid: no /run/other.pid under HOST_ROOT="+host)
	})

	// A pid file in the exporter's own file system only (its container's,
	// or a volume another container writes) holds a pid of another pid
	// namespace than the host's processes it is looked up among (HOST_PROC):
	// pid 1 there is the host's init. It was read when the host had no
	// file at that path, and the wrong process reported; now the collector
	// fails, naming PRESCALE_APP_PROCESS and HOST_ROOT.
	t.Run("pid file outside the host's root is not read", func(t *testing.T) {
		host := t.TempDir()
		own := filepath.Join(t.TempDir(), "app.pid")
		require.NoError(t, os.WriteFile(own, []byte("4300\n"), 0o644))
		env := fixtureEnv(root)
		env[common.HostRootEnvKey] = host
		ctx := context.WithValue(t.Context(), common.EnvKey, env)
		for _, spec := range []string{own, "./" + filepath.Base(own)} {
			if !filepath.IsAbs(spec) {
				t.Chdir(filepath.Dir(own))
			}
			cfg := DefaultConfig()
			cfg.AppProcess = spec
			c, err := NewCollector(cfg, WithEnv(env), WithNow(fixedNow), WithFilesystemUsage(fakeUsage(root)))
			require.NoError(t, err)
			got := gatherValues(t, c)
			require.Zero(t, got[success("app_process")], spec)
			require.NotContains(t, got, "prescale_app_process_threads", spec)
			_, err = appproc.NewFinder(spec, readFile, readFileIn, nil).ReadPidFile(ctx)
			require.ErrorContains(t, err, "PRESCALE_APP_PROCESS="+spec, spec)
			require.ErrorContains(t, err, "HOST_ROOT="+host, spec)
		}
	})

	t.Run("missing /proc fails the sources, not the scrape", func(t *testing.T) {
		empty := t.TempDir()
		got := gatherValues(t, fixtureCollector(t, empty, DefaultConfig()))
		for _, name := range []string{"cpu", "memory", "disk", "filesystem", "network", "boot", "processes"} {
			require.InDelta(t, 0.0, got[success(name)], 0, name)
		}
	})
}

type panicSource struct{ desc *prometheus.Desc }

func (p panicSource) Update(context.Context, chan<- prometheus.Metric) error { panic("broken source") }
func (p panicSource) Describe(ch chan<- *prometheus.Desc)                    { ch <- p.desc }

func TestPanickingSourceFailsAlone(t *testing.T) {
	root := fixtureRoot(t)
	h := newHostCollector([]namedCollector{
		{"broken", panicSource{prometheus.NewDesc("prescale_broken", "never sent", nil, nil)}},
		{"load", newLoadCollector()},
	}, fixtureEnv(root), fixedNow, slog.New(slog.DiscardHandler), time.Second, nil)
	got := gatherValues(t, h)
	require.Zero(t, got[success("broken")])
	require.InDelta(t, 1.0, got[success("load")], 0)
	require.InDelta(t, 1.5, got["prescale_load1"], 0)
}

// flakySource fails while its failing flag is set.
type flakySource struct {
	desc    *prometheus.Desc
	failing *atomic.Bool
}

func (f flakySource) Update(context.Context, chan<- prometheus.Metric) error {
	if f.failing.Load() {
		return errors.New(`no process named "app"`)
	}
	return nil
}
func (f flakySource) Describe(ch chan<- *prometheus.Desc) { ch <- f.desc }

// TestFailingSourceLogsOnce: a source that fails for five scrapes (an
// application process that is not running) logs one WARN naming it, DEBUG
// after, and one INFO when it reads again; the source beside it is never
// logged. It logged a WARN at every scrape, of every Prometheus scraping.
func TestFailingSourceLogsOnce(t *testing.T) {
	root := fixtureRoot(t)
	var logs bytes.Buffer
	failing := &atomic.Bool{}
	failing.Store(true)
	h := newHostCollector([]namedCollector{
		{"app_process", flakySource{prometheus.NewDesc("prescale_flaky", "h", nil, nil), failing}},
		{"load", newLoadCollector()},
	}, fixtureEnv(root), fixedNow, slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})), time.Second, nil)
	for range 5 {
		require.Zero(t, gatherValues(t, h)[success("app_process")])
	}
	out := logs.String()
	require.Equal(t, 1, strings.Count(out, "level=WARN"), out)
	require.Contains(t, out, `level=WARN msg="collector failed" collector=app_process err="no process named \"app\""`)
	require.Equal(t, 4, strings.Count(out, "level=DEBUG"), out)
	failing.Store(false)
	require.InDelta(t, 1.0, gatherValues(t, h)[success("app_process")], 0)
	require.Contains(t, logs.String(), `level=INFO msg="collector recovered" collector=app_process failing_for=0s failed_attempts=5`)
	require.NotContains(t, logs.String(), "collector=load")
}

// TestHungStatfs: a mount point whose statfs never answers (a dead NFS
// server) fails the filesystem source at the scrape's deadline, is skipped
// while the call hangs, and comes back once it returns.
func TestHungStatfs(t *testing.T) {
	root := fixtureRoot(t)
	release := make(chan struct{})
	calls := make(chan string, 16)
	usage := func(ctx context.Context, path string) (*disk.UsageStat, error) {
		if strings.HasSuffix(path, "/data") {
			calls <- path
			<-release
		}
		return fakeUsage(root)(ctx, path)
	}
	c, err := NewCollector(DefaultConfig(), WithEnv(fixtureEnv(root)), WithNow(fixedNow),
		WithFilesystemUsage(usage), WithGatherTimeout(100*time.Millisecond))
	require.NoError(t, err)

	got := gatherValues(t, c)
	require.Zero(t, got[success("filesystem")])
	require.Contains(t, got, `prescale_filesystem_size_bytes{device="/dev/vda1",fstype="ext4",mountpoint="/"}`, "other mounts are reported")
	require.NotContains(t, got, `prescale_filesystem_size_bytes{device="/dev/nvme0n1p1",fstype="xfs",mountpoint="/data"}`)

	got = gatherValues(t, c)
	require.Zero(t, got[success("filesystem")])
	require.Len(t, calls, 1, "the hung mount point is not called again")

	close(release)
	testkit.Eventually(t.Context(), t, 10*time.Second, "the filesystem source recovers", func() error {
		if gatherValues(t, c)[success("filesystem")] != 1 {
			return errors.New("filesystem source still failing")
		}
		return nil
	})
}

// TestHungPidFile: a pid file (or a cgroup file in another container's
// root) whose read never answers (a FUSE mount whose daemon does not)
// fails the app_process source at the scrape's deadline, is not read again
// while the read hangs, and is read once it returns. The scrape waited for
// it for ever, and so did every later one.
func TestHungPidFile(t *testing.T) {
	root, host := fixtureRoot(t), t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(host, "app.pid"), []byte("4300\n"), 0o644))
	release, calls := make(chan struct{}), make(chan string, 16)
	was := readFileIn
	t.Cleanup(func() { readFileIn = was })
	readFileIn = func(dir, name string) ([]byte, error) {
		if name == "app.pid" {
			calls <- name
			<-release
		}
		return was(dir, name)
	}
	env := fixtureEnv(root)
	env[common.HostRootEnvKey] = host
	cfg := DefaultConfig()
	cfg.AppProcess = "/app.pid"
	c, err := NewCollector(cfg, WithEnv(env), WithNow(fixedNow),
		WithFilesystemUsage(fakeUsage(root)), WithGatherTimeout(100*time.Millisecond))
	require.NoError(t, err)

	reg := prometheus.NewRegistry()
	reg.MustRegister(c)
	done := make(chan error, 1)
	go func() { _, err := reg.Gather(); done <- err }()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(30 * time.Second):
		close(release)
		t.Fatal("the scrape waits for the hung pid file")
	}
	got := gatherValues(t, c)
	require.Zero(t, got[success("app_process")])
	require.InDelta(t, 1.0, got[success("cpu")], 0, "other sources are reported")
	require.Len(t, calls, 1, "the hung pid file is not read again")

	close(release)
	testkit.Eventually(t.Context(), t, 10*time.Second, "the app_process source recovers", func() error {
		if gatherValues(t, c)[success("app_process")] != 1 {
			return errors.New("app_process source still failing")
		}
		return nil
	})
}

// TestCPUErrorNamesTheFile: with HOST_PROC pointing where no /proc is (a
// container without the host's /proc mounted), the cpu source's error names
// the file it read; it said /proc/stat whatever HOST_PROC was.
func TestCPUErrorNamesTheFile(t *testing.T) {
	dir := t.TempDir()
	ctx := context.WithValue(t.Context(), common.EnvKey, common.EnvMap{common.HostProcEnvKey: dir})
	ch := make(chan prometheus.Metric, 64)
	err := newCPUCollector().Update(ctx, ch)
	require.EqualError(t, err, "cpu: no per-cpu lines in "+filepath.Join(dir, "stat"))
}

// An empty /proc/meminfo (or one whose read fails after it opened: gopsutil
// keeps the lines read before the error and returns none) is no reading:
// the memory source succeeded with every figure 0, a host with no memory,
// and PrescaleExporterCollectorFailing never fired. Tried with HOST_PROC
// at a copy of /proc whose meminfo was empty, or a directory.
func TestMemoryErrorNamesTheFile(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "meminfo"), nil, 0o644))
	ctx := context.WithValue(t.Context(), common.EnvKey, common.EnvMap{common.HostProcEnvKey: dir})
	ch := make(chan prometheus.Metric, 64)
	err := newMemoryCollector().Update(ctx, ch)
	require.EqualError(t, err, "memory: no MemTotal in "+filepath.Join(dir, "meminfo"))
	require.Empty(t, ch, "nothing published")
}

// An empty mount table (HOST_PROC's 1/mountinfo opening but reading
// nothing; gopsutil falls back to self/ only when it cannot open it) is no
// reading: the filesystem source succeeded with no file system at all,
// so the host's disks vanished from the dashboards and from
// PrescaleDiskPredictedFull without an alert. Mount points the exclude
// patterns leave out are another matter: none published is a success.
func TestFilesystemErrorWithoutMounts(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "1"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "1", "mountinfo"), nil, 0o644))
	ctx := context.WithValue(t.Context(), common.EnvKey, common.EnvMap{common.HostProcEnvKey: dir})
	ch := make(chan prometheus.Metric, 64)
	never := func(context.Context, string) (*disk.UsageStat, error) { return nil, errors.New("not called") }
	err := newFilesystemCollector(nil, nil, never).Update(ctx, ch)
	require.EqualError(t, err, "filesystem: no mount points in "+filepath.Join(dir, "1", "mountinfo"))

	line := "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "1", "mountinfo"), []byte(line), 0o644))
	all := regexp.MustCompile(".*")
	require.NoError(t, newFilesystemCollector(all, nil, never).Update(ctx, ch), "every mount point excluded")
	require.Empty(t, ch)
}

// An empty /proc/loadavg made gopsutil index past its fields: the source
// failed with "panic: runtime error: index out of range [0] with length
// 0", which named neither the file nor HOST_PROC.
func TestLoadErrorNamesTheFile(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "loadavg"), nil, 0o644))
	ctx := context.WithValue(t.Context(), common.EnvKey, common.EnvMap{common.HostProcEnvKey: dir})
	ch := make(chan prometheus.Metric, 64)
	err := newLoadCollector().Update(ctx, ch)
	require.ErrorContains(t, err, "load: cannot read the load averages of "+filepath.Join(dir, "loadavg"))
	require.Empty(t, ch)
}

// The boot source's parse errors name the file it read, under HOST_PROC:
// they said "/proc/stat" and "/proc/uptime" whatever HOST_PROC was (the
// containers' /host/proc), where the cpu and memory sources name the path.
func TestBootErrorNamesTheFile(t *testing.T) {
	dir := t.TempDir()
	ctx := context.WithValue(t.Context(), common.EnvKey, common.EnvMap{common.HostProcEnvKey: dir})
	require.NoError(t, os.WriteFile(filepath.Join(dir, "stat"), []byte("cpu 1 2 3\n"), 0o644))
	ch := make(chan prometheus.Metric, 64)
	err := newBootCollector().Update(ctx, ch)
	require.EqualError(t, err, "boot: "+filepath.Join(dir, "stat")+": no btime line")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "stat"), []byte("btime 1764000000\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "uptime"), nil, 0o644))
	err = newBootCollector().Update(ctx, ch)
	require.EqualError(t, err, "boot: "+filepath.Join(dir, "uptime")+": empty")
}

// An empty /proc/stat (one that opens but reads nothing) gave the
// processes source zeros, counters included: prescale_processes_created_total
// and prescale_context_switches_total went to 0 and back, which rate()
// reads as a counter reset, a spike of a whole uptime's forks. Now it
// fails. gVisor's /proc/stat writes its lines with zeros (not counted
// there): they are published, the source successful.
func TestProcessesErrorNamesTheFile(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "1"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "stat"), nil, 0o644))
	ctx := context.WithValue(t.Context(), common.EnvKey, common.EnvMap{common.HostProcEnvKey: dir})
	ch := make(chan prometheus.Metric, 64)
	err := newProcessesCollector().Update(ctx, ch)
	require.EqualError(t, err, "processes: "+filepath.Join(dir, "stat")+": no ctxt or processes line")
	require.Empty(t, ch)

	gvisor := "cpu  0 0 0 0 0 0 0 0 0 0\nintr 0\nctxt 0\nbtime 1764000000\nprocesses 0\nprocs_running 0\nprocs_blocked 0\nsoftirq 0\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "stat"), []byte(gvisor), 0o644))
	require.NoError(t, newProcessesCollector().Update(ctx, ch))
	require.Len(t, ch, 5)
}
