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
// next cycle builds its successor).
type Window struct {
	First int64     // unix seconds of V[0]
	Step  int64     // seconds between points
	V     []float32 // NaN: missing
	// LeftOut counts the points the reads left out as gaps, by reason
	// (history.LeftNaN ...): those of the last whole read, and each point
	// of a read after it once, by the read that first had it (Unseen).
	LeftOut [history.NumLeftOut]int

	// LastT and LastV are the newest present point, exactly (LastOK false: none).
	LastT  int64
	LastV  float64
	LastOK bool
	// FullAt is when the window was last read whole.
	FullAt time.Time
}

// Empty reports whether the window holds no grid points.
func (w *Window) Empty() bool { return len(w.V) == 0 }

// End is the unix time of the newest grid point (meaningless when empty).
func (w *Window) End() int64 { return w.First + int64(len(w.V)-1)*w.Step }

// After counts the times of ts (unix seconds) after the window's newest
// grid point, all of them when the window is empty: the points of a read
// that no earlier read of the window had.
func (w *Window) After(ts []int64) int {
	if w.Empty() {
		return len(ts)
	}
	n := 0
	for _, t := range ts {
		if t > w.End() {
			n++
		}
	}
	return n
}

// Unseen counts, by reason, the points s left out that no earlier read of
// the window had (After): a point a cycle reads again, its newest present
// point's successors, counts once, bad then or since replaced.
func (w *Window) Unseen(s history.Series) [history.NumLeftOut]int {
	var n [history.NumLeftOut]int
	for r, ts := range s.LeftOut {
		n[r] = w.After(ts)
	}
	return n
}

// FromSeries builds a window from a whole-window read.
func FromSeries(s history.Series, step int64, at time.Time) Window {
	w := Window{Step: step, FullAt: at}
	for r, ts := range s.LeftOut {
		w.LeftOut[r] = len(ts)
	}
	if len(s.T) == 0 {
		return w
	}
	w.First = s.T[0]
	w.V = make([]float32, len(s.V))
	for i, x := range s.V {
		w.V[i] = float32(x)
	}
	w.LastT, w.LastV, w.LastOK = s.Last()
	return w
}

// Merged returns the window [start, end] on the same grid: the points of w
// still inside it, overwritten and extended by the new read s (its points
// at and after s.T[0]).
func (w Window) Merged(s history.Series, start, end int64) Window {
	if len(s.T) == 0 && start == w.First && !w.Empty() && end == w.End() {
		return w // nothing new, nothing slid: the same (immutable) window
	}
	out := Window{Step: w.Step, First: start, FullAt: w.FullAt, LeftOut: w.LeftOut,
		LastT: w.LastT, LastV: w.LastV, LastOK: w.LastOK}
	for r, n := range w.Unseen(s) {
		out.LeftOut[r] += n
	}
	n := int((end-start)/w.Step) + 1
	if n <= 0 {
		return out
	}
	out.V = make([]float32, n)
	for i := range out.V {
		out.V[i] = float32(math.NaN())
		if t := start + int64(i)*w.Step; t >= w.First && t <= w.End() && !w.Empty() {
			out.V[i] = w.V[(t-w.First)/w.Step]
		}
	}
	for i, t := range s.T {
		if t >= start && t <= end && (t-start)%w.Step == 0 {
			out.V[(t-start)/w.Step] = float32(s.V[i])
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

// At returns the value at unix time t and whether the window has it.
func (w Window) At(t int64) (float64, bool) {
	if w.Empty() || t < w.First || t > w.End() || (t-w.First)%w.Step != 0 {
		return math.NaN(), false
	}
	if w.LastOK && t == w.LastT {
		return w.LastV, true
	}
	x := widen(w.V[(t-w.First)/w.Step])
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
	for _, x := range w.V {
		if x == x {
			n++
		}
	}
	return n
}
