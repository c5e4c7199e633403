package engine

import (
	"errors"
	"fmt"
	"math"

	"github.com/prescale/prescale/predictor"
	"github.com/prescale/prescale/predictor/forecast"
	"github.com/prescale/prescale/predictor/series"
)

// Live forecaster defaults (one global configuration).
const (
	// DefaultRefitEvery is how many samples a Live forecaster takes
	// between two refits.
	DefaultRefitEvery = 24
	// liveKeepMin and liveKeepMax bound the samples a Live forecaster
	// holds and fits on (liveKeepDays of them when that lies in between).
	liveKeepMin  = 8000
	liveKeepMax  = 20000
	liveKeepDays = 35
)

// LiveConfig configures a Live forecaster.
type LiveConfig struct {
	// Step is the sampling interval in seconds (> 0); it sizes Keep.
	Step int64
	// Horizon (samples, > 0) is the largest horizon fitted and
	// backtested; Forecast accepts 1 <= h <= Horizon.
	Horizon int
	// RefitEvery is the number of samples between refits; 0 means
	// DefaultRefitEvery.
	RefitEvery int
	// RefitPhase in [0, RefitEvery) moves the refits: they happen when the
	// number of samples seen is RefitPhase modulo RefitEvery, so that
	// forecasters with different phases (the controller's targets) refit
	// in turn.
	RefitPhase int
	// Keep is the number of most recent samples held and fitted on; 0
	// means 35 days of samples, at least 8,000 and at most 20,000.
	Keep int
	// Season and Counter are forecast.Options.Season and forecast.Options.Counter.
	Season  int
	Counter bool
}

// Live is the forecast part of the forecaster prescale runs, in the
// controller and in `prescale forecast` by default (LiveForecaster):
// forecast.Auto (model
// selection by rolling-origin backtest, empirical intervals) run causally
// on a stream. Update appends a sample; Forecast refits Auto on the held
// samples when a refit is due and otherwise updates the fitted models with
// the samples that arrived since the last refit, so that the forecast after
// n samples depends on those samples only, not on when Forecast was called:
//
//   - with fewer than RefitEvery+RefitPhase samples (warm-up) every
//     forecast refits on all of them (cheap: the history is short);
//   - afterwards the fit is the one made on the samples up to the latest
//     count f <= n with f = RefitPhase (mod RefitEvery), updated with the
//     samples after f.
//
// The samples are held once: those the fitted Auto holds (it keeps what
// it was fitted on and updated with) are read back from it at the next
// refit, and Live's own arrays hold only the samples it has not absorbed
// yet (all of them while there is no fit: before the first Forecast, after
// a fit that failed, with Counter, or when only Ready is asked).
//
// A Live is not safe for concurrent use.
type Live struct {
	cfg LiveConfig
	// Own samples: absolute index off+k for t.At(k), y[k]; the samples
	// before off are auto's (from absolute index updated-auto.Held() on).
	// Their times are two numbers while on a grid (series.Times).
	t   series.Times
	y   []float64
	off int
	n   int // samples seen

	auto    *forecast.Auto
	fitAt   int // samples the current fit was made on (-1: none)
	updated int // samples the current fit has absorbed
	fitErr  error

	// ready's cache: whether the fit on readyAt samples has a present
	// sample to fit on; hugeAt lists the samples beyond hugeValue that a
	// fit may still read (absolute indices, increasing; normally none).
	readyAt int
	readyOK bool
	hugeAt  []int
}

// hugeValue bounds the values for which Ready vouches that the forecast's
// arithmetic stays finite (Auto refuses a non-finite forecast).
const hugeValue = 1e100

// NewLive returns a Live forecaster; it errors on a bad configuration.
func NewLive(cfg LiveConfig) (*Live, error) {
	if cfg.Step <= 0 {
		return nil, fmt.Errorf("engine: LiveConfig.Step must be > 0, got %d", cfg.Step)
	}
	if cfg.Horizon <= 0 {
		return nil, fmt.Errorf("engine: LiveConfig.Horizon must be > 0, got %d", cfg.Horizon)
	}
	if cfg.RefitEvery <= 0 {
		cfg.RefitEvery = DefaultRefitEvery
	}
	if cfg.RefitPhase < 0 || cfg.RefitPhase >= cfg.RefitEvery {
		return nil, fmt.Errorf("engine: LiveConfig.RefitPhase must be in [0, %d), got %d", cfg.RefitEvery, cfg.RefitPhase)
	}
	if cfg.Keep <= 0 {
		cfg.Keep = min(max(int(liveKeepDays*86400/cfg.Step), liveKeepMin), liveKeepMax)
	}
	return &Live{cfg: cfg, fitAt: -1, readyAt: -1}, nil
}

// Name identifies the forecaster.
func (l *Live) Name() string { return "live" }

// Config returns the configuration with defaults filled in.
func (l *Live) Config() LiveConfig { return l.cfg }

// Samples returns the number of samples seen.
func (l *Live) Samples() int { return l.n }

// Update appends the next sample (NaN or ±Inf: missing).
func (l *Live) Update(t int64, y float64) {
	if math.IsInf(y, 0) {
		y = math.NaN()
	}
	if l.n > 0 {
		t = max(t, l.time(l.n-1))
	}
	if math.Abs(y) > hugeValue {
		l.hugeAt = append(l.hugeAt, l.n)
	}
	l.t.Push(t)
	l.y = append(l.y, y)
	l.n++
	// Hold Keep samples before the oldest possible fit point plus the
	// samples after it; compact when a quarter more (amortised O(1), and
	// the arrays stay within 1.25 times what a fit reads).
	hold := l.cfg.Keep + l.cfg.RefitEvery + l.cfg.RefitPhase
	if len(l.y) >= hold+max(hold/4, 64) {
		drop := len(l.y) - hold
		l.t.Drop(drop)
		l.y = append(l.y[:0], l.y[drop:]...)
		l.off += drop
	}
}

// time and value return the sample at absolute index i (off-Keep-RefitEvery
// <= i < n): Live's own or the fitted Auto's; a missing sample Auto
// dropped before its first present one is NaN (its time is then that of
// Auto's first sample, which a fit never reads: it drops leading missing
// samples).
func (l *Live) time(i int) int64 {
	if i >= l.off {
		return l.t.At(i - l.off)
	}
	t, _ := l.auto.Sample(max(0, i-(l.updated-l.auto.Held())))
	return t
}

func (l *Live) value(i int) float64 {
	if i >= l.off {
		return l.y[i-l.off]
	}
	k := i - (l.updated - l.auto.Held())
	if k < 0 {
		return math.NaN()
	}
	_, y := l.auto.Sample(k)
	return y
}

// fitPoint is the number of samples the fit in use after n samples is
// made on.
func (l *Live) fitPoint(n int) int {
	K, ph := l.cfg.RefitEvery, l.cfg.RefitPhase
	if n < K+ph {
		return n
	}
	return n - (n-ph)%K
}

// sync brings the fit up to the samples seen: a refit when due, updates
// otherwise; then it drops Live's own copy of what the fit holds.
func (l *Live) sync() error {
	if f := l.fitPoint(l.n); f != l.fitAt {
		l.refit(f)
	}
	if l.fitErr != nil {
		return l.fitErr
	}
	for ; l.updated < l.n; l.updated++ {
		l.auto.Update(l.t.At(l.updated-l.off), l.y[l.updated-l.off])
	}
	if !l.cfg.Counter { // a counter's held values are not the raw ones
		l.release()
	}
	return nil
}

// refit fits a new Auto on the Keep samples before f (from Live's own
// samples and the current fit's) and, when it fits, absorbs the samples
// after f. When it does not, Live keeps those samples itself.
func (l *Live) refit(f int) {
	lo := max(0, f-l.cfg.Keep)
	if l.auto != nil && lo < l.off {
		// Auto dropped the missing samples before its first present one;
		// the new fit would drop them too.
		lo = max(lo, l.updated-l.auto.Held())
	}
	t := make([]int64, 0, l.n-lo)
	y := make([]float64, 0, l.n-lo)
	for i := lo; i < l.n; i++ {
		t, y = append(t, l.time(i)), append(y, l.value(i))
	}
	a := forecast.NewAuto(forecast.Options{Horizon: l.cfg.Horizon, Season: l.cfg.Season, Counter: l.cfg.Counter})
	l.fitAt, l.updated = f, f
	l.fitErr = a.Fit(t[:f-lo], y[:f-lo])
	l.auto = a
	if l.fitErr != nil || l.cfg.Counter {
		l.t, l.y, l.off = series.TimesOf(t), y, lo
		return
	}
	for ; l.updated < l.n; l.updated++ {
		a.Update(t[l.updated-lo], y[l.updated-lo])
	}
	l.release()
}

// release drops Live's own samples once the fit holds them all (their
// arrays too: they held a whole window before the first fit).
func (l *Live) release() {
	l.t, l.y, l.off = series.Times{}, nil, l.n
}

// Ready reports, without fitting, whether Forecast would return a
// forecast now (ok), when it can tell (known): the fit in use after the
// samples seen has a present sample to fit on (forecast.Auto's only
// refusal of a valid window), and no held value is so large that the
// forecast could overflow. With Counter it cannot tell. It is what a
// caller that needs only to know whether there is a forecast, not the
// forecast itself, asks instead of Forecast (see Config.DecideOnly).
func (l *Live) Ready() (ok, known bool) {
	if l.n == 0 {
		return false, true
	}
	f := l.fitPoint(l.n)
	lo := max(0, f-l.cfg.Keep)
	for len(l.hugeAt) > 0 && l.hugeAt[0] < lo {
		l.hugeAt = l.hugeAt[1:]
	}
	if l.cfg.Counter || len(l.hugeAt) > 0 {
		return false, false
	}
	if f != l.readyAt {
		l.readyAt, l.readyOK = f, false
		for i := f - 1; i >= lo; i-- {
			if !math.IsNaN(l.value(i)) {
				l.readyOK = true
				break
			}
		}
	}
	return l.readyOK, true
}

// Forecast returns h steps (1 <= h <= Horizon) after the latest sample
// with a central interval of the given coverage in (0, 1), from the
// samples seen so far only. Its Model names the candidate Auto picked;
// its Confidence is Auto's (see Forecast.Confidence).
func (l *Live) Forecast(h int, coverage float64) (predictor.Forecast, error) {
	if h < 1 || h > l.cfg.Horizon {
		return predictor.Forecast{}, fmt.Errorf("engine: horizon h=%d outside 1..%d (LiveConfig.Horizon)", h, l.cfg.Horizon)
	}
	if l.n == 0 {
		return predictor.Forecast{}, errors.New("engine: no samples yet")
	}
	if err := l.sync(); err != nil {
		return predictor.Forecast{}, err
	}
	return l.auto.Forecast(h, coverage)
}

var _ predictor.Updater = (*Live)(nil)
