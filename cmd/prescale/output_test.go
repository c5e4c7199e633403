package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestOutputsNeverReplaceTheTrace: an output flag naming the trace it
// reads (or a link to it), or detect --nab's output directory being its
// input directory or under it, is bad usage (exit 2, naming the flags),
// and the trace is left as it was. Each of these overwrote the trace with
// the command's output and exited 0; --nab DIR --out FILE failed to mkdir
// with exit 1, the flag unnamed.
func TestOutputsNeverReplaceTheTrace(t *testing.T) {
	dir := t.TempDir()
	tr := filepath.Join(dir, "trace.csv")
	detectTestTrace(t, tr, 50)
	orig, err := os.ReadFile(tr)
	require.NoError(t, err)
	link := filepath.Join(t.TempDir(), "link.csv")
	require.NoError(t, os.Symlink(tr, link))
	other := filepath.Join(t.TempDir(), "d.csv")
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"forecast out", []string{"forecast", "--trace", tr, "--out", tr}, "flag --out names the --trace file"},
		{"forecast out through a link", []string{"forecast", "--trace", tr, "--out", link}, "flag --out names the --trace file"},
		{"detect out", []string{"detect", "--trace", tr, "--out", tr}, "flag --out names the --trace file"},
		{"backtest decisions", []string{"backtest", "--trace", tr, "--capacity", "1", "--decisions", tr}, "--decisions names the --trace file"},
		{"backtest explain", []string{"backtest", "--trace", link, "--capacity", "1", "--decisions", other, "--explain", tr}, "--explain names the --trace file"},
		{"nab out is nab", []string{"detect", "--nab", dir, "--out", dir}, "flag --out is the --nab directory or lies under it"},
		{"nab out under nab", []string{"detect", "--nab", dir, "--out", filepath.Join(dir, "new", "scores")}, "flag --out is the --nab directory or lies under it"},
		{"nab out is a file", []string{"detect", "--nab", dir, "--out", other + ".x"}, "is not a directory (with --nab, --out is the output directory)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			require.NoError(t, os.WriteFile(other+".x", []byte("x"), 0o644))
			var stdout, stderr bytes.Buffer
			code := dispatch(t.Context(), c.args, &stdout, &stderr)
			require.Equal(t, 2, code, stderr.String())
			require.Contains(t, stderr.String(), c.want)
			b, err := os.ReadFile(tr)
			require.NoError(t, err)
			require.Equal(t, orig, b, "the trace is left as it was")
			require.NoDirExists(t, filepath.Join(dir, "new"))
		})
	}
}
