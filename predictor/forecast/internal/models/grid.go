package models

import (
	"math"

	"github.com/prescale/prescale/predictor/series"
)

// gridGapSamples is how many of the latest rows the mean grid steps per
// row (what a horizon of h rows is taken to span) is measured over.
const gridGapSamples = 2000

// onGrid runs a seasonal core on the series resampled to its time grid,
// for a series that misses rows: a season counted in rows is no fixed
// span of time there, one counted in grid steps is. Each row goes to the
// grid time nearest its own (one step after the previous row's at least,
// so that two rows never share one), the grid times without a row are
// missing samples (carried forward, never trained or scored on), and a
// forecast of the h-th next row is the inner core's forecast h mean grid
// steps per row ahead (the mean over the latest gridGapSamples rows before
// the origin), interpolated between the two grid horizons around it. The resampled copy is extended causally, one
// row at a time, so a forecast from an origin reads the rows up to it
// only; it holds the values and their observed flags, not the prefix sums
// or log-scale values (the wrapped cores compute what they read).
type onGrid struct {
	inner   Core
	step    int64
	g       *series.Series
	t0      int64
	rowGrid []int // grid index of each row copied
	buf     []float64
}

// NewOnGrid returns c run on the grid of step seconds (see onGrid).
func NewOnGrid(c Core, step int64) Core { return &onGrid{inner: c, step: step} }

func (c *onGrid) Name() string { return c.inner.Name() }

// sync copies the rows of s not yet copied onto the grid.
func (c *onGrid) sync(s *series.Series) {
	if c.g == nil {
		c.g = series.New(false, 2*s.N())
		c.g.Keep(0, false, false) // values and flags only: no wrapped core reads the sums or holds log values
		c.t0 = s.Time(0)
	}
	for i := len(c.rowGrid); i < s.N(); i++ {
		gi := 0
		if i > 0 {
			last := c.rowGrid[i-1]
			gi = max(int((s.Time(i)-c.t0+c.step/2)/c.step), last+1)
			for k := last + 1; k < gi; k++ {
				c.g.Push(c.t0+int64(k)*c.step, math.NaN())
			}
		}
		v := s.Z[i]
		if !s.Obs[i] {
			v = math.NaN()
		}
		c.g.Push(c.t0+int64(gi)*c.step, v)
		c.rowGrid = append(c.rowGrid, gi)
	}
}

// gap returns the mean grid steps per row over the latest rows before
// end (at least 1).
func (c *onGrid) gap(end int) float64 {
	w := min(end-1, gridGapSamples)
	if w < 1 {
		return 1
	}
	return max(1, float64(c.rowGrid[end-1]-c.rowGrid[end-1-w])/float64(w))
}

// PathDependent is the inner core's: the resampled copy depends on the
// series only.
func (c *onGrid) PathDependent() bool {
	p, ok := c.inner.(PathDependent)
	return ok && p.PathDependent()
}

func (c *onGrid) Fit(s *series.Series, end, H int) error {
	c.sync(s)
	return c.inner.Fit(c.g, c.rowGrid[end-1]+1, int(math.Round(float64(H)*c.gap(end))))
}

func (c *onGrid) Forecast(s *series.Series, end int, out []float64) {
	c.sync(s)
	gap := c.gap(end)
	c.buf = c.buf[:0]
	for range int(float64(len(out))*gap) + 1 {
		c.buf = append(c.buf, 0)
	}
	c.inner.Forecast(c.g, c.rowGrid[end-1]+1, c.buf)
	for k := range out {
		// The h-th next row is h*gap grid steps ahead: between the grid
		// horizons f and f+1, interpolated.
		x := float64(k+1) * gap
		f := int(x)
		u := x - float64(f)
		out[k] = (1-u)*c.buf[f-1] + u*c.buf[f]
	}
}
