package models

import (
	"errors"
	"math"
	"sync"

	"github.com/prescale/prescale/predictor/series"
)

// Multiple seasonal decomposition settings (one global configuration).
const (
	// The decomposition reads the last mstlWindowSeasons longest
	// seasons, at least mstlWindow and at most mstlMaxWindow samples.
	mstlWindowSeasons = 3
	mstlWindow        = 1000
	mstlMaxWindow     = 12000
	// mstlRefresh is the number of decompositions per short season: the
	// decomposition is redone once at least period/mstlRefresh samples
	// have arrived since the last one; in between the level is updated
	// with the seasonal profiles held.
	mstlRefresh = 4
)

// resize returns x with length n, reallocated when too small.
func resize(x []float64, n int) []float64 {
	if cap(x) < n {
		return make([]float64, n)
	}
	return x[:n]
}

// mstl forecasts from a decomposition into a trend, one seasonal
// component per season (a day and, with enough history, a week) and a
// remainder, in the manner of MSTL (Bandara, Hyndman and Bergmeir 2021,
// "MSTL: a seasonal-trend decomposition algorithm for time series with
// multiple seasonal patterns") and forecast::stlf: for each season in turn,
// shortest first, with the shorter seasons' components removed, the trend
// is a centred moving average over the season and the seasonal component
// at each phase is the mean detrended value at that phase over the
// trailing window (three long seasons, 1,000 to 12,000 samples), centred
// on zero. The seasonally adjusted series is forecast by simple
// exponential smoothing (the constant chosen at fit time by one-step
// error), each seasonal component by its profile at the target's phase.
// The decomposition is redone every quarter of the short season (so a
// backtest over hundreds of origins stays cheap); in between the level
// absorbs the new samples with the profiles held. With log set it works on
// log(y + c) of a non-negative series (series.LogOffset).
type mstl struct {
	periods []int
	log     bool
	alpha   float64

	// State: the decomposition was made at decAt samples; level is the
	// smoothed adjusted level after pos samples.
	decAt, pos int
	level      float64

	seas [][]float64 // per season, the profile by phase
	// Scratch of a decomposition, borrowed from mstlScratchPool for its
	// duration only (nil in between), so that fitted models hold their
	// profiles and level only.
	sa, tr, cs []float64
	cnt        []int
}

// mstlScratch is the scratch of one decomposition.
type mstlScratch struct {
	sa, tr, cs []float64
	cnt        []int
}

// mstlScratchPool shares decomposition scratch between models (and the
// targets of a controller): a decomposition overwrites all of it.
var mstlScratchPool = sync.Pool{New: func() any { return new(mstlScratch) }}

// borrow takes scratch from the pool; giveBack returns it.
func (c *mstl) borrow() {
	w := mstlScratchPool.Get().(*mstlScratch)
	c.sa, c.tr, c.cs, c.cnt = w.sa, w.tr, w.cs, w.cnt
}

func (c *mstl) giveBack() {
	mstlScratchPool.Put(&mstlScratch{sa: c.sa, tr: c.tr, cs: c.cs, cnt: c.cnt})
	c.sa, c.tr, c.cs, c.cnt = nil, nil, nil, nil
}

func (c *mstl) Name() string {
	if c.log {
		return "mstl_log"
	}
	return "mstl"
}

func (c *mstl) window(end int) int {
	w := mstlWindow
	if k := len(c.periods); k > 0 {
		w = max(w, min(mstlMaxWindow, mstlWindowSeasons*c.periods[k-1]))
	}
	return min(end, w)
}

// lookback is how far before the latest sample a forecast reads values:
// a decomposition reads its window (the level's updates in between read
// the samples since the last one, which lie within it).
func (c *mstl) lookback() int { return c.window(math.MaxInt) }

// LogLookback is lookback, with whether the model works on log(y + c); a
// decomposition reads every value of its window.
func (c *mstl) LogLookback() (n int, log, sparse bool) { return c.lookback(), c.log, false }

// value is the value of sample i on the model's scale (a log-scale value
// the series no longer holds is computed from the sample: the same
// number).
func (c *mstl) value(s *series.Series, i int) float64 {
	if c.log {
		return s.LogAt(i)
	}
	return s.Z[i]
}

// decompose fills c.sa with the seasonally adjusted values of samples
// start..end-1 and c.seas[k] with the profile of season k by phase (index
// mod period), one season after the other, shortest first.
func (c *mstl) decompose(s *series.Series, start, end int) {
	n := end - start
	c.sa = resize(c.sa, n)
	c.tr = resize(c.tr, n)
	c.cs = resize(c.cs, n+1)
	if c.log {
		s.LogVals(c.sa, start)
	} else {
		copy(c.sa, s.Z[start:end])
	}
	obs := s.Obs
	if len(c.seas) != len(c.periods) {
		c.seas = make([][]float64, len(c.periods))
	}
	for k, p := range c.periods {
		c.seas[k] = resize(c.seas[k], p)
		c.profile(c.seas[k], obs[start:end], start%p)
		prof, ph := c.seas[k], start%p
		for i := range n {
			c.sa[i] -= prof[ph]
			if ph++; ph == p {
				ph = 0
			}
		}
	}
}

// profile writes to prof the mean of c.sa minus its centred moving average
// over len(prof) samples at each phase (observed samples only), centred on
// zero; ph0 is the phase of c.sa[0].
func (c *mstl) profile(prof []float64, obs []bool, ph0 int) {
	p := len(prof)
	series.CentredMA(c.sa, p, c.tr, c.cs)
	c.cnt = append(c.cnt[:0], make([]int, p)...)
	clear(prof)
	ph := ph0
	for i, v := range c.sa {
		if obs[i] {
			prof[ph] += v - c.tr[i]
			c.cnt[ph]++
		}
		if ph++; ph == p {
			ph = 0
		}
	}
	var mean float64
	for q := range p {
		if c.cnt[q] > 0 {
			prof[q] /= float64(c.cnt[q])
		}
		mean += prof[q]
	}
	mean /= float64(p)
	for q := range p {
		prof[q] -= mean
	}
}

// ses runs simple exponential smoothing over c.sa and returns the final
// level and the sum of squared one-step errors.
func (c *mstl) ses(obs []bool, start int, alpha float64) (level, sse float64) {
	level = c.sa[0]
	for i := 1; i < len(c.sa); i++ {
		if !obs[start+i] {
			continue
		}
		e := c.sa[i] - level
		sse += e * e
		level += alpha * e
	}
	return level, sse
}

func (c *mstl) Fit(s *series.Series, end, H int) error {
	if len(c.periods) == 0 {
		return ErrShort
	}
	if c.log && !s.NonNeg {
		return errors.New("predictor: log model needs a non-negative series")
	}
	if end < 2*c.periods[0]+H {
		return ErrShort
	}
	start := end - c.window(end)
	c.borrow()
	defer c.giveBack()
	c.decompose(s, start, end)
	best := math.Inf(1)
	for _, a := range []float64{0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9} {
		if _, sse := c.ses(s.Obs, start, a); sse < best {
			best, c.alpha = sse, a
		}
	}
	c.pos, c.decAt = 0, 0
	return nil
}

// advance brings the state to end samples: a fresh decomposition when
// the last one is older than the refresh interval (or ahead of end), the
// smoothed level updated otherwise.
func (c *mstl) advance(s *series.Series, end int) {
	obs := s.Obs
	refresh := max(1, c.periods[0]/mstlRefresh)
	if c.pos == 0 || end < c.pos || end-c.decAt >= refresh {
		start := end - c.window(end)
		c.borrow()
		c.decompose(s, start, end)
		c.level, _ = c.ses(obs, start, c.alpha)
		c.giveBack()
		c.decAt, c.pos = end, end
		return
	}
	for i := c.pos; i < end; i++ {
		if !obs[i] {
			continue
		}
		v := c.value(s, i)
		for q, p := range c.periods {
			v -= c.seas[q][i%p]
		}
		c.level += c.alpha * (v - c.level)
	}
	c.pos = end
}

// PathDependent is true: a forecast from an origin depends on whether the
// decomposition was redone there or carried from an earlier origin (advance).
func (c *mstl) PathDependent() bool { return true }

func (c *mstl) Forecast(s *series.Series, end int, out []float64) {
	c.advance(s, end)
	for k := range out {
		j := end + k
		v := c.level
		for q, p := range c.periods {
			v += c.seas[q][j%p]
		}
		if math.IsNaN(v) || math.IsInf(v, 0) {
			v = c.value(s, end-1)
		}
		out[k] = s.ToOutput(v, c.log)
	}
}
