package atomicfile

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestAbortKeepsSpecialFile: an output written in place (a named pipe
// here; /dev/null in practice) is closed, not removed, when the command
// fails after opening it (backtest --decisions /dev/null with a plot that
// cannot be written removed /dev/null when run as root).
func TestAbortKeepsSpecialFile(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "out.fifo")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = os.ReadFile(fifo) // opens for reading; EOF when the writer closes
	}()
	f, err := Create(fifo)
	require.NoError(t, err)
	require.True(t, f.direct)
	f.Abort()
	<-done
	fi, err := os.Lstat(fifo)
	require.NoError(t, err, "the pipe is still there")
	require.Equal(t, os.ModeNamedPipe, fi.Mode().Type())
}
