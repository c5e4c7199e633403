package cgroup

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/prescale/prescale/internal/bounded"
)

// ErrStillReading is the error of a read skipped because an earlier read
// of the same file has not returned.
var ErrStillReading = errors.New("an earlier read has not returned")

// stuck counts, per file, the reads given up at their deadline that have
// not returned yet.
var stuck = bounded.NewCalls(ErrStillReading)

// Bound is read bounded by ctx: a read still under way when ctx ends
// fails with ctx's error, and until it returns, later reads of that file
// fail at once with ErrStillReading. A file on a FUSE mount (another
// container's root) whose daemon does not answer blocks its open, fstat
// and read for ever, O_NONBLOCK notwithstanding, and so would every scrape
// that waits for it; with Bound one goroutine per such file waits.
func Bound(ctx context.Context, read ReadFile) ReadFile {
	return func(name string) ([]byte, error) {
		return boundedRead(ctx, filepath.Clean(name), func() ([]byte, error) { return read(name) })
	}
}

// BoundIn is Bound for a ReadFileIn.
func BoundIn(ctx context.Context, readIn ReadFileIn) ReadFileIn {
	return func(root, name string) ([]byte, error) {
		return boundedRead(ctx, filepath.Join(root, name), func() ([]byte, error) { return readIn(root, name) })
	}
}

func boundedRead(ctx context.Context, key string, read func() ([]byte, error)) ([]byte, error) {
	b, err := bounded.Do(ctx, stuck, key, read)
	if err != nil && (errors.Is(err, ErrStillReading) || ctx.Err() != nil && errors.Is(err, ctx.Err())) {
		return nil, fmt.Errorf("%s: %w", key, err)
	}
	return b, err
}
