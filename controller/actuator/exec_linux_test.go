package actuator

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestExecGroupNotSignalledAfterReap: exec calls the command's Cancel when
// its context ends, which can be after Wait reaped the leader (the context
// ending as the command exits); the group's number may then belong to
// another process group (another delivery's command, started since). Such
// a late Cancel signals nothing. Before, it sent SIGKILL to the group
// whatever became of it.
func TestExecGroupNotSignalledAfterReap(t *testing.T) {
	cmd := exec.CommandContext(t.Context(), "true")
	g := ownGroup(cmd)
	var killed []int
	g.kill = func(pgid int, _ syscall.Signal) error {
		killed = append(killed, pgid)
		return nil
	}
	require.NoError(t, g.run(t.Context()))
	require.NotNil(t, cmd.ProcessState, "reaped")
	require.ErrorIs(t, cmd.Cancel(), os.ErrProcessDone, "the late Cancel of the context's end")
	require.Empty(t, killed, "no signal once the leader is reaped")
}

// waitFile polls (with a deadline: a real process writes it) until path
// exists.
func waitFile(t *testing.T, path string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := os.Stat(path); err == nil {
			return
		}
		require.False(t, time.Now().After(deadline), "%s not written in 30 s", path)
		time.Sleep(20 * time.Millisecond)
	}
}

// shutDownDuring delivers testAction with e, shuts the controller down
// (cancels the delivery's context) once the command has written ready,
// and returns the delivery's error.
func shutDownDuring(t *testing.T, e *Exec, ready string) error {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- e.Deliver(ctx, testAction) }()
	waitFile(t, ready)
	cancel()
	return <-done
}

// TestExecShutdownTermsFirst: a command running when the controller shuts
// down gets SIGTERM (with everything it started) and can finish or clean
// up, and the error says the shutdown stopped it. It got SIGKILL at once
// (a Terraform or Ansible run left its lock behind), and the error said
// "timed out after 1m0s".
func TestExecShutdownTermsFirst(t *testing.T) {
	ready := filepath.Join(t.TempDir(), "ready")
	e, err := NewExec([]string{"/bin/sh", "-c", `trap 'echo cleaned > "$0.term"; exit 143' TERM; sleep 60 & echo > "$0.tmp"; mv "$0.tmp" "$0"; wait`, ready}, time.Minute, nil)
	require.NoError(t, err)
	err = shutDownDuring(t, e, ready)
	require.ErrorContains(t, err, "stopped by the shutdown")
	require.NotContains(t, err.Error(), "timed out")
	b, rerr := os.ReadFile(ready + ".term")
	require.NoError(t, rerr, "the command got no SIGTERM to clean up on")
	require.Equal(t, "cleaned\n", string(b))
}

// TestExecChildrenCleanUpAfterTheLeader: a command that SIGTERM ends at
// once (a shell script without a trap, the default of sh) leaves what it
// started the grace to clean up: the group got SIGKILL as soon as the
// command itself had exited, so a Terraform run started by a plain script
// was killed while it released its lock, on every shutdown.
func TestExecChildrenCleanUpAfterTheLeader(t *testing.T) {
	dir := t.TempDir()
	ready, child := filepath.Join(dir, "ready"), filepath.Join(dir, "child.sh")
	// The child's cleanup takes a moment (a second process, in the group).
	require.NoError(t, os.WriteFile(child, []byte(`trap 'sleep 0.3; echo cleaned > "$1.term"; exit 0' TERM
echo > "$1.tmp"; mv "$1.tmp" "$1"
while :; do sleep 1; done
`), 0o600))
	e, err := NewExec([]string{"/bin/sh", "-c", `/bin/sh "$0" "$1" & wait`, child, ready}, time.Minute, nil)
	require.NoError(t, err)
	require.ErrorContains(t, shutDownDuring(t, e, ready), "stopped by the shutdown")
	b, rerr := os.ReadFile(ready + ".term")
	require.NoError(t, rerr, "the child was killed before its cleanup ended")
	require.Equal(t, "cleaned\n", string(b))
}

// TestExecGroupKilledAfterGrace: a command that ignores SIGTERM is killed,
// with what it started, once the grace has passed.
func TestExecGroupKilledAfterGrace(t *testing.T) {
	ready := filepath.Join(t.TempDir(), "ready")
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	cmd := exec.CommandContext(ctx, "/bin/sh", "-c", `trap '' TERM; sleep 60 & echo > "$0.tmp"; mv "$0.tmp" "$0"; wait`, ready)
	cmd.WaitDelay = time.Second
	g := ownGroup(cmd)
	g.grace = 100 * time.Millisecond
	var mu sync.Mutex
	var sigs []syscall.Signal
	kill := g.kill
	g.kill = func(pgid int, sig syscall.Signal) error {
		mu.Lock()
		sigs = append(sigs, sig)
		mu.Unlock()
		return kill(pgid, sig)
	}
	done := make(chan error, 1)
	go func() { done <- g.run(ctx) }()
	waitFile(t, ready)
	cancel()
	require.Error(t, <-done)
	mu.Lock()
	defer mu.Unlock()
	require.Equal(t, []syscall.Signal{syscall.SIGTERM, syscall.SIGKILL, syscall.SIGKILL}, sigs, "TERM, KILL at the grace, KILL of what is left at the leader's exit")
}

// FuzzProcStat: liveInGroup reads any bytes as a /proc/PID/stat line
// without a panic, and says true only for a line whose process group,
// after the last ')', is the one asked for and whose state is not Z.
func FuzzProcStat(f *testing.F) {
	f.Add([]byte("4242 (sh) S 1 4242 4242 0 -1 4194304"), "4242")
	f.Add([]byte("17 (a) b) Z 4242 4242 4242"), "4242")
	f.Add([]byte("no parenthesis 4242"), "4242")
	f.Add([]byte(""), "1")
	f.Fuzz(func(t *testing.T, stat []byte, pgid string) {
		if !liveInGroup(stat, pgid) {
			return
		}
		f := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
		if len(f) < 3 || f[2] != pgid || f[0] == "Z" {
			t.Fatalf("liveInGroup(%q, %q) is true", stat, pgid)
		}
	})
}

func TestLiveInGroup(t *testing.T) {
	for _, c := range []struct {
		stat string
		want bool
	}{
		{"4243 (terraform) S 4242 4242 4242 0", true},
		{"4243 (my (odd) name) R 4242 4242 4242", true},
		{"4243 (sh) Z 4242 4242 4242", false},  // a zombie ran its course
		{"4243 (sh) S 4242 4243 4242", false},  // another group
		{"4243 (sh) S 4242 42420 4242", false}, // not a prefix match
		{"4243 (sh) S", false},                 // cut short
	} {
		require.Equal(t, c.want, liveInGroup([]byte(c.stat), "4242"), c.stat)
	}
}
