package engine

import (
	"math"
	"slices"
)

// demandSteps follows the demand's one-step changes in units at the
// decisions (a repeated or older decision time and a missing demand are
// skipped; the next change spans the gap) and feeds each change to the
// release band's wobble (band.go) and the climb ahead (climb.go), which
// read the same changes.
type demandSteps struct {
	lastAt  int64
	last    float64
	hasLast bool
	wob     wobble
	clb     climb
}

// observe takes the demand v at now, with units of per demand each, and
// hands its change since the last demand taken to the wobble and the
// climb (nothing when v is skipped or is the first).
func (s *demandSteps) observe(now int64, v, per float64) {
	if math.IsNaN(v) || math.IsInf(v, 0) || !(per > 0) || (s.hasLast && now <= s.lastAt) {
		return
	}
	d, ok := (v-s.last)/per, s.hasLast
	s.last, s.lastAt, s.hasLast = v, now, true
	if ok {
		s.wob.add(d)
		s.clb.add(d)
	}
}

// medianRing is a bounded ring of recent values, sorted for medians.
type medianRing struct {
	vals   []float64 // at most the owner's window
	next   int       // the ring's oldest entry once full
	sorted []float64 // scratch for sortedRing
}

// push adds x to the ring, replacing its oldest entry once it holds size.
func (r *medianRing) push(x float64, size int) {
	if len(r.vals) < size {
		r.vals = append(r.vals, x)
		return
	}
	r.vals[r.next] = x
	r.next = (r.next + 1) % size
}

// sortedRing is the ring's values in increasing order (scratch, valid
// until the next call).
func (r *medianRing) sortedRing() []float64 {
	r.sorted = append(r.sorted[:0], r.vals...)
	slices.Sort(r.sorted)
	return r.sorted
}
