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
	w := FromSeries(history.Series{T: []int64{0, 60, 120}, V: []float64{1, math.NaN(), 3.25}}, 60, at)
	require.Equal(t, 2, w.Present())
	require.Equal(t, int64(120), w.LastT)

	m := w.Merged(history.Series{T: []int64{120, 180, 240}, V: []float64{3.5, 4.123456789, math.NaN()}}, 60, 240)
	require.Equal(t, int64(60), m.First)
	require.Len(t, m.V, 4)
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
	require.Equal(t, 2, m.Merged(history.Series{}, 60, 240).Present(), "nothing new: same points")
	same := m.Merged(history.Series{}, 60, 240)
	require.Equal(t, &m.V[0], &same.V[0], "nothing new: the same window, no copy")

	gone := m.Merged(history.Series{}, 600, 900)
	require.False(t, gone.LastOK, "the newest point slid out of the window")
	require.Zero(t, gone.Present())
}

// TestWindowAfter: of a read's times, those after the window's newest grid
// point (missing or not) are new; an empty window has seen none.
func TestWindowAfter(t *testing.T) {
	ts := []int64{60, 120, 180, 240}
	var empty Window
	require.Equal(t, 4, empty.After(ts))
	w := Window{First: 0, Step: 60, V: []float32{1, float32(math.NaN()), float32(math.NaN())}} // [0, 120]
	require.Equal(t, 2, w.After(ts), "180 and 240")
	require.Zero(t, w.After(nil))
}

// TestWindowLeftOut: a whole read's window counts the points it left out,
// by reason; a merged read adds only those after the window's newest grid
// point (Unseen), not those it read again.
func TestWindowLeftOut(t *testing.T) {
	nan := math.NaN()
	whole := history.Series{T: []int64{0, 60, 120}, V: []float64{1, nan, nan}}
	whole.LeftOut[history.LeftNaN] = []int64{60}
	whole.LeftOut[history.LeftNegative] = []int64{120}
	w := FromSeries(whole, 60, time.Unix(0, 0))
	require.Equal(t, [history.NumLeftOut]int{1, 1, 0}, w.LeftOut)
	// Read again from after the newest present point (0): 60 and 120 again.
	next := history.Series{T: []int64{60, 120, 180, 240, 300}, V: []float64{nan, nan, nan, nan, 2}}
	next.LeftOut[history.LeftNaN] = []int64{60, 180}
	next.LeftOut[history.LeftNegative] = []int64{120}
	next.LeftOut[history.LeftSeveral] = []int64{240}
	require.Equal(t, [history.NumLeftOut]int{1, 0, 1}, w.Unseen(next), "180 and 240 are new")
	require.Equal(t, [history.NumLeftOut]int{2, 1, 1}, w.Merged(next, 0, 300).LeftOut)
}
