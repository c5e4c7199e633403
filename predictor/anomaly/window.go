package anomaly

import (
	"cmp"
	"fmt"
	"slices"
)

// samples is a ring of the last finite samples, which a detector's windows
// share: each window derives its values from it (a sample, or a sample
// minus the one lag samples before), so that the samples are held once.
// Sample k (counting from 0) is at v[k % len(v)].
type samples struct {
	v []float64
	n int // samples pushed
}

func (s *samples) push(x float64) {
	s.v[s.n%len(s.v)] = x
	s.n++
}

// at returns sample k (n-len(v) <= k < n).
func (s *samples) at(k int) float64 { return s.v[k%len(s.v)] }

// grow makes room for c samples (keeping the last ones held); the windows
// over it must then be rebuilt (their positions move).
func (s *samples) grow(c int) {
	if c <= len(s.v) {
		return
	}
	v := make([]float64, c)
	for k := max(0, s.n-len(s.v)); k < s.n; k++ {
		v[k%c] = s.v[k%len(s.v)]
	}
	s.v = v
}

// sortedWindow is a rolling window of the values derived from the last
// size samples of a shared ring (the sample itself, or with lag > 0 the
// sample minus the one lag samples before), kept as their ring positions
// in increasing order of value (ties by position: 2 bytes each), so that
// a quantile costs O(1) and an update O(log n) comparisons plus one move
// of the positions ranked between the leaving and the arriving value (O(n)
// at worst, a memmove). The ring must hold size+lag+1 samples.
type sortedWindow struct {
	src    *samples
	lag    int
	size   int
	last   int      // 1 + the sample index of the newest value
	sorted []uint16 // ring positions, by (value, position)
}

// maxWindow bounds a window and the ring it reads: positions are 16-bit.
const maxWindow = 1 << 16

// newDerivedWindow returns a window of size over the shared ring src.
func newDerivedWindow(src *samples, size, lag int) *sortedWindow {
	if size < 1 || size+lag+1 > maxWindow {
		panic(fmt.Sprintf("predictor: anomaly window size must be in [1, %d], got %d", maxWindow-lag-1, size))
	}
	return &sortedWindow{src: src, lag: lag, size: size, sorted: make([]uint16, 0, size)}
}

// len returns the number of values held.
func (w *sortedWindow) len() int { return len(w.sorted) }

// value is the window's value at ring position p.
func (w *sortedWindow) value(p int) float64 {
	x := w.src.v[p]
	if w.lag > 0 {
		q := p - w.lag // lag < len(src.v)
		if q < 0 {
			q += len(w.src.v)
		}
		x -= w.src.v[q]
	}
	return x
}

// search returns the rank of (x, pos) in sorted: the number of entries
// ordered before it.
func (w *sortedWindow) search(x float64, pos int) int {
	lo, hi := 0, len(w.sorted)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		p := int(w.sorted[mid])
		if v := w.value(p); v < x || v == x && p < pos {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo
}

// add adds the value of the ring's newest sample, dropping the oldest
// value when the window is full.
func (w *sortedWindow) add() {
	k := w.src.n - 1
	pos := k % len(w.src.v)
	x := w.value(pos)
	w.last = k + 1
	if len(w.sorted) < w.size {
		i := w.search(x, pos)
		w.sorted = slices.Insert(w.sorted, i, uint16(pos))
		return
	}
	// Replace the oldest by x in one move of the positions between their
	// ranks (for a stationary series the two ranks are usually close).
	old := (k - w.size) % len(w.src.v)
	i := w.search(w.value(old), old) // w.sorted[i] == old
	j := w.search(x, pos)            // entries before j are before (x, pos)
	if j > i {
		copy(w.sorted[i:j-1], w.sorted[i+1:j])
		w.sorted[j-1] = uint16(pos)
	} else {
		copy(w.sorted[j+1:i+1], w.sorted[j:i])
		w.sorted[j] = uint16(pos)
	}
}

// rebuild orders the window's values again after its ring grew (their
// positions moved).
func (w *sortedWindow) rebuild() {
	n, count := len(w.src.v), len(w.sorted)
	w.sorted = w.sorted[:0]
	for k := w.last - count; k < w.last; k++ {
		w.sorted = append(w.sorted, uint16(k%n))
	}
	slices.SortFunc(w.sorted, func(a, b uint16) int {
		if c := cmp.Compare(w.value(int(a)), w.value(int(b))); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
}

// keepLast drops all but the newest n values (those of the last n samples
// added); the window then grows back to its size as samples arrive.
func (w *sortedWindow) keepLast(n int) {
	if n < len(w.sorted) {
		w.sorted = w.sorted[:n]
		w.rebuild()
	}
}

// at returns the k-th smallest value.
func (w *sortedWindow) at(k int) float64 { return w.value(int(w.sorted[k])) }

// quantile returns the p-quantile (0 <= p <= 1) by linear interpolation
// between order statistics (Hyndman and Fan's type 7, R's default). The
// window must not be empty.
func (w *sortedWindow) quantile(p float64) float64 {
	n := len(w.sorted)
	h := p * float64(n-1)
	lo := int(h)
	if lo >= n-1 {
		return w.at(n - 1)
	}
	return w.at(lo) + (h-float64(lo))*(w.at(lo+1)-w.at(lo))
}

// min and max of the window (not empty).
func (w *sortedWindow) min() float64 { return w.at(0) }
func (w *sortedWindow) max() float64 { return w.at(len(w.sorted) - 1) }
