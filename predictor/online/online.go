// Package online holds the streaming forecaster the engine decides with:
// a seasonal forecaster with conformal (empirical-residual) intervals and
// peak quantiles, updated in O(1) per sample, an ensemble that follows
// the best of several configurations by decision loss, and the
// recalibration of a peak distribution by the jump state (Conditional).
// Pure: no I/O, no clock.
package online

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"

	"github.com/prescale/prescale/predictor"
)

// Config configures a Forecaster. Zero values pick the
// documented defaults.
type Config struct {
	// Step is the sampling interval in seconds (required, > 0).
	Step int64
	// Horizon is the number of steps whose maximum the upper bound is
	// calibrated for: Upper covers max(y[i+1..i+Horizon]) at the requested
	// level. 0 means 1.
	Horizon int
	// Season is the seasonal period in samples; 0 means one day
	// (86400/Step) when that is at least 4 samples; -1 means none.
	Season int
	// SeasonDays is how many past seasons the seasonal shape averages;
	// 0 means 7.
	SeasonDays int
	// SeasonTrim makes the seasonal change the mean of the past seasons'
	// changes without the one farthest from their median, so that one
	// season's one-off move does not echo in the forecasts of the
	// following ones (season.go).
	SeasonTrim bool
	// SeasonWeight in [0, 1] scales the seasonal change added to the
	// level; 0 means the default 1, a negative value means 0 (no
	// seasonal term).
	SeasonWeight float64
	// LevelAlpha in (0, 1] smooths the level, an exponentially weighted
	// moving average; 0 means 0.5.
	LevelAlpha float64
	// ScaleAlpha in (0, 1] smooths the local scale (mean absolute one-step
	// change of the level); 0 means 0.1.
	ScaleAlpha float64
	// Window is how many calibration residuals are kept; 0 means 2016
	// (a week of 5-minute samples), at most MaxWindow.
	Window int
	// PeakFrom is the first step (1..Horizon) the peak covers: the upper
	// bound covers max(y[i+PeakFrom..i+Horizon]). 0 means 1. The engine
	// covers the whole lead window (1): a scale-down is immediate, so the
	// units a decision keeps must serve every step until a unit requested
	// now could be back.
	PeakFrom int
	// LogOffset, when > 0, makes the model work on log(y + LogOffset):
	// multiplicative noise and heavy-tailed bursts then get headroom
	// proportional to the level. 0: values as they are.
	LogOffset float64
	// LevelWindow, when > 1, makes the level the highest of the last
	// LevelWindow values (on the model's scale) instead of a moving
	// average: the signal a reactive autoscaler acts on through its
	// scale-down stabilisation window. LevelAlpha is then unused.
	LevelWindow int
	// CapAtWindowMax bounds the peak quantiles (and Upper) by the highest
	// value of the last Window samples, unless the point forecast itself
	// is higher. Locally scaled residuals extrapolate: on the log scale,
	// a residual measured against a quiet period's tiny scale, applied to
	// a burst's large one, gives quantiles many orders of magnitude above
	// anything observed, and a sizing rule then sees a distribution too
	// wide to be worth covering. The cap keeps the quantiles within the
	// empirical support of the calibration window.
	CapAtWindowMax bool
	// MinResiduals is the number of residuals needed before the
	// forecaster reports a confidence above 0; 0 means 30.
	MinResiduals int
	// TrackRate, when > 0, raises the peak quantiles by a shift that
	// follows the recent misses of the TrackLevel quantile (adaptive
	// conformal inference, see track.go); 0: no shift. At most 1.
	TrackRate float64
	// TrackLevel in (0, 1) is the peak quantile level whose misses the
	// shift tracks (required with TrackRate > 0).
	TrackLevel float64
}

// Forecaster is a streaming forecaster built for lead-time
// provisioning. The point path is a smoothed level plus the average
// seasonal change of the level over the past SeasonDays seasons:
//
//	m[h] = level[i] + w * mean_k (level[i+h-k*S] - level[i-k*S]),  k = 1..K.
//
// The level is an exponentially weighted moving average, or with
// LevelWindow the highest recent value.
// The upper bound is calibrated on the quantity a scaler needs, the maximum
// over steps PeakFrom..Horizon: with base = max_h m[h] and a local scale s
// (EWMA of absolute one-step level errors), the residuals
// z = (max y[i+1..i+H] - base) / s of the last Window origins give the
// empirical quantile q, and Upper = m + q*s. This is split-conformal
// prediction on a sliding window (Vovk, Gammerman and Shafer 2005) with
// locally scaled residuals (Lei et al. 2018, "Distribution-free predictive
// inference for regression", section 5.2).
//
// Update costs O(Horizon + SeasonDays + log W) per sample plus an O(W)
// memory move to keep the residual window sorted.
type Forecaster struct {
	cfg Config

	// History: the level after each sample from absolute sample index off
	// on (the seasonal term reaches back keep samples); values (NaN =
	// missing) and the base and scale of each origin from index roff on
	// (only the last rkeep are read: the level window and the origin a
	// horizon back). Keeping the two apart holds a target's forecaster to
	// a week of levels instead of four arrays of its whole history.
	off, roff   int
	level       []float32
	y           []float64
	base, scale []float64
	keep, rkeep int

	n       int
	lvl     float64
	s       float64
	size    float64 // the largest |y| so far (model scale), for scaleFloor
	started bool
	// shift is added to the residual quantiles of PeakQuantile, with
	// TrackRate (track.go).
	shift float64

	res   []float32 // calibration residuals, ring of cfg.Window
	resAt int
	// sorted holds the positions in res in increasing order of residual
	// (2 bytes each instead of a sorted copy of the residuals); equal
	// residuals newest first, so the oldest is the last of its run.
	sorted []uint16

	// Realised peaks under the 90 % peak quantile, over the last Window:
	// a ring of hitLen bits.
	hits    int
	hitRing []uint64
	hitLen  int
	hitAt   int
	path    []float64 // m[0..H-1] at the last origin

	// Sliding maximum of the values (model scale) over the last Window
	// samples, with CapAtWindowMax: a monotone deque of (sample, value).
	maxIdx []int
	maxVal []float64

	// In an Ensemble, the member whose deque this one reads instead of
	// holding its own, and the member whose levels it reads, with those
	// that differ (share.go); nil: its own.
	maxFrom, levelFrom *Forecaster
	levelExc           []levelExc

	// On the log scale, the last value PeakQuantile mapped back and the
	// result (inv is a pure function of it): a decision asks for tens of
	// levels in a row, and the levels above the cap or on one residual map
	// the same value.
	invU, invV float64

	// seasonBuf is seasonChanges' scratch: the past seasons' changes.
	seasonBuf []float64

	// run counts the present values in a row equal to prev; a long run's
	// end restarts the calibration at sample restartAt (idle.go).
	run, restartAt int
	prev           float64
	restart        bool
}

// NewForecaster returns a forecaster; it errors when Step is not > 0,
// Window is over MaxWindow, or TrackRate or TrackLevel is out of range.
func NewForecaster(cfg Config) (*Forecaster, error) {
	if cfg.Step <= 0 {
		return nil, fmt.Errorf("predictor: online.Config.Step must be > 0, got %d", cfg.Step)
	}
	if cfg.Horizon <= 0 {
		cfg.Horizon = 1
	}
	switch {
	case cfg.Season == 0:
		if s := int(86400 / cfg.Step); s >= 4 {
			cfg.Season = s
		}
	case cfg.Season < 0:
		cfg.Season = 0
	}
	if cfg.PeakFrom <= 0 || cfg.PeakFrom > cfg.Horizon {
		cfg.PeakFrom = min(max(1, cfg.PeakFrom), cfg.Horizon)
	}
	if cfg.SeasonDays <= 0 {
		cfg.SeasonDays = 7
	}
	switch {
	case cfg.SeasonWeight == 0:
		cfg.SeasonWeight = 1
	case cfg.SeasonWeight < 0:
		cfg.SeasonWeight = 0
	}
	if !(cfg.LevelAlpha > 0 && cfg.LevelAlpha <= 1) {
		cfg.LevelAlpha = 0.5
	}
	if !(cfg.ScaleAlpha > 0 && cfg.ScaleAlpha <= 1) {
		cfg.ScaleAlpha = 0.1
	}
	if cfg.Window <= 0 {
		cfg.Window = 2016
	}
	if cfg.Window > MaxWindow {
		return nil, fmt.Errorf("predictor: online.Config.Window must be at most %d, got %d", MaxWindow, cfg.Window)
	}
	if cfg.MinResiduals <= 0 {
		cfg.MinResiduals = 30
	}
	if err := checkTrack(cfg); err != nil {
		return nil, err
	}
	rkeep := max(cfg.Horizon+2, cfg.LevelWindow)
	keep := rkeep
	if cfg.Season > 0 {
		keep = max(keep, cfg.Season*cfg.SeasonDays+cfg.Horizon+1)
	}
	return &Forecaster{cfg: cfg, keep: keep, rkeep: rkeep, path: make([]float64, cfg.Horizon), invU: math.NaN()}, nil
}

// Name identifies the model.
func (f *Forecaster) Name() string { return "online_seasonal_conformal" }

// Config returns the configuration with defaults filled in.
func (f *Forecaster) Config() Config { return f.cfg }

// Update absorbs the next sample. Samples are taken to be Step apart; t
// only documents the sample. y may be NaN (missing).
func (f *Forecaster) Update(_ int64, y float64) {
	if math.IsInf(y, 0) {
		y = math.NaN()
	}
	y = f.fwd(y)
	f.noteRun(y, f.n)
	f.smooth(y)
	f.record(y)
	i := f.n
	f.n++
	f.plan(i)
	f.realise(i)
	f.restartCalibration(i)
	f.trim()
}

// smooth moves the level and the scale of its errors towards y (on the
// forward scale); the first y starts them, a missing one moves neither.
func (f *Forecaster) smooth(y float64) {
	if math.IsNaN(y) {
		return
	}
	f.size = max(f.size, math.Abs(y))
	if f.started {
		e := math.Abs(y - f.lvl)
		f.s += f.cfg.ScaleAlpha * (e - f.s)
		f.lvl += f.cfg.LevelAlpha * (y - f.lvl)
	} else {
		f.lvl, f.s, f.started = y, math.Abs(y)*0.05, true
	}
}

// record keeps y as sample f.n, follows the window's maximum with
// CapAtWindowMax, makes the level the highest of the last LevelWindow
// values when that is over 1, and keeps the level.
func (f *Forecaster) record(y float64) {
	if f.y == nil { // trim's bound: never grown
		f.y = make([]float64, 0, f.rkeep+recentSlack)
		f.base = make([]float64, 0, f.rkeep+recentSlack)
		f.scale = make([]float64, 0, f.rkeep+recentSlack)
	}
	f.y = append(f.y, y)
	if f.cfg.CapAtWindowMax && f.maxFrom == nil {
		if !math.IsNaN(y) {
			k := len(f.maxVal)
			for k > 0 && f.maxVal[k-1] <= y {
				k--
			}
			f.maxIdx, f.maxVal = append(f.maxIdx[:k], f.n), append(f.maxVal[:k], y)
		}
		if len(f.maxIdx) > 0 && f.maxIdx[0] <= f.n-f.cfg.Window {
			f.maxIdx, f.maxVal = f.maxIdx[1:], f.maxVal[1:]
		}
	}
	if w := f.cfg.LevelWindow; w > 1 && f.started {
		mx := math.Inf(-1)
		for _, v := range f.y[max(0, len(f.y)-w):] {
			if !math.IsNaN(v) {
				mx = max(mx, v)
			}
		}
		if !math.IsInf(mx, -1) {
			f.lvl = mx
		}
	}
	if f.levelFrom != nil {
		f.noteLevel(float32(f.lvl))
		return
	}
	if f.level == nil {
		// At least trimSlack entries beyond keep, and all that the
		// allocation's size class holds (Grow rounds the capacity up to
		// it): the bytes past keep+trimSlack were allocated anyway.
		f.level = slices.Grow([]float32(nil), f.keep+trimSlack) // trim's bound: never grown
	}
	f.level = append(f.level, float32(f.lvl))
}

// plan sets the point path of origin i and keeps its base, the path's
// highest point from PeakFrom on, and its scale.
func (f *Forecaster) plan(i int) {
	b := math.Inf(-1)
	for h := 1; h <= f.cfg.Horizon; h++ {
		m := f.lvl + f.cfg.SeasonWeight*f.seasonal(i, h)
		f.path[h-1] = m
		if h >= f.cfg.PeakFrom {
			b = max(b, m)
		}
	}
	sc := scaleFloor(f.s, f.lvl, f.size)
	f.base = append(f.base, b)
	f.scale = append(f.scale, sc)
}

// scaleFloor is the scale of an origin: the errors' scale s, at least a
// billionth of the larger of the level's size and the series' unit
// (predictor.FloorUnit of size, the largest |y| so far, on the model's
// scale; a series of zeros divides by 1e-9, as always), and never 0.
func scaleFloor(s, lvl, size float64) float64 {
	return max(s, 1e-9*max(predictor.FloorUnit(size), math.Abs(lvl)), math.SmallestNonzeroFloat64)
}

// realise scores the origin Horizon samples before i, whose lead window
// sample i closes: the highest value from its PeakFrom on, above its base
// in its scales, joins the residuals.
func (f *Forecaster) realise(i int) {
	o := i - f.cfg.Horizon
	if o < f.roff || !f.started {
		return
	}
	mx := math.Inf(-1)
	for j := o + f.cfg.PeakFrom; j <= i; j++ {
		if v := f.y[j-f.roff]; !math.IsNaN(v) {
			mx = max(mx, v)
		}
	}
	if !math.IsInf(mx, -1) && !math.IsNaN(f.base[o-f.roff]) {
		z := (mx - f.base[o-f.roff]) / f.scale[o-f.roff]
		f.push(z)
	}
}

// fwd and inv map values to and from the model's scale.
func (f *Forecaster) fwd(y float64) float64 {
	if f.cfg.LogOffset > 0 {
		return math.Log(max(y, 0) + f.cfg.LogOffset)
	}
	return y
}

func (f *Forecaster) inv(u float64) float64 {
	if f.cfg.LogOffset > 0 {
		return math.Exp(u) - f.cfg.LogOffset
	}
	return u
}

func (f *Forecaster) push(z float64) {
	f.track(z)
	z = float64(float32(z)) // held as float32: compared and ranked as held
	if len(f.sorted) >= f.cfg.MinResiduals {
		q, _ := f.quantile(0.9)
		f.pushHit(z <= q)
	}
	if len(f.res) == f.cfg.Window {
		f.replaceOldest(z)
		return
	}
	if f.res == nil {
		f.res, f.sorted = make([]float32, 0, f.cfg.Window), make([]uint16, 0, f.cfg.Window+1)
	}
	at := len(f.res)
	f.res = append(f.res, float32(z))
	f.sorted = slices.Insert(f.sorted, f.searchRes(z, false), uint16(at))
}

// replaceOldest puts z (held as float32) in the full window in place of
// the oldest residual, which leaves the order from its rank k (the last of
// its run of equals), and z enters it before its equals (newest first):
// the order deleting k and inserting z made, in one move of the positions
// between the two ranks (for a steady series they are close) instead of
// two moves of everything after them.
func (f *Forecaster) replaceOldest(z float64) {
	at := f.resAt
	k := f.searchRes(float64(f.res[at]), true) - 1
	// z's rank in the order with the oldest still in: the same in the
	// order without it where that is at or before k, one more after.
	i := f.searchRes(z, false)
	f.res[at] = float32(z)
	f.resAt = (f.resAt + 1) % f.cfg.Window
	s := f.sorted
	if i <= k {
		copy(s[i+1:k+1], s[i:k])
	} else {
		i--
		copy(s[k:i], s[k+1:i+1])
	}
	s[i] = uint16(at)
}

// MaxWindow is the largest Config.Window: the residual order holds
// positions in the window as 16-bit numbers.
const MaxWindow = 1 << 16

// pushHit adds whether the latest realised peak was under the 90 % peak
// quantile to the ring of the last Window ones.
func (f *Forecaster) pushHit(hit bool) {
	if f.hitRing == nil {
		f.hitRing = make([]uint64, (f.cfg.Window+63)/64)
	}
	at := f.hitLen
	if f.hitLen == f.cfg.Window {
		at = f.hitAt
		f.hitAt = (f.hitAt + 1) % f.cfg.Window
		if f.hitRing[at/64]&(1<<(at%64)) != 0 {
			f.hits--
		}
	} else {
		f.hitLen++
	}
	f.hitRing[at/64] &^= 1 << (at % 64)
	if hit {
		f.hitRing[at/64] |= 1 << (at % 64)
		f.hits++
	}
}

// searchRes returns the first index of sorted whose residual is not less
// than z (after, false) or greater than z (after, true).
func (f *Forecaster) searchRes(z float64, after bool) int {
	return sort.Search(len(f.sorted), func(i int) bool {
		r := float64(f.res[f.sorted[i]])
		if after {
			return cmp.Less(z, r)
		}
		return !cmp.Less(r, z)
	})
}

// trimSlack and recentSlack are how many entries beyond keep (the levels:
// at least that many, up to the allocation's size class) and rkeep (the
// recent values, bases and scales) the history arrays take before trim
// moves them back.
const (
	trimSlack   = 16
	recentSlack = 16
)

// trim drops history no longer needed: each array is moved back to its
// last keep (rkeep) entries once it is full (holds recentSlack more), in
// place, so its capacity stays that (a copy of keep values every 16 to 29
// samples at 5-minute steps: a week of levels in 8 KB, where 64 entries
// of slack took a 9.25 KB allocation; a copy of a few recent values every
// 16).
func (f *Forecaster) trim() {
	f.trimShared()
	if len(f.level) == cap(f.level) && f.levelFrom == nil {
		drop := len(f.level) - f.keep
		f.level = append(f.level[:0], f.level[drop:]...)
		f.off += drop
	}
	if len(f.y) >= f.rkeep+recentSlack {
		drop := len(f.y) - f.rkeep
		f.y = append(f.y[:0], f.y[drop:]...)
		f.base = append(f.base[:0], f.base[drop:]...)
		f.scale = append(f.scale[:0], f.scale[drop:]...)
		f.roff += drop
	}
}

// quantile returns the empirical p-quantile of the sorted residuals (type 1,
// the smallest value with at least p of the sample at or below it).
func (f *Forecaster) quantile(p float64) (float64, bool) {
	n := len(f.sorted)
	if n == 0 {
		return 0, false
	}
	return float64(f.res[f.sorted[quantileIndex(p, n)]]), true
}

// quantileIndex is the rank (from 0) of the type-1 p-quantile of n > 0
// sorted values.
func quantileIndex(p float64, n int) int {
	return max(0, min(n-1, int(math.Ceil(p*float64(n)))-1))
}

// PeakQuantile is the p-quantile of the highest value over the next
// Horizon steps: base + z_p * scale with z_p the empirical p-quantile of the
// calibration residuals. ok is false until there are MinResiduals of them.
func (f *Forecaster) PeakQuantile(p float64) (v float64, ok bool) {
	var out [1]float64
	if !f.PeakQuantiles([]float64{p}, out[:]) {
		return 0, false
	}
	return out[0], true
}

// PeakQuantiles sets v[k] to PeakQuantile(levels[k]) for every k (v at
// least as long as levels) in one pass, the same numbers computed the
// same way: what they share (the base, scale, shift and cap of the last
// origin) is read once. ok is false, v then partly written, where
// PeakQuantile would report false at any of the levels.
func (f *Forecaster) PeakQuantiles(levels, v []float64) (ok bool) {
	if !f.started || len(f.sorted) < f.cfg.MinResiduals {
		return false
	}
	n := len(f.base) - 1
	base, scale, shift := f.base[n], f.scale[n], f.shift
	hi, capAt := f.capOf(base)
	logScale := f.cfg.LogOffset > 0
	// The memo and the residuals held in locals: the loop's stores then
	// leave them in registers.
	invU, invV := f.invU, f.invV
	res, sorted, v := f.res, f.sorted, v[:len(levels)]
	ok = true
	for k, p := range levels {
		z := float64(res[sorted[quantileIndex(p, len(sorted))]])
		z += shift
		u := base + z*scale
		if capAt {
			u = min(u, hi)
		}
		if logScale {
			// exp(-0) = exp(+0), and NaN never matches.
			if u != invU {
				invU, invV = u, f.inv(u)
			}
			u = invV
		}
		if math.IsNaN(u) || math.IsInf(u, 0) {
			// Values near the float64 range overflow the arithmetic: no
			// quantile rather than a non-finite one.
			ok = false
			break
		}
		v[k] = u
	}
	f.invU, f.invV = invU, invV
	return ok
}

// capped bounds u (model scale) by capOf(m).
func (f *Forecaster) capped(u, m float64) float64 {
	if hi, ok := f.capOf(m); ok {
		return min(u, hi)
	}
	return u
}

// capOf is the bound of a value of model scale with CapAtWindowMax: the
// window's highest value or the point forecast m, whichever is higher;
// ok is false without the cap or a window maximum.
func (f *Forecaster) capOf(m float64) (hi float64, ok bool) {
	d := f.windowMaxOf()
	if !f.cfg.CapAtWindowMax || len(d.maxVal) == 0 {
		return 0, false
	}
	return max(d.maxVal[0], m), true
}

// Forecast returns the path for h steps after the last sample with a
// central interval of the given coverage. The bounds are calibrated on the
// peak over the calibrated steps, which is what provisioning needs: Upper is
// its (1+coverage)/2 quantile (conservative for a single step when
// Horizon > 1), Lower its (1-coverage)/2 quantile, capped at the mean. Steps beyond Horizon repeat the last point.
// Confidence is 0 until MinResiduals residuals exist; then it is the share
// of recent realised peaks at or under the 90 % peak quantile, divided by
// 0.9 and capped at 1: 1 for a calibrated bound, lower when the series has
// moved away from what the residual window describes.
func (f *Forecaster) Forecast(h int, coverage float64) (predictor.Forecast, error) {
	if h <= 0 {
		return predictor.Forecast{}, fmt.Errorf("predictor: horizon must be > 0, got %d", h)
	}
	if !(coverage > 0 && coverage < 1) {
		return predictor.Forecast{}, fmt.Errorf("predictor: coverage must be in (0, 1), got %v", coverage)
	}
	if !f.started {
		return predictor.Forecast{}, errors.New("predictor: no data yet")
	}
	fc := predictor.Forecast{
		Mean: make([]float64, h), Lower: make([]float64, h), Upper: make([]float64, h),
		Coverage: coverage, Model: f.Name(),
	}
	s := f.scale[len(f.scale)-1]
	qu, ok := f.quantile((1 + coverage) / 2)
	ql, _ := f.quantile((1 - coverage) / 2)
	if !ok {
		qu, ql = 3, -3
	}
	for k := range h {
		m := f.path[min(k, len(f.path)-1)]
		fc.Mean[k] = f.inv(m)
		fc.Upper[k] = f.inv(f.capped(m+qu*s, m))
		fc.Lower[k] = min(f.inv(m+ql*s), fc.Mean[k])
		for _, v := range []float64{fc.Mean[k], fc.Upper[k], fc.Lower[k]} {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return predictor.Forecast{}, predictor.ErrNotFinite
			}
		}
	}
	fc.Confidence = f.confidence()
	return fc, nil
}

func (f *Forecaster) confidence() float64 {
	if len(f.sorted) < f.cfg.MinResiduals {
		return 0
	}
	if f.hitLen < f.cfg.MinResiduals {
		return 1
	}
	return min(1, float64(f.hits)/float64(f.hitLen)/0.9)
}

var _ predictor.Updater = (*Forecaster)(nil)

// Ensemble runs several Forecasters side by side and answers
// with the one whose peak quantiles have had the lowest recent quantile
// (pinball) loss, averaged over the tail levels a scaler uses. The pinball
// loss is a proper scoring rule for quantiles (Gneiting and Raftery 2007,
// "Strictly proper scoring rules, prediction, and estimation"), so the
// selection rewards calibrated and sharp upper bounds alike.
type Ensemble struct {
	members []*Forecaster
	horizon int
	levels  []float64
	alpha   float64
	// pred[m] is a ring of the last horizon+1 origins' quantiles.
	pred [][][]float64
	loss []float64
	seen []int
	ys   []float64 // last horizon+1 raw values (ring)
	n    int
	best int
	opt  EnsembleOptions
}

// ensembleLevels are the peak quantile levels the selection scores.
func ensembleLevels() []float64 { return []float64{0.9, 0.95, 0.98, 0.99} }

// EnsembleOptions tune an Ensemble's selection.
type EnsembleOptions struct {
	// HalfLife (samples) sets how fast old losses fade; 0 means one day
	// of samples.
	HalfLife int
	// Levels are the peak quantile levels scored; empty means 0.9, 0.95,
	// 0.98, 0.99.
	Levels []float64
	// Provision, when set, replaces the pinball loss by the loss of the
	// decision the forecast leads to: given a member (its PeakQuantile or
	// PeakQuantiles) it returns the capacity x a scaler would provision,
	// and the member is charged ProvisionCost*x + 1 if the realised peak
	// exceeds x (the Lagrangian of "fewest violations for the cost").
	Provision     func(member *Forecaster) (float64, bool)
	ProvisionCost float64
	// Selector, when set, sees every sample before the members are
	// scored, and weighs each member's loss when the best one is chosen.
	Selector Selector
}

// Selector weighs the ensemble's choice of the member that answers.
type Selector interface {
	// Observe sees the sample y at t (unix seconds; NaN: missing), in
	// order.
	Observe(t int64, y float64)
	// Handicap is the factor member m's loss is multiplied by when the
	// best member is chosen: 1 leaves it as it is, above 1 the member
	// answers only while its loss is that much lower than every
	// other's, +Inf never.
	Handicap(m int) float64
}

// NewEnsemble builds one member per configuration; every member must
// have the same Horizon.
func NewEnsemble(cfgs []Config, opt EnsembleOptions) (*Ensemble, error) {
	if len(cfgs) == 0 {
		return nil, errors.New("predictor: Ensemble needs at least one member")
	}
	e := &Ensemble{levels: ensembleLevels(), opt: opt}
	if len(opt.Levels) > 0 {
		e.levels = slices.Clone(opt.Levels)
	}
	lossHalfLife := opt.HalfLife
	for i, c := range cfgs {
		m, err := NewForecaster(c)
		if err != nil {
			return nil, fmt.Errorf("member %d: %w", i, err)
		}
		if i > 0 && m.cfg.Horizon != e.horizon {
			return nil, fmt.Errorf("predictor: member %d has horizon %d, want %d", i, m.cfg.Horizon, e.horizon)
		}
		e.horizon = m.cfg.Horizon
		e.members = append(e.members, m)
	}
	if lossHalfLife <= 0 {
		lossHalfLife = max(1, int(86400/cfgs[0].Step))
	}
	linkShared(e.members)
	e.alpha = 1 - math.Pow(0.5, 1/float64(lossHalfLife))
	e.pred = make([][][]float64, len(e.members))
	for m := range e.pred {
		e.pred[m] = make([][]float64, e.horizon+1)
		for k := range e.pred[m] {
			e.pred[m][k] = make([]float64, len(e.levels))
		}
	}
	e.loss = make([]float64, len(e.members))
	e.seen = make([]int, len(e.members))
	e.ys = make([]float64, e.horizon+1)
	return e, nil
}

// Name identifies the model and the member in use.
func (e *Ensemble) Name() string {
	return fmt.Sprintf("online_ensemble[%d]", e.best)
}

// Best returns the index of the member currently answering.
func (e *Ensemble) Best() int { return e.best }

// Update feeds the sample to every member, scores the origin Horizon
// samples back and re-selects the best member.
func (e *Ensemble) Update(t int64, y float64) {
	H := e.horizon
	e.ys[e.n%(H+1)] = y
	if e.opt.Selector != nil {
		e.opt.Selector.Observe(t, y)
	}
	for _, m := range e.members {
		m.Update(t, y)
	}
	i := e.n
	e.n++
	if o := i - H; o >= 0 {
		e.score(o, i)
	}
	e.predict(i)
	best := e.best
	for m := range e.members {
		if e.seen[m] > 0 && (e.seen[best] == 0 || e.selLoss(m) < e.selLoss(best)) {
			best = m
		}
	}
	e.best = best
}

// selLoss is member m's loss as the selection weighs it (Selector).
func (e *Ensemble) selLoss(m int) float64 {
	if e.opt.Selector == nil {
		return e.loss[m]
	}
	switch h := e.opt.Selector.Handicap(m); {
	case h == 1:
		return e.loss[m]
	case math.IsInf(h, 1):
		return math.Inf(1)
	default:
		return e.loss[m] * h
	}
}

// score moves each member's loss towards that of its forecast at origin
// o, whose lead window sample i closes: the pinball loss of its peak
// quantiles at the highest value from PeakFrom on, or with Provision, the
// provisioning cost of its units plus 1 when the peak was above them.
func (e *Ensemble) score(o, i int) {
	H := e.horizon
	mx := math.Inf(-1)
	for j := o + e.members[0].cfg.PeakFrom; j <= i; j++ {
		if v := e.ys[j%(H+1)]; !math.IsNaN(v) && !math.IsInf(v, 0) {
			mx = max(mx, v)
		}
	}
	if math.IsInf(mx, -1) {
		return
	}
	for m := range e.members {
		q := e.pred[m][o%(H+1)]
		if math.IsNaN(q[0]) {
			continue
		}
		l := 0.0
		if e.opt.Provision != nil {
			l = e.opt.ProvisionCost * q[0]
			if mx > q[0] {
				l++
			}
		} else {
			for k, p := range e.levels {
				if mx >= q[k] {
					l += p * (mx - q[k])
				} else {
					l += (1 - p) * (q[k] - mx)
				}
			}
		}
		e.loss[m] += e.alpha * (l - e.loss[m])
		e.seen[m]++
	}
}

// predict keeps each member's forecast at origin i, for score: its peak
// quantiles at the ensemble's levels, or with Provision the units it
// provisions (NaN where it has none yet).
func (e *Ensemble) predict(i int) {
	H := e.horizon
	for m, mem := range e.members {
		q := e.pred[m][i%(H+1)]
		if e.opt.Provision != nil {
			x, ok := e.opt.Provision(mem)
			if !ok {
				x = math.NaN()
			}
			q[0] = x
			continue
		}
		for k, p := range e.levels {
			v, ok := mem.PeakQuantile(p)
			if !ok {
				v = math.NaN()
			}
			q[k] = v
		}
	}
}

// PeakQuantile delegates to the best member.
func (e *Ensemble) PeakQuantile(p float64) (float64, bool) {
	return e.members[e.best].PeakQuantile(p)
}

// PeakQuantiles delegates to the best member.
func (e *Ensemble) PeakQuantiles(levels, v []float64) bool {
	return e.members[e.best].PeakQuantiles(levels, v)
}

// Forecast delegates to the best member.
func (e *Ensemble) Forecast(h int, coverage float64) (predictor.Forecast, error) {
	f, err := e.members[e.best].Forecast(h, coverage)
	f.Model = e.Name()
	return f, err
}

var _ predictor.Updater = (*Ensemble)(nil)
