package backtest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/big"
	"time"

	"github.com/prescale/prescale/controller/policy"
	"github.com/prescale/prescale/predictor"
)

// Forecaster is what the replay needs from a streaming forecaster: absorb
// one sample, forecast from the last one.
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

// NewForecasterFunc builds a fresh forecaster for a trace with the given
// step (seconds) whose decisions need horizon forecast steps, for target t.
type NewForecasterFunc func(step int64, horizon int, t policy.Target) (Forecaster, error)

// Config is one backtest's setup.
type Config struct {
	// Target carries capacity, utilisation, bounds, lag and the other
	// rules; it must validate.
	Target policy.Target
	// Coverage is the central interval coverage asked of the forecaster;
	// the decision provisions for its upper bound.
	Coverage float64
	// NewForecaster builds the forecaster; nil means DefaultForecaster.
	NewForecaster NewForecasterFunc
	// HPATargets are the utilisation targets of the reactive baseline
	// curve; BaselineTarget is the one drawn and summarised beside prescale
	// (0 means the curve point closest in cost).
	HPATargets     []float64
	BaselineTarget float64
	// HoldUntilReady sets the target's stabilisation window to
	// lag − step/2, so that each recommendation stays in force until the
	// units it requested are ready (the pool cancels pending units on
	// scale-down).
	HoldUntilReady bool
	// Detector, when set, scores every sample (streaming, causal); a score
	// at or above AnomalyThreshold flags the decision's input as anomalous
	// and keeps the sample out of the forecaster's fitting (it sees a gap).
	Detector         predictor.Detector
	AnomalyThreshold float64
	// EvalStart is the first scored sample index.
	EvalStart int
	// Progress, when set, is called every ProgressEvery samples (0: 10,000).
	Progress      func(done, total int)
	ProgressEvery int
}

// DefaultCoverage is the central coverage the backtest asks for by
// default: Upper is then the 97.5 % quantile of the lead-window maximum.
const DefaultCoverage = 0.95

// DefaultHPATargets are the referee's utilisation targets used by
// `make bench-accuracy`.
func DefaultHPATargets() []float64 {
	return []float64{0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95}
}

// Defaults of the backtest's decision configuration: one global setting,
// the same for every trace (chosen on the real traces in ../shared/data,
// see docs/accuracy.md).
const (
	// DefaultRiskPerUnit is the violation probability one unit must remove
	// from a lead window to be worth its cost.
	DefaultRiskPerUnit = 0.03
	// defaultScaleAlpha smooths the forecasters' local scale (slowly: the
	// residual quantiles adapt, the scale only tracks the level of noise).
	defaultScaleAlpha = 0.02
	// defaultLogOffset, in units of capacity, is the offset of the
	// log-scale ensemble members.
	defaultLogOffset = 0.5
	// defaultPeakFrom is the fraction of the lead window whose peak the
	// upper bound covers; held recommendations cover the earlier part.
	defaultPeakFrom = 0.8
)

// DefaultTarget is the backtest's target: utilisation 1 (the violation test
// is at full capacity, headroom comes from the forecast distribution),
// expected-cost sizing at DefaultRiskPerUnit, a hold-mode reactive floor
// that keeps the units demand used within the last lag (a unit removed now
// is only back a lag later; the HPA keeps its own recommendations as long)
// and DESIGN.md's confidence threshold.
func DefaultTarget(capacity float64, lag time.Duration, minUnits, maxUnits int) policy.Target {
	return policy.Target{
		Name: "backtest", Kind: policy.KindInstances, CapacityPerUnit: capacity,
		TargetUtilization: 1, MinUnits: minUnits, MaxUnits: maxUnits, Lag: lag,
		ConfidenceThreshold: policy.DefaultConfidenceThreshold,
		RiskPerUnit:         DefaultRiskPerUnit, FloorMode: policy.FloorHold, UsageWindow: lag,
	}
}

// HoldWindow is lag − step/2 (at least 0): a stabilisation window that keeps
// each recommendation until the units it asked for are ready.
func HoldWindow(lag, step time.Duration) time.Duration { return max(0, lag-step/2) }

// DefaultForecaster is an ensemble of five streaming seasonal forecasters
// with conformal peak quantiles (predictor.OnlineEnsemble): smoothed and
// naive levels, on the raw and the log scale, and a reactive member whose
// level is the highest value over the last lag (log scale). The log-scale
// members' quantiles are capped at the highest value of their calibration
// window (predictor.OnlineConfig.CapAtWindowMax). With t.RiskPerUnit > 0 the
// member in use is the one whose decisions would have had the lowest
// recent expected cost (units·RiskPerUnit + violations), otherwise the one
// with the lowest pinball loss.
func DefaultForecaster(step int64, horizon int, t policy.Target) (Forecaster, error) {
	peakFrom := int(math.Round(defaultPeakFrom * float64(horizon)))
	var cfgs []predictor.OnlineConfig
	for _, logOffset := range []float64{0, defaultLogOffset * t.CapacityPerUnit} {
		for _, levelAlpha := range []float64{0.5, 1} {
			cfgs = append(cfgs, predictor.OnlineConfig{
				Step: step, Horizon: horizon, PeakFrom: peakFrom, LevelAlpha: levelAlpha,
				ScaleAlpha: defaultScaleAlpha, LogOffset: logOffset, CapAtWindowMax: logOffset > 0,
			})
		}
	}
	// A reactive member: the highest value over the last lag (what the
	// HPA's stabilisation window holds), with conformal headroom on the
	// log scale, so the ensemble can fall back to reactive provisioning
	// when the seasonal levels lose to it.
	cfgs = append(cfgs, predictor.OnlineConfig{
		Step: step, Horizon: horizon, PeakFrom: peakFrom, LevelAlpha: 1,
		LevelWindow: max(2, int(math.Round(t.Lag.Seconds()/float64(step)))+1),
		ScaleAlpha:  defaultScaleAlpha, LogOffset: defaultLogOffset * t.CapacityPerUnit,
		CapAtWindowMax: true,
	})
	var opt predictor.EnsembleOptions
	if t.RiskPerUnit > 0 {
		per := t.CapacityPerUnit * t.TargetUtilization
		levels := PeakLevels()
		q := make([]policy.Quantile, 0, len(levels))
		opt.ProvisionCost = t.RiskPerUnit / per
		opt.Provision = func(peak func(p float64) (float64, bool)) (float64, bool) {
			var ok bool
			if q, ok = peakQuantiles(q[:0], levels, peak); !ok {
				return 0, false
			}
			k, _ := policy.RiskUnits(q, t, 0)
			return float64(k) * per, true
		}
	}
	return predictor.NewOnlineEnsemble(cfgs, opt)
}

// peakQuantiles fills q with the peak quantiles at levels, made strictly
// increasing; ok is false when the forecaster has none yet.
func peakQuantiles(q []policy.Quantile, levels []float64, peak func(p float64) (float64, bool)) ([]policy.Quantile, bool) {
	for _, p := range levels {
		v, ok := peak(p)
		if !ok {
			return q[:0], false
		}
		if k := len(q); k > 0 && v <= q[k-1].Value {
			v = q[k-1].Value + 1e-9*max(1, math.Abs(v))
		}
		q = append(q, policy.Quantile{P: p, Value: v})
	}
	return q, true
}

// Result is a backtest's outcome.
type Result struct {
	T       []int64
	Demand  []float64
	Desired []int
	Reasons []policy.Reason
	Step    time.Duration
	Horizon int
	// EvalStart is the first sample counted in the figures.
	EvalStart int
	Prescale  Figures
	// Timeline and BaselineTimeline hold every sample's ready and
	// requested units for prescale and the baseline HPA.
	Timeline         []Sample
	BaselineTimeline []Sample
	Baseline         CostPoint
	HPA              []CostPoint
	Oracle           Figures
	Equal            EqualCost
	ReasonCounts     map[policy.Reason]int
	// Forecaster is the forecaster after the replay.
	Forecaster Forecaster
}

// EvalStartIndex is floor(fraction·n) in exact decimal arithmetic (as the
// referee computes it: 0.7·10320 is 7224, not 7223).
func EvalStartIndex(fraction string, n int) (int, error) {
	r, ok := new(big.Rat).SetString(fraction)
	if !ok || r.Sign() < 0 || r.Cmp(big.NewRat(1, 1)) >= 0 {
		return 0, fmt.Errorf("eval-from %q: want a number in [0, 1)", fraction)
	}
	r.Mul(r, big.NewRat(int64(n), 1))
	q := new(big.Int).Quo(r.Num(), r.Denom())
	return int(q.Int64()), nil
}

// LeadSteps is the number of forecast steps inside the lead window
// [now, now+lag+interval): offsets (k+1)·step < lag+interval, at least one.
func LeadSteps(lag, interval, step time.Duration) int {
	if step <= 0 {
		return 1
	}
	h := 0
	for time.Duration(h+1)*step < lag+interval {
		h++
	}
	return max(1, h)
}

// Run replays t, v (NaN = missing) through the decision engine: at sample
// i the forecaster has seen samples 0..i only, and policy.Decide sees the
// pool as the simulator has it. It then runs the HPA curve and the oracle
// through the same simulator.
func Run(ctx context.Context, t []int64, v []float64, cfg Config) (*Result, error) {
	n := len(t)
	if n < 2 {
		return nil, fmt.Errorf("trace: need at least 2 samples, got %d", n)
	}
	if len(v) != n {
		return nil, errors.New("backtest: timestamps and values differ in length")
	}
	for i := 1; i < n; i++ {
		if t[i] <= t[i-1] {
			return nil, fmt.Errorf("trace: timestamps must be strictly increasing (%d after %d)", t[i], t[i-1])
		}
	}
	tg := cfg.Target
	if err := tg.Validate(); err != nil {
		return nil, err
	}
	if !(cfg.Coverage > 0 && cfg.Coverage < 1) {
		return nil, fmt.Errorf("coverage must be in (0, 1), got %v", cfg.Coverage)
	}
	if cfg.EvalStart < 0 || cfg.EvalStart >= n {
		return nil, fmt.Errorf("eval start %d outside [0, %d)", cfg.EvalStart, n)
	}
	newF := cfg.NewForecaster
	if newF == nil {
		newF = DefaultForecaster
	}
	// The violation test is at full capacity, whatever the utilisation target.
	sim := NewSim(t, v, tg.CapacityPerUnit, tg.Lag.Seconds(), tg.MinUnits, tg.MaxUnits, cfg.EvalStart)
	stepSec := int64(math.Round(median(diffs(t))))
	step := time.Duration(stepSec) * time.Second
	horizon := LeadSteps(tg.Lag, step, step)
	if cfg.HoldUntilReady {
		tg.StabilizationWindow = HoldWindow(tg.Lag, step)
	}
	fc, err := newF(stepSec, horizon, tg)
	if err != nil {
		return nil, err
	}
	every := cfg.ProgressEvery
	if every <= 0 {
		every = 10000
	}

	res := &Result{
		T: t, Demand: v, Desired: make([]int, n), Reasons: make([]policy.Reason, n),
		Step: step, Horizon: horizon, EvalStart: cfg.EvalStart, Timeline: make([]Sample, n),
		ReasonCounts: map[policy.Reason]int{}, Forecaster: fc,
	}
	var st policy.State
	levels := PeakLevels()
	pq, hasPeak := fc.(PeakQuantiler)
	hasPeak = hasPeak && tg.RiskPerUnit > 0
	quant := make([]policy.Quantile, 0, len(levels))
	var ctxErr error
	prescale := func(i int, pool *Pool) (int, bool) {
		if i%every == 0 {
			if cfg.Progress != nil && i > 0 {
				cfg.Progress(i, n)
			}
			if err := ctx.Err(); err != nil && ctxErr == nil {
				ctxErr = err
			}
		}
		var score float64
		anomalous := false
		if cfg.Detector != nil && !math.IsNaN(v[i]) {
			score = cfg.Detector.Update(t[i], v[i])
			anomalous = score >= cfg.AnomalyThreshold
		}
		if anomalous {
			fc.Update(t[i], math.NaN())
		} else {
			fc.Update(t[i], v[i])
		}
		in := policy.Input{
			AnomalyScore: score,
			Anomaly:      anomalous,
			Now:          time.Unix(t[i], 0).UTC(),
			Interval:     step,
			CurrentUnits: pool.Requested(),
			DataPresent:  !math.IsNaN(v[i]),
			Demand:       v[i],
			ForecastStep: step,
		}
		if ctxErr == nil {
			if f, err := fc.Forecast(horizon, cfg.Coverage); err == nil {
				in.Forecast = f
			}
			if hasPeak {
				quant, _ = peakQuantiles(quant[:0], levels, pq.PeakQuantile)
				in.PeakQuantiles = quant
			}
		}
		d := policy.Decide(in, tg, st)
		st = st.Record(tg, d)
		res.Desired[i], res.Reasons[i] = d.Desired, d.Reason
		res.ReasonCounts[d.Reason]++
		return d.Desired, true
	}
	initial := sim.InitialUnits()
	res.Prescale = sim.Run(initial, prescale, res.Timeline)
	if ctxErr != nil {
		return nil, ctxErr
	}
	if cfg.Progress != nil {
		cfg.Progress(n, n)
	}

	targets := cfg.HPATargets
	if len(targets) == 0 {
		targets = DefaultHPATargets()
	}
	for _, target := range targets {
		if !(target > 0) {
			return nil, fmt.Errorf("hpa target must be > 0, got %v", target)
		}
		res.HPA = append(res.HPA, CostPoint{Target: target, Figures: sim.Run(initial, sim.HPA(target), nil)})
	}
	res.Equal = CompareAtEqualCost(res.Prescale, res.HPA)
	oracle := sim.OracleRequests()
	res.Oracle = sim.Run(oracle[0], Replay(oracle), nil)

	base := cfg.BaselineTarget
	if base <= 0 {
		best := math.Inf(1)
		for _, p := range res.HPA {
			if d := math.Abs(p.InstanceHours - res.Prescale.InstanceHours); d < best {
				best, base = d, p.Target
			}
		}
	}
	res.BaselineTimeline = make([]Sample, n)
	res.Baseline = CostPoint{Target: base, Figures: sim.Run(initial, sim.HPA(base), res.BaselineTimeline)}
	return res, nil
}

func diffs(t []int64) []float64 {
	d := make([]float64, len(t)-1)
	for i := range d {
		d[i] = float64(t[i+1] - t[i])
	}
	return d
}
