package histwin

import "math"

// chunkLen is how many grid points a chunk holds: 1 KiB of float32, an
// allocator size class.
const chunkLen = 256

// chunk holds chunkLen consecutive grid points of a window. It is never
// written once the window that made it is built: its successors share it.
type chunk [chunkLen]float32

// chunksFor is the chunks slots take.
func chunksFor(slots int) int { return (slots + chunkLen - 1) / chunkLen }

// point is the value of point i (0 <= i < Len()).
func (w *Window) point(i int) float32 {
	k := w.lead + i
	return w.chunks[k/chunkLen][k%chunkLen]
}

// slots is the range of chunk c's slots that hold points of w.
func (w *Window) slots(c int) (lo, hi int) {
	return max(w.lead-c*chunkLen, 0), min(w.lead+w.n-c*chunkLen, chunkLen)
}

// slide lays w's n points from w.First (prev's Step) over chunks: where
// a chunk of prev holds the same grid points and every point of w in it
// is one of prev's, that chunk (shared); elsewhere a new one with prev's
// value at each point prev has, NaN at the others. owned reports the new
// ones. The chunks lie on prev's: a window that slides by a step shares
// all of them but those the step reaches.
func (w *Window) slide(prev Window, n int) (owned []bool) {
	w.n, w.org = n, w.First
	aligned := !prev.Empty() && w.First >= prev.org && (w.First-prev.org)%prev.Step == 0
	d := 0 // prev's chunks wholly before w.First
	if aligned {
		d = int((w.First-prev.org)/prev.Step) / chunkLen
		w.org = prev.org + int64(d*chunkLen)*prev.Step
	}
	w.lead = int((w.First - w.org) / prev.Step)
	w.chunks = make([]*chunk, chunksFor(w.lead+n))
	owned = make([]bool, len(w.chunks))
	for c := range w.chunks {
		lo, hi := w.slots(c)
		first := w.org + int64(c*chunkLen+lo)*prev.Step
		last := w.org + int64(c*chunkLen+hi-1)*prev.Step
		if aligned && c+d < len(prev.chunks) && first >= prev.First && last <= prev.End() {
			w.chunks[c] = prev.chunks[c+d]
			continue
		}
		w.chunks[c], owned[c] = w.fill(prev, c, lo, hi), true
	}
	return owned
}

// fill is a new chunk c of w, slots lo to hi holding prev's value at
// each of their points that prev has, NaN elsewhere.
func (w *Window) fill(prev Window, c, lo, hi int) *chunk {
	ch := new(chunk)
	for k := range ch {
		ch[k] = float32(math.NaN())
	}
	for k := lo; k < hi; k++ {
		t := w.org + int64(c*chunkLen+k)*prev.Step
		if !prev.Empty() && t >= prev.First && t <= prev.End() {
			ch[k] = prev.point(int((t - prev.First) / prev.Step))
		}
	}
	return ch
}

// set makes w's point i x, copying its chunk first unless w owns it
// (a shared chunk is never written: the window it came from is read).
func (w *Window) set(i int, x float32, owned []bool) {
	k := w.lead + i
	c := k / chunkLen
	if !owned[c] {
		cp := *w.chunks[c]
		w.chunks[c], owned[c] = &cp, true
	}
	w.chunks[c][k%chunkLen] = x
}
