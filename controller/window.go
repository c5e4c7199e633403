package controller

import (
	"math"
	"strconv"
	"time"

	"github.com/prescale/prescale/controller/history"
)

// window is a target's history window kept between cycles, so that a
// cycle queries only the grid points after the newest one it has. Values
// are float32 (half the memory of the query's float64): they are what the
// API shows; the engine observes every point once, from the query's own
// float64 answer, and the newest value is kept exactly. A window is never
// changed once built (the API reads the one in the last snapshot while the
// next cycle builds its successor).
type window struct {
	first    int64     // unix seconds of v[0]
	step     int64     // seconds between points
	v        []float32 // NaN: missing
	dropped  int       // points the store returned as NaN or ±Inf, in the reads so far
	negative int       // points the store returned below zero (left out), likewise

	// lastT and lastV are the newest present point, exactly (ok false: none).
	lastT  int64
	lastV  float64
	lastOK bool
	// fullAt is when the window was last read whole.
	fullAt time.Time
}

// empty reports whether the window holds no grid points.
func (w *window) empty() bool { return len(w.v) == 0 }

// end is the unix time of the newest grid point (meaningless when empty).
func (w *window) end() int64 { return w.first + int64(len(w.v)-1)*w.step }

// fromSeries builds a window from a whole-window read.
func fromSeries(s history.Series, step int64, at time.Time) window {
	w := window{step: step, fullAt: at, dropped: s.Dropped, negative: s.Negative}
	if len(s.T) == 0 {
		return w
	}
	w.first = s.T[0]
	w.v = make([]float32, len(s.V))
	for i, x := range s.V {
		w.v[i] = float32(x)
	}
	w.lastT, w.lastV, w.lastOK = s.Last()
	return w
}

// merged returns the window [start, end] on the same grid: the points of w
// still inside it, overwritten and extended by the new read s (its points
// at and after s.T[0]).
func (w window) merged(s history.Series, start, end int64) window {
	if len(s.T) == 0 && s.Dropped == 0 && s.Negative == 0 && start == w.first && !w.empty() && end == w.end() {
		return w // nothing new, nothing slid: the same (immutable) window
	}
	out := window{step: w.step, first: start, fullAt: w.fullAt, dropped: w.dropped + s.Dropped, negative: w.negative + s.Negative,
		lastT: w.lastT, lastV: w.lastV, lastOK: w.lastOK}
	n := int((end-start)/w.step) + 1
	if n <= 0 {
		return out
	}
	out.v = make([]float32, n)
	for i := range out.v {
		out.v[i] = float32(math.NaN())
		if t := start + int64(i)*w.step; t >= w.first && t <= w.end() && !w.empty() {
			out.v[i] = w.v[(t-w.first)/w.step]
		}
	}
	for i, t := range s.T {
		if t >= start && t <= end && (t-start)%w.step == 0 {
			out.v[(t-start)/w.step] = float32(s.V[i])
		}
	}
	if t, v, ok := s.Last(); ok && (!out.lastOK || t >= out.lastT) {
		out.lastT, out.lastV, out.lastOK = t, v, true
	}
	if out.lastOK && out.lastT < start {
		out.lastOK = false // slid out of the window
	}
	return out
}

// at returns the value at unix time t and whether the window has it.
func (w window) at(t int64) (float64, bool) {
	if w.empty() || t < w.first || t > w.end() || (t-w.first)%w.step != 0 {
		return math.NaN(), false
	}
	if w.lastOK && t == w.lastT {
		return w.lastV, true
	}
	x := widen(w.v[(t-w.first)/w.step])
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

// present counts the non-missing points.
func (w window) present() int {
	n := 0
	for _, x := range w.v {
		if x == x {
			n++
		}
	}
	return n
}
