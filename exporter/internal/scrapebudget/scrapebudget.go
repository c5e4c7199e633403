// Package scrapebudget keeps the deadlines of the exporter's /metrics
// requests in progress, read from the timeout Prometheus names, so that a
// collection ends before the earliest (docs/architecture.md).
package scrapebudget

import (
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Header is where Prometheus names a scrape's timeout
// (scrape_timeout, in seconds), as the blackbox exporter reads it.
const Header = "X-Prometheus-Scrape-Timeout-Seconds"

// Budget keeps the deadlines of the /metrics requests in progress
// whose scraper named its timeout, so that a collection ends before the
// earliest of them (overlapping scrapes, e.g. an HA pair of Prometheus
// servers, collect at once: each ends by its own deadline or earlier). A
// slow application probe (PRESCALE_APP_PROBE_TIMEOUT longer than the
// scrape's timeout) then counts as failed, full load, in an answer that
// arrives: it made the scrape time out at Prometheus, which lost every
// host metric and marked the exporter down while the application was
// slowest.
type Budget struct {
	mu   sync.Mutex
	next int
	open map[int]time.Time
}

// Add records a scrape's deadline until done is called.
func (b *Budget) Add(at time.Time) (done func()) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.open == nil {
		b.open = map[int]time.Time{}
	}
	id := b.next
	b.next++
	b.open[id] = at
	return func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		delete(b.open, id)
	}
}

// Earliest is the earliest deadline of the scrapes in progress.
func (b *Budget) Earliest() (at time.Time, ok bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, d := range b.open {
		if !ok || d.Before(at) {
			at, ok = d, true
		}
	}
	return at, ok
}

// Timeout reads a scrape's timeout header: the time the collection
// may take, half a second less (what the answer needs to be written; the
// blackbox exporter's default offset), and at least half the timeout.
func Timeout(v string) (time.Duration, bool) {
	secs, err := strconv.ParseFloat(v, 64)
	if err != nil || !(secs > 0) || secs > 3600 {
		return 0, false
	}
	d := time.Duration(secs * float64(time.Second))
	if d < 2 { // under 2ns ("0.000000001"): no time left, every collector failed
		return 0, false
	}
	return max(d-500*time.Millisecond, d/2), true
}

// Within runs next with the request's scrape deadline in b, when it names
// one.
func (b *Budget) Within(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if d, ok := Timeout(r.Header.Get(Header)); ok {
			defer b.Add(time.Now().Add(d))()
		}
		next.ServeHTTP(w, r)
	})
}
