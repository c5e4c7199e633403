package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/internal/testkit"
)

// writeSineTrace writes n 5-minute samples of a daily sine and returns the
// path.
func writeSineTrace(t *testing.T, dir string, n int) string {
	t.Helper()
	ts, vs := testkit.DailyCycle(n, 1_400_000_000, 60, 40, 0, 0)
	return testkit.WriteTrace(t, filepath.Join(dir, "trace.csv"), ts, vs)
}

// TestInterruptLeavesNoOutput cancels forecast and backtest (what SIGTERM
// does through main's signal context) once they report progress: each
// stops with exit 1 and "interrupted", and the output directory holds
// neither the output nor a temporary file (forecast left a partial file).
func TestInterruptLeavesNoOutput(t *testing.T) {
	for _, tc := range []struct {
		name     string
		n        int
		args     func(trace, out string) []string
		progress string
	}{
		{"forecast", 3000, func(trace, out string) []string {
			return []string{"forecast", "--trace", trace, "--horizon", "3", "--stride", "1", "--out", out}
		}, " origins\n"},
		{"backtest", 21000, func(trace, out string) []string {
			return []string{"backtest", "--trace", trace, "--capacity", "10", "--decisions", out, "--plot", out + ".svg"}
		}, " samples ("},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in, outDir := t.TempDir(), t.TempDir()
			out := filepath.Join(outDir, "out.csv")
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			var stdout, stderr testkit.SyncBuffer
			done := make(chan int, 1)
			args := tc.args(writeSineTrace(t, in, tc.n), out)
			go func() { done <- dispatch(ctx, args, &stdout, &stderr) }()
			deadline := time.After(time.Until(testkit.Deadline(t, 2*time.Minute)))
			for !strings.Contains(stderr.String(), tc.progress) {
				select {
				case code := <-done:
					t.Fatalf("finished (%d) before it could be interrupted: %s", code, stderr.String())
				case <-deadline:
					t.Fatalf("no progress: %s", stderr.String())
				case <-time.After(5 * time.Millisecond):
				}
			}
			cancel()
			require.Equal(t, 1, <-done, stderr.String())
			require.Contains(t, stderr.String(), "interrupted: stopped, no output written")
			left, err := os.ReadDir(outDir)
			require.NoError(t, err)
			require.Empty(t, left, "no output, no temporary file")
		})
	}
}

// TestOutputToSpecialFile: an output path that is not a regular file (a
// named pipe here; /dev/null in practice) is written in place. Writing
// through a temporary file renamed over it replaced /dev/null with a
// regular file when run as root.
func TestOutputToSpecialFile(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "out.fifo")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	got := make(chan []byte, 1)
	go func() {
		b, _ := os.ReadFile(fifo) // opens for reading; EOF when the writer closes
		got <- b
	}()
	var stdout, stderr testkit.SyncBuffer
	code := dispatch(t.Context(), []string{"forecast", "--trace", writeSineTrace(t, dir, 300), "--horizon", "2", "--out", fifo}, &stdout, &stderr)
	require.Equal(t, 0, code, stderr.String())
	fi, err := os.Lstat(fifo)
	require.NoError(t, err)
	require.Equal(t, os.ModeNamedPipe, fi.Mode().Type(), "still a named pipe")
	require.Contains(t, string(<-got), "origin,target,horizon,yhat,lo,hi\n")
	left, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, left, 2, "the pipe and the trace, no temporary file")
}

// TestOutputFileMode: the files forecast and backtest write get the mode
// os.Create gives a new file (0666 less the umask), and a file they
// replace keeps its mode. They were 0600, os.CreateTemp's mode, so a plot
// or a CSV written for others to read was not readable by them.
func TestOutputFileMode(t *testing.T) {
	dir := t.TempDir()
	ref, err := os.Create(filepath.Join(dir, "reference"))
	require.NoError(t, err)
	require.NoError(t, ref.Close())
	want := mode(t, ref.Name())
	require.NotEqual(t, want, os.FileMode(0o600), "the umask of this test leaves no way to tell")

	trace := writeSineTrace(t, dir, 400)
	kept := filepath.Join(dir, "kept.csv")
	require.NoError(t, os.WriteFile(kept, []byte("old\n"), 0o640))
	require.NoError(t, os.Chmod(kept, 0o640))
	for _, args := range [][]string{
		{"forecast", "--trace", trace, "--horizon", "2", "--out", filepath.Join(dir, "f.csv")},
		{"backtest", "--trace", trace, "--capacity", "10", "--decisions", filepath.Join(dir, "d.csv"), "--plot", filepath.Join(dir, "p.svg")},
		{"forecast", "--trace", trace, "--horizon", "2", "--out", kept},
	} {
		var stdout, stderr testkit.SyncBuffer
		require.Equal(t, 0, dispatch(t.Context(), args, &stdout, &stderr), stderr.String())
	}
	for _, name := range []string{"f.csv", "d.csv", "p.svg"} {
		require.Equal(t, want, mode(t, filepath.Join(dir, name)), name)
	}
	require.Equal(t, os.FileMode(0o640), mode(t, kept), "a replaced file keeps its mode")
}

func mode(t *testing.T, path string) os.FileMode {
	t.Helper()
	fi, err := os.Stat(path)
	require.NoError(t, err)
	return fi.Mode().Perm()
}
