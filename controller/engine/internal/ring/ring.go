// Package ring is the bounded ring of recent values the engine takes
// medians of: the demand's steps (controller/engine/internal/demand) and
// the calm hold's wanted units (controller/engine, calm.go).
package ring

import "slices"

// Median is a bounded ring of recent values, sorted for medians. The zero
// value is an empty ring.
type Median struct {
	vals   []float64 // at most the owner's window
	next   int       // the ring's oldest entry once full
	sorted []float64 // scratch for Sorted
}

// Push adds x to the ring, replacing its oldest entry once it holds size.
func (r *Median) Push(x float64, size int) {
	if len(r.vals) < size {
		r.vals = append(r.vals, x)
		return
	}
	r.vals[r.next] = x
	r.next = (r.next + 1) % size
}

// Len is the number of values the ring holds.
func (r *Median) Len() int { return len(r.vals) }

// Sorted is the ring's values in increasing order (scratch, valid until
// the next call).
func (r *Median) Sorted() []float64 {
	r.sorted = append(r.sorted[:0], r.vals...)
	slices.Sort(r.sorted)
	return r.sorted
}

// OldestFirst is the ring's values, oldest first (a copy).
func (r *Median) OldestFirst() []float64 {
	n := len(r.vals)
	out := make([]float64, 0, n)
	for k := range n { // from the ring's next entry once full
		out = append(out, r.vals[(r.next+k)%n])
	}
	return out
}
