// Package gridtimes holds the times of a run of samples as two numbers
// while they lie on a regular grid (a range query's answer, what the
// controller feeds its forecasters) and as one int64 a sample only once
// one leaves it: controller/engine's Live holds its own samples' times in
// one (a whole window of them before its first fit).
package gridtimes

// Times is a run of sample times, oldest first. The zero value is empty.
type Times struct {
	// On the grid, time k is t0 + k*dt; all holds every time (and t0,
	// dt are unused) once a time left the grid.
	t0, dt int64
	n      int
	all    []int64
}

// Of returns the times ts (copied).
func Of(ts []int64) Times {
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
		panic("gridtimes: index out of range")
	}
	if s.all != nil {
		return s.all[k]
	}
	return s.t0 + int64(k)*s.dt
}

// Push appends t: it stays on the grid when it is the second time and
// after the first, or the grid's next time.
func (s *Times) Push(t int64) {
	switch {
	case s.all != nil:
		s.all = append(s.all, t)
	case s.n == 0:
		s.t0 = t
	case s.n == 1 && t > s.t0:
		s.dt = t - s.t0
	case s.n > 1 && t == s.t0+int64(s.n)*s.dt:
	default:
		all := make([]int64, s.n, 2*s.n+1)
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
		panic("gridtimes: drop out of range")
	}
	if s.all != nil {
		s.all = append(s.all[:0], s.all[k:]...)
	} else if s.n > 0 {
		s.t0 += int64(k) * s.dt
	}
	s.n -= k
}
