// Package engine is prescale's per-target streaming decision pipeline, the
// one both the live controller and `prescale backtest` run:
//
//	sample → anomaly detector → live forecaster (anomalous samples are
//	fed as gaps) → peak quantiles over the lead window → policy.Input →
//	policy.Decide → policy.State.Record
//
// An Engine holds the streaming parts of one target (detector,
// forecaster, shadow HPAs, crowd trend, an anomaly's bounds in time, the
// demand's steps); the policy state stays with the caller, which persists
// it with the engine's memory (CalmMemory and ShadowMemory, given back by
// ResumeCalm and ResumeShadow after a restart).
// Observe feeds grid samples in time order; Decide decides at an explicit
// now from everything observed so far. Nothing reads a clock: the backtest
// calls Observe then Decide at every trace sample, the controller feeds the
// history grid points newer than the last one it fed and decides at the
// cycle's time, so the same samples give the same decisions.
package engine

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/prescale/prescale/controller/engine/internal/crowd"
	"github.com/prescale/prescale/controller/engine/internal/demand"
	"github.com/prescale/prescale/controller/engine/internal/levelshift"
	"github.com/prescale/prescale/controller/policy"
	"github.com/prescale/prescale/predictor"
	"github.com/prescale/prescale/predictor/anomaly"
)

// Forecaster is a streaming forecaster: absorb one sample (NaN: a gap),
// forecast from the last one.
type Forecaster interface {
	Update(t int64, y float64)
	Forecast(h int, coverage float64) (predictor.Forecast, error)
}

// PeakQuantiler is implemented by forecasters that give the distribution
// of the highest value over the lead window (used with
// policy.Target.RiskPerUnit).
type PeakQuantiler interface {
	PeakQuantile(p float64) (float64, bool)
}

// readyForecaster is implemented by forecasters that can tell, without
// computing it, whether Forecast would return a forecast (ok, when known),
// and give that forecast's Confidence (LiveForecaster): what a decision
// sized by peak quantiles needs of the point forecast (Config.DecideOnly).
type readyForecaster interface {
	Ready() (ok, known bool)
	Confidence() float64
}

// NewForecasterFunc builds a fresh forecaster for samples with the given
// step (seconds) whose decisions need horizon forecast steps, for target t.
type NewForecasterFunc func(step int64, horizon int, t policy.Target) (Forecaster, error)

// Defaults of the decision configuration: one global setting, the same for
// every target. The decision's (risk per unit, change cost, floor mode)
// were chosen on the eight real traces with the independent referee (see
// controller/backtest); the anomaly detector and its 0.99 threshold on
// NAB's 58 files, scored by nab_score.py (docs/accuracy.md). The defaults
// table of docs/tuning.md says what chose each.
const (
	// DefaultRiskPerUnit is the violation probability one unit must remove
	// from a lead window to be worth its cost.
	DefaultRiskPerUnit = 0.03
	// DefaultChangeCost is the price of one scale event on the same scale
	// (policy.Target.ChangeCost): a change is made only when it lowers the
	// lead window's expected loss by more than 0.04, about 1.3 units'
	// worth at DefaultRiskPerUnit.
	DefaultChangeCost = 0.04
	// DefaultFloorMode never goes below what current demand needs (as every
	// mode) and keeps the units demand used within the usage window.
	DefaultFloorMode = policy.FloorHold
	// DefaultCoverage is the central coverage asked of the forecaster:
	// Upper is the 97.5 % quantile of the lead-window maximum.
	DefaultCoverage = 0.95
	// DefaultDetector and DefaultAnomalyThreshold: the streaming detector
	// whose flagged samples are kept out of fitting.
	DefaultDetector         = "robust"
	DefaultAnomalyThreshold = 0.99
	// defaultScaleAlpha smooths the forecasters' local scale (slowly: the
	// residual quantiles adapt, the scale only tracks the level of noise).
	defaultScaleAlpha = 0.02
	// defaultTrackRate is the rate at which the peak ensemble's quantile
	// shift follows recent misses of the quantile at 1 − RiskPerUnit
	// (online.Config.TrackRate; docs/tuning.md, "Bursty traffic: the peak
	// distribution").
	defaultTrackRate = 0.01
	// defaultLogOffset, in units of capacity, is the offset of the
	// log-scale ensemble members.
	defaultLogOffset = 0.5
	// peakFrom is the first step of the lead window whose demand the peak
	// distribution covers: the first, so the peak is the highest demand
	// over the whole window [now, now+lag+interval). A scale-down is
	// immediate and a removed unit is back only a lag later, so the units
	// a decision keeps must cover every step until then, not only the
	// steps its own new units serve; and on a cluster faster than its
	// configured lag, units arrive in the earlier part. It was the last
	// fifth of the window (held recommendations, older forecasts, were
	// left to cover the rest): on 1-minute data with a 5-minute lag, the
	// peak of the last two steps of five (docs/tuning.md, "Lead window").
	peakFrom = 1
)

// NewDetector returns the named streaming anomaly detector (DefaultDetector
// or another of anomaly.DetectorNames), or nil for "none".
func NewDetector(name string) (predictor.Detector, error) {
	if name == "none" {
		return nil, nil
	}
	return anomaly.NewDetector(name)
}

// PeakLevels are the probabilities at which the peak distribution is
// passed to the decision: exceedance from 0.5 down to 0.001, geometrically.
func PeakLevels() []float64 {
	const n = 40
	out := make([]float64, n)
	for j := range n {
		out[j] = 1 - 0.5*math.Pow(0.001/0.5, float64(j)/float64(n-1))
	}
	return out
}

// HoldWindow is the lag: a stabilisation window that keeps each
// recommendation in force until the units it asked for are ready and have
// served (the pool cancels pending units on scale-down, and a unit removed
// the moment it is ready was an event for nothing), as the Kubernetes HPA
// keeps its recommendations for its 300 s window. The interval is unused
// (kept for callers); lag − interval/2, which dropped a recommendation the
// decision before its units were ready, made a scale event of every
// forecast wobble on 5-minute data (docs/tuning.md, "Few, decisive moves").
func HoldWindow(lag, _ time.Duration) time.Duration { return max(0, lag) }

// Resolve returns t with its effective stabilisation window: with
// HoldUntilReady, at least HoldWindow(t.Lag, interval).
func Resolve(t policy.Target, interval time.Duration) policy.Target {
	if t.HoldUntilReady {
		t.StabilizationWindow = max(t.StabilizationWindow, HoldWindow(t.Lag, interval))
	}
	return t
}

// LeadSteps is the number of forecast steps inside the lead window
// [now, now+lag+interval): offsets (k+1)·step < lag+interval, at least one.
func LeadSteps(lag, interval, step time.Duration) int {
	if step <= 0 {
		return 1
	}
	// The number of k >= 1 with k·step < lag+interval, computed (a loop
	// took minutes for an absurd lag); saturated rather than overflowing.
	lead := lag + interval
	if lead < lag { // overflow
		return math.MaxInt32
	}
	if lead <= 0 {
		return 1
	}
	return max(1, int(min((lead-1)/step, math.MaxInt32)))
}

// MaxLeadSteps bounds the forecast horizon a provisioning lag may ask for:
// a week of 5-minute steps. Every decision forecasts that many steps, so
// a lag of months (a typo, a unit mix-up) would make every cycle and every
// backtest sample take minutes.
const MaxLeadSteps = 2016

// CheckLead refuses a lag whose lead window needs more than MaxLeadSteps
// forecast steps of step.
func CheckLead(lag, interval, step time.Duration) error {
	if h := LeadSteps(lag, interval, step); h > MaxLeadSteps {
		return fmt.Errorf("provisioning lag %s needs %d forecast steps of %s, more than %d", lag, h, step, MaxLeadSteps)
	}
	return nil
}

// peakQuantiles fills q with the peak quantiles at levels, made strictly
// increasing; ok is false when the forecaster has none yet.
// A peak of no demand at every level (a series of zeros) is passed as
// zeros: made increasing (0, 1e-9, ...) it read as P(peak > 0) = 0.5,
// and min_units 0 never decided 0 units. Only that case is kept apart,
// so that every other decision is unchanged.
func peakQuantiles(q []policy.Quantile, levels []float64, peak func(p float64) (float64, bool)) ([]policy.Quantile, bool) {
	for _, p := range levels {
		v, ok := peak(p)
		if !ok {
			return q[:0], false
		}
		q = append(q, policy.Quantile{P: p, Value: v})
	}
	settleQuantiles(q)
	return q, true
}

// settleQuantiles is peakQuantiles' treatment of the quantiles it read:
// all zeros where none is above 0, else made strictly increasing.
func settleQuantiles(q []policy.Quantile) {
	none, top := true, 0.0
	for _, x := range q {
		// top = max(top, |x|), NaN kept, without max's signed-zero
		// handling: neither is ever -0.
		if a := math.Abs(x.Value); a > top || math.IsNaN(a) {
			top = a
		}
		none = none && x.Value <= 0
	}
	if none {
		for i := range q {
			q[i].Value = 0
		}
		return
	}
	increasing(q, predictor.FloorUnit(top))
}

// increasing makes the values of q strictly increasing: a value at or
// under the one before it becomes that one plus a billionth of the
// larger of its own size and unit (or the next float64 above it, where
// that adds nothing). peakQuantiles' unit is predictor.FloorUnit of the
// quantiles' largest size: a series and the same series times 1e-9 get
// the same decisions (13 units where 8 served with an absolute 1e-9).
func increasing(q []policy.Quantile, unit float64) {
	for k := 1; k < len(q); k++ {
		if prev, v := q[k-1].Value, q[k].Value; v <= prev {
			up := prev + 1e-9*max(unit, math.Abs(v))
			if !(up > prev) { // above prev, up is at least the next float64
				up = max(up, math.Nextafter(prev, math.Inf(1)))
			}
			q[k].Value = up
		}
	}
}

// Config is one target's pipeline.
type Config struct {
	// Target carries the rules; it must validate. New resolves its
	// stabilisation window (Resolve with Interval).
	Target policy.Target
	// Step is the spacing of the observed samples (whole seconds, > 0);
	// Interval the time between decisions (> 0; the step in a backtest).
	Step, Interval time.Duration
	// Coverage in (0, 1) is the central interval coverage asked of the
	// forecaster; 0 means DefaultCoverage.
	Coverage float64
	// NewForecaster builds the forecaster; nil means DefaultForecaster.
	NewForecaster NewForecasterFunc
	// Detector, when set, scores every present sample (streaming, causal);
	// a score at or above AnomalyThreshold flags the decision's input as
	// anomalous and keeps the sample out of the forecaster's fitting (it
	// sees a gap).
	Detector         predictor.Detector
	AnomalyThreshold float64
	// Decide is the decision function; nil means policy.Decide.
	Decide func(policy.Input, policy.Target, policy.State) policy.Decision
	// NoShadowHPA turns the shadow HPA off (see shadow.go); it is also off
	// when the target has no RiskPerUnit (no exchange rate between units
	// and violations).
	NoShadowHPA bool
	// DecideOnly says the caller reads only the decisions (a backtest),
	// not Output.Forecast: when the units come from peak quantiles (the
	// target has RiskPerUnit and the forecaster has quantiles) and the
	// forecaster is a readyForecaster that can tell, Decide does not
	// compute the point forecast, which then only gates trust (is there
	// one?) and carries the confidence. The decisions are the same; the
	// point forecast (a refit of forecast.Auto every DefaultRefitEvery
	// samples) was most of a backtest's time. Output.Forecast is then the
	// peak distribution as a one-point forecast (Model peakModel: Mean the
	// median peak, Upper the highest quantile passed to the decision).
	DecideOnly bool
	// LeadStep, when set below Step, is the spacing the lead window counts
	// its samples by: the short steps of a trace whose timestamps are
	// irregular (backtest.LeadStepOf). 0 means Step.
	LeadStep time.Duration
}

// peakModel names the one-point forecast Decide makes of the peak
// quantiles with Config.DecideOnly.
const peakModel = "peak"

// Engine is one target's streaming pipeline. It is not safe for concurrent
// use.
type Engine struct {
	cfg      Config
	target   policy.Target
	stepSec  int64
	horizon  int
	fc       Forecaster
	pq       PeakQuantiler
	levels   []float64
	quant    []policy.Quantile
	last     int64
	observed bool
	// Of the last observed sample.
	score     float64
	anomalous bool
	// ongoing: an anomaly flagged at a present sample has not ended.
	ongoing bool
	// shadow is the shadow HPA (nil when off).
	shadow *shadow
	// crowd follows an ongoing anomaly (nil without a detector;
	// internal/crowd).
	crowd *crowd.Crowd
	// run bounds an anomaly's hold in time, at least and at most
	// (internal/levelshift).
	run *levelshift.Run
	// steps follows the demand's one-step changes at the decisions for
	// event pacing's release band and climb ahead (internal/demand).
	steps demand.Steps
}

// New builds an engine with a fresh forecaster.
func New(cfg Config) (*Engine, error) {
	if err := cfg.Target.Validate(); err != nil {
		return nil, err
	}
	if cfg.Step < time.Second || cfg.Step%time.Second != 0 {
		return nil, fmt.Errorf("engine: step must be a whole number of seconds > 0, got %s", cfg.Step)
	}
	if cfg.Interval <= 0 {
		return nil, fmt.Errorf("engine: interval must be > 0, got %s", cfg.Interval)
	}
	if cfg.Coverage == 0 {
		cfg.Coverage = DefaultCoverage
	}
	if !(cfg.Coverage > 0 && cfg.Coverage < 1) {
		return nil, fmt.Errorf("coverage must be in (0, 1), got %v", cfg.Coverage)
	}
	if cfg.Detector != nil && !(cfg.AnomalyThreshold > 0 && cfg.AnomalyThreshold <= 1) {
		return nil, fmt.Errorf("engine: anomaly threshold must be in (0, 1], got %v", cfg.AnomalyThreshold)
	}
	if cfg.NewForecaster == nil {
		cfg.NewForecaster = DefaultForecaster
	}
	if cfg.Decide == nil {
		cfg.Decide = policy.Decide
	}
	e := &Engine{cfg: cfg, target: Resolve(cfg.Target, cfg.Interval), stepSec: int64(cfg.Step / time.Second)}
	lead := cfg.Step
	if cfg.LeadStep > 0 && cfg.LeadStep < lead {
		lead = cfg.LeadStep
	}
	if err := CheckLead(e.target.Lag, cfg.Interval, lead); err != nil {
		return nil, fmt.Errorf("engine: %w", err)
	}
	e.horizon = LeadSteps(e.target.Lag, cfg.Interval, lead)
	fc, err := cfg.NewForecaster(e.stepSec, e.horizon, e.target)
	if err != nil {
		return nil, err
	}
	if fc == nil {
		return nil, errors.New("engine: NewForecaster returned nil")
	}
	e.fc = fc
	if cfg.Detector != nil {
		e.crowd = crowd.New(e.target.Lag, cfg.Interval)
		e.run = levelshift.New(cfg.Detector, levelshift.MinHold, levelshift.MaxHold)
	}
	if !cfg.NoShadowHPA && e.target.RiskPerUnit > 0 {
		e.shadow = newShadow(e.target.RiskPerUnit)
	}
	if pq, ok := fc.(PeakQuantiler); ok && e.target.RiskPerUnit > 0 {
		e.pq = pq
		e.levels = PeakLevels()
		e.quant = make([]policy.Quantile, 0, len(e.levels))
	}
	return e, nil
}

// Target is the target with its resolved stabilisation window: the one
// Decide uses and the one to Record decisions with.
func (e *Engine) Target() policy.Target { return e.target }

// Horizon is the number of forecast steps of the lead window.
func (e *Engine) Horizon() int { return e.horizon }

// Forecaster is the engine's forecaster.
func (e *Engine) Forecaster() Forecaster { return e.fc }

// Last is the time (unix seconds) of the last observed sample.
func (e *Engine) Last() (int64, bool) { return e.last, e.observed }

// Observe feeds one sample (unix seconds; NaN = missing). Timestamps must
// increase; an older or repeated one is ignored (ok false). A present
// sample is scored by the detector; a flagged one reaches the forecaster
// as a gap. It returns the sample's anomaly score and flag.
func (e *Engine) Observe(t int64, v float64) (score float64, anomalous, ok bool) {
	if e.observed && t <= e.last {
		return 0, false, false
	}
	e.last, e.observed = t, true
	e.score, e.anomalous = 0, false
	if e.cfg.Detector != nil && !math.IsNaN(v) {
		e.score = e.cfg.Detector.Update(t, v)
		e.anomalous = e.score >= e.cfg.AnomalyThreshold || e.ongoing && (surprising(e.cfg.Detector) || e.run.Away(t, v))
		e.ongoing = e.anomalous
		e.run.Observe(t, e.anomalous)
	}
	if e.crowd != nil {
		e.crowd.Observe(t, v, e.anomalous)
	}
	if e.anomalous {
		e.fc.Update(t, math.NaN())
	} else {
		e.fc.Update(t, v)
	}
	return e.score, e.anomalous, true
}

// surprising reports whether the detector's last sample is still outside
// its normal range (predictor.Surpriser; false for detectors without it).
func surprising(d predictor.Detector) bool {
	s, ok := d.(predictor.Surpriser)
	return ok && s.Surprising()
}

// Input is what the caller knows at a decision besides the samples.
type Input struct {
	// Now is the decision time. The forecast starts one step after the last
	// observed sample; Decide reads it as starting one step after Now
	// (exact when Now is the last sample's time, as in a backtest or a
	// controller deciding on the grid).
	Now time.Time
	// CurrentUnits is the units requested now (ready + pending).
	CurrentUnits int
	// Demand at Now and whether it is present (false or NaN: no data, the
	// decision holds).
	Demand      float64
	DataPresent bool
	// BadQuery and Problem: see policy.Input (the query's result is
	// unusable: the decision holds with reason bad_query).
	BadQuery bool
	Problem  string
	// Partial: see policy.Input (the demand is a lower bound: the decision
	// goes no lower than the units held). A backtest never sets it.
	Partial bool
	// CostToday is the cost accrued since 00:00 UTC of Now's day.
	CostToday float64
}

// Output is one decision and what it was made from.
type Output struct {
	Decision policy.Decision
	// State is st after Record.
	State policy.State
	// Forecast is the forecast the decision used (empty when there was
	// none yet); ForecastErr says why there is none.
	Forecast    predictor.Forecast
	ForecastErr error
	// PeakQuantiles passed to the decision (nil without risk sizing); valid
	// until the next Decide.
	PeakQuantiles []policy.Quantile
	// AnomalyScore and Anomaly of the last observed sample.
	AnomalyScore float64
	Anomaly      bool
}

// Decide decides at in.Now from the samples observed so far and the
// caller's policy state st, and returns the decision with the next state.
// With the shadow HPA on, it also advances the shadow runs (shadow.go), so
// decisions depend on the sequence of decision times, not only on the
// samples: the controller and a backtest agree when both decide at every
// step.
func (e *Engine) Decide(in Input, st policy.State) Output {
	out := Output{AnomalyScore: e.score, Anomaly: e.anomalous}
	pin := policy.Input{
		AnomalyScore: e.score,
		Anomaly:      e.anomalous,
		Now:          in.Now,
		Interval:     e.cfg.Interval,
		CurrentUnits: in.CurrentUnits,
		DataPresent:  in.DataPresent && !math.IsNaN(in.Demand),
		BadQuery:     in.BadQuery,
		Problem:      in.Problem,
		Partial:      in.Partial,
		Demand:       in.Demand,
		ForecastStep: e.cfg.Step,
		CostToday:    in.CostToday,
	}
	if !in.DataPresent {
		pin.Demand = math.NaN()
	}
	if e.observed {
		pin.Forecast, pin.PeakQuantiles, out.ForecastErr = e.forecast()
	} else {
		out.ForecastErr = errors.New("no samples observed yet")
	}
	out.Forecast, out.PeakQuantiles = pin.Forecast, pin.PeakQuantiles
	if e.shadow != nil {
		pin.ShadowUnits, pin.ShadowTarget = e.stepShadow(pin, in.CurrentUnits)
		pin.EventPrice = e.shadow.eventPrice()
		pin.ReleaseBand = e.steps.ReleaseBand(pin.EventPrice, e.target, e.cfg.Interval)
		pin.ClimbUnits = e.steps.ClimbUnits(pin.EventPrice, e.target, e.cfg.Interval)
		pin.WideBand = e.shadow.wideBand(pin.ReleaseBand)
		pin.CalmUnits = e.shadow.calmUnits(pin.EventPrice)
	}
	if e.crowd != nil && e.observed && pin.DataPresent {
		pin.TrendUnits = e.crowd.TrendUnits(e.last, e.target)
	}
	out.Decision = e.cfg.Decide(pin, e.target, st)
	out.State = st.Record(e.target, out.Decision)
	e.steps.Observe(in.Now.Unix(), pin.Demand, e.target.CapacityPerUnit*e.target.TargetUtilization)
	if e.shadow != nil {
		if e.shadow.pace.count(in.Now.Unix(), in.CurrentUnits, out.Decision.Desired) {
			e.shadow.calm.event(in.Now.Unix())
		}
		e.shadow.calm.want(in.Now.Unix(), out.Decision.Explanation.Wanted)
		e.shadow.own.decided(float64(in.Now.Unix()), e.target.Lag.Seconds(), out.Decision.Desired)
	}
	return out
}

// forecast is the forecast and the peak quantiles a decision uses (the
// quantiles nil without risk sizing, the forecast empty with an error when
// there is none). With Config.DecideOnly the point forecast is skipped
// when the quantiles size the decision (see Config.DecideOnly).
func (e *Engine) forecast() (predictor.Forecast, []policy.Quantile, error) {
	var q []policy.Quantile
	if e.pq != nil {
		e.quant, _ = peakQuantiles(e.quant[:0], e.levels, e.pq.PeakQuantile)
		q = e.quant
	}
	if rf, ok := e.fc.(readyForecaster); ok && e.cfg.DecideOnly && len(q) > 0 {
		if ready, known := rf.Ready(); known {
			if !ready {
				return predictor.Forecast{}, q, errors.New("engine: no forecast yet")
			}
			median, top := q[0].Value, q[len(q)-1].Value
			return predictor.Forecast{
				Mean: []float64{median}, Lower: []float64{median}, Upper: []float64{top},
				Coverage: e.cfg.Coverage, Confidence: rf.Confidence(), Model: peakModel,
			}, q, nil
		}
	}
	f, err := e.fc.Forecast(e.horizon, e.cfg.Coverage)
	if err != nil {
		return predictor.Forecast{}, q, err
	}
	return f, q, nil
}
