package engine

import (
	"hash/fnv"
	"math"

	"github.com/prescale/prescale/controller/engine/internal/hourly"
	"github.com/prescale/prescale/controller/policy"
	"github.com/prescale/prescale/predictor"
	"github.com/prescale/prescale/predictor/online"
)

// warmEvidence is the number of scored forecasts (samples beyond the
// horizon) after which the confidence is the peak calibration alone;
// before it, the confidence is scaled down in proportion to the samples
// seen, so that it starts low and rises as evidence accumulates (see
// LiveForecaster).
const warmEvidence = 60

// LiveForecaster is the forecaster the controller runs and `prescale
// forecast` runs by default (DefaultForecaster builds it):
//
//   - the forecast (mean and central interval at every step, what
//     /api/predictions and the prescale_forecast* metrics publish and
//     forecast_score.py measures) is Live: model selection by
//     rolling-origin backtest among naive, seasonal naive, ridge, Holt-Winters,
//     medians and a multiple seasonal decomposition, refitted every
//     DefaultRefitEvery samples and updated in between;
//   - the distribution of the peak over the lead window, which sizes
//     decisions with policy.Target.RiskPerUnit (what autoscale_score.py
//     measures), is split-conformal calibration of streaming seasonal
//     levels (online.Ensemble, see peakEnsemble);
//   - the confidence is the peak bound's recent calibration (the share of
//     realised peaks under its 90 % quantile, over 0.9, capped at 1),
//     scaled by the evidence min(1, samples / (60 + horizon)). Before the
//     peak quantiles exist (30 scored forecasts, horizon + 30 samples) it
//     is the evidence alone, below the default threshold 0.7, so decisions
//     stay reactive while it warms up.
type LiveForecaster struct {
	live    *Live
	peak    *online.Ensemble
	cond    *online.Conditional
	horizon int
}

// Update feeds the sample to both parts.
func (f *LiveForecaster) Update(t int64, y float64) {
	f.live.Update(t, y)
	f.peak.Update(t, y)
	if f.cond != nil {
		f.cond.UpdatePeaks(y, f.peak.PeakQuantiles)
	}
}

// Forecast is Live's forecast with the confidence above.
func (f *LiveForecaster) Forecast(h int, coverage float64) (predictor.Forecast, error) {
	fc, err := f.live.Forecast(h, coverage)
	if err != nil {
		return fc, err
	}
	fc.Confidence = f.Confidence()
	return fc, nil
}

// Confidence is the forecast confidence in [0, 1] (see LiveForecaster).
func (f *LiveForecaster) Confidence() float64 {
	evidence := min(1, float64(f.live.Samples())/float64(warmEvidence+f.horizon))
	calib := 1.0
	if _, ok := f.peak.PeakQuantile(0.5); ok {
		pf, err := f.peak.Forecast(1, 0.8)
		if err != nil {
			return 0
		}
		calib = pf.Confidence
	}
	return evidence * calib
}

// Ready is Live.Ready: whether Forecast would return a forecast, told
// without fitting.
func (f *LiveForecaster) Ready() (ok, known bool) { return f.live.Ready() }

// PeakQuantile is the p-quantile of the highest value over the lead
// window; ok is false while the calibration has too few residuals.
func (f *LiveForecaster) PeakQuantile(p float64) (float64, bool) {
	if f.cond != nil {
		p = f.cond.Level(p)
	}
	return f.peak.PeakQuantile(p)
}

// Live is the forecast part.
func (f *LiveForecaster) Live() *Live { return f.live }

// RefitPhase spreads the refits of the controller's targets over the
// refit period: the phase of a target named name (0 for the empty name,
// which `prescale forecast` uses).
func RefitPhase(name string) int {
	if name == "" {
		return 0
	}
	h := fnv.New32a()
	h.Write([]byte(name))
	return int(h.Sum32() % DefaultRefitEvery)
}

// DefaultForecaster returns the LiveForecaster for samples step seconds
// apart, horizon steps and target t (its name sets the refit phase; its
// capacity, lag and RiskPerUnit shape the peak ensemble).
func DefaultForecaster(step int64, horizon int, t policy.Target) (Forecaster, error) {
	live, err := NewLive(LiveConfig{Step: step, Horizon: horizon, RefitPhase: RefitPhase(t.Name)})
	if err != nil {
		return nil, err
	}
	peak, err := peakEnsemble(step, horizon, t)
	if err != nil {
		return nil, err
	}
	cond, err := peakConditional(horizon, t)
	if err != nil {
		return nil, err
	}
	return &LiveForecaster{live: live, peak: peak, cond: cond, horizon: horizon}, nil
}

// peakEnsemble is an ensemble of five streaming seasonal forecasters
// with conformal peak quantiles (online.Ensemble): smoothed and
// naive levels, on the raw and the log scale, and a reactive member whose
// level is the highest value over the last lag (log scale,
// reactiveMember); and where an hour holds at least four samples and
// the horizon (hourly.Season) a sixth,
// the reactive member with an hour for its season, which answers only
// while the series shows a cycle of an hour and its loss is
// hourly.Margin below every other member's
// (controller/engine/internal/hourly). The log-scale members' quantiles
// are capped at the highest value of their calibration window
// (online.Config.CapAtWindowMax).
// With t.RiskPerUnit > 0 the member in use is the one whose decisions
// would have had the lowest recent expected cost (units·RiskPerUnit +
// violations), otherwise the one with the lowest pinball loss.
func peakEnsemble(step int64, horizon int, t policy.Target) (*online.Ensemble, error) {
	var rate, level float64
	if t.RiskPerUnit > 0 {
		// The level the sizing works at: a unit is worth RiskPerUnit of
		// exceedance probability.
		rate, level = defaultTrackRate, 1-t.RiskPerUnit
	}
	var cfgs []online.Config
	for _, logOffset := range []float64{0, defaultLogOffset * t.CapacityPerUnit} {
		for _, levelAlpha := range []float64{0.5, 1} {
			cfgs = append(cfgs, online.Config{
				Step: step, Horizon: horizon, PeakFrom: peakFrom, LevelAlpha: levelAlpha,
				ScaleAlpha: defaultScaleAlpha, LogOffset: logOffset, CapAtWindowMax: logOffset > 0,
				TrackRate: rate, TrackLevel: level,
			})
		}
	}
	cfgs = append(cfgs, reactiveMember(step, horizon, t, rate, level))
	var opt online.EnsembleOptions
	if season, ok := hourly.Season(step, horizon); ok {
		hour := reactiveMember(step, horizon, t, rate, level)
		hour.Season = season
		opt.Selector = hourly.NewSelector(len(cfgs), season)
		cfgs = append(cfgs, hour)
	}
	if t.RiskPerUnit > 0 {
		per := t.CapacityPerUnit * t.TargetUtilization
		levels := PeakLevels()
		q := make([]policy.Quantile, len(levels))
		for k, p := range levels {
			q[k].P = p // only the values change
		}
		v := make([]float64, len(levels))
		opt.ProvisionCost = t.RiskPerUnit / per
		opt.Provision = func(m *online.Forecaster) (float64, bool) {
			if !m.PeakQuantiles(levels, v) {
				return 0, false
			}
			for k, x := range v {
				q[k].Value = x
			}
			settleQuantiles(q)
			k, _ := policy.RiskUnits(q, t, 0)
			return float64(k) * per, true
		}
	}
	return online.NewEnsemble(cfgs, opt)
}

// reactiveMember is the peak ensemble's reactive member: the highest
// value over the last lag (what the HPA's stabilisation window holds),
// with conformal headroom on the log scale, so the ensemble can fall back
// to reactive provisioning when the seasonal levels lose to it. Its
// seasonal change leaves out the past day whose change is farthest from
// the others' median (online.Config.SeasonTrim): the highest value over
// the lag carries a past day's one-sample spike whole, and the mean of
// seven days' changes echoed it at the same time of every following day
// as a one-sample rise of the peak quantiles on unchanged demand, a
// scale-up released a sample later (docs/tuning.md, "The seasonal echo").
func reactiveMember(step int64, horizon int, t policy.Target, rate, level float64) online.Config {
	return online.Config{
		Step: step, Horizon: horizon, PeakFrom: peakFrom, LevelAlpha: 1,
		LevelWindow: max(2, int(math.Round(t.Lag.Seconds()/float64(step)))+1),
		ScaleAlpha:  defaultScaleAlpha, LogOffset: defaultLogOffset * t.CapacityPerUnit,
		CapAtWindowMax: true, TrackRate: rate, TrackLevel: level, SeasonTrim: true,
	}
}
