package models

import (
	"errors"
	"math"
	"slices"

	"github.com/prescale/prescale/predictor/regress"
	"github.com/prescale/prescale/predictor/series"
)

// Ridge regression settings (one global configuration).
const (
	// ridgeMaxRows caps the training rows per horizon; rows are the most
	// recent origins, thinned evenly over the span below.
	ridgeMaxRows = 600
	// ridgeSpanSeasons is how many seasons (or, without a season,
	// ridgeMaxRows samples) of origins the rows cover.
	ridgeSpanSeasons = 12
	// ridgeSpanWeeks is the least number of weeks the rows cover when
	// the weekly season is in use.
	ridgeSpanWeeks = 4
	// ridgeLambda is the ridge penalty per training row on standardised
	// features.
	ridgeLambda = 0.01
	// ridgeHuberIter is the number of iteratively reweighted passes with
	// Huber weights (k = 1.345 robust standard deviations, Huber 1964).
	ridgeHuberIter = 1
	// ridgeMinRows is the fewest rows a horizon may be fitted on.
	ridgeMinRows = 30
	// ridgeReach widens the range of changes a horizon was fitted on, by
	// this share of its width on each side, into what a forecast may move.
	ridgeReach = 0.25
)

// ridge is a direct multi-horizon linear regression: for every horizon h
// a separate ridge regression predicts y[i+h] - y[i] from features known at
// origin i (Taieb & Hyndman's "direct strategy"). The features, all
// differences to the last value so that the penalty shrinks toward the
// naive forecast:
//
//   - short, medium and long rolling means (3, 12 and 48 samples) and a
//     local trend (mean of the last 6 minus the 6 before);
//   - with a season m: the value one season before the target, a seasonal
//     profile (mean over the last up to 3 seasons of a small window around
//     the target's phase), the value one season before the origin, and the
//     mean of the last season;
//   - with a weekly season w: the same three seasonal lags at w;
//   - with calendar timestamps: Fourier terms of the target's time of day
//     (2 harmonics) and week (1 harmonic), and a weekend indicator (the
//     day-of-week feature).
//
// Coefficients are fitted by ridge on standardised features with Huber
// reweighting, solved by Cholesky (gonum/mat). With log set, the model
// works on log(y + c) of a non-negative series (c from the series' typical
// value: series.LogOffset), which makes the forecast a
// conditional median-like value for heavy-tailed data. A forecast moves at
// most as far as its horizon's fitted changes, widened by ridgeReach: after
// a shift larger than any it was fitted on the coefficients extrapolate.
type ridge struct {
	log bool
	se  Seasonality

	prof    int          // seasons in the profile
	half    int          // half-width of the profile window
	coef    [][]float64  // per horizon: intercept, then one weight per feature
	reach   [][2]float64 // per horizon: the lowest and highest change a forecast makes
	feat    []float64    // scratch
	minOrig int
	cal     []float64 // calendar features per phase of the week (series.CalendarFeatures each; shared, read only)
	calT0   int64     // timestamp of phase 0
}

func (r *ridge) Name() string {
	if r.log {
		return "ridge_log"
	}
	return "ridge"
}

// features writes the features of origin i for horizon h into f and
// returns them; it reads x[i-r.minOrig..i] and the time of sample ti, the
// origin (x[k] is the value of sample ti-i+k: a fitted forecaster keeps
// the log-scale values of the last samples only, see predictor/forecast's engine.release).
func (r *ridge) features(s *series.Series, x, cs []float64, i, ti, h int, f []float64) []float64 {
	f = f[:0]
	off := ti - i // x[k] is sample off+k
	// mean and at read x; on the log scale, a forecast's lent values are
	// computed as they are read (series.LendLog).
	fill := func(a, b int) {
		if r.log {
			s.FillLog(a+off, b+off)
		}
	}
	mean := func(a, b int) float64 {
		fill(a, b)
		return series.Mean(x, cs, a, b)
	}
	at := func(k int) float64 {
		fill(k, k)
		return x[k]
	}
	ref := at(i)
	f = append(f, mean(i-2, i)-ref, mean(i-11, i)-ref, mean(i-47, i)-ref, mean(i-5, i)-mean(i-11, i-6))
	j := i + h
	if m := r.se.M; m > 0 {
		k := (h + m - 1) / m
		f = append(f, at(j-k*m)-ref)
		var p float64
		for q := 1; q <= r.prof; q++ {
			c := j - (k+q-1)*m
			p += mean(c-r.half, min(c+r.half, i))
		}
		f = append(f, p/float64(r.prof)-ref, at(i-m)-ref, mean(i-m+1, i)-ref)
	}
	if w := r.se.W; w > 0 {
		c := j - w
		f = append(f, at(c)-ref, mean(c-r.half, min(c+r.half, i))-ref, at(i-w)-ref)
	}
	if r.se.Calendar {
		tj := s.Time(ti) + int64(h)*r.se.Step
		if d := tj - r.calT0; len(r.cal) > 0 && d%r.se.Step == 0 {
			n := int64(len(r.cal) / series.CalendarFeatures)
			k := ((d/r.se.Step)%n + n) % n
			f = append(f, r.cal[k*series.CalendarFeatures:(k+1)*series.CalendarFeatures]...)
		} else {
			f = series.Calendar(tj, f)
		}
	}
	return f
}

// calTableMax caps the calendar table (phases in a week) built at fit
// time; longer weeks compute the features directly.
const calTableMax = 4096

// minOrigin is the first origin whose features are all defined.
func (r *ridge) minOrigin(H int) int {
	o := 47
	if m := r.se.M; m > 0 {
		k := (H + m - 1) / m
		o = max(o, m-1, (k+r.prof-1)*m+r.half-1)
	}
	if w := r.se.W; w > 0 {
		o = max(o, w-1+r.half)
	}
	return o
}

// lookback is how far before the latest sample a forecast from a fitted
// model reads values: the features of an origin read back to minOrig
// samples before it.
func (r *ridge) lookback() int { return r.minOrig }

// LogLookback is lookback, with whether the model works on log(y + c); its
// features' means read a few hundred values of the lookback.
func (r *ridge) LogLookback() (n int, log, sparse bool) { return r.lookback(), r.log, true }

// ErrShort is Fit's error when the history is too short for the model.
var ErrShort = errors.New("predictor: history too short for this model")

func (r *ridge) Fit(s *series.Series, end, H int) error { return r.fit(s, end, H, 0) }

// fit is Fit with the seasonal profile over prof seasons (0: as many as
// the history allows, see setup).
func (r *ridge) fit(s *series.Series, end, H, prof int) error {
	if r.log && !s.NonNeg {
		return errors.New("predictor: log model needs a non-negative series")
	}
	x, cs, _ := s.Vals(r.log) // all of them while fitting
	r.setup(s, H, end, prof)
	rows := r.rows(end, H)
	if rows == nil {
		return ErrShort
	}
	r.feat = r.features(s, x, cs, rows[len(rows)-1], rows[len(rows)-1], 1, r.feat[:0])
	p := len(r.feat)
	w := regress.New(len(rows), p, ridgeLambda, ridgeHuberIter)
	defer w.Release()
	r.coef, r.reach = make([][]float64, H), make([][2]float64, H)
	for h := 1; h <= H; h++ {
		nr := 0
		for _, o := range rows {
			if o+h >= end || !s.Obs[o+h] {
				continue
			}
			r.feat = r.features(s, x, cs, o, o, h, r.feat[:0])
			copy(w.X[nr*p:(nr+1)*p], r.feat)
			w.Y[nr] = x[o+h] - x[o]
			nr++
		}
		if nr < ridgeMinRows {
			return ErrShort
		}
		r.coef[h-1] = w.Fit(nr)
		lo, hi := slices.Min(w.Y[:nr]), slices.Max(w.Y[:nr])
		r.reach[h-1] = [2]float64{lo - ridgeReach*(hi-lo), hi + ridgeReach*(hi-lo)}
	}
	return nil
}

// setup sizes the seasonal profile (prof seasons when prof > 0, else as
// many, 1..3, as the history of end samples allows), the first usable
// origin and the calendar table.
func (r *ridge) setup(s *series.Series, H, end, prof int) {
	r.prof, r.half = 0, 0
	if m := r.se.M; m > 0 {
		r.half = min(max(m/48, 1), 6)
		r.prof = 1
		for r.prof < 3 && (r.prof+1)*m+r.half-1+ridgeMinRows+H < end {
			r.prof++
		}
		if prof > 0 {
			r.prof = prof
		}
	}
	r.minOrig = r.minOrigin(H)
	r.cal = nil
	if r.se.Calendar && r.se.M > 0 && 7*r.se.M <= calTableMax {
		// One week of phases on the sample grid of the first timestamp.
		r.calT0 = ((s.Time(0) % r.se.Step) + r.se.Step) % r.se.Step
		r.cal = series.CalendarTable(r.se.Step, r.calT0, 7*r.se.M)
	}
}

// rows returns the training origins, newest first: the most recent span
// of origins whose targets lie before end, thinned evenly to at most
// ridgeMaxRows, one in each block of stride origins at a low-discrepancy
// offset within it (rowOffset); nil when fewer than ridgeMinRows exist.
func (r *ridge) rows(end, H int) []int {
	lastOrigin := end - 1 - H
	if lastOrigin-r.minOrig+1 < ridgeMinRows {
		return nil
	}
	span := ridgeMaxRows
	if r.se.M > 0 {
		span = max(span, ridgeSpanSeasons*r.se.M, ridgeSpanWeeks*r.se.W)
	}
	first := max(r.minOrig, lastOrigin-span+1)
	stride := max(1, (lastOrigin-first+1+ridgeMaxRows-1)/ridgeMaxRows)
	rows := make([]int, 0, ridgeMaxRows+1)
	for k := 0; ; k++ {
		o := lastOrigin - k*stride - rowOffset(k, stride)
		if o < first {
			return rows
		}
		rows = append(rows, o)
	}
}

// rowOffset is the offset of the k-th row within its block of stride
// origins: the fractional part of k times the golden ratio's conjugate,
// scaled to the block (a Weyl sequence, evenly spread over the offsets).
// Every stride-th origin back from the last would give all rows one
// phase of any cycle whose period shares a factor with the stride, and
// the refits, every 24 samples, would keep that phase: a 30-minute spike
// at 5-minute samples (a period of 6) seen by rows 4 apart is seen at
// every other phase only, and the coefficients learnt there are applied
// at all of them.
func rowOffset(k, stride int) int {
	_, f := math.Modf(float64(k) * 0.6180339887498949)
	return int(f * float64(stride))
}

func (r *ridge) Forecast(s *series.Series, end int, out []float64) {
	x, cs, off := s.Vals(r.log)
	ti := end - 1
	i := ti - off
	for k := range out {
		h := k + 1
		c := r.coef[min(k, len(r.coef)-1)]
		r.feat = r.features(s, x, cs, i, ti, h, r.feat[:0])
		v := x[i] + c[0]
		for q, f := range r.feat {
			v += c[q+1] * f
		}
		if math.IsNaN(v) || math.IsInf(v, 0) {
			v = x[i]
		}
		b := r.reach[min(k, len(r.reach)-1)]
		out[k] = s.ToOutput(x[i]+min(max(v-x[i], b[0]), b[1]), r.log)
	}
}

// Refresh fits ridge again on the first end samples and averages, per
// horizon, the new coefficients with those of the earlier fit (the fit the
// backtest scored, on the samples before its origins); the reach is the
// union of both. Equal weights: a two-member ensemble over training
// windows (ridge is linear in its coefficients, so the forecast is the
// mean of the two fits' forecasts, before the reach), whose latest
// member follows the samples since the backtest began while the earlier
// one keeps its variance down. The new fit takes the earlier one's
// seasonal profile (prof seasons): the history of end samples may allow a
// deeper one, whose feature the earlier coefficients were not fitted on
// (same count, another meaning), and the two members must share features
// for their average to be the mean of their forecasts. On an error (or
// features that no longer match) the earlier fit stays.
func (r *ridge) Refresh(s *series.Series, end, H int) error {
	oldCoef, oldReach, oldProf, oldMin := r.coef, r.reach, r.prof, r.minOrig
	if err := r.fit(s, end, H, oldProf); err != nil || len(r.coef) != len(oldCoef) {
		r.coef, r.reach, r.prof, r.minOrig = oldCoef, oldReach, oldProf, oldMin
		return err
	}
	for h, c := range r.coef {
		if len(c) != len(oldCoef[h]) {
			r.coef, r.reach, r.prof, r.minOrig = oldCoef, oldReach, oldProf, oldMin
			return nil
		}
		for q := range c {
			c[q] = (c[q] + oldCoef[h][q]) / 2
		}
		r.reach[h] = [2]float64{min(r.reach[h][0], oldReach[h][0]), max(r.reach[h][1], oldReach[h][1])}
	}
	return nil
}
