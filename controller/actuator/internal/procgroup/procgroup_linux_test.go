package procgroup

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

	"github.com/prescale/prescale/internal/testkit"
)

// waitFile waits (with a deadline: a real process writes it) until path
// exists.
func waitFile(t *testing.T, path string) {
	t.Helper()
	testkit.Eventually(t.Context(), t, 30*time.Second, path+" written", func() error {
		_, err := os.Stat(path)
		return err
	})
}

// TestExecGroupNotSignalledAfterReap: exec calls the command's Cancel when
// its context ends, which can be after Wait reaped the leader (the context
// ending as the command exits); the group's number may then belong to
// another process group (another delivery's command, started since). Such
// a late Cancel signals nothing. Before, it sent SIGKILL to the group
// whatever became of it.
func TestExecGroupNotSignalledAfterReap(t *testing.T) {
	cmd := exec.CommandContext(t.Context(), "true")
	g := Own(cmd)
	var killed []int
	g.kill = func(pgid int, _ syscall.Signal) error {
		killed = append(killed, pgid)
		return nil
	}
	require.NoError(t, g.Run(t.Context()))
	require.NotNil(t, cmd.ProcessState, "reaped")
	require.ErrorIs(t, cmd.Cancel(), os.ErrProcessDone, "the late Cancel of the context's end")
	require.Empty(t, killed, "no signal once the leader is reaped")
}

// TestExecGroupKilledAfterGrace: a command that ignores SIGTERM is killed,
// with what it started, once the grace has passed.
func TestExecGroupKilledAfterGrace(t *testing.T) {
	ready := filepath.Join(t.TempDir(), "ready")
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	cmd := exec.CommandContext(ctx, "/bin/sh", "-c", `trap '' TERM; sleep 60 & echo > "$0.tmp"; mv "$0.tmp" "$0"; wait`, ready)
	cmd.WaitDelay = time.Second
	g := Own(cmd)
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
	go func() { done <- g.Run(ctx) }()
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
