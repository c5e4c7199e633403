// Package regress is robust ridge regression on dense rows: features
// standardised, the weighted ridge normal equations solved by Cholesky
// (gonum/mat), Huber reweighting against outlying rows. The forecasting
// models' regressions (predictor/forecast's ridge) are solved here.
package regress

import (
	"math"
	"slices"

	"gonum.org/v1/gonum/mat"

	"github.com/prescale/prescale/predictor/series"
)

// Work holds the training rows of one regression (X: features, Y:
// targets) and the solver's scratch; the caller fills the first rows of X
// and Y and calls Fit, as often as it likes (one horizon after another).
type Work struct {
	// X holds rows of P features (row-major), Y one target per row.
	X, Y []float64
	P    int

	huberIter  int
	z, wt, res []float64
	mean, sd   []float64
	sv         *solver
}

// New returns the work space for up to rows rows of p features, with the
// ridge penalty lambda per unit of row weight on standardised features
// and huberIter iteratively reweighted passes.
func New(rows, p int, lambda float64, huberIter int) *Work {
	return &Work{
		P: p, X: make([]float64, rows*p), Y: make([]float64, rows), huberIter: huberIter,
		z: make([]float64, rows*(p+1)), wt: make([]float64, rows), res: make([]float64, rows),
		mean: make([]float64, p), sd: make([]float64, p), sv: &solver{p: p + 1, lambda: lambda},
	}
}

// Fit solves the ridge regression on the first nr rows with Huber
// reweighting and returns the raw-scale coefficients (intercept, then one
// per feature), all 0 when the solve degenerates.
func (w *Work) Fit(nr int) []float64 {
	p := w.P
	standardize(w.X[:nr*p], p, w.mean, w.sd, w.z[:nr*(p+1)])
	beta := make([]float64, p+1)
	for q := range nr {
		w.wt[q] = 1
	}
	for it := 0; it <= w.huberIter; it++ {
		w.sv.solve(w.z[:nr*(p+1)], w.Y[:nr], w.wt[:nr], beta)
		if it == w.huberIter || !w.huberWeights(nr, beta) {
			break
		}
	}
	// Back to raw-scale coefficients: intercept, then per feature.
	c := make([]float64, p+1)
	c[0] = beta[0]
	for k := range p {
		if w.sd[k] == 0 {
			continue
		}
		bk := beta[k+1] / w.sd[k]
		c[k+1] = bk
		c[0] -= bk * w.mean[k]
	}
	for _, v := range c {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			clear(c) // a degenerate solve: fall back to naive
			break
		}
	}
	return c
}

// huberWeights sets the Huber weights (k = 1.345 robust standard
// deviations of the residuals of beta); false when the residuals' scale is
// 0 (nothing to reweight).
func (w *Work) huberWeights(nr int, beta []float64) bool {
	p := w.P
	for q := range nr {
		row := w.z[q*(p+1) : (q+1)*(p+1)]
		var pred float64
		for k, v := range row {
			pred += beta[k] * v
		}
		w.res[q] = math.Abs(w.Y[q] - pred)
	}
	scale := 1.4826 * series.SelectMedian(slices.Clone(w.res[:nr]))
	if !(scale > 0) {
		return false
	}
	kh := 1.345 * scale
	for q := range nr {
		w.wt[q] = 1
		if w.res[q] > kh {
			w.wt[q] = kh / w.res[q]
		}
	}
	return true
}

// standardize writes to Z the rows of X (p columns) as a leading 1 (the
// intercept) followed by the standardised columns; constant columns become
// 0 and get sd 0.
func standardize(X []float64, p int, mean, sd, Z []float64) {
	nr := len(X) / p
	for k := range p {
		var m float64
		for q := range nr {
			m += X[q*p+k]
		}
		mean[k] = m / float64(nr)
		var v float64
		for q := range nr {
			d := X[q*p+k] - mean[k]
			v += d * d
		}
		sd[k] = math.Sqrt(v / float64(nr))
		if !(sd[k] > 1e-12*(1+math.Abs(mean[k]))) {
			sd[k] = 0
		}
	}
	for q := range nr {
		row := X[q*p : (q+1)*p]
		zr := Z[q*(p+1) : (q+1)*(p+1)]
		zr[0] = 1
		for k, v := range row {
			if sd[k] == 0 {
				zr[k+1] = 0
			} else {
				zr[k+1] = (v - mean[k]) / sd[k]
			}
		}
	}
}

// solver solves weighted ridge normal equations
// (Z'WZ + λ·sum(w)·D) β = Z'Wy with D = diag(0, 1, ..., 1) (the intercept
// is not penalised), by Cholesky factorisation (gonum/mat).
type solver struct {
	lambda float64
	p      int
	a      []float64
	b      []float64
	sym    *mat.SymDense
	rhs    *mat.VecDense
	sol    *mat.VecDense
	chol   mat.Cholesky
}

func (sv *solver) solve(Z, y, w, beta []float64) {
	p := sv.p
	if sv.sym == nil {
		sv.a = make([]float64, p*p)
		sv.b = make([]float64, p)
		sv.sym = mat.NewSymDense(p, nil)
		sv.rhs = mat.NewVecDense(p, nil)
		sv.sol = mat.NewVecDense(p, nil)
	}
	a, b := sv.a, sv.b
	clear(a)
	clear(b)
	var sw float64
	nr := len(y)
	for q := range nr {
		row := Z[q*p : (q+1)*p]
		wq := w[q]
		sw += wq
		yq := wq * y[q]
		for k, zk := range row {
			if zk == 0 {
				continue
			}
			b[k] += zk * yq
			wz := wq * zk
			ak := a[k*p+k : k*p+p]
			rk := row[k:]
			for l, zl := range rk[:len(ak)] {
				ak[l] += wz * zl
			}
		}
	}
	lambda := sv.lambda * sw
	for k := range p {
		for l := k; l < p; l++ {
			sv.sym.SetSym(k, l, a[k*p+l])
		}
		if k > 0 {
			sv.sym.SetSym(k, k, a[k*p+k]+lambda)
		} else if a[0] == 0 {
			sv.sym.SetSym(0, 0, 1)
		}
		sv.rhs.SetVec(k, b[k])
	}
	clear(beta)
	if !sv.chol.Factorize(sv.sym) {
		return
	}
	if err := sv.chol.SolveVecTo(sv.sol, sv.rhs); err != nil {
		return
	}
	for k := range p {
		beta[k] = sv.sol.AtVec(k)
	}
}
