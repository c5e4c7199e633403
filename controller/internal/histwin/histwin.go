// Package histwin holds a target's history window between the
// controller's cycles, so that a cycle reads only the grid points after the
// newest one it has.
package histwin

import (
	"math"
	"strconv"
	"time"

	"github.com/prescale/prescale/controller/history"
)

// Window is a target's history window kept between cycles, so that a
// cycle queries only the grid points after the newest one it has. Values
// are float32 (half the memory of the query's float64): they are what the
// API shows; the engine observes every point once, from the query's own
// float64 answer, and the newest value is kept exactly. A window is never
// changed once built (the API reads the one in the last snapshot while the
// next cycle builds its successor); its points are held in chunks that
// its successors share where they hold the same points (chunks.go), so
// that a cycle which slides it by a step copies one chunk, not all.
type Window struct {
	First int64 // unix seconds of the first point
	Step  int64 // seconds between points
	// n points from First, point i in slot lead+i of the chunks (NaN:
	// missing); slot k of the chunks is at unix second org + k*Step.
	n      int
	lead   int
	org    int64
	chunks []*chunk
	// LeftOut counts the points the reads left out as gaps, by reason
	// (history.LeftNaN ...): those of the last whole read, and each point
	// of a read after it once, by the read that first had it: those after
	// seen, the newest point this window's reads returned.
	LeftOut [history.NumLeftOut]int

	// LastT and LastV are the newest present point, exactly (LastOK false: none).
	LastT  int64
	LastV  float64
	LastOK bool
	// FullAt is when the window was last read whole.
	FullAt time.Time

	// seen is the newest point this window's reads (its whole read and
	// those merged since) returned, good or bad: LeftOut adds a merged
	// read's points after it. counted is the same over every read of the
	// target, whole reads and reads of nothing included: Unseen counts
	// after it, so a clock step back counts no point again. Neither is the
	// newest grid point: the store may answer that one only at the next
	// read (VictoriaMetrics' latency offset), maybe bad, and that read,
	// the first to have it, counts it.
	seen, counted mark
}

// mark is the newest point reads returned, good or bad (ok false: none
// yet): a read's points after it are new.
type mark struct {
	t  int64
	ok bool
}

// newIn counts the times of ts that are new to w's reads: after m (all
// of them before any read), or at a point of w no read returned a value
// at (an out-of-order sample the store filled in behind m).
func (w *Window) newIn(ts []int64, m mark) int {
	n := 0
	for _, t := range ts {
		if !m.ok || t > m.t || w.unreturned(t) {
			n++
		}
	}
	return n
}

// with is m moved on to the newest point raw returned, if that is newer:
// a present value or one left out (history.Series.LeftOut, increasing).
func (m mark) with(raw history.Series) mark {
	if t, _, ok := raw.Last(); ok && (!m.ok || t > m.t) {
		m = mark{t: t, ok: true}
	}
	for _, ts := range raw.LeftOut {
		if n := len(ts); n > 0 && (!m.ok || ts[n-1] > m.t) {
			m = mark{t: ts[n-1], ok: true}
		}
	}
	return m
}

// Empty reports whether the window holds no grid points.
func (w *Window) Empty() bool { return w.n == 0 }

// Len is the number of grid points.
func (w *Window) Len() int { return w.n }

// End is the unix time of the newest grid point (meaningless when empty).
func (w *Window) End() int64 { return w.First + int64(w.n-1)*w.Step }

// Unseen counts, by reason, the points raw (a read as the store answered
// it) left out that no earlier read of the target returned: those after
// the newest point one did, good or bad, and those behind it where w
// holds no value a read returned (a sample the store filled in out of
// order). A point a cycle reads again (its newest present point's
// successors, a whole read's) counts once, bad then or since replaced, and
// so does one the store answered only from the read after the one whose
// newest grid point it was.
func (w *Window) Unseen(raw history.Series) [history.NumLeftOut]int {
	var n [history.NumLeftOut]int
	for r, ts := range raw.LeftOut {
		n[r] = w.newIn(ts, w.counted)
	}
	return n
}

// Cleared is an empty window of step: the target's read answered nothing.
// What w's reads counted carries over.
func (w Window) Cleared(step int64) Window {
	return Window{Step: step, counted: w.counted}
}

// FromSeries builds a window from a whole-window read after the target's
// window prev: raw as the store answered it, s its points kept (raw less
// any complete_query left out). What prev's reads counted carries over.
func FromSeries(prev Window, raw, s history.Series, step int64, at time.Time) Window {
	w := Window{Step: step, FullAt: at, seen: mark{}.with(raw), counted: prev.counted.with(raw)}
	for r, ts := range s.LeftOut {
		w.LeftOut[r] = len(ts)
	}
	if len(s.T) == 0 {
		return w
	}
	w.First, w.org, w.n = s.T[0], s.T[0], len(s.V)
	w.chunks = make([]*chunk, chunksFor(w.n))
	gaps := returnedGaps(raw, s)
	for c := range w.chunks {
		w.chunks[c] = new(chunk)
		for k, x := range s.V[c*chunkLen : min(w.n, (c+1)*chunkLen)] {
			t := s.T[c*chunkLen+k]
			w.chunks[c][k] = float32(x)
			if x != x && (gaps[t] || prev.returned(t)) {
				w.chunks[c][k] = returnedNaN
			}
		}
	}
	w.LastT, w.LastV, w.LastOK = s.Last()
	return w
}

// Merged returns the window [start, end] on the same grid: the points of w
// still inside it, overwritten and extended by the new read s (its points
// at and after s.T[0]; raw as the store answered it, s less any point
// complete_query left out).
func (w Window) Merged(raw, s history.Series, start, end int64) Window {
	if len(s.T) == 0 && start == w.First && !w.Empty() && end == w.End() {
		return w // nothing new, nothing slid: the same (immutable) window
	}
	out := Window{Step: w.Step, First: start, FullAt: w.FullAt, LeftOut: w.LeftOut,
		LastT: w.LastT, LastV: w.LastV, LastOK: w.LastOK, seen: w.seen.with(raw), counted: w.counted.with(raw)}
	for r, ts := range s.LeftOut {
		out.LeftOut[r] += w.newIn(ts, w.seen)
	}
	n := int((end-start)/w.Step) + 1
	if n <= 0 {
		return out
	}
	owned := out.slide(w, n)
	gaps := returnedGaps(raw, s)
	for i, t := range s.T {
		if t >= start && t <= end && (t-start)%w.Step == 0 {
			x := float32(s.V[i])
			if x != x && (gaps[t] || out.returned(t)) {
				x = returnedNaN
			}
			out.set(int((t-start)/w.Step), x, owned)
		}
	}
	if t, v, ok := s.Last(); ok && (!out.LastOK || t >= out.LastT) {
		out.LastT, out.LastV, out.LastOK = t, v, true
	}
	if out.LastOK && out.LastT < start {
		out.LastOK = false // slid out of the window
	}
	return out
}

// returnedNaN is what a window holds at a point a read returned a value
// at that the window does not keep: left out (history.Series.LeftOut) or
// by complete_query. A NaN, as At, Present and the API read it, other than
// a missing point's (float32(math.NaN())), so that a later read returning
// the point bad knows an earlier one had it (newIn).
var returnedNaN = math.Float32frombits(returnedBits)

const returnedBits = 0x7fc00b4d

// returnedGaps is the times of raw's points (a read as the store answered
// it; s the same less any point complete_query left out) where the read
// returned a value s holds no value at: left out, or masked. nil: none.
func returnedGaps(raw, s history.Series) map[int64]bool {
	var out map[int64]bool
	add := func(t int64) {
		if out == nil {
			out = map[int64]bool{}
		}
		out[t] = true
	}
	for _, ts := range raw.LeftOut {
		for _, t := range ts {
			add(t)
		}
	}
	for i, v := range raw.V {
		if v == v && i < len(s.V) && s.V[i] != s.V[i] {
			add(raw.T[i])
		}
	}
	return out
}

// returned reports whether a read of w returned a value at point t: w
// holds it, or holds returnedNaN there.
func (w *Window) returned(t int64) bool {
	i, ok := w.index(t)
	if !ok {
		return false
	}
	x := w.point(i)
	return x == x || math.Float32bits(x) == returnedBits
}

// unreturned reports whether w has grid point t and no read of it
// returned a value there.
func (w *Window) unreturned(t int64) bool {
	_, ok := w.index(t)
	return ok && !w.returned(t)
}

// index is point t's index in w, if w has it.
func (w *Window) index(t int64) (int, bool) {
	if w.Empty() || t < w.First || t > w.End() || (t-w.First)%w.Step != 0 {
		return 0, false
	}
	return int((t - w.First) / w.Step), true
}

// At returns the value at unix time t and whether the window has it.
func (w Window) At(t int64) (float64, bool) {
	i, ok := w.index(t)
	if !ok {
		return math.NaN(), false
	}
	if w.LastOK && t == w.LastT {
		return w.LastV, true
	}
	x := widen(w.point(i))
	return x, !math.IsNaN(x)
}

// widen is x as the float64 with the same shortest decimal (42.152, not
// 42.152000427246094): what the API shows of a stored point.
func widen(x float32) float64 {
	if x != x {
		return math.NaN()
	}
	v, _ := strconv.ParseFloat(strconv.FormatFloat(float64(x), 'g', -1, 32), 64)
	return v
}

// Present counts the non-missing points.
func (w Window) Present() int {
	n := 0
	for c := range w.chunks {
		lo, hi := w.slots(c)
		for _, x := range w.chunks[c][lo:hi] {
			if x == x {
				n++
			}
		}
	}
	return n
}
