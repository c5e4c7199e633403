package series

// Times is a run of sample times, oldest first, held as two numbers while
// they lie on a regular grid (a range query's answer, what the controller
// feeds its forecasters) and as one int64 a time only once one leaves it:
// a Series holds its times in one, and so does controller/engine's Live
// its own samples' (a whole window of them before its first fit). The
// zero value is empty.
type Times struct {
	// On the grid, time k is t0 + k*dt; all holds every time (and t0,
	// dt are unused) once a time left the grid.
	t0, dt int64
	n      int
	all    []int64
}

// TimesOf returns the times ts (copied).
func TimesOf(ts []int64) Times {
	var s Times
	for _, t := range ts {
		s.Push(t)
	}
	return s
}

// Len is the number of times held.
func (s *Times) Len() int { return s.n }

// Held is the number of times held one int64 each: 0 while on the grid.
func (s *Times) Held() int { return len(s.all) }

// At returns time k (0 <= k < Len()).
func (s *Times) At(k int) int64 {
	if k < 0 || k >= s.n {
		panic("series: time index out of range")
	}
	if s.all != nil {
		return s.all[k]
	}
	return s.t0 + int64(k)*s.dt
}

// Push appends t: it stays on the grid when it is the second time and
// after the first, or the grid's next time.
func (s *Times) Push(t int64) { s.push(t, 2*s.n+1) }

// push is Push; the array a time leaving the grid makes has capacity at
// least capHint.
func (s *Times) push(t int64, capHint int) {
	switch {
	case s.all != nil:
		s.all = append(s.all, t)
	case s.n == 0:
		s.t0 = t
	case s.n == 1 && t > s.t0:
		s.dt = t - s.t0
	case s.n > 1 && t == s.t0+int64(s.n)*s.dt:
	default:
		all := make([]int64, s.n, max(capHint, s.n))
		for k := range all {
			all[k] = s.t0 + int64(k)*s.dt
		}
		s.all = append(all, t)
	}
	s.n++
}

// Drop removes the oldest k times (0 <= k <= Len()).
func (s *Times) Drop(k int) {
	if k < 0 || k > s.n {
		panic("series: time drop out of range")
	}
	if s.all != nil {
		s.all = append(s.all[:0], s.all[k:]...)
	} else if s.n > 0 {
		s.t0 += int64(k) * s.dt
	}
	s.n -= k
}
