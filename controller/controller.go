package controller

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prescale/prescale/controller/actuator"
	"github.com/prescale/prescale/controller/engine"
	"github.com/prescale/prescale/controller/history"
	"github.com/prescale/prescale/controller/policy"
	"github.com/prescale/prescale/controller/state"
	"github.com/prescale/prescale/predictor"
)

// DetectorFactory returns a fresh streaming anomaly detector.
type DetectorFactory func() (predictor.Detector, error)

// Decider is the pure decision function (policy.Decide in production).
type Decider func(in policy.Input, t policy.Target, st policy.State) policy.Decision

// UnitsSource reports the units a target has (the simulated pool does;
// otherwise the controller assumes its last decision was applied).
type UnitsSource interface {
	Units(target string) (ready, provisioning int, ok bool)
}

// Options are the controller's parameters (from Config).
type Options struct {
	Interval         time.Duration
	Window           time.Duration
	Step             time.Duration
	Coverage         float64
	Mode             string
	AnomalyThreshold float64
	ManualDuration   time.Duration
	// KeepDecisions is how many recent decisions per target are kept for
	// the API; 0 means 20.
	KeepDecisions int
	// Workers bounds concurrent targets per cycle; 0 means GOMAXPROCS - 1
	// (at least 1), leaving a core to the REST API while a cycle runs.
	Workers int
}

// Deps are the controller's parts. History, NewDetector, Decide, State and
// Now are required; NewForecaster (nil: engine.DefaultForecaster),
// Actuators, Units, Metrics and Logger may be nil.
type Deps struct {
	History history.History
	// NewForecaster builds each target's streaming forecaster (the
	// backtest's, so that a backtest replays what the controller decides).
	NewForecaster engine.NewForecasterFunc
	NewDetector   DetectorFactory
	Decide        Decider
	// Actuators carry decisions out, level-triggered (each re-sends the
	// current desired units until acknowledged); the caller runs their
	// background delivery (Level.Run) unless they are inline.
	Actuators []*actuator.Level
	Units     UnitsSource
	State     *state.Store
	Metrics   *Metrics
	Now       func() time.Time
	Logger    *slog.Logger
}

// snapshot is what the last cycle saw and decided for one target.
type snapshot struct {
	at          time.Time
	start, end  time.Time
	series      history.Series
	histErr     string
	histUp      bool
	badQuery    bool // the store answered, the target's query is at fault
	present     bool
	demand      float64
	demandAt    int64
	fc          predictor.Forecast
	fcStart     int64 // unix seconds of fc.Mean[0]
	fcErr       string
	anomScore   float64
	anomaly     bool
	anomalous   []int // indices into series
	modelErr    float64
	requested   int // units the policy decided from (see requestedUnits)
	current     int // units published as current (see currentUnits)
	observed    int // units the target's current_query read, if observedOK
	observedOK  bool
	currentErr  string // why current_query gave no units
	decision    policy.Decision
	hasDecision bool
}

// Controller runs the decision loop over a set of targets.
type Controller struct {
	targets []policy.Target
	byName  map[string]int
	o       Options
	d       Deps
	log     *slog.Logger

	// cycleMu serialises cycles and manual scalings: both read, change and
	// write back a target's persisted state.
	cycleMu sync.Mutex

	mu        sync.RWMutex
	file      state.File
	snaps     []snapshot
	lastCycle time.Time
	failed    int64
	histUp    bool
	histOK    time.Time
	histErr   string
	cycled    bool
	gen       atomic.Uint64
	engs      []engState // per target, used under cycleMu only
	lags      []lagWatch // per target, used under cycleMu only
}

// engState is a target's streaming decision pipeline between cycles: the
// engine has observed every grid point up to its Last; anomalous holds the
// observed points (unix seconds) it flagged that are still in the window.
type engState struct {
	eng       *engine.Engine
	anomalous map[int64]bool
}

// newEngine returns a fresh pipeline for target idx.
func (c *Controller) newEngine(idx int) (engState, error) {
	det, err := c.d.NewDetector()
	if err != nil {
		return engState{}, err
	}
	eng, err := engine.New(engine.Config{
		Target: c.targets[idx], Step: c.o.Step, Interval: c.o.Interval, Coverage: c.o.Coverage,
		NewForecaster: c.d.NewForecaster, Detector: det, AnomalyThreshold: c.o.AnomalyThreshold,
		Decide: c.d.Decide,
	})
	if err != nil {
		return engState{}, err
	}
	return engState{eng: eng, anomalous: map[int64]bool{}}, nil
}

// observe feeds the engine the grid points after the last one it saw, in
// order, up to the last present one (trailing missing points are fed once
// a later point is present, as a backtest sees them). It starts a fresh
// engine, warmed on the whole window, on the first cycle (also after a
// restart: forecaster internals are not persisted), when the grid moved
// back (a clock change) or after a gap wider than the window (a long
// outage: old state would no longer describe the series).
func (c *Controller) observe(idx int, s history.Series, start, stepSec int64, snap *snapshot) error {
	e := &c.engs[idx]
	last, ok := e.eng.Last()
	if ok && (last > s.T[len(s.T)-1] || last < s.T[0]-stepSec) {
		fresh, err := c.newEngine(idx)
		if err != nil {
			return err
		}
		*e = fresh
	}
	end := len(s.V) - 1
	for end >= 0 && math.IsNaN(s.V[end]) {
		end--
	}
	i := 0
	if _, ok := e.eng.Last(); !ok {
		for i <= end && math.IsNaN(s.V[i]) { // a cold start begins at the first sample
			i++
		}
	}
	for ; i <= end; i++ {
		if _, anomalous, ok := e.eng.Observe(s.T[i], s.V[i]); ok && anomalous {
			e.anomalous[s.T[i]] = true
		}
	}
	for ts := range e.anomalous {
		if ts < start {
			delete(e.anomalous, ts)
		}
	}
	for i, ts := range s.T {
		if e.anomalous[ts] {
			snap.anomalous = append(snap.anomalous, i)
		}
	}
	return nil
}

// New builds a controller and loads its persisted state.
func New(targets []policy.Target, o Options, d Deps) (*Controller, error) {
	if len(targets) == 0 {
		return nil, errors.New("controller: no targets")
	}
	if d.History == nil || d.NewDetector == nil || d.Decide == nil || d.State == nil || d.Now == nil {
		return nil, errors.New("controller: History, NewDetector, Decide, State and Now are required")
	}
	if o.Interval <= 0 || o.Step <= 0 || o.Window < o.Step {
		return nil, fmt.Errorf("controller: bad timing: interval %s, step %s, window %s", o.Interval, o.Step, o.Window)
	}
	if o.KeepDecisions <= 0 {
		o.KeepDecisions = 20
	}
	if o.Workers <= 0 {
		o.Workers = max(1, runtime.GOMAXPROCS(0)-1)
	}
	if o.ManualDuration <= 0 {
		o.ManualDuration = time.Hour
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.Metrics == nil {
		d.Metrics = NewMetrics(nil, targets)
	}
	f, err := d.State.Load()
	if err != nil {
		return nil, err
	}
	resolved := make([]policy.Target, len(targets))
	for i, t := range targets {
		resolved[i] = engine.Resolve(t, o.Interval)
	}
	c := &Controller{targets: resolved, byName: map[string]int{}, o: o, d: d, log: d.Logger, file: f,
		snaps: make([]snapshot, len(targets)), engs: make([]engState, len(targets)),
		lags: make([]lagWatch, len(targets))}
	for i, t := range resolved {
		if ts, ok := f.Targets[t.Name]; ok {
			for _, msg := range ts.Sanitize(t.MinUnits, t.MaxUnits) {
				d.Logger.Warn("state file value out of range", "target", t.Name, "file", d.State.Path(), "fixed", msg)
			}
			f.Targets[t.Name] = ts
		}
		if c.engs[i], err = c.newEngine(i); err != nil {
			return nil, fmt.Errorf("target %s: %w", t.Name, err)
		}
		c.byName[t.Name] = i
		c.restoreActuation(t, f.Targets[t.Name])
		// Publish the held state at once so a restarted controller shows
		// its last decision before its first cycle.
		if ts, ok := f.Targets[t.Name]; ok && ts.Policy.HasLast {
			lv := []string{t.Name, t.Tier, string(t.Kind)}
			d.Metrics.desired.WithLabelValues(lv...).Set(float64(ts.Policy.LastDesired))
		}
	}
	return c, nil
}

// Targets returns the configured targets.
func (c *Controller) Targets() []policy.Target { return c.targets }

// LastDesired returns the persisted last decision of a target, if any.
func (c *Controller) LastDesired(target string) (int, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	ts, ok := c.file.Targets[target]
	return ts.Policy.LastDesired, ok && ts.Policy.HasLast
}

// errHistory marks a cycle error caused by the history source.
var errHistory = errors.New("history source unavailable")

// ReconcileOnce runs one cycle over every target: query → clean → forecast
// → detect → decide → act → publish, then persists the state. Errors are
// returned joined; a failing target never stops the others.
func (c *Controller) ReconcileOnce(ctx context.Context) error {
	c.cycleMu.Lock()
	defer c.cycleMu.Unlock()
	now := c.d.Now()
	start := time.Now()
	results := make([]snapshot, len(c.targets))
	c.mu.RLock()
	prev := make([]state.Target, len(c.targets))
	for i, t := range c.targets {
		prev[i] = c.file.Targets[t.Name]
	}
	c.mu.RUnlock()

	type out struct {
		ts  state.Target
		err error
	}
	outs := make([]out, len(c.targets))
	sem := make(chan struct{}, c.o.Workers)
	var wg sync.WaitGroup
	for i := range c.targets {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			snap, ts, err := c.reconcileTarget(ctx, now, i, c.targets[i], prev[i])
			results[i] = snap
			outs[i] = out{ts, err}
		}()
	}
	wg.Wait()

	var errs []error
	up, healthy := true, true
	var histErr string
	c.mu.Lock()
	for i, t := range c.targets {
		c.file.Targets[t.Name] = outs[i].ts
		c.snaps[i] = results[i]
		if outs[i].err != nil {
			errs = append(errs, fmt.Errorf("target %s: %w", t.Name, outs[i].err))
		}
		if !results[i].histUp {
			up = false
			histErr = results[i].histErr
		}
		if !results[i].present {
			healthy = false
		}
	}
	recovered := up && c.cycled && !c.histUp
	lastOK := c.histOK
	c.histUp = up
	if up {
		c.histOK = now
		c.histErr = ""
	} else {
		c.histErr = histErr
	}
	c.lastCycle = now
	c.cycled = true
	c.file.SavedAt = now
	file := c.copyFileLocked()
	c.mu.Unlock()
	if recovered {
		attrs := []any{}
		if !lastOK.IsZero() {
			attrs = append(attrs, "last_ok", lastOK.UTC().Format(time.RFC3339), "down_for", now.Sub(lastOK).Round(time.Second).String())
		}
		c.log.Info("history source recovered", attrs...)
	}

	if err := c.d.State.Save(file); err != nil {
		c.d.Metrics.stateSaveFail.Inc()
		errs = append(errs, err)
	}
	c.gen.Add(1)
	m := c.d.Metrics
	m.historyUp.Set(b2f(up))
	m.historyHealth.Set(b2f(healthy))
	m.cycles.Inc()
	m.cycleDuration.Observe(time.Since(start).Seconds())
	m.lastCycle.Set(float64(now.UnixNano()) / 1e9)
	err := errors.Join(errs...)
	if err != nil {
		c.mu.Lock()
		c.failed++
		c.mu.Unlock()
		m.cyclesFailed.Inc()
	}
	return err
}

func (c *Controller) copyFileLocked() state.File {
	f := state.File{Version: c.file.Version, SavedAt: c.file.SavedAt, Targets: make(map[string]state.Target, len(c.file.Targets))}
	for k, v := range c.file.Targets {
		f.Targets[k] = v
	}
	return f
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// reconcileTarget runs the cycle for one target; it returns what it saw,
// the target's next persisted state and an error for the log.
func (c *Controller) reconcileTarget(ctx context.Context, now time.Time, idx int, t policy.Target, ts state.Target) (snapshot, state.Target, error) {
	step := c.o.Step
	stepSec := int64(step / time.Second)
	// The history grid is aligned on whole steps, so a cycle sees the same
	// grid points as the last one plus the new ones (the streaming detector
	// only scores new points); the current demand is read at now itself.
	end := now.Truncate(step)
	start := end.Add(-c.o.Window)
	snap := snapshot{at: now, start: start, end: end, histUp: true, demand: math.NaN()}
	s, cycleErr := c.query(ctx, t, &snap)

	// Detect and forecast: the grid points newer than the last one fed go
	// through the target's engine in order (anomalous points are kept out
	// of the forecaster's fitting).
	if len(s.V) > 0 {
		if err := c.observe(idx, s, start.Unix(), stepSec, &snap); err != nil {
			return snap, ts, err
		}
	}

	snap.modelErr = modelError(s, ts)
	ts, err := c.decideAndAct(ctx, idx, t, ts, &snap)
	// The error is logged once, by Run, with the whole cycle's errors.
	return snap, ts, errors.Join(cycleErr, err)
}

// modelError scores the previous cycle's one-step-ahead mean forecast
// against the series (NaN when its point is missing).
func modelError(s history.Series, ts state.Target) float64 {
	if ts.PrevForecastAt.IsZero() {
		return math.NaN()
	}
	pt := ts.PrevForecastAt.Unix()
	for i := len(s.T) - 1; i >= 0 && s.T[i] >= pt; i-- {
		if s.T[i] == pt && !math.IsNaN(s.V[i]) {
			return math.Abs(ts.PrevForecast - s.V[i])
		}
	}
	return math.NaN()
}

// decideAndAct runs the decide and act phases of a target's cycle on what
// the query phase saw: the units (requested, and current as acknowledged or
// read back), cost, the decision, its hand-over to the actuators, the
// observed provisioning lag and the published metrics.
func (c *Controller) decideAndAct(ctx context.Context, idx int, t policy.Target, ts state.Target, snap *snapshot) (state.Target, error) {
	snap.requested = c.requestedUnits(t, ts)
	err := c.readCurrent(ctx, t, snap)
	snap.current = c.currentUnits(t, snap.requested, *snap)
	ts = accrueCost(t, ts, snap.at, snap.current)
	ts = c.decide(idx, t, ts, snap)

	c.act(ctx, t, snap.decision, *snap)
	ts.Acked = c.ackedState(t.Name)
	c.watchLag(idx, t, *snap)
	c.publish(t, *snap, ts)
	return ts, err
}

// query reads a target's history window and its current demand into snap
// (series, demand, presence, the history problem) and returns the window
// and the cycle's error for the log: the source down, or the target's
// query at fault (several series, a failed evaluation, NaN or ±Inf for
// the current demand: snap.badQuery, the decision holds with reason
// bad_query).
func (c *Controller) query(ctx context.Context, t policy.Target, snap *snapshot) (history.Series, error) {
	now, start, end, step := snap.at, snap.start, snap.end, c.o.Step
	var cycleErr error
	histErr := func(err error) {
		switch {
		case err == nil:
		case errors.Is(err, history.ErrNoData):
			if snap.histErr == "" {
				snap.histErr = err.Error()
			}
		case history.IsQueryError(err):
			// The source answered: the target's query is at fault (several
			// series, a failed evaluation, no finite value). A target data
			// problem, not an outage: other targets and /readyz are unaffected.
			if !snap.badQuery {
				snap.badQuery, snap.histErr = true, fmt.Sprintf("query %q: %v", t.Query, err)
				cycleErr = fmt.Errorf("target query %q: %w", t.Query, err)
			}
		default:
			if snap.histUp {
				snap.histUp = false
				snap.histErr = err.Error()
				cycleErr = fmt.Errorf("%w: %w", errHistory, err)
			}
		}
	}

	// Query: the window, then the current value at now itself (instant
	// query semantics: the latest sample at or before now, so a store with
	// only seconds of data already gives a demand on the first cycle).
	q0 := time.Now()
	s, err := c.d.History.QueryRange(ctx, t.Query, start, end, step)
	c.d.Metrics.queryDuration.Observe(time.Since(q0).Seconds())
	snap.series = s
	histErr(err)
	if !snap.histUp {
		return s, cycleErr
	}
	nowMs := now.Truncate(time.Millisecond)
	if nowMs.Equal(end) {
		if tl, v, ok := s.Last(); ok && tl == end.Unix() {
			snap.present, snap.demand, snap.demandAt = true, v, tl
		}
	} else {
		q1 := time.Now()
		cur, err := c.d.History.QueryRange(ctx, t.Query, nowMs, nowMs, step)
		c.d.Metrics.queryDuration.Observe(time.Since(q1).Seconds())
		histErr(err)
		if tl, v, ok := cur.Last(); ok {
			snap.present, snap.demand, snap.demandAt = true, v, tl
		}
	}
	switch tl, _, ok := s.Last(); {
	case snap.present || snap.badQuery:
	case nowMs.Equal(end) && s.LastDropped == end.Unix():
		// The current demand is NaN or ±Inf (e.g. 0/0 in a ratio).
		err := fmt.Errorf("%w at the current demand (%s)", history.ErrNotFinite, end.UTC().Format(time.RFC3339))
		snap.badQuery, snap.histErr = true, fmt.Sprintf("query %q: %v", t.Query, err)
		cycleErr = fmt.Errorf("target query %q: %w", t.Query, err)
	case ok:
		// The window has data but none fresh: say so, not "no data".
		snap.histErr = staleMessage(time.Unix(tl, 0), now, step)
	}
	return s, cycleErr
}

// accrueCost accrues the cost of the current units since the last cycle
// into ts; the daily cost resets at UTC midnight.
func accrueCost(t policy.Target, ts state.Target, now time.Time, units int) state.Target {
	day := now.UTC().Format(time.DateOnly)
	if ts.CostDay != day {
		ts.CostDay, ts.CostToday = day, 0
	}
	if !ts.CostAt.IsZero() && now.After(ts.CostAt) && t.CostPerUnitHour > 0 {
		c0 := float64(units) * t.CostPerUnitHour * now.Sub(ts.CostAt).Hours()
		ts.CostToday += c0
		ts.CostTotal += c0
	}
	ts.CostAt = now
	return ts
}

// decide asks the target's engine for the decision at snap.at and records
// it (and the forecast it used) in snap and the returned state.
func (c *Controller) decide(idx int, t policy.Target, ts state.Target, snap *snapshot) state.Target {
	now := snap.at
	stepSec := int64(c.o.Step / time.Second)
	// Decide: the engine's forecast (from its last observed grid point)
	// over the lead window, at now.
	eng := c.engs[idx].eng
	out := eng.Decide(engine.Input{
		Now: now, CurrentUnits: snap.requested, Demand: snap.demand, DataPresent: snap.present, CostToday: ts.CostToday,
		BadQuery: snap.badQuery, Problem: snap.histErr,
	}, ts.Policy)
	dec := out.Decision
	ts.Policy = out.State
	snap.anomScore, snap.anomaly = out.AnomalyScore, out.Anomaly
	if out.ForecastErr != nil && snap.present {
		snap.fcErr = out.ForecastErr.Error()
	}
	// Publish (metrics, API, model error) every forecast, from the first
	// sample on: its confidence says how far to trust it (low while the
	// forecaster warms up, when the policy decides reactively).
	if len(out.Forecast.Mean) > 0 {
		snap.fc = nonNegative(t.Kind, out.Forecast)
	}
	// A forecast the decision did not use (no fresh data: an outage, a
	// missing series; a manual override) is not published either, so
	// /api/predictions and the prescale_forecast* series agree: both drop
	// it the same cycle.
	if dec.Explanation.ForecastPoints == 0 && len(snap.fc.Mean) > 0 {
		snap.fc = predictor.Forecast{}
		if snap.fcErr == "" && snap.histErr == "" {
			snap.fcErr = fmt.Sprintf("no forecast used this cycle (decision reason %s)", dec.Reason)
		}
	}
	if last, ok := eng.Last(); ok {
		snap.fcStart = last + stepSec
	}
	snap.decision, snap.hasDecision = dec, true
	ts.Decisions = appendBounded(ts.Decisions, dec, c.o.KeepDecisions)
	if len(snap.fc.Mean) > 0 {
		ts.PrevForecast, ts.PrevForecastAt = snap.fc.Mean[0], time.Unix(snap.fcStart, 0).UTC()
	}
	return ts
}

// staleMessage says that a target's history has no value at the cycle's
// time, how old its newest point (at last) is, and that decisions hold.
func staleMessage(last, now time.Time, step time.Duration) string {
	return fmt.Sprintf("history: stale data: the newest point, at %s, is %s old (step %s); none at the cycle time: decisions held",
		last.UTC().Format(time.RFC3339), now.Sub(last).Round(time.Second), step)
}

// nonNegative returns fc with Lower, Mean and Upper clamped at 0 for the
// target kinds that measure a non-negative demand — all of them: instances,
// cpu, memory and storage are counts and amounts, so a negative bound is an
// artefact of the model's scale, not a possible outcome. The decision
// itself is unaffected (only the published copy is clamped).
func nonNegative(k policy.Kind, fc predictor.Forecast) predictor.Forecast {
	switch k {
	case "", policy.KindInstances, policy.KindCPU, policy.KindMemory, policy.KindStorage:
	default:
		return fc
	}
	clamp := func(x []float64) []float64 {
		out := make([]float64, len(x))
		for i, v := range x {
			out[i] = v // NaN stays NaN
			if v < 0 {
				out[i] = 0
			}
		}
		return out
	}
	fc.Mean, fc.Lower, fc.Upper = clamp(fc.Mean), clamp(fc.Lower), clamp(fc.Upper)
	return fc
}

func appendBounded(ds []policy.Decision, d policy.Decision, n int) []policy.Decision {
	ds = append(ds, d)
	if len(ds) > n {
		ds = append([]policy.Decision(nil), ds[len(ds)-n:]...)
	}
	return ds
}

// Explain renders a decision's explanation as one line for logs, webhooks
// and exec commands.
func Explain(d policy.Decision) string {
	e := d.Explanation
	return fmt.Sprintf("%s -> %d units (rule %s): demand %.4g, reactive floor %d, forecast upper %.4g over %s..%s (%d points, model %q, confidence %.2f, threshold %.2f) needs %d, anomaly score %.2f, current %d",
		d.Reason, d.Desired, e.Rule, e.Demand, e.ReactiveFloor, e.UpperUsed,
		e.WindowStart.UTC().Format(time.RFC3339), e.WindowEnd.UTC().Format(time.RFC3339),
		e.ForecastPoints, e.Model, e.Confidence, e.ConfidenceThreshold, e.ForecastUnits, e.AnomalyScore, e.CurrentUnits)
}

// publish sets the target's metrics from the cycle's snapshot.
func (c *Controller) publish(t policy.Target, snap snapshot, ts state.Target) {
	m := c.d.Metrics
	lv := []string{t.Name, t.Tier, string(t.Kind)}
	dec := snap.decision
	m.desired.WithLabelValues(lv...).Set(float64(dec.Desired))
	m.current.WithLabelValues(lv...).Set(float64(snap.current))
	ex := dec.Explanation
	if ex.ForecastPoints > 0 && len(snap.fc.Mean) > 0 {
		m.forecast.WithLabelValues(lv...).Set(nonNegativeValue(t.Kind, ex.MeanUsed))
		m.forecastHi.WithLabelValues(lv...).Set(nonNegativeValue(t.Kind, ex.UpperUsed))
		k := min(ex.ForecastPoints, len(snap.fc.Lower)) - 1
		if k >= 0 && !math.IsNaN(snap.fc.Lower[k]) && !math.IsInf(snap.fc.Lower[k], 0) {
			m.forecastLo.WithLabelValues(lv...).Set(snap.fc.Lower[k])
		}
	} else {
		// No forecast this cycle: drop the series rather than leave the
		// last cycle's values looking current.
		m.forecast.DeleteLabelValues(lv...)
		m.forecastLo.DeleteLabelValues(lv...)
		m.forecastHi.DeleteLabelValues(lv...)
	}
	m.anomaly.WithLabelValues(lv...).Set(snap.anomScore)
	m.confidence.WithLabelValues(lv...).Set(ex.Confidence)
	if !math.IsNaN(snap.modelErr) {
		m.modelError.WithLabelValues(lv...).Set(snap.modelErr)
	}
	m.costPerHour.WithLabelValues(lv...).Set(float64(snap.current) * t.CostPerUnitHour)
	m.costToday.WithLabelValues(lv...).Set(ts.CostToday)
	m.budgetCapped.WithLabelValues(lv...).Set(b2f(dec.Reason == policy.ReasonBudget))
	m.dataOK.WithLabelValues(lv...).Set(b2f(snap.present))
	if snap.present {
		m.demand.WithLabelValues(lv...).Set(snap.demand)
	}
	m.lastDecision.WithLabelValues(lv...).Set(float64(snap.at.UnixNano()) / 1e9)
	m.decisions.WithLabelValues(t.Name, dec.Direction(), string(dec.Reason)).Inc()
}

// nonNegativeValue clamps one published value as nonNegative does.
func nonNegativeValue(k policy.Kind, v float64) float64 {
	return nonNegative(k, predictor.Forecast{Mean: []float64{v}}).Mean[0]
}

// Run calls ReconcileOnce at start, then at every whole multiple of the
// interval (wall clock: with an interval equal to the step, cycles fall on
// the history grid, where a backtest decides) until ctx ends; it never
// returns a cycle's error (failed cycles are logged and counted). While the
// history source is down it retries sooner, with exponential backoff from
// 1 s up to the interval.
func (c *Controller) Run(ctx context.Context) error {
	next := c.d.Now()
	backoff := time.Duration(0)
	for {
		lateness := c.d.Now().Sub(next)
		c.d.Metrics.cycleLateness.Observe(max(0, lateness.Seconds()))
		err := c.ReconcileOnce(ctx)
		if ctx.Err() != nil {
			return nil
		}
		now := c.d.Now()
		if err != nil {
			c.log.Warn("cycle failed", "err", err)
		}
		if errors.Is(err, errHistory) {
			backoff = min(max(time.Second, 2*backoff), c.o.Interval)
			next = now.Add(backoff)
		} else {
			backoff = 0
			// The next multiple of the interval (skipping missed ticks).
			next = now.Truncate(c.o.Interval).Add(c.o.Interval)
		}
		timer := time.NewTimer(next.Sub(now))
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil
		case <-timer.C:
		}
	}
}
