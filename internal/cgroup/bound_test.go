package cgroup

import (
	"context"
	"errors"
	"os"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"
)

// A read that never answers (a FUSE file whose daemon does not) fails at
// the deadline; later reads of that file fail at once without reading,
// other files are read, and the file is read again once the hung read
// returns.
func TestBoundSkipsAHungFile(t *testing.T) {
	release, calls := make(chan struct{}), make(chan string, 16)
	read := func(name string) ([]byte, error) {
		calls <- name
		if name == "/c/memory.max" {
			<-release
		}
		if name == "/c/absent" {
			return nil, os.ErrNotExist
		}
		return []byte(name), nil
	}
	readIn := func(root, name string) ([]byte, error) { return read(root + "/" + name) }
	ctx, cancel := context.WithCancel(t.Context())
	cancel() // the deadline has passed while the read hangs
	_, err := BoundIn(ctx, readIn)("/c", "memory.max")
	require.ErrorIs(t, err, context.Canceled)
	require.Equal(t, "/c/memory.max", <-calls)

	for range 3 {
		_, err = Bound(t.Context(), read)("/c/./memory.max")
		require.ErrorIs(t, err, ErrStillReading)
		require.ErrorContains(t, err, "/c/memory.max")
	}
	require.Empty(t, calls, "the hung file is not read again")
	b, err := Bound(t.Context(), read)("/c/cpu.max")
	require.NoError(t, err)
	require.Equal(t, "/c/cpu.max", string(b))
	<-calls
	_, err = Bound(t.Context(), read)("/c/absent")
	require.ErrorIs(t, err, os.ErrNotExist, "a read's own error is returned")
	<-calls

	close(release)
	for {
		b, err = Bound(t.Context(), read)("/c/memory.max")
		if !errors.Is(err, ErrStillReading) {
			break
		}
		runtime.Gosched()
	}
	require.NoError(t, err)
	require.Equal(t, "/c/memory.max", string(b))
}

// Read through Bound gives up at the deadline: a hung /proc/<pid>/cgroup
// is no limit, not a Read that never returns.
func TestReadBoundedByDeadline(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	hang := func(string) ([]byte, error) { <-release; return nil, nil }
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	require.Equal(t, Limits{}, Read(Bound(ctx, hang), nil, "/proc-hung", "/sys", "7"))
}
