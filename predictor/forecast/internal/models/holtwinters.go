package models

import (
	"errors"
	"math"

	"gonum.org/v1/gonum/optimize"

	"github.com/prescale/prescale/predictor/series"
)

// Holt-Winters settings (one global configuration).
const (
	// hwSeasons is how many seasons of history the parameters are fitted
	// on (at least hwMinWindow samples).
	hwSeasons   = 6
	hwMinWindow = 1200
	// hwMaxEvals caps the Nelder-Mead objective evaluations.
	hwMaxEvals = 120
)

// hwState is the state of additive Holt-Winters after pos samples.
type hwState struct {
	pos    int
	level  float64
	trend  float64
	season []float64 // indexed by sample index mod p
}

func (st *hwState) copyFrom(o *hwState) {
	st.pos, st.level, st.trend = o.pos, o.level, o.trend
	st.season = append(st.season[:0], o.season...)
}

// holtWinters is additive Holt-Winters with a damped trend (Holt 1957,
// Winters 1960; damping from Gardner & McKenzie 1985), in the error
// correction form of Hyndman & Athanasopoulos, "Forecasting: Principles
// and Practice", 3rd ed., section 8.3:
//
//	l_t = α (y_t - s_{t-p}) + (1-α)(l_{t-1} + φ b_{t-1})
//	b_t = β (l_t - l_{t-1}) + (1-β) φ b_{t-1}
//	s_t = γ (y_t - l_t) + (1-γ) s_{t-p}
//	ŷ_{t+h} = l_t + (φ + ... + φ^h) b_t + s_{t+h-p(k+1)}
//
// α, β, γ and φ minimise the in-sample one-step squared error over the last
// hwSeasons seasons (Nelder-Mead, gonum/optimize), each mapped to its
// range by a logistic function. With a history shorter than two seasons (or
// no season) it is Holt's damped trend method, the trend-only cold start.
type holtWinters struct {
	p            int // season length, 0 for trend only
	a, b, g, phi float64

	fitted hwState // state after the fitted end; its season is empty for trend only
	cur    hwState
}

func (hw *holtWinters) Name() string { return "holt_winters" }

func logistic(u, lo, hi float64) float64 { return lo + (hi-lo)/(1+math.Exp(-u)) }

func (hw *holtWinters) params(u []float64) (a, b, g, phi float64) {
	return logistic(u[0], 0.001, 0.999), logistic(u[1], 0.0001, 0.3),
		logistic(u[2], 0.001, 0.999), logistic(u[3], 0.8, 0.995)
}

// init sets st from the first seasons of x[start:] (season p), or from the
// first values for the trend-only model.
func (hw *holtWinters) init(x []float64, start, p int, st *hwState) {
	st.pos = start
	if p == 0 {
		st.level = x[start]
		st.trend = 0
		if start+1 < len(x) {
			st.trend = (meanSlice(x[start+1:min(start+11, len(x))]) - x[start]) / 5
		}
		st.season = st.season[:0]
		return
	}
	m1 := meanSlice(x[start : start+p])
	m2 := m1
	if start+2*p <= len(x) {
		m2 = meanSlice(x[start+p : start+2*p])
	}
	st.level = m1
	st.trend = (m2 - m1) / float64(p)
	if cap(st.season) < p {
		st.season = make([]float64, p)
	}
	st.season = st.season[:p]
	for k := range p {
		st.season[(start+k)%p] = x[start+k] - m1
	}
}

func meanSlice(x []float64) float64 {
	var s float64
	for _, v := range x {
		s += v
	}
	return s / float64(len(x))
}

// run advances st through x[st.pos:end] and returns the sum of squared
// one-step errors on observed samples.
func (hw *holtWinters) run(x []float64, obs []bool, end int, a, b, g, phi float64, st *hwState) float64 {
	p := len(st.season)
	l, tr := st.level, st.trend
	var sse float64
	si := 0 // i mod p, stepped rather than divided (this loop is most of a fit)
	if p > 0 {
		si = st.pos % p
	}
	for i := st.pos; i < end; i++ {
		var s float64
		if p > 0 {
			s = st.season[si]
		}
		pred := l + phi*tr + s
		if obs[i] {
			y := x[i]
			e := y - pred
			sse += e * e
			nl := a*(y-s) + (1-a)*(l+phi*tr)
			tr = b*(nl-l) + (1-b)*phi*tr
			l = nl
			if p > 0 {
				st.season[si] = g*(y-l) + (1-g)*s
			}
		} else {
			l += phi * tr
			tr *= phi
		}
		if si++; si == p {
			si = 0
		}
	}
	st.level, st.trend, st.pos = l, tr, max(end, st.pos)
	return sse
}

func (hw *holtWinters) Fit(s *series.Series, end, _ int) error {
	x := s.Z
	p := hw.p
	if p > 0 && end < 2*p+10 {
		p = 0 // cold start: trend only
	}
	if end < 10 {
		return ErrShort
	}
	win := max(hwSeasons*p, hwMinWindow)
	start := max(0, end-win)
	var st hwState
	obj := func(u []float64) float64 {
		a, b, g, phi := hw.params(u)
		hw.init(x, start, p, &st)
		sse := hw.run(x, s.Obs, end, a, b, g, phi, &st)
		if math.IsNaN(sse) || math.IsInf(sse, 0) {
			return math.MaxFloat64
		}
		return sse
	}
	u0 := []float64{-1, -3, -2, 2}
	res, err := optimize.Minimize(optimize.Problem{Func: obj}, u0,
		&optimize.Settings{FuncEvaluations: hwMaxEvals, Converger: &optimize.FunctionConverge{Absolute: 1e-10, Relative: 1e-6, Iterations: 30}},
		&optimize.NelderMead{})
	u := u0
	if err == nil || (res != nil && res.X != nil) {
		if res != nil && res.X != nil && obj(res.X) <= obj(u0) {
			u = res.X
		}
	}
	hw.a, hw.b, hw.g, hw.phi = hw.params(u)
	hw.init(x, start, p, &hw.fitted)
	hw.run(x, s.Obs, end, hw.a, hw.b, hw.g, hw.phi, &hw.fitted)
	if math.IsNaN(hw.fitted.level) || math.IsInf(hw.fitted.level, 0) {
		return errors.New("predictor: Holt-Winters diverged")
	}
	hw.cur.copyFrom(&hw.fitted)
	return nil
}

func (hw *holtWinters) Forecast(s *series.Series, end int, out []float64) {
	if end < hw.cur.pos {
		hw.cur.copyFrom(&hw.fitted)
	}
	hw.run(s.Z, s.Obs, end, hw.a, hw.b, hw.g, hw.phi, &hw.cur)
	p := len(hw.cur.season)
	damp := 0.0
	pw := 1.0
	for k := range out {
		pw *= hw.phi
		damp += pw
		v := hw.cur.level + damp*hw.cur.trend
		if p > 0 {
			v += hw.cur.season[(end-1+k+1)%p]
		}
		if math.IsNaN(v) || math.IsInf(v, 0) {
			v = s.Z[end-1]
		}
		out[k] = s.ToOutput(v, false)
	}
}
