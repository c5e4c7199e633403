package series

import (
	"cmp"
	"math"
	"slices"
)

// Season detection thresholds (global, not per series).
const (
	// calendarACF is the autocorrelation at one calendar day that
	// confirms a daily season.
	calendarACF = 0.1
	// rankCalendarACF is the autocorrelation of the ranks at one calendar
	// day that confirms a daily season the autocorrelation of the values
	// missed (chosen on the eight traces and the tuning set, in-sample;
	// docs/tuning.md).
	rankCalendarACF = 0.2
	// shiftShare is the share of calendarACF and rankCalendarACF below
	// which the autocorrelations at one day of the values less their
	// centred one-day mean must both stay for a day the values show to be
	// a level shift's (levelShift; chosen on the eight traces and the
	// tuning set, in-sample; docs/tuning.md).
	shiftShare = 0.3
	// searchACF is the autocorrelation a searched (non-calendar) peak
	// must reach.
	searchACF = 0.3
	// ACFWindow caps the samples used for the autocorrelation.
	ACFWindow = 6000
	// maxSearchLag caps the lags searched when no calendar period fits.
	maxSearchLag = 1000
)

// ACF returns the sample autocorrelation of x at lag k:
// sum (x_i - m)(x_{i+k} - m) / sum (x_i - m)^2 (Box & Jenkins), or NaN when
// it is undefined (k >= len(x) or constant x).
func ACF(x []float64, k int) float64 {
	n := len(x)
	if k <= 0 || k >= n {
		return math.NaN()
	}
	var m float64
	for _, v := range x {
		m += v
	}
	m /= float64(n)
	var den float64
	for _, v := range x {
		den += (v - m) * (v - m)
	}
	if den == 0 {
		return math.NaN()
	}
	var num float64
	for i := 0; i+k < n; i++ {
		num += (x[i] - m) * (x[i+k] - m)
	}
	return num / den
}

// DetectSeason returns the season length in samples of a regularly sampled
// series with the given step (seconds), or 0 when it finds none.
//
// It prefers the calendar day: when a day is a whole number of at least 4
// steps, the series spans at least two days and the autocorrelation at one
// day (over the last max(6000, 4 days) samples) exceeds 0.1, or that of
// the values' ranks exceeds 0.2 (Spearman's; a few spikes of a heavy-tailed
// series, tweets or requests counted, carry the autocorrelation of the
// values, not that of their ranks), the answer is one day in samples,
// unless that autocorrelation is a level shift's (levelShift: it is gone
// once each value's centred one-day mean is removed). Otherwise it searches the lags 2..min(n/3, 1000) of
// the last 6000 samples for the highest autocorrelation peak after the
// first zero crossing and accepts it above 0.3. Missing values (NaN) are
// ignored by carrying the last value.
func DetectSeason(y []float64, step int64) int {
	start := max(0, len(y)-seasonWindow(step))
	x := make([]float64, 0, len(y)-start)
	last := math.NaN()
	for _, v := range y[start:] {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			if math.IsNaN(last) {
				continue
			}
			v = last
		}
		last = v
		x = append(x, v)
	}
	return DetectSeasonFilled(x, step)
}

// calendarDay returns one day in samples of the given step, or 0 when a
// day is not a whole number of at least 4 steps.
func calendarDay(step int64) int {
	if step <= 0 || 86400%step != 0 || 86400/step < 4 {
		return 0
	}
	return int(86400 / step)
}

// seasonWindow is the number of trailing samples season detection reads.
func seasonWindow(step int64) int {
	return max(ACFWindow, 4*calendarDay(step))
}

// ShowsDay reports whether x, without NaN and sampled every step seconds,
// shows the calendar day: DetectSeason's first check (a whole day of at
// least 4 steps, two days of samples, and the autocorrelation of the last
// max(6000, 4 days) samples at one day above 0.1, or that of their ranks
// above 0.2, not a level shift's), without its search for another period.
func ShowsDay(x []float64, step int64) bool {
	if w := seasonWindow(step); len(x) > w {
		x = x[len(x)-w:]
	}
	d := calendarDay(step)
	return d > 0 && len(x) >= 2*d && (ACF(x, d) > calendarACF || ACF(ranks(x), d) > rankCalendarACF) &&
		!levelShift(x, d)
}

// levelShift reports whether the autocorrelation x shows at lag d comes
// from a shift of its level, not from a season: once each value's centred
// moving average over d samples is removed (which keeps a season of d
// samples whole and leaves of a step a bump d samples wide, no two of
// whose values are d apart),
// the autocorrelation at d is below shiftShare of calendarACF, and so is
// that of the ranks, their own centred mean removed (a few spikes move the
// values' mean more than a season does), below shiftShare of
// rankCalendarACF. A series that drops to a
// new level shows a day at any lag once the new level has lasted one: a
// "season" that forecasts the old level back.
func levelShift(x []float64, d int) bool {
	r, cs := make([]float64, len(x)), make([]float64, len(x)+1)
	detrend := func(x []float64) []float64 {
		CentredMA(x, d, r, cs)
		for i := range r {
			r[i] = x[i] - r[i]
		}
		return r
	}
	if ACF(detrend(x), d) > shiftShare*calendarACF {
		return false
	}
	return !(ACF(detrend(ranks(x)), d) > shiftShare*rankCalendarACF)
}

// DetectSeasonFilled is DetectSeason on a series without NaN (gaps already
// carried forward).
func DetectSeasonFilled(x []float64, step int64) int {
	if w := seasonWindow(step); len(x) > w {
		x = x[len(x)-w:]
	}
	if ShowsDay(x, step) {
		return calendarDay(step)
	}
	if len(x) > ACFWindow {
		x = x[len(x)-ACFWindow:]
	}
	n := len(x)
	maxLag := min(n/3, maxSearchLag)
	if maxLag < 4 {
		return 0
	}
	best, bestLag := math.Inf(-1), 0
	crossed := false
	prev := 1.0
	for k := 1; k <= maxLag; k++ {
		a := ACF(x, k)
		if math.IsNaN(a) {
			return 0
		}
		if a < 0 {
			crossed = true
		}
		if crossed && k >= 2 && a > best && a >= prev {
			best, bestLag = a, k
		}
		prev = a
	}
	if best > searchACF {
		return bestLag
	}
	return 0
}

// ranks returns the ranks of x from 0, ties at the mean of their ranks
// (mid-ranks, as Spearman's correlation takes them).
func ranks(x []float64) []float64 {
	idx := make([]int, len(x))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int { return cmp.Compare(x[a], x[b]) })
	r := make([]float64, len(x))
	for j := 0; j < len(idx); {
		k := j
		for k < len(idx) && x[idx[k]] == x[idx[j]] {
			k++
		}
		for _, i := range idx[j:k] {
			r[i] = float64(j+k-1) / 2
		}
		j = k
	}
	return r
}
