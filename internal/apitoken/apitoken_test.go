package apitoken

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/internal/testkit"
)

func TestNewThenReadReusesTheToken(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	_, _, ok, err := Read(path)
	require.NoError(t, err)
	require.False(t, ok, "no file: no token")
	tok, err := New(path)
	require.NoError(t, err)
	require.Len(t, tok, 32)
	got, perm, ok, err := Read(path)
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, tok, got)
	require.Equal(t, os.FileMode(0o600), perm)
}

func TestReadRefusesAShortTokenAndTightensTheMode(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	require.NoError(t, os.WriteFile(path, []byte("short\n"), 0o600))
	_, _, ok, err := Read(path)
	require.NoError(t, err)
	require.False(t, ok, "fewer than 16 characters is no token")
	require.NoError(t, os.WriteFile(path, []byte(" 0123456789abcdef \n"), 0o644))
	require.NoError(t, os.Chmod(path, 0o644))
	tok, perm, ok, err := Read(path)
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, "0123456789abcdef", tok)
	require.Equal(t, os.FileMode(0o644), perm, "the mode as found")
	fi, err := os.Stat(path)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), fi.Mode().Perm(), "made 0600 again")
}

// TestNewNeverShowsTheToken: a token file path that names no regular file
// (/dev/stdout in a pipeline: /dev/fd/N open on a pipe) is refused and
// nothing reaches the pipe; the token is never shown.
func TestNewNeverShowsTheToken(t *testing.T) {
	pipe, written := testkit.FdPipe(t)
	link := filepath.Join(t.TempDir(), FileName)
	require.NoError(t, os.Symlink(pipe, link))
	_, err := New(link)
	require.ErrorContains(t, err, "not a regular file")
	require.Empty(t, written())
}
