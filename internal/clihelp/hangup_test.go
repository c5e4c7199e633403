//go:build unix

package clihelp

import (
	"log/slog"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// notifying is a writer that hands every write to a channel.
type notifying chan string

func (n notifying) Write(p []byte) (int, error) {
	n <- string(p)
	return len(p), nil
}

// TestIgnoreHangup: a SIGHUP to a server logs a WARN and the process goes
// on. Before, the test process itself was killed by it (Go's default for
// SIGHUP), as the controller was (exit 129, no clean shutdown).
func TestIgnoreHangup(t *testing.T) {
	out := make(notifying, 4)
	IgnoreHangup(t.Context(), slog.New(slog.NewTextHandler(out, nil)))
	require.NoError(t, syscall.Kill(syscall.Getpid(), syscall.SIGHUP))
	select {
	case line := <-out:
		require.Contains(t, line, `level=WARN msg="SIGHUP ignored: there is no reload`)
	case <-time.After(10 * time.Second): // a deadline, not a wait: the signal is delivered asynchronously
		t.Fatal("no WARN 10 s after SIGHUP")
	}
}
