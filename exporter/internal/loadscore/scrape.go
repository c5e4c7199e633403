package loadscore

import (
	"context"
	"sync"
)

// Scrape carries, for one scrape, the values the sources record for the
// load score. Sources run concurrently, hence the mutex.
type Scrape struct {
	mu sync.Mutex
	in Inputs
}

// Set records with f; on a nil Scrape (a source run outside a scrape, as
// in unit tests) it does nothing.
func (s *Scrape) Set(f func(in *Inputs)) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f(&s.in)
}

// Inputs returns what the sources recorded.
func (s *Scrape) Inputs() Inputs {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.in
}

type scrapeKey struct{}

// WithScrape returns ctx carrying s to the scrape's sources.
func WithScrape(ctx context.Context, s *Scrape) context.Context {
	return context.WithValue(ctx, scrapeKey{}, s)
}

// ScrapeFrom returns the scrape ctx carries, or nil (recording is then a
// no-op) when a source runs outside a scrape, as in unit tests.
func ScrapeFrom(ctx context.Context) *Scrape {
	s, _ := ctx.Value(scrapeKey{}).(*Scrape)
	return s
}
