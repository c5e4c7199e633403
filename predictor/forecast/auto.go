package forecast

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/prescale/prescale/predictor"
	"github.com/prescale/prescale/predictor/conformal"
	"github.com/prescale/prescale/predictor/forecast/internal/models"
	"github.com/prescale/prescale/predictor/series"
)

// Backtest settings (one global configuration).
const (
	// defaultHorizon is the horizon fitted when Options.Horizon is 0.
	defaultHorizon = 12
	// backtestOrigins is the number of recent origins the candidates are
	// scored on (at least one season of them when the season is longer).
	backtestOrigins = 800
	// backtestMaxEval caps the scored origins; longer windows are
	// thinned evenly.
	backtestMaxEval = 400
	// backtestMin is the fewest backtest origins needed for selection;
	// below it the forecast falls back to naive.
	backtestMin = 8
	// intervalOrigins is how many of the most recent backtest origins
	// (in samples) the interval quantiles come from.
	intervalOrigins = 400
	// intervalWiden is the share of the nominal miss rate 1-c moved into
	// the interval to make up for drift between backtest and forecast.
	intervalWiden = 0.1
	// guardTau is the excess error, in units of naive's backtest MAE,
	// at which the recent-error guard switches to naive (see guard).
	guardTau = 1.0
	// backtestRecency is the decay of the n backtest origins' weights in
	// model selection, in units of n (series.DecayWeights).
	// After a level shift the origins around it dominate an equal-weight
	// backtest for its whole window: models with memory err for longer
	// there than naive, which then wins every refit for days although it
	// loses on what follows; weighted, the shift fades from the scores.
	backtestRecency = 0.5
	// guardRatio is the factor by which the pick's recent error must
	// also exceed naive's recent error for the guard to trip.
	guardRatio = 2.0
	// selectZ: standard errors by which a pick must beat naive (beatsNaive).
	selectZ = 1.0
)

// Options configures the automatic forecaster. The zero value is the
// recommended global configuration.
type Options struct {
	// Horizon is the largest horizon (in samples) the models are fitted
	// and backtested for; 0 means 12. Forecast accepts h <= Horizon.
	Horizon int
	// Season is the season length in samples: 0 detects it (series.DetectSeason:
	// one calendar day when the autocorrelation of the values, or of their
	// ranks, confirms it), a negative value disables seasonality.
	Season int
	// Counter marks y as a monotone counter: a decrease is a reset
	// (Prometheus semantics) and is undone before modelling; forecasts are
	// returned on the raw counter's scale as of its last reset.
	Counter bool
	// Backtest is the number of recent origins used for model selection
	// and intervals; 0 means 800 (or one season, if longer).
	Backtest int
}

func (o Options) horizon() int {
	if o.Horizon <= 0 {
		return defaultHorizon
	}
	return o.Horizon
}

// Indices of the cores in engine.cores.
const (
	idxNaive = iota
	idxSeasonalNaive
	idxRidge
	idxRidgeLog
	idxHoltWinters
	idxMedianLevel
	idxSeasonalMedian
	idxMSTL
	idxMSTLLog
)

// candidate is a single model or an equal-weight average of models,
// given by indices into the engine's cores.
type candidate []int

// engine fits a set of cores at one origin, scores them by a
// rolling-origin backtest, picks the best single model or average, and
// derives empirical intervals and a confidence from the same backtest.
type engine struct {
	opts  Options
	H     int
	only  string // restrict the candidates to this core (single models)
	s     *series.Series
	se    models.Seasonality
	grid  models.Seasonality // seasons on the time grid of a series that misses rows (gridSeasons)
	cores []models.Core
	live  []bool
	pick  candidate
	resid [][]float64 // per horizon, sorted backtest errors (actual - forecast)
	// ratio is the backtest MAE of the pick over that of naive, averaged
	// over horizons (NaN when there was no backtest).
	ratio    float64
	naiveMAE []float64   // per horizon, naive's backtest MAE
	naiveRes [][]float64 // per horizon, naive's sorted backtest errors
	// aciPick and aciNaive are, per horizon, the miss rate adaptive
	// conformal inference reached on the backtest over the target one
	// (see conformal.Replay); nil: the nominal level.
	aciPick, aciNaive []float64
	norm              conformal.Normalizer // the errors' divisor (volNorm; zero: none)
	guarded           bool                 // the last forecast fell back to naive (see guard)
	guardOn           bool                 // the guard is in use (it did not hurt on the backtest)
	shiftOn           bool                 // the guard's level-shift rule is in use (shifted)
	gstride           int                  // spacing of the origins the guard replays
	gbuf              []float64            // the level-shift rule's forecasts and errors (shifted)
	fallback          bool
	lastScale         float64
	buf               [][]float64
	// logTail is how many recent log-scale values a forecast of the
	// picked cores reads (release): lent to it, not held (series.LendLog).
	logTail int
}

func (e *engine) fit(t []int64, y []float64) error {
	s, err := series.NewFrom(t, y, e.opts.Counter)
	if err != nil {
		return err
	}
	e.s, e.logTail = s, 0
	e.H = e.opts.horizon()
	return e.refit()
}

// season returns the daily (or detected) season m of the first n samples,
// 0 when there is none or it is no longer than the horizon.
func (e *engine) season(n int, step int64) int {
	m := 0
	switch {
	case e.opts.Season > 0:
		m = e.opts.Season
	case e.opts.Season == 0:
		m = series.DetectSeasonFilled(e.s.Z[:n], step)
	}
	if m <= e.H {
		// A season no longer than the horizon gives no usable lag.
		return 0
	}
	return m
}

// seasons completes the season set for a season m and a fit on fitEnd
// samples: calendar features when m is one day, and the weekly season when
// the fit window holds enough weeks.
func (e *engine) seasons(m int, step int64, fitEnd int) models.Seasonality {
	se := models.Seasonality{M: m, Step: step}
	if m > 0 && int64(m)*step == 86400 {
		se.Calendar = true
		w := 7 * m
		if fitEnd-1-e.H-(w+m) >= 2*m {
			se.W = w
		}
	}
	return se
}

// refit splits the history into a fit part and a backtest part, fits the
// cores on the first, backtests them on the second, picks the candidate
// with the lowest error relative to naive and takes the intervals from its
// backtest errors.
func (e *engine) refit() error {
	n, H := e.s.N(), e.H
	fitEnd := e.split(n)
	e.cores = e.newCores(fitEnd)
	e.live = make([]bool, len(e.cores))
	e.fallback = false
	e.ratio = math.NaN()
	nOrig := n - H - fitEnd + 1 // backtest ends fitEnd..n-H
	if nOrig < backtestMin || fitEnd < 2 {
		return e.fitFallback()
	}
	if err := e.fitCores(fitEnd); err != nil {
		return err
	}
	stride := max(1, (nOrig+backtestMaxEval-1)/backtestMaxEval)
	ends, preds, act := e.backtest(fitEnd, stride)
	wts := series.DecayWeights(len(ends), backtestRecency)
	best, bestScore, naiveMAE := e.selectCandidate(preds, act, wts)
	if best == nil {
		return e.fitFallback()
	}
	if e.only == "" && !e.beatsNaive(best, preds, act, wts, naiveMAE, stride) {
		best = candidate{idxNaive}
	}
	e.pick = best
	e.refresh(n)
	e.gstride = stride
	e.guardOn, e.shiftOn = false, false
	if len(best) != 1 || best[0] != idxNaive {
		// The recent-error guard (see guard) is kept only when, replayed
		// over the same backtest, it does not raise the pick's loss; so is
		// its level-shift rule (shifted), on top of it.
		ex := excessTrips(best, preds, act, ends, naiveMAE, H)
		sg := guardedScore(best, preds, act, wts, naiveMAE, H, func(o int) bool { return ex[o] })
		e.guardOn = sg <= bestScore
		base := bestScore
		if e.guardOn {
			base = sg
		}
		sh := shiftTripsAt(best, preds, act, naiveMAE, H, stride)
		e.shiftOn = guardedScore(best, preds, act, wts, naiveMAE, H, func(o int) bool {
			return sh[o] || (e.guardOn && ex[o])
		}) <= base
	}
	e.ratio = maeRatio(candMAE(best, preds, act, wts, H), naiveMAE)
	e.naiveMAE = naiveMAE
	e.norm = volNorm.Fit(e.s.Z, e.s.Obs, n, n-ends[0]+1)
	e.intervals(best, ends, preds, act)
	e.lastScale = e.levelScale()
	e.release()
	return nil
}

// refresh renews the picked cores that can be (models.Refresher: ridge)
// on all n samples once the backtest has chosen them: they were fitted on
// the samples before the backtest's origins, up to 800 (or a season of)
// samples old, and refits come every 24 samples, so their parameters lag
// the series by days at 5-minute samples. Selection, the guard's
// replay and the intervals stay those of the fitted cores' backtest.
func (e *engine) refresh(n int) {
	for _, k := range e.pick {
		if r, ok := e.cores[k].(models.Refresher); ok {
			// On an error the backtested fit stays, as the interface says.
			_ = r.Refresh(e.s, n, e.H)
		}
	}
}

// release drops the cores a forecast can no longer use: after a refit only
// the pick and naive (the guard's and the fallback's model) forecast, so
// the other fitted cores (their coefficient and calendar tables,
// decomposition buffers) would only hold memory until the next refit. The
// series keeps the log-scale values of the samples a picked log-scale
// model reads all of (the window of mstl_log's decompositions, and the
// guard's horizon), not of its whole window; those ridge_log's features
// reach, of which its means read a few hundred, are lent to each forecast
// instead (logTail; series.LendLog); and no prefix sums: a ridge forecast
// sums the values its means read (see series.Mean). A forecaster that
// runs for weeks fits on weeks of samples; what it holds beyond the
// samples themselves stays that of a few days.
func (e *engine) release() {
	keep := make([]bool, len(e.cores))
	keep[idxNaive] = true
	for _, k := range e.pick {
		keep[k] = true
	}
	var held, lent int
	for k, c := range e.cores {
		if !keep[k] {
			e.cores[k] = nil
			continue
		}
		if c, ok := c.(models.LogReader); ok {
			switch n, log, sparse := c.LogLookback(); {
			case log && sparse:
				lent = max(lent, n+e.H+1)
			case log:
				held = max(held, n+e.H+1)
			}
		}
	}
	e.logTail = 0 // lent to each forecast
	if held == 0 {
		e.logTail = lent
	} else {
		held = max(held, lent) // a tail held is read as it is (series.LendLog)
	}
	e.s.Keep(held, false, false)
}

// split returns the number of samples the cores are fitted on (the rest
// is backtested: the last Options.Backtest origins, or one season when
// that is longer, never more than half the history) and sets the seasons.
func (e *engine) split(n int) int {
	H := e.H
	bw := e.opts.Backtest
	if bw <= 0 {
		bw = backtestOrigins
	}
	fitEnd := max(n-H-bw+1, n/2)
	step := e.s.Step()
	m := e.season(n, step)
	if e.opts.Backtest <= 0 && m > bw && n-H-m+1 >= n/2 {
		fitEnd = n - H - m + 1
	}
	e.se = e.seasons(m, step, fitEnd)
	e.grid = models.Seasonality{}
	if e.opts.Season == 0 {
		day := gridShowsDay(e.s, n, step)
		e.se = gridCalendar(e.s, n, day, e.se)
		e.grid = gridSeasons(e.s, n, fitEnd, H, step, day)
	}
	return fitEnd
}

// newCores returns the candidate cores, in the order of the idx constants;
// Holt-Winters takes the weekly season when it correlates better than the
// daily one over the fit part.
func (e *engine) newCores(fitEnd int) []models.Core {
	if e.grid.M > 0 {
		return e.gridCores(fitEnd)
	}
	hwSeason := e.se.M
	if e.se.W > 0 && fitEnd >= 2*e.se.W+10 {
		x := e.s.Z[max(0, fitEnd-series.ACFWindow*2):fitEnd]
		if series.ACF(x, e.se.W) > series.ACF(x, e.se.M) {
			hwSeason = e.se.W
		}
	}
	return []models.Core{
		models.NewNaive(),
		models.NewSeasonalNaive(e.se.M),
		models.NewRidge(e.se, false),
		models.NewRidge(e.se, true),
		models.NewHoltWinters(hwSeason),
		models.NewMedianLevel(25),
		models.NewSeasonalMedian(e.se.M, 5),
		models.NewMSTL(e.se.Periods(), false),
		models.NewMSTL(e.se.Periods(), true),
	}
}

// fitCores fits the cores in use (all, or naive and the single model of a
// single-model engine) on the first fitEnd samples; a core whose history
// is too short stays out. A single-model engine whose model cannot be
// fitted is an error.
func (e *engine) fitCores(fitEnd int) error {
	for k, c := range e.cores {
		if e.only != "" && c.Name() != e.only && k != idxNaive {
			continue
		}
		e.live[k] = c.Fit(e.s, fitEnd, e.H) == nil
	}
	if e.only == "" {
		return nil
	}
	for k, c := range e.cores {
		if c.Name() == e.only && e.live[k] {
			return nil
		}
	}
	return fmt.Errorf("predictor: %s: %w", e.only, models.ErrShort)
}

// backtest forecasts with every fitted core from the origins ends (every
// stride-th from n-H down to fitEnd, in increasing order), parameters held:
// preds[k][o*H + h-1] is core k's forecast of horizon h from ends[o], act
// the actual value (NaN when missing).
func (e *engine) backtest(fitEnd, stride int) (ends []int, preds [][]float64, act []float64) {
	s, H := e.s, e.H
	for end := s.N() - H; end >= fitEnd; end -= stride {
		ends = append(ends, end)
	}
	slices.Reverse(ends)
	preds = make([][]float64, len(e.cores))
	for k := range preds {
		if e.live[k] {
			preds[k] = make([]float64, len(ends)*H)
		}
	}
	act = make([]float64, len(ends)*H)
	for o, end := range ends {
		for h := 1; h <= H; h++ {
			j := end - 1 + h
			act[o*H+h-1] = math.NaN()
			if s.Obs[j] {
				act[o*H+h-1] = s.Z[j]
			}
		}
		for k, c := range e.cores {
			if e.live[k] {
				c.Forecast(s, end, preds[k][o*H:(o+1)*H])
			}
		}
	}
	return ends, preds, act
}

// selectCandidate returns the candidate with the lowest backtest score,
// the sum over horizons of its MAE over naive's, with that score and
// naive's MAE per horizon (best is nil when there is no candidate); origin
// o's errors weigh wts[o] (backtestRecency).
func (e *engine) selectCandidate(preds [][]float64, act, wts []float64) (best candidate, bestScore float64, naiveMAE []float64) {
	H := e.H
	naiveMAE = candMAE(candidate{idxNaive}, preds, act, wts, H)
	bestScore = math.Inf(1)
	for _, c := range e.candidates() {
		mae := candMAE(c, preds, act, wts, H)
		var score float64
		for h := range H {
			score += mae[h] / perNaive(naiveMAE[h])
		}
		if score < bestScore {
			best, bestScore = c, score
		}
	}
	return best, bestScore, naiveMAE
}

// perNaive is a score's divisor: naive's backtest MAE, 1 when that is 0.
func perNaive(mae float64) float64 {
	if mae > 0 {
		return mae
	}
	return 1
}

// beatsNaive reports whether candidate c's backtest loss (per origin, its
// absolute errors minus naive's over naive's MAE) is below naive's by more
// than selectZ standard errors (series.BatchMeanSE, blocks of 2H samples);
// true without two blocks (naive itself: false). Against the winner's
// curse: on a random walk the lowest of some 25 scores is below naive's.
func (e *engine) beatsNaive(c candidate, preds [][]float64, act, w, naiveMAE []float64, stride int) bool {
	H := e.H
	d := make([]float64, len(w))
	for idx, a := range act {
		if !math.IsNaN(a) {
			d[idx/H] += (math.Abs(a-candValue(c, preds, idx)) - math.Abs(a-preds[idxNaive][idx])) / perNaive(naiveMAE[idx%H])
		}
	}
	m, se := series.BatchMeanSE(d, w, max(1, 2*H/stride))
	return math.IsNaN(se) || m+selectZ*se < 0
}

// maeRatio is the summed MAE over the summed naive MAE (NaN when naive's
// is 0 and the model's is not, 0 when both are).
func maeRatio(mae, naiveMAE []float64) float64 {
	var sm, sn float64
	for h := range mae {
		sm += mae[h]
		sn += naiveMAE[h]
	}
	switch {
	case sn > 0:
		return sm / sn
	case sm == 0:
		return 0
	}
	return math.NaN()
}

// intervals keeps, per horizon, the sorted backtest errors of the pick and
// of naive (for the guard) over the most recent intervalOrigins samples of
// origins only: the error scale drifts faster than the ranking of the
// models; and the level adaptive conformal inference reaches on them
// (aciLevels).
func (e *engine) intervals(best candidate, ends []int, preds [][]float64, act []float64) {
	n, H := e.s.N(), e.H
	e.resid = make([][]float64, H)
	e.naiveRes = make([][]float64, H)
	firstInt := 0
	for o, end := range ends {
		if end <= n-H-intervalOrigins {
			firstInt = o + 1
		}
	}
	sc := e.norm.Scales(e.s.Z, e.s.Obs, ends)
	for h := range H {
		r := make([]float64, 0, len(ends)-firstInt) // kept with the fit: no spare room
		rn := make([]float64, 0, len(ends)-firstInt)
		for o := firstInt; o < len(ends); o++ {
			a := act[o*H+h]
			if math.IsNaN(a) {
				continue
			}
			r = append(r, (a-candValue(best, preds, o*H+h))/sc[o])
			rn = append(rn, (a-preds[idxNaive][o*H+h])/sc[o])
		}
		slices.Sort(r)
		slices.Sort(rn)
		e.resid[h], e.naiveRes[h] = r, rn
	}
	e.aciLevels(best, ends, preds, act, sc)
}

// candidates lists the single models and the averages considered.
func (e *engine) candidates() []candidate {
	var out []candidate
	for k, c := range e.cores {
		if !e.live[k] || (e.only != "" && c.Name() != e.only) {
			continue
		}
		out = append(out, candidate{k})
	}
	if e.only != "" {
		return out
	}
	const (
		sn  = idxSeasonalNaive
		rr  = idxRidge
		rl  = idxRidgeLog
		hw  = idxHoltWinters
		ml  = idxMedianLevel
		smd = idxSeasonalMedian
		ms  = idxMSTL
		msl = idxMSTLLog
	)
	combos := []candidate{
		{rr, rl}, {rr, hw}, {rl, hw}, {rr, rl, hw}, {sn, rl}, {sn, rr, rl, hw},
		{rl, ml}, {hw, ml}, {rl, hw, ml}, {rr, rl, hw, ml},
		{ml, smd}, {rl, smd}, {hw, smd}, {rr, rl, hw, smd},
		{ms, rl}, {msl, rl}, {ms, msl}, {msl, rr, rl}, {ms, hw}, {msl, hw}, {ms, rr},
	}
	for _, c := range combos {
		ok := true
		for _, k := range c {
			ok = ok && e.live[k]
		}
		if ok {
			out = append(out, c)
		}
	}
	return out
}

func candValue(c candidate, preds [][]float64, idx int) float64 {
	var v float64
	for _, k := range c {
		v += preds[k][idx]
	}
	return v / float64(len(c))
}

// candMAE is candidate c's backtest MAE per horizon, origin o's errors
// weighted by w[o].
func candMAE(c candidate, preds [][]float64, act []float64, w []float64, H int) []float64 {
	mae := make([]float64, H)
	cnt := make([]float64, H)
	for idx, a := range act {
		if math.IsNaN(a) {
			continue
		}
		h := idx % H
		mae[h] += w[idx/H] * math.Abs(a-candValue(c, preds, idx))
		cnt[h] += w[idx/H]
	}
	for h := range H {
		if cnt[h] > 0 {
			mae[h] /= cnt[h]
		}
	}
	return mae
}

// fallbackMinChanges is the fewest h-step changes the short-history
// intervals are taken from; with fewer, the one-step changes scaled by
// sqrt(h) stand in (see fitFallback).
const fallbackMinChanges = 5

// fitFallback is the short-history path: naive forecasts with intervals
// from the empirical distribution of h-step changes in the history. While
// fewer than fallbackMinChanges h-step changes exist (the first minutes of
// a fresh install), the interval at horizon h comes from the one-step
// changes d, taken with both signs and scaled by sqrt(h) (a random walk's
// spread), so that it widens with the horizon instead of collapsing to
// the last value.
func (e *engine) fitFallback() error {
	s := e.s
	e.fallback = true
	e.pick = candidate{idxNaive}
	e.live = make([]bool, len(e.cores))
	e.live[idxNaive] = true
	e.ratio, e.norm = math.NaN(), conformal.Normalizer{}
	e.resid = make([][]float64, e.H)
	changes := func(h int) []float64 {
		var r []float64
		for i := 0; i+h < s.N(); i++ {
			if s.Obs[i] && s.Obs[i+h] {
				r = append(r, s.Z[i+h]-s.Z[i])
			}
		}
		return r
	}
	one := changes(1)
	for h := 1; h <= e.H; h++ {
		r := changes(h)
		if len(r) < fallbackMinChanges && len(one) > 0 {
			r = r[:0]
			for _, d := range one {
				r = append(r, d*math.Sqrt(float64(h)), -d*math.Sqrt(float64(h)))
			}
		}
		slices.Sort(r)
		e.resid[h-1] = r
	}
	e.lastScale = e.levelScale()
	return nil
}

// levelScale is the mean absolute value over the last season (or 48
// samples), the yardstick of the relative interval width.
func (e *engine) levelScale() float64 {
	s := e.s
	n := s.N()
	w := max(e.se.M, 48)
	var sum float64
	for i := max(0, n-w); i < n; i++ {
		sum += math.Abs(s.Z[i] - s.Offset)
	}
	return sum / float64(n-max(0, n-w))
}

func (e *engine) modelName() string {
	if e.fallback {
		return "naive_fallback"
	}
	if e.guarded {
		return "naive"
	}
	names := make([]string, len(e.pick))
	for q, k := range e.pick {
		names[q] = e.cores[k].Name()
	}
	if len(names) == 1 {
		return names[0]
	}
	return "mean(" + strings.Join(names, ",") + ")"
}

// forecast produces the h-step forecast from the latest sample.
func (e *engine) forecast(h int, coverage float64) (predictor.Forecast, error) {
	if e.s == nil {
		return predictor.Forecast{}, errors.New("predictor: Forecast called before a successful Fit")
	}
	if h < 1 || h > e.H {
		return predictor.Forecast{}, fmt.Errorf("predictor: horizon h=%d outside 1..%d (Options.Horizon)", h, e.H)
	}
	if !(coverage > 0 && coverage < 1) {
		return predictor.Forecast{}, fmt.Errorf("predictor: coverage=%v outside (0, 1)", coverage)
	}
	s := e.s
	end := s.N()
	s.LendLog(e.logTail)
	defer s.ReturnLog()
	e.ensureBuf(e.pick)
	pick, resid, aci := e.pick, e.resid, e.aciPick
	e.guarded = e.guard()
	if e.guarded {
		pick, resid, aci = candidate{idxNaive}, e.naiveRes, e.aciNaive
		e.ensureBuf(pick)
	}
	for _, k := range pick {
		e.cores[k].Forecast(s, end, e.buf[k])
	}
	f := predictor.Forecast{
		Mean:     make([]float64, h),
		Lower:    make([]float64, h),
		Upper:    make([]float64, h),
		Coverage: coverage,
		Model:    e.modelName(),
	}
	// Widen the nominal level by a tenth of the miss rate (0.8 -> 0.82):
	// residuals from the recent past under-cover under drift (measured on
	// the benchmark traces, see docs/accuracy.md).
	wc := coverage + intervalWiden*(1-coverage)
	var width float64
	sc := e.norm.Scale(s.Z, s.Obs, end)
	for k := range h {
		v := e.bufMean(pick, k, s.Z[end-1])
		c := wc
		if aci != nil {
			c = conformal.Level(coverage, wc, aci[k])
		}
		lo, hi := around(v, resid[k], c, sc)
		if s.NonNeg {
			lo = math.Max(lo, 0)
		}
		f.Mean[k], f.Lower[k], f.Upper[k] = s.Raw(v), s.Raw(lo), s.Raw(hi)
		if !finite(f.Mean[k]) || !finite(f.Lower[k]) || !finite(f.Upper[k]) {
			// Values near ±math.MaxFloat64 overflow the differences and
			// sums above; say so rather than hand out NaN or ±Inf.
			return predictor.Forecast{}, fmt.Errorf("%w (at horizon %d: mean %v, interval [%v, %v])", predictor.ErrNotFinite, k+1, f.Mean[k], f.Lower[k], f.Upper[k])
		}
		width += hi - lo
	}
	f.Confidence = confidence(e.ratio, width/float64(h), e.lastScale)
	return f, nil
}

// bufMean is the forecast of candidate c at horizon k+1 from the cores'
// forecasts in e.buf, their mean, or fallback when that is not finite.
func (e *engine) bufMean(c candidate, k int, fallback float64) float64 {
	var v float64
	for _, m := range c {
		v += e.buf[m][k]
	}
	v /= float64(len(c))
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return fallback
	}
	return v
}

// around is the interval v plus sc times the empirical quantiles of the
// sorted backtest errors r at level c (series.EmpiricalInterval), padded
// so that an atom at an endpoint stays inside despite rounding in v+r; v
// itself without errors.
func around(v float64, r []float64, c, sc float64) (lo, hi float64) {
	if len(r) == 0 {
		return v, v
	}
	rlo, rhi := series.EmpiricalInterval(r, c)
	rlo, rhi = rlo*sc, rhi*sc
	pad := 1e-9 * (math.Abs(v) + math.Abs(rlo) + math.Abs(rhi))
	return v + rlo - pad, v + rhi + pad
}

// ensureBuf makes e.buf hold a forecast buffer of H values for each core
// of c.
func (e *engine) ensureBuf(c candidate) {
	if len(e.buf) != len(e.cores) {
		e.buf = make([][]float64, len(e.cores))
	}
	for _, k := range c {
		if len(e.buf[k]) != e.H {
			e.buf[k] = make([]float64, e.H)
		}
	}
}

// guard reports whether the picked candidate has recently done clearly
// worse than naive, so that this forecast should be naive's (with naive's
// backtest intervals). The selection trusts a backtest over hundreds of
// origins and is only redone at a refit; after a level shift, models with
// memory (rolling means, smoothed levels, seasonal terms, learnt mean
// reversion) keep forecasting the old level for a while, whereas naive has
// adapted after one sample. The guard replays the pick at the origins of
// the last H samples (spaced like the backtest origins) and sums, over
// every (origin, horizon) pair whose target is already observed, the pick's
// absolute error minus naive's: it trips by guardTrips. It is in use only
// when, replayed over the backtest in the same way, it did not raise the
// pick's loss (guardOn). Its level-shift rule (shifted: the latest
// shiftRun samples all far from the pick's forecast on one side, and
// close to one another) trips on its own, and is in use when, replayed
// over the backtest on top of the other, it did not raise the loss
// either (shiftOn). It reads samples before the origin only.
func (e *engine) guard() bool {
	if (!e.guardOn && !e.shiftOn) || e.fallback || e.only != "" || e.naiveMAE == nil || e.gstride < 1 ||
		(len(e.pick) == 1 && e.pick[0] == idxNaive) {
		return false
	}
	// shiftAt is the origin whose forecasts of the pick the loop below
	// takes from shifted (in e.gbuf) rather than making them again; 0:
	// none. A path-dependent core's would differ from the loop's own.
	shiftAt := 0
	if e.shiftOn {
		var trips bool
		if trips, shiftAt = e.shifted(); trips {
			return true
		}
		if e.pathDependent(e.pick) {
			shiftAt = 0
		}
	}
	if !e.guardOn {
		return false
	}
	s := e.s
	n, H := s.N(), e.H
	var excess, scale, nerr float64
	for o := n - e.gstride; o >= 1 && n-o <= H; o -= e.gstride {
		if o != shiftAt {
			for _, k := range e.pick {
				e.cores[k].Forecast(s, o, e.buf[k])
			}
		}
		last := s.Z[o-1]
		for h := 1; o-1+h < n; h++ {
			j := o - 1 + h
			if !s.Obs[j] {
				continue
			}
			var v float64
			if o == shiftAt {
				v = e.gbuf[h-1]
			} else {
				v = e.bufMean(e.pick, h-1, last)
			}
			excess += math.Abs(s.Z[j]-v) - math.Abs(s.Z[j]-last)
			nerr += math.Abs(s.Z[j] - last)
			scale += e.naiveMAE[h-1]
		}
	}
	return guardTrips(excess, nerr, scale)
}

// guardTrips is the guard's rule on the summed excess error of the pick
// over naive, naive's summed error and the summed backtest naive MAE of the
// same recent (origin, horizon) pairs: the pick did worse than naive by
// more than guardTau backtest naive errors per pair, and by more than
// guardRatio times naive's own recent error.
func guardTrips(excess, nerr, scale float64) bool {
	return scale > 0 && excess > guardTau*scale && excess > (guardRatio-1)*nerr
}

// excessTrips reports, per backtest origin, whether the guard's
// excess-error rule trips there for candidate c: it sees the earlier
// backtest origins within H samples and their targets up to the origin
// only.
func excessTrips(c candidate, preds [][]float64, act []float64, ends []int, naiveMAE []float64, H int) []bool {
	trips := make([]bool, len(ends))
	for o, end := range ends {
		var excess, scale, nerr float64
		for q := o - 1; q >= 0 && end-ends[q] <= H; q-- {
			for h := 1; h <= end-ends[q]; h++ {
				idx := q*H + h - 1
				a := act[idx]
				if math.IsNaN(a) {
					continue
				}
				en := math.Abs(a - preds[idxNaive][idx])
				excess += math.Abs(a-candValue(c, preds, idx)) - en
				nerr += en
				scale += naiveMAE[h-1]
			}
		}
		trips[o] = guardTrips(excess, nerr, scale)
	}
	return trips
}

// guardedScore is the backtest score (sum over horizons of MAE / naive's
// MAE) of candidate c when the guard replaces it by naive at the origins
// where trip says it trips.
func guardedScore(c candidate, preds [][]float64, act []float64, w, naiveMAE []float64, H int, trip func(o int) bool) float64 {
	mae := make([]float64, H)
	cnt := make([]float64, H)
	for o := range w {
		naive := trip(o)
		for h := range H {
			idx := o*H + h
			a := act[idx]
			if math.IsNaN(a) {
				continue
			}
			v := preds[idxNaive][idx]
			if !naive {
				v = candValue(c, preds, idx)
			}
			mae[h] += w[o] * math.Abs(a-v)
			cnt[h] += w[o]
		}
	}
	var score float64
	for h := range H {
		if cnt[h] > 0 {
			mae[h] /= cnt[h]
		}
		score += mae[h] / perNaive(naiveMAE[h])
	}
	return score
}

// finite reports whether x is neither NaN nor ±Inf.
func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// confidence is the forecast confidence in [0, 1]:
//
//	skill = clamp((1.5 - r), 0, 1)        r = backtest MAE / naive MAE
//	sharp = 1 / (1 + W / L)                W = mean interval width, L = mean |y| of the last season
//	confidence = sqrt(skill * sharp)
//
// so a model as good as naive with an interval as wide as the level scores
// sqrt(0.5*0.5) = 0.5, one with half naive's error and a narrow interval
// approaches 1, and one 1.5 times worse than naive scores 0. Without a
// backtest (short history) it is 0.
func confidence(ratio, width, level float64) float64 {
	if math.IsNaN(ratio) {
		return 0
	}
	skill := series.Clamp01(1.5 - ratio)
	sharp := 1.0
	if level > 0 {
		sharp = 1 / (1 + width/level)
	} else if width > 0 {
		sharp = 0
	}
	return series.Clamp01(math.Sqrt(skill * sharp))
}
