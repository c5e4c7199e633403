package appproc

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/shirou/gopsutil/v4/common"
	"github.com/stretchr/testify/require"
)

// fakeProc is a proc root in a temporary directory holding, per process,
// the comm and stat files the finder reads.
type fakeProc struct {
	t    *testing.T
	root string
}

func newFakeProc(t *testing.T) fakeProc {
	return fakeProc{t: t, root: t.TempDir()}
}

func (p fakeProc) ctx() context.Context {
	return context.WithValue(p.t.Context(), common.EnvKey, common.EnvMap{common.HostProcEnvKey: p.root})
}

// start writes process pid named name, started start ticks after boot.
func (p fakeProc) start(pid int, name string, start uint64) {
	dir := filepath.Join(p.root, strconv.Itoa(pid))
	require.NoError(p.t, os.MkdirAll(dir, 0o755))
	require.NoError(p.t, os.WriteFile(filepath.Join(dir, "comm"), []byte(name+"\n"), 0o644))
	stat := fmt.Sprintf("%d (%s) S 1 %d %d 0 -1 4194560 0 0 0 0 1 1 0 0 20 0 1 0 %d 1000 10 0\n", pid, name, pid, pid, start)
	require.NoError(p.t, os.WriteFile(filepath.Join(dir, "stat"), []byte(stat), 0o644))
}

func (p fakeProc) exit(pid int) {
	require.NoError(p.t, os.RemoveAll(filepath.Join(p.root, strconv.Itoa(pid))))
}

func warnings(logs *bytes.Buffer) []string {
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		if l != "" {
			out = append(out, l)
		}
	}
	return out
}

// TestNameMatchingSeveralTakesTheOldest: of a pre-forking server's master
// and workers the master, started first, is taken even when a worker's
// pid is lower (pids wrapped around); the lowest pid was taken. One WARN
// names the variable, the name, the count and the pid, and is not
// repeated while neither changes.
func TestNameMatchingSeveralTakesTheOldest(t *testing.T) {
	p := newFakeProc(t)
	p.start(300, "nginx", 5000) // the master
	p.start(120, "nginx", 5010) // a worker, its pid wrapped around
	p.start(301, "nginx", 5011)
	p.start(50, "sshd", 100)
	var logs bytes.Buffer
	f := NewFinder("nginx", nil, nil, slog.New(slog.NewTextHandler(&logs, nil)))
	for range 3 {
		pid, err := f.Find(p.ctx())
		require.NoError(t, err)
		require.Equal(t, int32(300), pid)
	}
	got := warnings(&logs)
	require.Len(t, got, 1, logs.String())
	for _, want := range []string{"level=WARN", "variable=PRESCALE_APP_PROCESS", "name=nginx", "matched=3", "pid=300"} {
		require.Contains(t, got[0], want)
	}
}

// TestRestartIsNotAnotherOfTheName: when the process read exits, a
// process of the same name that ran beside it (another program, another
// container's) is not taken for it, even with a lower pid: the collector
// fails until the application restarts, then its restart is taken, not
// the older other one. The WARN is logged again for the new pid.
func TestRestartIsNotAnotherOfTheName(t *testing.T) {
	p := newFakeProc(t)
	p.start(200, "java", 1000) // the application
	p.start(10, "java", 2000)  // another program of the name, its pid wrapped around
	var logs bytes.Buffer
	f := NewFinder("java", nil, nil, slog.New(slog.NewTextHandler(&logs, nil)))
	pid, err := f.Find(p.ctx())
	require.NoError(t, err)
	require.Equal(t, int32(200), pid)

	p.exit(200)
	_, err = f.Find(p.ctx())
	require.EqualError(t, err, `process 200 named "java" is gone and every other process of the name (1) ran beside it, so are not taken for its restart (restart the exporter to take the oldest)`)

	p.start(150, "java", 3000) // its restart
	pid, err = f.Find(p.ctx())
	require.NoError(t, err)
	require.Equal(t, int32(150), pid)
	got := warnings(&logs)
	require.Len(t, got, 2, logs.String())
	for i, want := range [][]string{{"matched=2", "pid=200"}, {"matched=2", "pid=150"}} {
		for _, w := range want {
			require.Contains(t, got[i], w)
		}
	}
}

// TestForgetKeepsTheSameProcess: a read of the process that failed
// (Forget) while it still runs takes it again, not a process of the name
// started before it, and the search that finds it again does not repeat
// the WARN (the same pid and count: a read failing now and then would
// log it each time).
func TestForgetKeepsTheSameProcess(t *testing.T) {
	p := newFakeProc(t)
	p.start(7, "app", 100)
	p.start(9, "app", 50)
	var logs bytes.Buffer
	f := NewFinder("app", nil, nil, slog.New(slog.NewTextHandler(&logs, nil)))
	pid, err := f.Find(p.ctx())
	require.NoError(t, err)
	require.Equal(t, int32(9), pid)
	f.Forget(9)
	pid, err = f.Find(p.ctx())
	require.NoError(t, err)
	require.Equal(t, int32(9), pid)
	require.Len(t, warnings(&logs), 1, logs.String())
}

// TestOneMatchIsNotLogged: a name that matches one process logs nothing;
// no process of the name is an error naming it; a finder without a logger
// logs nothing.
func TestOneMatchIsNotLogged(t *testing.T) {
	p := newFakeProc(t)
	p.start(7, "app", 100)
	var logs bytes.Buffer
	f := NewFinder("app", nil, nil, slog.New(slog.NewTextHandler(&logs, nil)))
	pid, err := f.Find(p.ctx())
	require.NoError(t, err)
	require.Equal(t, int32(7), pid)
	require.Empty(t, logs.String())
	_, err = NewFinder("nginx", nil, nil, nil).Find(p.ctx())
	require.EqualError(t, err, `no process named "nginx"`)
	p.start(8, "app", 100)
	_, err = NewFinder("app", nil, nil, nil).Find(p.ctx())
	require.NoError(t, err, "several matches without a logger")
}

// state sets the state letter of process pid's stat file ("Z": a zombie).
func (p fakeProc) state(pid int, st string) {
	path := filepath.Join(p.root, strconv.Itoa(pid), "stat")
	b, err := os.ReadFile(path)
	require.NoError(p.t, err)
	require.NoError(p.t, os.WriteFile(path, bytes.Replace(b, []byte(") S "), []byte(") "+st+" "), 1), 0o644))
}

// TestZombieIsNotTheProcess: a zombie of the name (the application's
// previous run, exited and not reaped: its name stays, its cpu time is
// frozen and its memory 0) is not taken though it is the oldest, and
// the process read turning zombie is gone: its restart is taken. Both
// took the zombie before.
func TestZombieIsNotTheProcess(t *testing.T) {
	p := newFakeProc(t)
	p.start(100, "app", 1000)
	p.state(100, "Z")
	p.start(200, "app", 3000)
	f := NewFinder("app", nil, nil, nil)
	pid, err := f.Find(p.ctx())
	require.NoError(t, err)
	require.Equal(t, int32(200), pid, "not the zombie")

	p.state(200, "Z")
	_, err = f.Find(p.ctx())
	require.EqualError(t, err, `no process named "app"`)
	p.start(300, "app", 5000) // its restart
	pid, err = f.Find(p.ctx())
	require.NoError(t, err)
	require.Equal(t, int32(300), pid)
}

// TestUnreadableStartIsNotTheOldest: a process of the name whose stat
// file is gone by the time it is read (it exited during the search) is
// not taken for the oldest: the master is. Taken (a start of 0 read as
// the earliest), it was gone at the next scrape and the master, left
// beside it, was never taken again.
func TestUnreadableStartIsNotTheOldest(t *testing.T) {
	p := newFakeProc(t)
	p.start(300, "gunicorn", 5000) // the master
	p.start(301, "gunicorn", 5010)
	p.start(302, "gunicorn", 6000) // a worker exiting: comm still read, stat gone
	require.NoError(t, os.Remove(filepath.Join(p.root, "302", "stat")))
	f := NewFinder("gunicorn", nil, nil, nil)
	pid, err := f.Find(p.ctx())
	require.NoError(t, err)
	require.Equal(t, int32(300), pid)
	require.True(t, older(match{pid: 9, start: 1}, match{pid: 2}), "a start read before an unknown one")
	require.False(t, older(match{pid: 2}, match{pid: 9, start: 1}))
	require.True(t, older(match{pid: 2}, match{pid: 9}), "two unknown: the lower pid")
}
