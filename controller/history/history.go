// Package history reads a demand series back from a time-series store: a
// Prometheus-compatible server over its HTTP API (Remote) or an embedded
// TSDB answered by the real PromQL engine (Embedded). Both implement History
// and return the same Series for the same query and samples. The embedded
// store is filled by scraping, as a Prometheus server would (package
// scrape), or from a recorded trace (Replay).
package history

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/prometheus/common/model"
)

// History answers one range query: the PromQL expression evaluated at
// start, start+step, ... up to end. Implementations return a Series on the
// regular grid with NaN where the store had no value.
type History interface {
	QueryRange(ctx context.Context, query string, start, end time.Time, step time.Duration) (Series, error)
}

// Series is a regularly spaced series: T in unix seconds (start, start+step,
// ...), V with NaN for missing points.
type Series struct {
	T []int64
	V []float64
	// LastDropped is the newest point the store returned as NaN or ±Inf
	// (turned into NaN; unix seconds; 0: none).
	LastDropped int64
	// LastNegative is the newest point the store returned below zero, left
	// out as missing (a demand or a unit count is never negative: such a
	// value is a wrong query; unix seconds; 0: none), NegativeValue its
	// value.
	LastNegative  int64
	NegativeValue float64
	// LeftOut are the grid points (unix seconds, increasing) left out as
	// gaps, by reason (LeftNaN ...).
	LeftOut [NumLeftOut][]int64
}

// Dropped counts the points the store returned as NaN or ±Inf.
func (s Series) Dropped() int { return len(s.LeftOut[LeftNaN]) }

// Negative counts the points the store returned below zero.
func (s Series) Negative() int { return len(s.LeftOut[LeftNegative]) }

// Why a grid point is left out of a Series as a gap: the index of
// Series.LeftOut and of LeftOutReasons.
const (
	LeftNaN      = iota // the store returned NaN or ±Inf
	LeftNegative        // below zero: a demand never is (a wrong query)
	// LeftSeveral: more than one series had a sample there (see filler),
	// a query that answered several series for a while.
	LeftSeveral
	NumLeftOut
)

// LeftOutReasons name the reasons of Series.LeftOut, as the label
// prescale_history_points_dropped_total{reason} shows them.
var LeftOutReasons = [NumLeftOut]string{"nan_or_inf", "negative", "several_series"}

// Present returns the number of non-NaN points.
func (s Series) Present() int {
	n := 0
	for _, v := range s.V {
		if !math.IsNaN(v) {
			n++
		}
	}
	return n
}

// Last returns the last non-NaN point and whether there is one.
func (s Series) Last() (int64, float64, bool) {
	for i := len(s.V) - 1; i >= 0; i-- {
		if !math.IsNaN(s.V[i]) {
			return s.T[i], s.V[i], true
		}
	}
	return 0, math.NaN(), false
}

// Errors a query can return; callers tell "the store said nothing" from
// "the store is down" with errors.Is.
var (
	// ErrNoData: the query succeeded but returned no series (or no point
	// in the range).
	ErrNoData = errors.New("history: query returned no data")
	// ErrNotFinite: the query returned a series whose every point in the
	// range is NaN or ±Inf (e.g. 0/0 in a ratio): a problem of the query.
	ErrNotFinite = errors.New("history: query returned only NaN or ±Inf values")
	// ErrNegative: the query returned a negative value where it is read
	// (a request rate, a utilisation, a queue length or a unit count is
	// never negative): a problem of the query, such as a deriv() or a
	// subtraction.
	ErrNegative = errors.New("history: query returned a negative value (a demand or a unit count is never negative: check the query for a deriv() or a subtraction)")
	// ErrMultipleSeries: the demand query must aggregate to one series.
	ErrMultipleSeries = errors.New("history: query returned more than one series; aggregate it (e.g. sum(...))")
	// ErrResultType: the query did not return a matrix.
	ErrResultType = errors.New("history: unexpected result type")
	// ErrQuery: the store is up but rejected the query or could not
	// evaluate it (bad syntax, many-to-many matching, ...): a problem of
	// the target's query, not of the source.
	ErrQuery = errors.New("history: the store could not evaluate the query")
	// ErrPartial: the store answered with part of the data only, and said
	// so in a warning (a remote_read endpoint or a Thanos store that
	// failed): a problem of the source, as when it is down, never decided
	// on.
	ErrPartial = errors.New("history: the store answered with partial data (part of its storage failed), not decided on")
)

// IsQueryError reports whether err is a problem of the query itself (the
// store answered): more than one series, a non-matrix result, only
// non-finite values, a negative value, or a rejected or failed evaluation.
func IsQueryError(err error) bool {
	return errors.Is(err, ErrMultipleSeries) || errors.Is(err, ErrResultType) || errors.Is(err, ErrQuery) ||
		errors.Is(err, ErrNotFinite) || errors.Is(err, ErrNegative)
}

// MaxPointsPerSeries is Prometheus' limit on points per series in one
// query_range call (11,000, see web/api/v1 in prometheus/prometheus); ranges
// are split so that each call stays below it.
const MaxPointsPerSeries = 11000

// checkRange checks the arguments QueryRange's implementations share and
// returns the range they query: start and end truncated to the
// millisecond, the resolution of a sample's time and of the grid, so that
// the embedded engine and a remote server are asked the same range.
func checkRange(query string, start, end time.Time, step time.Duration) (time.Time, time.Time, error) {
	if query == "" {
		return start, end, errors.New("history: empty query")
	}
	if step <= 0 {
		return start, end, fmt.Errorf("history: step must be positive, got %s", step)
	}
	if end.Before(start) {
		return start, end, fmt.Errorf("history: end %s before start %s", end.Format(time.RFC3339), start.Format(time.RFC3339))
	}
	return start.Truncate(time.Millisecond), end.Truncate(time.Millisecond), nil
}

// grid is the evaluation timestamps in unix milliseconds: first, first +
// step, ... up to the query's end, n of them.
type grid struct {
	first, step int64
	n           int
}

func newGrid(start, end time.Time, step time.Duration) grid {
	s, e, st := start.UnixMilli(), end.UnixMilli(), step.Milliseconds()
	if st <= 0 {
		st = 1
	}
	g := grid{first: s, step: st}
	if e >= s {
		g.n = int((e-s)/st) + 1
	}
	return g
}

// index is the point at ms, false when ms is not on the grid.
func (g grid) index(ms int64) (int, bool) {
	d := ms - g.first
	if d < 0 || d%g.step != 0 || d/g.step >= int64(g.n) {
		return 0, false
	}
	return int(d / g.step), true
}

// chunks splits [start, end] into sub-ranges of at most maxPoints grid
// points each, aligned on the same grid.
func chunks(start, end time.Time, step time.Duration, maxPoints int) [][2]time.Time {
	var out [][2]time.Time
	span := step * time.Duration(maxPoints-1)
	for s := start; !s.After(end); s = s.Add(span + step) {
		e := s.Add(span)
		if e.After(end) {
			e = end
		}
		out = append(out, [2]time.Time{s, e})
	}
	return out
}

// filler places samples on the grid. A query answering several series is
// refused (ErrMultipleSeries), unless they answered together only for a
// while that ended before the newest point with a sample: the grid points
// where more than one has a sample are left out (gaps), and the points
// left must all come from one series. So a query that answered 16 series
// for two minutes (a duplicated scrape job, since removed) reads whole
// again once it answers one, rather than failing for as long as those
// minutes are in the window (the history window: 14 days by default), and
// a series whose labels changed mid-range (two series, one after the
// other) is still refused: the result would splice them.
type filler struct {
	grid  grid
	s     Series
	found bool
	// owner is, per grid point, 1 + the index in names of the series with
	// a sample there; 0: none; -1: several.
	owner []int32
	// names are the series met, in order; chunk the chunk each was first
	// met in, of chunks added so far.
	names  []string
	chunk  []int
	chunks int
	ids    map[string]int32 // by name: a query can answer thousands
}

func newFiller(start, end time.Time, step time.Duration) *filler {
	g := newGrid(start, end, step)
	f := &filler{grid: g, s: Series{T: make([]int64, g.n), V: make([]float64, g.n)}, owner: make([]int32, g.n)}
	for i := range g.n {
		f.s.T[i] = (g.first + int64(i)*g.step) / 1000
		f.s.V[i] = math.NaN()
	}
	return f
}

// sid is the owner number of the series named name.
func (f *filler) sid(name string) int32 {
	if id, ok := f.ids[name]; ok {
		return id
	}
	if f.ids == nil {
		f.ids = make(map[string]int32)
	}
	f.names = append(f.names, name)
	f.ids[name] = int32(len(f.names))
	f.chunk = append(f.chunk, f.chunks)
	return int32(len(f.names))
}

// put records series sid's sample at ms; result checks it.
func (f *filler) put(ms int64, v float64, sid int32) {
	i, ok := f.grid.index(ms)
	if !ok {
		return
	}
	switch f.owner[i] {
	case 0, sid:
		f.owner[i], f.s.V[i] = sid, v
	default:
		f.owner[i], f.s.V[i] = -1, math.NaN()
	}
}

// check places point i's sample: NaN and ±Inf dropped and counted,
// negative values left out and counted.
func (f *filler) check(i int) {
	v := f.s.V[i]
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		f.s.V[i] = math.NaN()
		f.s.LastDropped = max(f.s.LastDropped, f.s.T[i])
		f.s.LeftOut[LeftNaN] = append(f.s.LeftOut[LeftNaN], f.s.T[i])
	case v < 0:
		f.s.V[i] = math.NaN()
		f.s.LeftOut[LeftNegative] = append(f.s.LeftOut[LeftNegative], f.s.T[i])
		if f.s.T[i] >= f.s.LastNegative {
			f.s.LastNegative, f.s.NegativeValue = f.s.T[i], v
		}
	default:
		f.found = true
	}
}

// addMatrix checks a client_golang result and places it on the grid.
func (f *filler) addMatrix(v model.Value) error {
	m, ok := v.(model.Matrix)
	if !ok {
		if v == nil {
			return fmt.Errorf("%w: nil", ErrResultType)
		}
		return fmt.Errorf("%w: %s, want matrix", ErrResultType, v.Type())
	}
	for _, ss := range m {
		sid := f.sid(ss.Metric.String())
		for _, p := range ss.Values {
			f.put(int64(p.Timestamp), float64(p.Value), sid)
		}
	}
	f.chunks++
	return nil
}

func (f *filler) result() (Series, error) {
	if err := f.oneSeries(); err != nil {
		return Series{}, err
	}
	for i := range f.s.V {
		switch {
		case f.owner[i] > 0:
			f.check(i)
		case f.owner[i] < 0:
			f.s.LeftOut[LeftSeveral] = append(f.s.LeftOut[LeftSeveral], f.s.T[i])
		}
	}
	if !f.found {
		if f.s.Negative() > 0 {
			return f.s, NegativeError(f.s)
		}
		if f.s.Dropped() > 0 {
			return f.s, fmt.Errorf("%w (points: %d)", ErrNotFinite, f.s.Dropped())
		}
		return f.s, ErrNoData
	}
	return f.s, nil
}

// NegativeError is ErrNegative naming s's newest negative value, its time
// and how many points were negative.
func NegativeError(s Series) error {
	return fmt.Errorf("%w: %g at %s (negative points: %d)", ErrNegative, s.NegativeValue,
		time.Unix(s.LastNegative, 0).UTC().Format(time.RFC3339), s.Negative())
}
