package datadir

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestAcquireTwice(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	l, err := Acquire(dir)
	require.NoError(t, err)

	// flock locks belong to the open file, so a second Acquire in this
	// process is refused as another process would be.
	_, err = Acquire(dir)
	var held *HeldError
	require.ErrorAs(t, err, &held)
	require.Equal(t, os.Getpid(), held.PID)
	require.EqualError(t, err, dir+" is in use by another prescale process (pid "+strconv.Itoa(os.Getpid())+"); stop it or use another directory")

	require.NoError(t, l.Release())
	l2, err := Acquire(dir)
	require.NoError(t, err, "released: free again")
	require.NoError(t, l2.Release())
	require.NoError(t, l2.Release(), "twice is harmless")
}

func TestHeldWithoutPID(t *testing.T) {
	require.EqualError(t, &HeldError{Dir: "d"}, "d is in use by another prescale process; stop it or use another directory")
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, LockName), []byte("garbage"), 0o644))
	require.Zero(t, readPID(filepath.Join(dir, LockName)))
}
