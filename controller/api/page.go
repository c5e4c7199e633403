package api

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/prescale/prescale/internal/redact"
)

// Paging of the per-target answers (GET /api/scaling/status and
// /api/predictions): a fleet of 1,000 targets is never one huge answer.
const (
	// DefaultPageLimit is the targets in a page when the request says
	// nothing.
	DefaultPageLimit = 100
	// MaxPageLimit is the most targets a page holds.
	MaxPageLimit = 1000
)

// page is a request's selection: one target by name, or limit targets
// from offset, in configuration order.
type page struct {
	target        string
	offset, limit int
}

// parsePage reads ?target=NAME, ?offset=N and ?limit=N.
func parsePage(r *http.Request) (page, error) {
	p := page{limit: DefaultPageLimit}
	if r.URL.RawQuery == "" {
		return p, nil // most requests: no query to parse
	}
	q := r.URL.Query()
	p.target = q.Get("target")
	if err := onlyOnce(q, "target"); err != nil { // ?target=a&target=b answered a alone
		return page{}, err
	}
	if q.Has("target") && p.target == "" {
		// ?target=$NAME with NAME unset answered every target, the
		// first of which a script then took for NAME.
		return page{}, errors.New("target must name a target, got an empty value")
	}
	if err := onlyOnce(q, "offset", "limit"); err != nil { // ?limit=1&limit=500 answered one target
		return page{}, err
	}
	if v := q.Get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return page{}, fmt.Errorf("offset must be an integer >= 0, got %q", redact.Cut(v, redact.MaxEchoed))
		}
		p.offset = n
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxPageLimit {
			return page{}, fmt.Errorf("limit must be an integer in [1, %d], got %q", MaxPageLimit, redact.Cut(v, redact.MaxEchoed))
		}
		p.limit = n
	}
	return p, nil
}

// pageOf selects p from items (name gives an item's target): the items,
// the total, and the path of the next page ("" on the last one). A target
// that is not there is an error (404).
func pageOf[T any](items []T, name func(T) string, p page, path string) ([]T, int, string, error) {
	if p.target != "" {
		for _, it := range items {
			if name(it) == p.target {
				return []T{it}, 1, "", nil
			}
		}
		return nil, 0, "", fmt.Errorf("%w %q", ErrUnknownTarget, redact.Cut(p.target, redact.MaxEchoed))
	}
	total := len(items)
	lo := min(p.offset, total)
	hi := min(lo+p.limit, total)
	next := ""
	if hi < total {
		next = fmt.Sprintf("%s?offset=%d&limit=%d", path, hi, p.limit)
	}
	return items[lo:hi], total, next, nil
}

// servePage answers a paged per-target GET: {field: [...], total, offset,
// limit, next}, cached per selection and generation. live, when not nil,
// adjusts the page's items to the clock at the time of the answer and
// says when that answer stops being true (zero: never).
func servePage[T any](s *Server, w http.ResponseWriter, r *http.Request, field string, all func() []T, name func(T) string,
	live func([]T, time.Time) ([]T, time.Time)) {
	p, err := parsePage(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	s.cachedUntil(w, r, cacheKey{name: field, page: p}, false, func() (int, any, time.Time) {
		items, total, next, err := pageOf(all(), name, p, r.URL.Path)
		if err != nil {
			if loc, ok := s.b.(interface{ UnknownTarget(string) error }); ok {
				err = loc.UnknownTarget(p.target) // another shard's, said so
			}
			return http.StatusNotFound, map[string]string{"error": err.Error()}, time.Time{}
		}
		var until time.Time
		if live != nil {
			items, until = live(items, s.now())
		}
		out := map[string]any{field: items, "total": total, "offset": p.offset, "limit": p.limit, "next": nil}
		if p.target != "" {
			out["offset"], out["limit"] = 0, 1
		}
		if next != "" {
			out["next"] = next
		}
		return http.StatusOK, out, until
	})
}

// onlyOnce names the first of names q gives more than once: the first
// was taken without a word before. A repeated target is refused with
// what the endpoints take, one target per request.
func onlyOnce(q url.Values, names ...string) error {
	for _, name := range names {
		if len(q[name]) <= 1 {
			continue
		}
		if name == "target" {
			return fmt.Errorf("query parameter %q given more than once: one target per request", name)
		}
		return fmt.Errorf("query parameter %q given more than once", name)
	}
	return nil
}
