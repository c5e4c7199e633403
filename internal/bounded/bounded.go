// Package bounded runs calls that may never return (a statfs or a read on
// a dead NFS server or a FUSE mount whose daemon does not answer: neither
// a deadline nor O_NONBLOCK ends them) bounded by a context. A call still
// under way when the context ends is given up and left to run in its
// goroutine, its key marked until it returns; until then later calls with
// that key fail at once, so hung calls never pile up, one per scrape.
package bounded

import (
	"context"
	"fmt"
	"sync"
)

// Calls counts, per key, the calls given up at their deadline that have
// not returned yet.
type Calls struct {
	busy error // what a call with a key still marked fails with
	mu   sync.Mutex
	n    map[string]int
}

// NewCalls returns an empty Calls whose skipped calls fail with busy.
func NewCalls(busy error) *Calls {
	return &Calls{busy: busy, n: map[string]int{}}
}

// Do calls f bounded by ctx: f's answer if it comes before ctx ends, else
// an error wrapping ctx's, f then running on with key marked until it
// returns. A key still marked fails at once with c's busy error.
func Do[T any](ctx context.Context, c *Calls, key string, f func() (T, error)) (T, error) {
	var zero T
	c.mu.Lock()
	n := c.n[key]
	c.mu.Unlock()
	if n > 0 {
		return zero, c.busy
	}
	type result struct {
		v   T
		err error
	}
	res := make(chan result, 1)
	marked := false // under c.mu
	go func() {
		v, err := f()
		// Answer and unmark under the lock, so the waiter below either
		// sees the answer or marks the key before it is unmarked.
		c.mu.Lock()
		defer c.mu.Unlock()
		res <- result{v, err}
		if marked {
			if c.n[key]--; c.n[key] == 0 {
				delete(c.n, key)
			}
		}
	}()
	select {
	case r := <-res:
		return r.v, r.err
	case <-ctx.Done():
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	select {
	case r := <-res:
		return r.v, r.err
	default:
		marked = true
		c.n[key]++
		return zero, fmt.Errorf("no answer before the deadline: %w", ctx.Err())
	}
}
