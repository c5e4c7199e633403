package histwin

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/history"
)

// TestWindowMerge: a window slides to [start, end], keeps the points still
// inside, takes the new read's points (overwriting), keeps the newest
// point exactly, and is returned as is when nothing changed.
func TestWindowMerge(t *testing.T) {
	at := time.Unix(0, 0)
	first := history.Series{T: []int64{0, 60, 120}, V: []float64{1, math.NaN(), 3.25}}
	w := FromSeries(Window{}, first, first, 60, at)
	require.Equal(t, 2, w.Present())
	require.Equal(t, int64(120), w.LastT)

	next := history.Series{T: []int64{120, 180, 240}, V: []float64{3.5, 4.123456789, math.NaN()}}
	m := w.Merged(next, next, 60, 240)
	require.Equal(t, int64(60), m.First)
	require.Equal(t, 4, m.Len())
	v, ok := m.At(60)
	require.False(t, ok, "missing stays missing: %v", v)
	v, _ = m.At(120)
	require.InDelta(t, 3.5, v, 0, "the new read overwrites")
	v, _ = m.At(180)
	require.InDelta(t, 4.123456789, v, 0, "the newest point is exact, not float32")
	require.Equal(t, int64(180), m.LastT)
	_, ok = m.At(240)
	require.False(t, ok)
	_, ok = m.At(0)
	require.False(t, ok, "slid out")
	require.Equal(t, 2, m.Merged(history.Series{}, history.Series{}, 60, 240).Present(), "nothing new: same points")
	same := m.Merged(history.Series{}, history.Series{}, 60, 240)
	require.Same(t, m.chunks[0], same.chunks[0], "nothing new: the same window, no copy")

	gone := m.Merged(history.Series{}, history.Series{}, 600, 900)
	require.False(t, gone.LastOK, "the newest point slid out of the window")
	require.Zero(t, gone.Present())
}

// TestWindowUnseen: of a read's left-out points, those after the newest
// point a read of the target returned (present, or left out by any reason;
// not the newest grid point, which may have had no answer yet) are new; an
// empty window has seen none; a whole read or a cleared window counts none
// the target's earlier reads had again; a point complete_query left out was
// returned all the same.
func TestWindowUnseen(t *testing.T) {
	nan := math.NaN()
	read := func(ts []int64, nanAt ...int64) history.Series {
		s := history.Series{T: ts, V: make([]float64, len(ts))}
		for i, tm := range ts {
			s.V[i] = 1
			for _, b := range nanAt {
				if tm == b {
					s.V[i] = nan
					s.LeftOut[history.LeftNaN] = append(s.LeftOut[history.LeftNaN], tm)
				}
			}
		}
		return s
	}
	nans := func(n int) [history.NumLeftOut]int { return [history.NumLeftOut]int{history.LeftNaN: n} }
	later := read([]int64{60, 120, 180, 240}, 60, 120, 180, 240)
	var empty Window
	require.Equal(t, nans(4), empty.Unseen(later))

	upTo60 := read([]int64{0, 60}, 60)
	upTo60.T, upTo60.V = append(upTo60.T, 120), append(upTo60.V, nan) // 120: no answer
	w := FromSeries(Window{}, upTo60, upTo60, 60, time.Unix(0, 0))
	require.Equal(t, nans(3), w.Unseen(later), "120, 180 and 240: 60 (NaN) was returned")
	require.Equal(t, nans(0), w.Unseen(history.Series{}))

	m := w.Merged(later, later, 0, 240)
	require.Equal(t, nans(0), m.Unseen(later), "read again")
	back := FromSeries(m, upTo60, upTo60, 60, time.Unix(0, 0)) // a clock step back: [0, 120] read whole
	require.Equal(t, nans(1), back.LeftOut, "the whole read's own")
	require.Equal(t, nans(0), back.Unseen(later), "counted before the step back")
	require.Equal(t, nans(4), back.Merged(later, later, 0, 240).LeftOut, "the window's: 60, its whole read's, then 120 to 240")
	cleared := m.Cleared(60)
	require.Equal(t, nans(0), cleared.Unseen(later), "a window read empty keeps what was counted")

	raw := read([]int64{0, 60, 120})
	kept := raw
	kept.V = []float64{1, 1, nan} // complete_query left 120 out
	bad := read([]int64{120, 180}, 120)
	w = FromSeries(Window{}, raw, kept, 60, time.Unix(0, 0))
	require.Equal(t, nans(0), w.Unseen(bad), "120 was returned, good")
	require.Equal(t, nans(0), w.Merged(raw, kept, 0, 120).Merged(bad, bad, 0, 180).LeftOut)
}

// TestWindowCountsAnOutOfOrderPoint: a bad point a read returns behind
// the newest point an earlier read returned, where the window has no value
// it returned (an out-of-order sample the store filled in late), is new:
// the counter (Unseen) and a merged read's window count (LeftOut) count
// it, once. A point an earlier read returned, bad, or good and since left
// out by complete_query, is not. It was counted by neither.
func TestWindowCountsAnOutOfOrderPoint(t *testing.T) {
	nan := math.NaN()
	first := history.Series{T: []int64{0, 60, 120, 180, 240}, V: []float64{1, 1, nan, nan, nan}}
	first.LeftOut[history.LeftNaN] = []int64{120, 240} // 180: no answer yet
	w := FromSeries(Window{}, first, first, 60, time.Unix(0, 0))
	require.Equal(t, [history.NumLeftOut]int{2, 0, 0}, w.LeftOut)
	// Read again from after the newest present point (60).
	next := history.Series{T: []int64{120, 180, 240, 300}, V: []float64{nan, nan, nan, nan}}
	next.LeftOut[history.LeftNaN] = []int64{120, 180, 240}
	next.LeftOut[history.LeftNegative] = []int64{300}
	require.Equal(t, [history.NumLeftOut]int{1, 1, 0}, w.Unseen(next), "180 filled in late, and 300")
	m := w.Merged(next, next, 0, 300)
	require.Equal(t, [history.NumLeftOut]int{3, 1, 0}, m.LeftOut)
	require.Equal(t, [history.NumLeftOut]int{}, m.Unseen(next), "read again")
	require.Equal(t, [history.NumLeftOut]int{3, 1, 0}, m.Merged(next, next, 0, 300).LeftOut)

	// A merged read without a point an earlier read returned keeps it
	// returned.
	gone := history.Series{T: []int64{120, 180}, V: []float64{nan, nan}} // no answer at either
	bad := history.Series{T: []int64{120, 180}, V: []float64{nan, nan}}
	bad.LeftOut[history.LeftNaN] = []int64{120, 180}
	g := w.Merged(gone, gone, 0, 240)
	require.Equal(t, [history.NumLeftOut]int{1, 0, 0}, g.Unseen(bad), "180 only")

	// A whole read has it: the window before counts it.
	whole := history.Series{T: []int64{0, 60, 120, 180, 240}, V: []float64{1, 1, nan, nan, nan}}
	whole.LeftOut[history.LeftNaN] = []int64{120, 180, 240}
	require.Equal(t, [history.NumLeftOut]int{1, 0, 0}, w.Unseen(whole), "180")
	again := FromSeries(w, whole, whole, 60, time.Unix(0, 0))
	require.Equal(t, [history.NumLeftOut]int{}, again.Unseen(whole))
	// A whole read that misses a point an earlier one returned keeps it
	// returned: read bad later, it is not counted.
	missed := history.Series{T: []int64{0, 60, 120, 180, 240}, V: []float64{1, nan, nan, nan, nan}}
	missed.LeftOut[history.LeftNaN] = []int64{120, 180, 240}
	back := FromSeries(again, missed, missed, 60, time.Unix(0, 0))
	late := history.Series{T: []int64{60, 120}, V: []float64{nan, nan}}
	late.LeftOut[history.LeftNaN] = []int64{60, 120}
	require.Equal(t, [history.NumLeftOut]int{}, back.Unseen(late), "60 was returned good by the read before")
}

// TestWindowLeftOut: a whole read's window counts the points it left out,
// by reason; a merged read adds only those after the newest point its reads
// returned, not those it read again.
func TestWindowLeftOut(t *testing.T) {
	nan := math.NaN()
	whole := history.Series{T: []int64{0, 60, 120}, V: []float64{1, nan, nan}}
	whole.LeftOut[history.LeftNaN] = []int64{60}
	whole.LeftOut[history.LeftNegative] = []int64{120}
	w := FromSeries(Window{}, whole, whole, 60, time.Unix(0, 0))
	require.Equal(t, [history.NumLeftOut]int{1, 1, 0}, w.LeftOut)
	// Read again from after the newest present point (0): 60 and 120 again.
	next := history.Series{T: []int64{60, 120, 180, 240, 300}, V: []float64{nan, nan, nan, nan, 2}}
	next.LeftOut[history.LeftNaN] = []int64{60, 180}
	next.LeftOut[history.LeftNegative] = []int64{120}
	next.LeftOut[history.LeftSeveral] = []int64{240}
	require.Equal(t, [history.NumLeftOut]int{1, 0, 1}, w.Unseen(next), "180 and 240 are new")
	require.Equal(t, [history.NumLeftOut]int{2, 1, 1}, w.Merged(next, next, 0, 300).LeftOut)
}

// TestWindowCountsANewestPointReadLate: a read whose newest grid point the
// store has not answered yet (VictoriaMetrics' latency offset), then a
// read that has it NaN: that point is counted, by the read that has it,
// and once only.
func TestWindowCountsANewestPointReadLate(t *testing.T) {
	nan := math.NaN()
	first := history.Series{T: []int64{0, 60, 120}, V: []float64{1, 2, nan}} // 120: no answer yet
	w := FromSeries(Window{}, first, first, 60, time.Unix(0, 0))
	next := history.Series{T: []int64{120, 180}, V: []float64{nan, 3}}
	next.LeftOut[history.LeftNaN] = []int64{120}
	require.Equal(t, [history.NumLeftOut]int{1, 0, 0}, w.Unseen(next), "120, first had now")
	m := w.Merged(next, next, 60, 180)
	require.Equal(t, [history.NumLeftOut]int{1, 0, 0}, m.LeftOut, "the window's count")
	require.Equal(t, [history.NumLeftOut]int{}, m.Unseen(next), "read again: counted already")
}
