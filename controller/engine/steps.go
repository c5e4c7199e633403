package engine

import (
	"math"
	"slices"
)

// stepRing follows the demand's one-step changes in units at the
// decisions (a repeated or older decision time and a missing demand are
// skipped; the next change spans the gap) and keeps a ring of the last
// values its owner derives from them: the release band's wobble and the
// climb ahead share it.
type stepRing struct {
	lastAt  int64
	last    float64
	hasLast bool
	ring    []float64 // at most the owner's window
	next    int       // the ring's oldest entry once full
	sorted  []float64 // scratch for sortedRing
}

// step takes the demand v at now, with units of per demand each, and
// returns its change in units since the last demand taken; ok is false
// when v is skipped or is the first.
func (r *stepRing) step(now int64, v, per float64) (d float64, ok bool) {
	if math.IsNaN(v) || math.IsInf(v, 0) || !(per > 0) || (r.hasLast && now <= r.lastAt) {
		return 0, false
	}
	d, ok = (v-r.last)/per, r.hasLast
	r.last, r.lastAt, r.hasLast = v, now, true
	return d, ok
}

// push adds x to the ring, replacing its oldest entry once it holds size.
func (r *stepRing) push(x float64, size int) {
	if len(r.ring) < size {
		r.ring = append(r.ring, x)
		return
	}
	r.ring[r.next] = x
	r.next = (r.next + 1) % size
}

// sortedRing is the ring's values in increasing order (scratch, valid
// until the next call).
func (r *stepRing) sortedRing() []float64 {
	r.sorted = append(r.sorted[:0], r.ring...)
	slices.Sort(r.sorted)
	return r.sorted
}
