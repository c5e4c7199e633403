package histwin

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/history"
)

// TestWindowSlideSharesChunks: a 14-day window at 5 minutes that slides by
// a step with one new point shares every chunk but the one the new point
// falls in; a read that rewrites an older point copies that point's chunk
// and leaves the window before it as it was (the API may be reading it).
func TestWindowSlideSharesChunks(t *testing.T) {
	const n, step = 4032, 300
	s := history.Series{T: make([]int64, n), V: make([]float64, n)}
	for i := range s.T {
		s.T[i], s.V[i] = int64(i)*step, float64(i)
	}
	w := FromSeries(Window{}, s, s, step, time.Unix(0, 0))
	end := int64(n) * step
	next := history.Series{T: []int64{end}, V: []float64{7}}
	m := w.Merged(next, next, step, end)
	require.Equal(t, n, m.Len())
	require.Equal(t, n, m.Present())
	require.Len(t, m.chunks, len(w.chunks))
	for c := range len(m.chunks) - 1 {
		require.Same(t, w.chunks[c], m.chunks[c], "chunk %d", c)
	}
	require.NotSame(t, w.chunks[len(w.chunks)-1], m.chunks[len(m.chunks)-1])
	_, ok := w.At(end)
	require.False(t, ok, "the window before is unchanged")

	again := history.Series{T: []int64{300 * step, end + step}, V: []float64{-1, 8}}
	r := m.Merged(again, again, 2*step, end+step)
	v, _ := r.At(300 * step)
	require.InDelta(t, -1, v, 0, "the read rewrites the point")
	v, _ = m.At(300 * step)
	require.InDelta(t, 300, v, 0, "the window before keeps its own")
	v, _ = w.At(300 * step)
	require.InDelta(t, 300, v, 0)
	require.NotSame(t, m.chunks[1], r.chunks[1], "the rewritten point's chunk is copied")
	require.Same(t, m.chunks[2], r.chunks[2])
}

// TestWindowMergedAsDense: random reads merged one after another (sliding,
// growing, shrinking, gaps, rewrites, a start off the grid) give the
// windows that one array of every point gave (dense, the code before the
// chunks): the same points at every time, each window unchanged by those
// made from it.
func TestWindowMergedAsDense(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const step = 60
	for run := range 200 {
		n := 1 + rng.IntN(700)
		s := randomRead(rng, 0, n, step)
		w := FromSeries(Window{}, s, s, step, time.Unix(0, 0))
		d := denseFrom(s)
		var kept []Window
		var keptD []dense
		for range 8 {
			start, end := w.First+int64(rng.IntN(300)-50)*step, w.End()+int64(rng.IntN(400)-100)*step
			if rng.IntN(10) == 0 {
				start += int64(1 + rng.IntN(step-1)) // off the grid
			}
			if end < start {
				end = start + int64(rng.IntN(600))*step
			}
			from := w.End() - int64(rng.IntN(600))*step
			r := randomRead(rng, from, int(max(0, (end-from)/step+1)), step)
			kept, keptD = append(kept, w), append(keptD, d)
			w, d = w.Merged(r, r, start, end), d.merged(w.Step, r, start, end)
			for k := range kept {
				requireSame(t, keptD[k], kept[k], "run %d: window %d", run, k)
			}
			requireSame(t, d, w, "run %d", run)
		}
	}
}

// randomRead is n points from t0 at step, a fifth of them missing.
func randomRead(rng *rand.Rand, t0 int64, n, step int) history.Series {
	s := history.Series{T: make([]int64, n), V: make([]float64, n)}
	for i := range s.T {
		s.T[i], s.V[i] = t0+int64(i*step), float64(rng.IntN(1000))/8
		if rng.IntN(5) == 0 {
			s.V[i] = math.NaN()
		}
	}
	return s
}

// dense is a window as one array of every point (the code before chunks).
type dense struct {
	first int64
	v     []float32
}

func denseFrom(s history.Series) dense {
	d := dense{first: s.T[0], v: make([]float32, len(s.V))}
	for i, x := range s.V {
		d.v[i] = float32(x)
	}
	return d
}

func (d dense) merged(step int64, s history.Series, start, end int64) dense {
	n := int((end-start)/step) + 1
	out := dense{first: start, v: make([]float32, max(n, 0))}
	for i := range out.v {
		out.v[i] = float32(math.NaN())
		if t := start + int64(i)*step; t >= d.first && t <= d.first+int64(len(d.v)-1)*step && len(d.v) > 0 {
			out.v[i] = d.v[(t-d.first)/step]
		}
	}
	for i, t := range s.T {
		if t >= start && t <= end && (t-start)%step == 0 {
			out.v[(t-start)/step] = float32(s.V[i])
		}
	}
	return out
}

func requireSame(t *testing.T, d dense, w Window, msg string, args ...any) {
	t.Helper()
	what := fmt.Sprintf(msg, args...)
	require.Equal(t, len(d.v), w.Len(), what)
	present := 0
	for i, x := range d.v {
		got := w.point(i)
		require.True(t, got == x || x != x && got != got, "point %d: %v, want %v; %s", i, got, x, what)
		if x == x {
			present++
		}
	}
	require.Equal(t, present, w.Present(), what)
}
