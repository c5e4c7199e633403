package anomaly

import (
	"cmp"
	"math"

	"github.com/prescale/prescale/predictor"
)

// RobustConfig configures a RobustDetector. The zero value gives the
// defaults, which are the one global configuration scored on NAB.
type RobustConfig struct {
	// Window is the number of past samples (and of past one-step changes)
	// whose quantiles give the robust level and scale; 0 means 1500.
	Window int
	// Scale divides the robust z-score before squashing it into a raw
	// score: raw = 1 - exp(-(z/Scale)²/2); 0 means 4.
	Scale float64
	// Floor is the smallest scale, as a fraction of the window's range, so
	// that a window of mostly equal values does not make every change
	// infinitely surprising; 0 means 0.02.
	Floor float64
	// Spatial is the margin, as a fraction of the window's range, by which
	// a sample must leave the range seen so far to be scored as a new
	// extreme (raw score 1, bypassing the likelihood); 0 means 0.05, < 0
	// disables it.
	Spatial float64
	// SpatialHistory, when true, measures new extremes against every
	// sample seen so far instead of the last Window samples.
	SpatialHistory bool
	// Season is the seasonal period in seconds whose same-phase residual
	// y - y(t - Season) is scored too; 0 means 86400 (a daily cycle), < 0
	// disables it. The period in samples is Season divided by the smallest
	// of the first steps seen; it is skipped when that is under 4 or over
	// MaxSeasonSamples.
	Season int64
	// MaxSeasonSamples bounds the memory of the seasonal term; 0 means
	// 2016 (a week of 5-minute samples).
	MaxSeasonSamples int
	// Likelihood configures the anomaly likelihood applied to raw scores.
	Likelihood LikelihoodConfig
}

// RobustDetector scores each sample by how surprising it is against robust
// statistics of the recent past, then calibrates that surprise with the
// anomaly likelihood. It scores every sample of an ongoing anomaly on its
// own (the live controller keeps each flagged sample out of model
// fitting); NAB's first-detection rule is a separate wrapper
// (NABFirstDetection).
//
// For a sample y with previous sample p and same-phase sample q one season
// (a day) earlier, each term over its own window of the last Window past
// values:
//
//	z_level    = |y - median(x)|           / s(x)      spikes, level shifts
//	z_change   = |(y-p) - median(Δx)|      / s(Δx)     sudden jumps
//	z_seasonal = |(y-q) - median(x - x_P)| / s(x - x_P) a broken daily pattern
//	s(w)       = max(IQR(w)/1.349, Floor·range(w), 1e-9·max(u, |median|))
//	raw        = 1 - exp(-(max(z_level, z_change, z_seasonal)/Scale)² / 2)
//
// with u the largest |value| of the level window up to 1 (1 while it holds
// only zeros), so that the floor is relative to the series below 1 and a
// series in any unit scores alike. IQR/1.349 estimates σ for normal data
// while ignoring outliers (a robust scale in the sense of Rousseeuw and Croux 1993). The raw score
// goes through a Likelihood (Ahmad et al. 2017), which makes the
// output comparable across series. A sample beyond the window's minimum or
// maximum by more than Spatial·range scores 1 directly, as the "spatial
// anomaly" rule of Numenta's HTM detector in NAB does.
//
// The defaults were chosen on NAB as one global configuration (see
// docs/accuracy.md); the window of 1500 samples (about 5 days at 5-minute
// steps) spans several daily cycles, which the new-extreme rule needs.
//
// Update costs O(log Window) comparisons and O(Window) element moves (three
// sorted windows over one ring of the last samples); it allocates nothing
// once the windows are full.
type RobustDetector struct {
	cfg RobustConfig
	// The last finite samples, held once: the level window reads them, the
	// change window their one-step differences, the seasonal window their
	// differences over the period.
	src      *samples
	level    *sortedWindow
	change   *sortedWindow
	lik      *Likelihood
	prev     float64
	havePrev bool
	lo, hi   float64 // extremes of every sample seen
	// seasonal term: period (samples), samples seen since it was fixed,
	// window of past seasonal residuals.
	lastT    int64
	minStep  int64
	steps    int
	period   int
	since    int
	seasonal *sortedWindow
	// surprising: the last finite sample's raw score was >= SurpriseLevel
	// or it was a new extreme.
	surprising bool
}

// SurpriseLevel is the raw score (before the likelihood) at or above which
// a sample counts as outside the normal range for Surprising: a robust
// z-score of about 4.7 at the default Scale of 4.
const SurpriseLevel = 0.5

// Surprising reports whether the last finite sample was outside the normal
// range on the raw scale (a raw score >= SurpriseLevel, or a new extreme);
// the controller uses it to keep an anomaly going (predictor.Surpriser).
func (d *RobustDetector) Surprising() bool { return d.surprising }

// Rebase accepts the last n samples as a new level: the level window
// keeps them and twice as many samples before them, so that they are a
// third of it, past the quarter at which the full window accepts a level
// by itself (its upper quartile then lies in the new level), and grows
// back to Window as samples arrive. The change and seasonal windows are
// unchanged (the seasonal term accepts a shift after one period in any
// case). n < 1 changes nothing (predictor.Leveler).
func (d *RobustDetector) Rebase(n int) {
	if n >= 1 {
		d.level.keepLast(3 * n)
	}
}

var (
	_ predictor.Detector = (*RobustDetector)(nil)
	_ predictor.Leveler  = (*RobustDetector)(nil)
)

// NewRobustDetector returns a RobustDetector. A negative Window, Scale or
// Floor is a programmer error: it panics.
func NewRobustDetector(cfg RobustConfig) *RobustDetector {
	if cfg.Window < 0 || cfg.Scale < 0 || cfg.Floor < 0 {
		panic("predictor: negative RobustConfig field")
	}
	cfg.Window = cmp.Or(cfg.Window, 1500)
	cfg.Scale = cmp.Or(cfg.Scale, 4)
	cfg.Floor = cmp.Or(cfg.Floor, 0.02)
	cfg.Spatial = cmp.Or(cfg.Spatial, 0.05)
	cfg.Season = cmp.Or(cfg.Season, 86400)
	cfg.MaxSeasonSamples = cmp.Or(cfg.MaxSeasonSamples, 2016)
	src := &samples{v: make([]float64, cfg.Window+2)} // the change window reads one more
	return &RobustDetector{
		cfg:    cfg,
		src:    src,
		level:  newDerivedWindow(src, cfg.Window, 0),
		change: newDerivedWindow(src, cfg.Window, 1),
		lik:    NewLikelihood(cfg.Likelihood),
	}
}

// robustZ returns |x - median| / scale over w, with the scale floored
// as RobustConfig.Floor describes.
func robustZ(w *sortedWindow, x, floor, unit float64) float64 {
	med, s := robustLevel(w, floor, unit)
	return math.Abs(x-med) / s
}

// robustLevel returns the median of w and its robust scale, floored: at
// least Floor times w's range and a billionth of the larger of |median|
// and unit (levelUnit), never 0.
func robustLevel(w *sortedWindow, floor, unit float64) (med, s float64) {
	med = w.quantile(0.5)
	s = (w.quantile(0.75) - w.quantile(0.25)) / 1.349
	return med, max(s, floor*(w.max()-w.min()), 1e-9*max(unit, math.Abs(med)), math.SmallestNonzeroFloat64)
}

// levelUnit is the unit of the scale floor: predictor.FloorUnit of the
// level window's largest |value|, so a series in any unit scores alike.
func (d *RobustDetector) levelUnit() float64 {
	return predictor.FloorUnit(max(math.Abs(d.level.min()), math.Abs(d.level.max())))
}

// Level returns the level window's median and the distance from it at
// which a sample's level term alone reaches SurpriseLevel (Scale robust
// scales times sqrt(-2 ln(1 - SurpriseLevel)), about 4.7 at the default
// Scale); 0, 0 before two samples (predictor.Leveler).
func (d *RobustDetector) Level() (level, width float64) {
	if d.level.len() < 2 {
		return 0, 0
	}
	med, s := robustLevel(d.level, d.cfg.Floor, d.levelUnit())
	return med, s * d.cfg.Scale * math.Sqrt(-2*math.Log(1-SurpriseLevel))
}

// Update scores y using y and the samples before it. A NaN or infinite y
// scores 0 and changes nothing. The detector works on sample order; the
// timestamps serve only to fix the seasonal period from the first steps,
// so irregular, repeated or backward timestamps are harmless.
func (d *RobustDetector) Update(t int64, y float64) float64 {
	if math.IsNaN(y) || math.IsInf(y, 0) {
		return 0
	}
	d.learnPeriod(t)
	var z [3]float64 // level, change, seasonal robust z-scores
	spatial, seasonal := false, false
	if d.level.len() >= 2 {
		unit := d.levelUnit()
		z[0] = robustZ(d.level, y, d.cfg.Floor, unit)
		if d.change.len() >= 2 {
			z[1] = robustZ(d.change, y-d.prev, d.cfg.Floor, unit)
		}
		if d.period > 0 && d.since >= d.period {
			e := y - d.src.at(d.src.n-d.period)
			if d.seasonal.len() >= 2 {
				z[2] = robustZ(d.seasonal, e, d.cfg.Floor, unit)
			}
			seasonal = true // e is added below, once y is in the ring
		}
		if d.cfg.Spatial > 0 {
			lo, hi := d.level.min(), d.level.max()
			if d.cfg.SpatialHistory {
				lo, hi = d.lo, d.hi
			}
			margin := d.cfg.Spatial * (hi - lo)
			spatial = y > hi+margin || y < lo-margin
		}
	}
	zs := max(z[0], z[1], z[2]) / d.cfg.Scale
	raw := 1 - math.Exp(-zs*zs/2)
	d.surprising = raw >= SurpriseLevel || spatial
	score := d.lik.Update(raw)
	if spatial && d.lik.seen >= d.lik.minSamples {
		score = 1
	}
	d.src.push(y)
	if seasonal {
		d.seasonal.add() // y minus the sample a period before: e
	}
	if d.havePrev {
		d.change.add() // y - prev
	}
	d.level.add()
	if d.period > 0 {
		d.since++
	}
	if !d.havePrev {
		d.lo, d.hi = y, y
	}
	d.lo, d.hi = math.Min(d.lo, y), math.Max(d.hi, y)
	d.prev, d.havePrev = y, true
	return clamp01(score)
}

// seasonSteps is the number of leading steps whose minimum fixes the
// sampling step (and so the seasonal period in samples).
const seasonSteps = 10

// learnPeriod watches the first timestamps and fixes the seasonal period
// in samples once seasonSteps positive steps have been seen.
func (d *RobustDetector) learnPeriod(t int64) {
	if d.cfg.Season < 0 || d.steps > seasonSteps {
		return
	}
	if d.havePrev && t > d.lastT {
		step := t - d.lastT
		if d.minStep == 0 || step < d.minStep {
			d.minStep = step
		}
		d.steps++
	}
	d.lastT = t
	if d.steps == seasonSteps {
		d.steps++ // decided
		p := int((d.cfg.Season + d.minStep/2) / d.minStep)
		if p >= 4 && p <= d.cfg.MaxSeasonSamples {
			d.period = p
			d.src.grow(d.cfg.Window + p + 1)
			d.level.rebuild()
			d.change.rebuild()
			d.seasonal = newDerivedWindow(d.src, d.cfg.Window, p)
		}
	}
}
