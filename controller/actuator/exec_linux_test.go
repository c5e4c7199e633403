package actuator

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

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
