package cgroup

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
)

// ErrStillReading is the error of a read skipped because an earlier read
// of the same file has not returned.
var ErrStillReading = errors.New("an earlier read has not returned")

// stuck counts, per file, the reads given up at their deadline that have
// not returned yet.
var stuck = struct {
	sync.Mutex
	n map[string]int
}{n: map[string]int{}}

// Bound is read bounded by ctx: a read still under way when ctx ends
// fails with ctx's error, and until it returns, later reads of that file
// fail at once with ErrStillReading. A file on a FUSE mount (another
// container's root) whose daemon does not answer blocks its open, fstat
// and read for ever, O_NONBLOCK notwithstanding, and so would every scrape
// that waits for it; with Bound one goroutine per such file waits.
func Bound(ctx context.Context, read ReadFile) ReadFile {
	return func(name string) ([]byte, error) {
		return bounded(ctx, filepath.Clean(name), func() ([]byte, error) { return read(name) })
	}
}

// BoundIn is Bound for a ReadFileIn.
func BoundIn(ctx context.Context, readIn ReadFileIn) ReadFileIn {
	return func(root, name string) ([]byte, error) {
		return bounded(ctx, filepath.Join(root, name), func() ([]byte, error) { return readIn(root, name) })
	}
}

func bounded(ctx context.Context, key string, read func() ([]byte, error)) ([]byte, error) {
	stuck.Lock()
	n := stuck.n[key]
	stuck.Unlock()
	if n > 0 {
		return nil, fmt.Errorf("%s: %w", key, ErrStillReading)
	}
	type result struct {
		b   []byte
		err error
	}
	res := make(chan result, 1)
	marked := false // under stuck's lock
	go func() {
		b, err := read()
		// Answer and unmark under the lock, so the waiter below either
		// sees the answer or marks the file before it is unmarked.
		stuck.Lock()
		defer stuck.Unlock()
		res <- result{b, err}
		if marked {
			if stuck.n[key]--; stuck.n[key] == 0 {
				delete(stuck.n, key)
			}
		}
	}()
	select {
	case r := <-res:
		return r.b, r.err
	case <-ctx.Done():
	}
	stuck.Lock()
	defer stuck.Unlock()
	select {
	case r := <-res:
		return r.b, r.err
	default:
		marked = true
		stuck.n[key]++
		return nil, fmt.Errorf("%s: no answer before the deadline: %w", key, ctx.Err())
	}
}
