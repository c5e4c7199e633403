package outputs

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestReplacesInput: an output naming the trace, or a link to it, would
// replace it; another file, or one not there yet, would not.
func TestReplacesInput(t *testing.T) {
	dir := t.TempDir()
	in, other := filepath.Join(dir, "t.csv"), filepath.Join(dir, "o.csv")
	require.NoError(t, os.WriteFile(in, []byte("1,2\n"), 0o644))
	require.NoError(t, os.WriteFile(other, []byte("1,2\n"), 0o644))
	require.NoError(t, os.Symlink(in, filepath.Join(dir, "link.csv")))
	require.True(t, ReplacesInput(in, in))
	require.True(t, ReplacesInput(in, filepath.Join(dir, ".", "t.csv")))
	require.True(t, ReplacesInput(in, filepath.Join(dir, "link.csv")))
	require.False(t, ReplacesInput(in, other))
	require.False(t, ReplacesInput(in, filepath.Join(dir, "new.csv")))
	require.False(t, ReplacesInput(filepath.Join(dir, "missing.csv"), in))
}

// TestWithin: the root itself, a directory under it (existing or not,
// or reached through a link) are within it; a sibling sharing its name's
// prefix is not.
func TestWithin(t *testing.T) {
	dir := t.TempDir()
	root, sibling := filepath.Join(dir, "nab"), filepath.Join(dir, "nab2")
	require.NoError(t, os.MkdirAll(filepath.Join(root, "sub"), 0o755))
	require.NoError(t, os.MkdirAll(sibling, 0o755))
	require.NoError(t, os.Symlink(filepath.Join(root, "sub"), filepath.Join(dir, "link")))
	for path, want := range map[string]bool{
		root:                                   true,
		filepath.Join(root, "sub"):             true,
		filepath.Join(root, "new", "deeper"):   true,
		filepath.Join(dir, "link", "scores"):   true,
		sibling:                                false,
		filepath.Join(sibling, "new"):          false,
		dir:                                    false,
		filepath.Join(root, "..", "elsewhere"): false,
	} {
		require.Equal(t, want, Within(path, root), path)
	}
	require.False(t, Within(root, filepath.Join(dir, "missing")))
}

func TestIsDirOrAbsent(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "f")
	require.NoError(t, os.WriteFile(file, nil, 0o644))
	require.True(t, IsDirOrAbsent(dir))
	require.True(t, IsDirOrAbsent(filepath.Join(dir, "missing")))
	require.False(t, IsDirOrAbsent(file))
}

// TestInterrupted: a cancellation, wrapped or not, says that nothing was
// written; any other error is returned as it is.
func TestInterrupted(t *testing.T) {
	want := "interrupted: stopped, no output written"
	require.EqualError(t, Interrupted(context.Canceled), want)
	require.EqualError(t, Interrupted(fmt.Errorf("reading: %w", context.Canceled)), want)
	other := errors.New("disk full")
	require.Same(t, other, Interrupted(other))
}
