package backtest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/big"
	"time"

	"github.com/prescale/prescale/controller/engine"
	"github.com/prescale/prescale/controller/internal/simpool"
	"github.com/prescale/prescale/controller/policy"
	"github.com/prescale/prescale/predictor"
	"github.com/prescale/prescale/predictor/series"
)

// Config is one backtest's setup.
type Config struct {
	// Target carries capacity, utilisation, bounds, lag and the other
	// rules; it must validate.
	Target policy.Target
	// Coverage is the central interval coverage asked of the forecaster;
	// the decision provisions for its upper bound.
	Coverage float64
	// NewForecaster builds the forecaster; nil means engine.DefaultForecaster.
	NewForecaster engine.NewForecasterFunc
	// HPATargets are the utilisation targets of the reactive baseline
	// curve; BaselineTarget is the one drawn and summarised beside prescale
	// (0 means the target at equal cost, EqualCost.Target).
	HPATargets     []float64
	BaselineTarget float64
	// HoldUntilReady sets the target's stabilisation window to the lag
	// (engine.HoldWindow), so that each recommendation stays in force until
	// the units it requested are ready (the pool cancels pending units on
	// scale-down).
	HoldUntilReady bool
	// Detector, when set, scores every sample (streaming, causal); a score
	// at or above AnomalyThreshold flags the decision's input as anomalous
	// and keeps the sample out of the forecaster's fitting (it sees a gap).
	Detector         predictor.Detector
	AnomalyThreshold float64
	// NoShadowHPA turns the engine's shadow HPA safety net off
	// (engine.Config.NoShadowHPA); the live controller always runs it.
	NoShadowHPA bool
	// QueryGrid says the rows are a query's answers on the step grid
	// (QueryRange: `prescale backtest --prometheus`): the server has
	// applied its lookback, so a NaN row is it answering nothing there and
	// stays NaN. Otherwise a NaN row is a sample the controller's store
	// never holds (it skips NaN when it writes) and reads as the store
	// answers between rows (storeGrid).
	QueryGrid bool
	// EvalStart is the first scored sample index.
	EvalStart int
	// Explain keeps every decision with what it was made from
	// (Result.Explain, WriteExplain).
	Explain bool
	// Progress, when set, is called every ProgressEvery samples (0: 10,000).
	Progress      func(done, total int)
	ProgressEvery int
}

// MinHPATarget and MaxHPATarget bound an HPA utilisation target of the
// baseline curve: 1 is a unit at its capacity (a target of 2 ran every
// unit at twice what it serves, as PRESCALE_TARGET_UTILIZATION is at most
// 1), and the baseline drawn beside prescale is the target at equal cost
// rounded to 0.001 (compare), which a curve below 0.001 may round to 0.
const (
	MinHPATarget = 0.001
	MaxHPATarget = 1.0
)

// DefaultHPATargets are the referee's utilisation targets used by
// `make bench-accuracy`.
func DefaultHPATargets() []float64 {
	return []float64{0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95}
}

// DefaultTarget is the backtest's target: utilisation 1 (the violation test
// is at full capacity, headroom comes from the forecast distribution),
// expected-cost sizing at DefaultRiskPerUnit, a hold-mode reactive floor
// and the default confidence threshold (docs/architecture.md).
func DefaultTarget(capacity float64, lag time.Duration, minUnits, maxUnits int) policy.Target {
	return policy.Target{
		Name: "backtest", Kind: policy.KindInstances, CapacityPerUnit: capacity,
		TargetUtilization: 1, MinUnits: minUnits, MaxUnits: maxUnits, Lag: lag,
		ConfidenceThreshold: policy.DefaultConfidenceThreshold,
		RiskPerUnit:         engine.DefaultRiskPerUnit, FloorMode: engine.DefaultFloorMode, UsageWindow: lag,
		ChangeCost: engine.DefaultChangeCost,
	}
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
	// Explain holds every sample's decision and what it was made from,
	// with Config.Explain (nil otherwise).
	Explain []Explained
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

// Run replays t, v (NaN = missing) through the decision engine: at sample
// i the forecaster has seen samples 0..i only (and the grid points missing
// between them, as the controller's store answers them: storeGrid), and
// policy.Decide sees the pool as the simulator has it. As the controller
// cycling every step, the engine also decides at those grid points,
// without an output row. It then runs the HPA curve, the HPA at equal
// cost and the oracle through the same simulator.
func Run(ctx context.Context, t []int64, v []float64, cfg Config) (*Result, error) {
	if err := checkRun(t, v, cfg); err != nil {
		return nil, err
	}
	tg := cfg.Target
	// The violation test is at full capacity, whatever the utilisation target.
	sim := NewSim(t, v, tg.CapacityPerUnit, tg.Lag.Seconds(), tg.MinUnits, tg.MaxUnits, cfg.EvalStart)
	spacings := diffs(t)
	step := time.Duration(math.Round(series.Median(spacings))) * time.Second
	if cfg.HoldUntilReady {
		tg.HoldUntilReady = true
	}
	eng, err := engine.New(engine.Config{
		Target: tg, Step: step, Interval: step, Coverage: cfg.Coverage, NewForecaster: cfg.NewForecaster,
		Detector: cfg.Detector, AnomalyThreshold: cfg.AnomalyThreshold, NoShadowHPA: cfg.NoShadowHPA,
		DecideOnly: true, // the replay reads decisions only
		LeadStep:   LeadStepOf(spacings),
	})
	if err != nil {
		return nil, err
	}
	n := len(t)
	res := &Result{
		T: t, Demand: v, Desired: make([]int, n), Reasons: make([]policy.Reason, n),
		Step: step, Horizon: eng.Horizon(), EvalStart: cfg.EvalStart, Timeline: make([]Sample, n),
		ReasonCounts: map[policy.Reason]int{},
	}
	if cfg.Explain {
		res.Explain = make([]Explained, n)
	}
	r := &replayer{ctx: ctx, cfg: cfg, eng: eng, grid: newStoreGrid(step, cfg.QueryGrid), res: res, every: cfg.ProgressEvery}
	if r.every <= 0 {
		r.every = 10000
	}
	initial := sim.InitialUnits()
	res.Prescale = sim.Run(initial, r.step, res.Timeline)
	if r.err != nil {
		return nil, r.err
	}
	if cfg.Progress != nil {
		cfg.Progress(n, n)
	}
	if err := compare(ctx, res, sim, cfg, initial); err != nil {
		return nil, err
	}
	return res, nil
}

// checkRun validates Run's arguments.
func checkRun(t []int64, v []float64, cfg Config) error {
	n := len(t)
	if n < 2 {
		return fmt.Errorf("trace: need at least 2 samples, got %d", n)
	}
	if len(v) != n {
		return errors.New("backtest: timestamps and values differ in length")
	}
	for i := 1; i < n; i++ {
		if t[i] <= t[i-1] {
			return fmt.Errorf("trace: timestamps must be strictly increasing (%d after %d)", t[i], t[i-1])
		}
	}
	if err := cfg.Target.Validate(); err != nil {
		return err
	}
	if !(cfg.Coverage > 0 && cfg.Coverage < 1) {
		return fmt.Errorf("coverage must be in (0, 1), got %v", cfg.Coverage)
	}
	if cfg.EvalStart < 0 || cfg.EvalStart >= n {
		return fmt.Errorf("eval start %d outside [0, %d)", cfg.EvalStart, n)
	}
	for _, target := range cfg.HPATargets {
		if !(target > 0) {
			return fmt.Errorf("hpa target must be > 0, got %v", target)
		}
	}
	return nil
}

// ctxEvery is how many samples the replay runs between checks of its
// context.
const ctxEvery = 64

// replayer is prescale's Stepper: the engine deciding at every sample on
// the simulated pool, recording each decision in res.
type replayer struct {
	ctx   context.Context
	cfg   Config
	eng   *engine.Engine
	grid  *storeGrid
	st    policy.State
	res   *Result
	every int
	err   error // the context's, once cancelled
}

func (r *replayer) step(i int, pool *simpool.Pool) (int, bool) {
	if i%r.every == 0 && r.cfg.Progress != nil && i > 0 {
		r.cfg.Progress(i, len(r.res.T))
	}
	// A cancelled context (SIGTERM) stops the replay within ctxEvery
	// samples: well under a second at the engine's speed.
	if i%ctxEvery == 0 && r.err == nil {
		r.err = r.ctx.Err()
	}
	if r.err != nil {
		return pool.Requested(), true // the result is discarded
	}
	t := r.res.T[i]
	cur := pool.Requested()
	// The controller, cycling every step, also decides at the grid points
	// the trace has no row for: no output row, but the engine's and the
	// policy's state move on, and the next decision starts from the units
	// decided there (the controller takes its last decision as applied).
	for k := r.grid.missing(t); k >= 1; k-- {
		p := t - k*r.grid.step
		a := r.grid.at(p)
		r.grid.pass(r.eng, p, a)
		cur = r.decide(p, a, cur).Decision.Desired
	}
	a := r.grid.row(t, r.res.Demand[i])
	r.grid.pass(r.eng, t, a)
	out := r.decide(t, a, cur)
	d := out.Decision
	r.res.Desired[i], r.res.Reasons[i] = d.Desired, d.Reason
	r.res.ReasonCounts[d.Reason]++
	if r.res.Explain != nil {
		q := out.PeakQuantiles
		r.res.Explain[i] = Explained{Demand: a, Decision: d, RoundTrips: out.State.RoundTrips,
			Peak50: policy.PeakAt(q, 0.5), Peak90: policy.PeakAt(q, 0.9), Peak99: policy.PeakAt(q, 0.99)}
	}
	return d.Desired, true
}

// decide is the engine's decision at grid time t on the store's answer a
// there (NaN: none) with cur units requested; it moves the policy state on.
func (r *replayer) decide(t int64, a float64, cur int) engine.Output {
	out := r.eng.Decide(engine.Input{
		Now: time.Unix(t, 0).UTC(), CurrentUnits: cur, Demand: a, DataPresent: !math.IsNaN(a),
	}, r.st)
	r.st = out.State
	return out
}

// compare runs the HPA curve, compares prescale with it at equal cost,
// runs the oracle, and the baseline HPA drawn beside prescale: the target
// at equal cost (cfg.BaselineTarget when set), rounded to 0.001.
func compare(ctx context.Context, res *Result, sim *Sim, cfg Config, initial int) error {
	var err error
	if res.HPA, err = hpaCurve(ctx, sim, cfg, initial); err != nil {
		return err
	}
	res.Equal = CompareAtEqualCost(res.Prescale, res.HPA)
	oracle := sim.OracleRequests()
	res.Oracle = sim.Run(oracle[0], Replay(oracle), nil)

	base := cfg.BaselineTarget
	if base <= 0 {
		base = math.Round(res.Equal.Target*1000) / 1000
	}
	if !(base > 0) {
		return fmt.Errorf("baseline hpa target must be > 0, got %v", base)
	}
	res.BaselineTimeline = make([]Sample, len(res.T))
	res.Baseline = CostPoint{Target: base, Figures: sim.Run(initial, sim.HPA(base), res.BaselineTimeline)}
	return nil
}

func diffs(t []int64) []float64 {
	d := make([]float64, len(t)-1)
	for i := range d {
		d[i] = float64(t[i+1] - t[i])
	}
	return d
}
