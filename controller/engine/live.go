package engine

import (
	"errors"
	"fmt"
	"math"

	"github.com/prescale/prescale/predictor"
	"github.com/prescale/prescale/predictor/forecast"
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
// A Live is not safe for concurrent use.
type Live struct {
	cfg LiveConfig
	// Held samples: absolute index off+k for t[k], y[k].
	t   []int64
	y   []float64
	off int
	n   int // samples seen

	auto    *forecast.Auto
	fitAt   int // samples the current fit was made on (-1: none)
	updated int // samples the current fit has absorbed
	fitErr  error

	// ready's cache: whether the fit on readyAt samples has a present
	// sample to fit on; huge counts the held values beyond hugeValue.
	readyAt int
	readyOK bool
	huge    int
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
	if k := len(l.t); k > 0 && t < l.t[k-1] {
		t = l.t[k-1]
	}
	l.t = append(l.t, t)
	l.y = append(l.y, y)
	l.n++
	if math.Abs(y) > hugeValue {
		l.huge++
	}
	// Hold Keep samples before the oldest possible fit point plus the
	// samples after it; compact when a quarter more (amortised O(1), and
	// the arrays stay within 1.25 times what a fit reads).
	hold := l.cfg.Keep + l.cfg.RefitEvery + l.cfg.RefitPhase
	if len(l.t) >= hold+max(hold/4, 64) {
		drop := len(l.t) - hold
		for _, v := range l.y[:drop] {
			if math.Abs(v) > hugeValue {
				l.huge--
			}
		}
		l.t = append(l.t[:0], l.t[drop:]...)
		l.y = append(l.y[:0], l.y[drop:]...)
		l.off += drop
	}
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
// otherwise.
func (l *Live) sync() error {
	f := l.fitPoint(l.n)
	if f != l.fitAt {
		lo := max(l.off, f-l.cfg.Keep)
		a := forecast.NewAuto(forecast.Options{Horizon: l.cfg.Horizon, Season: l.cfg.Season, Counter: l.cfg.Counter})
		l.fitAt, l.updated = f, f
		l.fitErr = a.Fit(l.t[lo-l.off:f-l.off], l.y[lo-l.off:f-l.off])
		l.auto = a
	}
	if l.fitErr != nil {
		return l.fitErr
	}
	for ; l.updated < l.n; l.updated++ {
		l.auto.Update(l.t[l.updated-l.off], l.y[l.updated-l.off])
	}
	return nil
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
	if l.cfg.Counter || l.huge > 0 {
		return false, false
	}
	if f := l.fitPoint(l.n); f != l.readyAt {
		l.readyAt, l.readyOK = f, false
		for i := f - 1; i >= max(l.off, f-l.cfg.Keep); i-- {
			if !math.IsNaN(l.y[i-l.off]) {
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
