// Package regress is robust ridge regression on dense rows: features
// standardised and stored column by column, the weighted ridge normal
// equations formed by dot products over the rows and solved by Cholesky
// (gonum's floats and LAPACK), Huber reweighting against outlying rows. The forecasting
// models' regressions (predictor/forecast's ridge) are solved here.
package regress

import (
	"math"
	"slices"
	"sync"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/lapack/lapack64"

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
	arrays     *[]float64 // backs the arrays above (New, Release)
}

// New returns the work space for up to rows rows of p features, with the
// ridge penalty lambda per unit of row weight on standardised features
// and huberIter iteratively reweighted passes. Its arrays are all zero;
// Release gives them back for a later New.
func New(rows, p int, lambda float64, huberIter int) *Work {
	bp := arrays.Get().(*[]float64)
	need := rows*p + rows*(p+1) + 4*rows + 2*p // X, z, Y, wt, res, the solver's wz, mean, sd
	if cap(*bp) < need {
		*bp = make([]float64, need)
	} else {
		*bp = (*bp)[:need]
		clear(*bp)
	}
	b := *bp
	next := func(n int) []float64 {
		s := b[:n:n]
		b = b[n:]
		return s
	}
	w := &Work{P: p, huberIter: huberIter, arrays: bp}
	w.X, w.z, w.Y = next(rows*p), next(rows*(p+1)), next(rows)
	w.wt, w.res, w.mean, w.sd = next(rows), next(rows), next(p), next(p)
	w.sv = &solver{p: p + 1, lambda: lambda, wz: next(rows)}
	return w
}

// Release gives w's arrays back for a later New: w, its X and Y, must not
// be used after it. A caller that does not call it leaves them to the
// garbage collector.
func (w *Work) Release() {
	if w.arrays == nil {
		return
	}
	arrays.Put(w.arrays)
	*w = Work{}
}

// arrays holds the arrays of released Works (one backing array each), so
// that the many fits of a controller's targets, a few at a time, do not
// each allocate theirs: made at each fit, they were 0.7 of the 4.4 GB the
// 1,000-target fleet benchmark allocates.
var arrays = sync.Pool{New: func() any { return new([]float64) }}

// Fit solves the ridge regression on the first nr rows with Huber
// reweighting and returns the raw-scale coefficients (intercept, then one
// per feature), all 0 when the solve degenerates.
func (w *Work) Fit(nr int) []float64 {
	p := w.P
	z := w.z[:nr*(p+1)]
	standardize(w.X[:nr*p], p, w.mean, w.sd, z)
	beta := make([]float64, p+1)
	for it := 0; it <= w.huberIter; it++ {
		wt := w.wt[:nr]
		if it == 0 {
			wt = nil // all rows weigh 1
		}
		w.sv.solve(z, w.Y[:nr], wt, beta)
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
	res := w.res[:nr]
	copy(res, w.Y[:nr])
	for k, b := range beta {
		floats.AddScaled(res, -b, w.z[k*nr:(k+1)*nr])
	}
	for q, v := range res {
		res[q] = math.Abs(v)
	}
	scale := 1.4826 * series.SelectMedian(slices.Clone(res))
	if !(scale > 0) {
		return false
	}
	kh := 1.345 * scale
	for q := range nr {
		w.wt[q] = 1
		if res[q] > kh {
			w.wt[q] = kh / res[q]
		}
	}
	return true
}

// varies reports whether column k of X (p columns, row-major), of mean m
// and standard deviation sd, is not constant: sd above 1e-12·(u + |m|),
// with u its largest |value| up to 1 (1 for a column of zeros). Below 1
// the test is relative to the column, so that a series times 1e-12 keeps
// the columns the series keeps; from 1 up it is 1e-12·(1 + |m|) as it
// was, so the column's size is read only when that test fails.
func varies(X []float64, p, k int, m, sd float64) bool {
	if sd > 1e-12*(1+math.Abs(m)) {
		return true
	}
	size := 0.0
	for q := k; q < len(X); q += p {
		size = max(size, math.Abs(X[q]))
	}
	return size > 0 && size < 1 && sd > 1e-12*(size+math.Abs(m))
}

// standardize writes to Z, column by column (column k at Z[k*nr:(k+1)*nr]
// for the nr rows of X), a leading column of ones (the intercept)
// followed by the standardised columns of X (p columns, row-major);
// constant columns become 0 and get sd 0.
func standardize(X []float64, p int, mean, sd, Z []float64) {
	nr := len(X) / p
	for q := range nr {
		Z[q] = 1
	}
	clear(mean)
	for q := range nr {
		floats.Add(mean, X[q*p:(q+1)*p])
	}
	for k := range p {
		mean[k] /= float64(nr)
	}
	// The centred values go to their columns, their squares to sd.
	clear(sd)
	for q := range nr {
		row := X[q*p : (q+1)*p]
		for k, v := range row {
			d := v - mean[k]
			sd[k] += d * d
			Z[(k+1)*nr+q] = d
		}
	}
	for k := range p {
		sd[k] = math.Sqrt(sd[k] / float64(nr))
		col := Z[(k+1)*nr : (k+2)*nr]
		if !varies(X, p, k, mean[k], sd[k]) {
			sd[k] = 0
			clear(col)
			continue
		}
		floats.Scale(1/sd[k], col)
	}
}

// solver solves weighted ridge normal equations
// (Z'WZ + λ·sum(w)·D) β = Z'Wy with D = diag(0, 1, ..., 1) (the intercept
// is not penalised), by Cholesky factorisation (LAPACK's dpotrf and
// dpotrs through gonum's lapack64). w nil weighs every row 1.
type solver struct {
	lambda float64
	p      int
	a      []float64
	b      []float64
	wz     []float64 // a weighted column
}

func (sv *solver) solve(Z, y, w, beta []float64) {
	p := sv.p
	nr := len(y)
	if sv.a == nil {
		sv.a = make([]float64, p*p)
		sv.b = make([]float64, p)
	}
	if len(sv.wz) < nr {
		sv.wz = make([]float64, nr)
	}
	a, b := sv.a, sv.b
	// The normal equations column by column: a[k][l] = sum_q w_q z_qk z_ql,
	// dot products over the rows (floats.Dot).
	sw := float64(nr)
	if w != nil {
		sw = floats.Sum(w)
	}
	for k := range p {
		zk := Z[k*nr : (k+1)*nr]
		wz := zk
		if w != nil {
			wz = sv.wz[:nr]
			floats.MulTo(wz, w, zk)
		}
		b[k] = floats.Dot(wz, y)
		for l := k; l < p; l++ {
			a[k*p+l] = floats.Dot(wz, Z[l*nr:(l+1)*nr])
		}
	}
	lambda := sv.lambda * sw
	for k := 1; k < p; k++ {
		a[k*p+k] += lambda
	}
	if a[0] == 0 {
		a[0] = 1
	}
	copy(beta, b)
	// Cholesky on the upper triangle (LAPACK's dpotrf and dpotrs through
	// gonum): the penalty keeps the system well conditioned, so no
	// condition estimate is made.
	t, ok := lapack64.Potrf(blas64.Symmetric{Uplo: blas.Upper, N: p, Stride: p, Data: a})
	if !ok {
		clear(beta)
		return
	}
	lapack64.Potrs(t, blas64.General{Rows: p, Cols: 1, Stride: 1, Data: beta})
}
