//go:build unix

package cgroup

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
)

// ReadBounded reads a regular file whole, and refuses at once what is not
// one (a FIFO would block a plain open, /dev/zero never end) or is larger
// than a cgroup file can be.
func TestReadBounded(t *testing.T) {
	dir := t.TempDir()
	ok := filepath.Join(dir, "memory.max")
	require.NoError(t, os.WriteFile(ok, []byte("1073741824\n"), 0o600))
	b, err := ReadBounded(ok)
	require.NoError(t, err)
	require.Equal(t, "1073741824\n", string(b))

	fifo := filepath.Join(dir, "fifo")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	_, err = ReadBounded(fifo) // os.ReadFile blocks here until a writer opens it
	require.ErrorContains(t, err, "not a regular file")

	zero := filepath.Join(dir, "cpu.max")
	require.NoError(t, os.Symlink("/dev/zero", zero))
	_, err = ReadBounded(zero)
	require.ErrorContains(t, err, "not a regular file")

	big := filepath.Join(dir, "cgroup")
	require.NoError(t, os.WriteFile(big, []byte(strings.Repeat("0::/\n", MaxFileBytes/5+1)), 0o600))
	_, err = ReadBounded(big)
	require.ErrorContains(t, err, "over 64 KiB")

	_, err = ReadBounded(filepath.Join(dir, "absent"))
	require.ErrorIs(t, err, os.ErrNotExist)
}
