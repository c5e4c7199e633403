package exporter

import (
	"bytes"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/internal/testkit"
)

// TestLoadScoreAgainstCgroupLimits: the fixture's webapp (20,480,000
// resident bytes on a host of 8,192,000,000) in a container limited to
// 25,600,000 bytes uses 80 % of what it may, not 0.25 % of the host: the
// app_memory signal says 0.8, the highest signal, so the score too (the
// fixture's host_cpu is 0.75). Before, they said 0.0025 and 0.75 whatever
// the container's limit, so a target scaling on the score never saw the
// application near its limit.
func TestLoadScoreAgainstCgroupLimits(t *testing.T) {
	tree := copyTree(t, fixtureRoot(t))
	for name, content := range map[string]string{
		"proc/4242/cgroup":             "0::/app\n",
		"sys/fs/cgroup/app/memory.max": "25600000\n",
	} {
		p := filepath.Join(tree, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	}
	cfg := DefaultConfig()
	cfg.AppProcess = "webapp"
	got := gatherValues(t, fixtureCollector(t, tree, cfg))
	require.InDelta(t, 0.8, got[`prescale_app_load_signal_ratio{signal="app_memory"}`], 1e-12)
	require.InDelta(t, 0.8, got["prescale_app_load_score"], 1e-12)
}

// TestHungCgroupLimits: a cgroup limit file whose read never returns (a
// FUSE mount whose daemon does not answer) costs the scrape its deadline
// once: the process is still reported, without the limits; while that read
// has not returned, later scrapes skip the whole limits read (the process's
// cgroup file is not read again either: one goroutine per scrape reads
// every file, where one per file cost 0.12 ms of cpu per scrape here), and
// once it returns the limits are read again.
func TestHungCgroupLimits(t *testing.T) {
	tree := copyTree(t, fixtureRoot(t))
	for name, content := range map[string]string{
		"proc/4242/cgroup":             "0::/app\n",
		"sys/fs/cgroup/app/memory.max": "25600000\n",
	} {
		p := filepath.Join(tree, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	}
	release := make(chan struct{})
	var cgroupReads atomic.Int32
	var hung atomic.Bool
	was := readFile
	t.Cleanup(func() { readFile = was })
	readFile = func(name string) ([]byte, error) {
		if strings.HasSuffix(name, "/4242/cgroup") {
			cgroupReads.Add(1)
		}
		if strings.HasSuffix(name, "/app/memory.max") && !hung.Swap(true) {
			<-release
		}
		return was(name)
	}
	cfg := DefaultConfig()
	cfg.AppProcess = "webapp"
	c, err := NewCollector(cfg, WithEnv(fixtureEnv(tree)), WithNow(fixedNow),
		WithFilesystemUsage(fakeUsage(tree)), WithGatherTimeout(100*time.Millisecond))
	require.NoError(t, err)

	memory := `prescale_app_load_signal_ratio{signal="app_memory"}`
	for i := range 2 {
		got := gatherValues(t, c)
		require.InDelta(t, 1.0, got[success("app_process")], 0, "the process is reported")
		require.InDelta(t, 0.0025, got[memory], 1e-12, "no limit known: the host's memory")
		require.Equal(t, int32(1), cgroupReads.Load(), "scrape %d: the limits are read once while that read hangs", i+1)
	}
	close(release)
	testkit.Eventually(t.Context(), t, 10*time.Second, "the limits are read again", func() error {
		if v := gatherValues(t, c)[memory]; v != 0.8 {
			return fmt.Errorf("app_memory %v", v)
		}
		return nil
	})
}

// TestHungCgroupLimitsNewPid: while a cgroup limits read hangs, a restart
// of the application (a new pid: a crash loop, a rolling restart) starts
// no other read. Keyed by pid, each new pid started one more read that
// hung on the same mount, a goroutine and an OS thread left blocked per
// restart for as long as the mount did not answer.
func TestHungCgroupLimitsNewPid(t *testing.T) {
	tree := copyTree(t, fixtureRoot(t))
	for name, content := range map[string]string{
		"proc/4242/cgroup":             "0::/app\n",
		"sys/fs/cgroup/app/memory.max": "25600000\n",
	} {
		p := filepath.Join(tree, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	}
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	var cgroupReads atomic.Int32
	was := readFile
	t.Cleanup(func() { readFile = was })
	readFile = func(name string) ([]byte, error) {
		if strings.HasSuffix(name, "/cgroup") {
			cgroupReads.Add(1)
		}
		if strings.HasSuffix(name, "/app/memory.max") {
			<-release // the mount never answers while the test runs
		}
		return was(name)
	}
	cfg := DefaultConfig()
	cfg.AppProcess = "webapp"
	c, err := NewCollector(cfg, WithEnv(fixtureEnv(tree)), WithNow(fixedNow),
		WithFilesystemUsage(fakeUsage(tree)), WithGatherTimeout(100*time.Millisecond))
	require.NoError(t, err)

	memory := `prescale_app_load_signal_ratio{signal="app_memory"}`
	got := gatherValues(t, c)
	require.InDelta(t, 0.0025, got[memory], 1e-12, "no limit known: the host's memory")
	require.NoError(t, os.Rename(filepath.Join(tree, "proc/4242"), filepath.Join(tree, "proc/4343")))
	for i := range 2 {
		got = gatherValues(t, c)
		require.InDelta(t, 1.0, got[success("app_process")], 0, "the restarted process is reported")
		require.Equal(t, int32(1), cgroupReads.Load(), "scrape %d after the restart: no new read while one hangs", i+1)
	}
}

// TestAppProcessOfSeveral: PRESCALE_APP_PROCESS naming two processes (a
// master, pid 4242, and a worker it started later, pid 4100, lower after
// the pids wrapped around) reads the master's figures, and logs one WARN
// naming the variable, the count and the pid, not one per scrape. The
// lowest pid, the worker, was read without a word.
func TestAppProcessOfSeveral(t *testing.T) {
	tree := copyTree(t, fixtureRoot(t))
	proc := filepath.Join(tree, "proc")
	require.NoError(t, os.CopyFS(filepath.Join(proc, "4100"), os.DirFS(filepath.Join(proc, "4242"))))
	worker := "4100 (webapp) S 4242 4242 4242 0 -1 4194560 10 0 0 0 10 0 0 0 20 0 1 0 99999 1000000 500 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n"
	require.NoError(t, os.WriteFile(filepath.Join(proc, "4100", "stat"), []byte(worker), 0o644))
	var logs bytes.Buffer
	cfg := DefaultConfig()
	cfg.AppProcess = "webapp"
	c, err := NewCollector(cfg, WithEnv(fixtureEnv(tree)), WithNow(fixedNow), WithFilesystemUsage(fakeUsage(tree)),
		WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	require.NoError(t, err)
	for range 3 {
		got := gatherValues(t, c)
		require.InDelta(t, 1.0, got[success("app_process")], 0)
		require.InDelta(t, 3.0, got["prescale_app_process_cpu_seconds_total"], 1e-9, "the master's 250+50 ticks, not the worker's 10")
	}
	require.Equal(t, 1, strings.Count(logs.String(), "level=WARN"), logs.String())
	for _, want := range []string{"variable=PRESCALE_APP_PROCESS", "name=webapp", "matched=2", "pid=4242"} {
		require.Contains(t, logs.String(), want)
	}
}
