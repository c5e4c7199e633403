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
	"github.com/prescale/prescale/controller/history"
	"github.com/prescale/prescale/controller/policy"
	"github.com/prescale/prescale/controller/state"
	"github.com/prescale/prescale/predictor"
)

// Forecaster fits a model on a history (unix seconds, NaN = missing) and
// forecasts h steps after its last sample with a central interval.
type Forecaster interface {
	Forecast(t []int64, y []float64, h int, coverage float64) (predictor.Forecast, error)
}

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

// Deps are the controller's parts. History, Forecaster, NewDetector,
// Decide, State and Now are required; Actuator, Units, Metrics and Logger
// may be nil.
type Deps struct {
	History     history.History
	Forecaster  Forecaster
	NewDetector DetectorFactory
	Decide      Decider
	Actuator    actuator.Actuator
	Units       UnitsSource
	State       *state.Store
	Metrics     *Metrics
	Now         func() time.Time
	Logger      *slog.Logger
}

// snapshot is what the last cycle saw and decided for one target.
type snapshot struct {
	at          time.Time
	start, end  time.Time
	series      history.Series
	histErr     string
	histUp      bool
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
	current     int
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
	dets      []detState // per target, used under cycleMu only
}

// detState is a target's streaming anomaly detector between cycles: it has
// scored every present grid point up to last; anomalous holds the scored
// points (unix seconds) at or above the threshold that are still in the
// window.
type detState struct {
	det       predictor.Detector
	last      int64
	score     float64
	anomalous map[int64]bool
}

// detect feeds the grid points after the detector's last one, resetting it
// when the grid moved back (a clock change) or left a gap wider than the
// window (a long outage: old state would no longer describe the series).
func (c *Controller) detect(idx int, s history.Series, start, stepSec int64, snap *snapshot) error {
	d := &c.dets[idx]
	first := s.T[0]
	if d.det == nil || d.last > s.T[len(s.T)-1] || d.last < first-stepSec {
		det, err := c.d.NewDetector()
		if err != nil {
			return err
		}
		*d = detState{det: det, last: math.MinInt64, anomalous: map[int64]bool{}}
	}
	for i, v := range s.V {
		if s.T[i] <= d.last || math.IsNaN(v) {
			continue
		}
		d.score = d.det.Update(s.T[i], v)
		if d.score >= c.o.AnomalyThreshold {
			d.anomalous[s.T[i]] = true
		}
		d.last = s.T[i]
	}
	for ts := range d.anomalous {
		if ts < start {
			delete(d.anomalous, ts)
		}
	}
	for i, ts := range s.T {
		if d.anomalous[ts] {
			snap.anomalous = append(snap.anomalous, i)
		}
	}
	snap.anomScore = d.score
	snap.anomaly = d.score >= c.o.AnomalyThreshold
	return nil
}

// New builds a controller and loads its persisted state.
func New(targets []policy.Target, o Options, d Deps) (*Controller, error) {
	if len(targets) == 0 {
		return nil, errors.New("controller: no targets")
	}
	if d.History == nil || d.Forecaster == nil || d.NewDetector == nil || d.Decide == nil || d.State == nil || d.Now == nil {
		return nil, errors.New("controller: History, Forecaster, NewDetector, Decide, State and Now are required")
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
	c := &Controller{targets: targets, byName: map[string]int{}, o: o, d: d, log: d.Logger, file: f,
		snaps: make([]snapshot, len(targets)), dets: make([]detState, len(targets))}
	for i, t := range targets {
		c.byName[t.Name] = i
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
	var cycleErr error
	histErr := func(err error) {
		switch {
		case err == nil:
		case errors.Is(err, history.ErrNoData):
			if snap.histErr == "" {
				snap.histErr = err.Error()
			}
		default:
			if snap.histUp {
				snap.histUp = false
				snap.histErr = err.Error()
				cycleErr = fmt.Errorf("%w: %w", errHistory, err)
			}
		}
	}

	// Query: the window, then the current value.
	q0 := time.Now()
	s, err := c.d.History.QueryRange(ctx, t.Query, start, end, step)
	c.d.Metrics.queryDuration.Observe(time.Since(q0).Seconds())
	snap.series = s
	histErr(err)
	nowSec := now.Truncate(time.Second)
	if snap.histUp {
		if nowSec.Equal(end) {
			if tl, v, ok := s.Last(); ok && tl == end.Unix() {
				snap.present, snap.demand, snap.demandAt = true, v, tl
			}
		} else {
			q1 := time.Now()
			cur, err := c.d.History.QueryRange(ctx, t.Query, nowSec, nowSec, step)
			c.d.Metrics.queryDuration.Observe(time.Since(q1).Seconds())
			histErr(err)
			if tl, v, ok := cur.Last(); ok {
				snap.present, snap.demand, snap.demandAt = true, v, tl
			}
		}
	}

	// Clean and detect: new grid points go through the target's streaming
	// detector in order; anomalous points are kept out of model fitting.
	fitY := make([]float64, len(s.V))
	copy(fitY, s.V)
	if len(s.V) > 0 {
		if err := c.detect(idx, s, start.Unix(), stepSec, &snap); err != nil {
			return snap, ts, err
		}
		for _, i := range snap.anomalous {
			fitY[i] = math.NaN()
		}
	}

	// Score the previous cycle's one-step-ahead forecast.
	snap.modelErr = math.NaN()
	if !ts.PrevForecastAt.IsZero() {
		pt := ts.PrevForecastAt.Unix()
		for i := len(s.T) - 1; i >= 0 && s.T[i] >= pt; i-- {
			if s.T[i] == pt && !math.IsNaN(s.V[i]) {
				snap.modelErr = math.Abs(ts.PrevForecast - s.V[i])
			}
		}
	}

	// Forecast over the lead time. The model is fitted up to the last
	// present grid point; the steps before now + step are dropped so that
	// Mean[0] is one step after now, as the policy expects.
	lead := t.Lag + c.o.Interval
	h := max(1, int(math.Ceil(float64(lead)/float64(step))))
	n := len(fitY)
	for n > 0 && math.IsNaN(fitY[n-1]) {
		n--
	}
	if snap.present && n >= 2 {
		skip := max(0, int(math.Round(float64(now.Unix()-s.T[n-1])/float64(stepSec)))-1)
		fc, ferr := c.d.Forecaster.Forecast(s.T[:n], fitY[:n], h+skip, c.o.Coverage)
		if ferr != nil {
			snap.fcErr = ferr.Error()
		} else {
			fc.Mean, fc.Lower, fc.Upper = tail(fc.Mean, skip), tail(fc.Lower, skip), tail(fc.Upper, skip)
			snap.fc = fc
			snap.fcStart = s.T[n-1] + int64(skip+1)*stepSec
		}
	} else if snap.present {
		snap.fcErr = "too little history to forecast"
	}

	// Current units.
	cur := t.MinUnits
	if ts.Policy.HasLast {
		cur = ts.Policy.LastDesired
	}
	if c.d.Units != nil {
		if r, p, ok := c.d.Units.Units(t.Name); ok {
			cur = r + p
		}
	}
	snap.current = cur

	// Cost: accrue the current units since the last cycle; reset at UTC midnight.
	day := now.UTC().Format(time.DateOnly)
	if ts.CostDay != day {
		ts.CostDay, ts.CostToday = day, 0
	}
	if !ts.CostAt.IsZero() && now.After(ts.CostAt) && t.CostPerUnitHour > 0 {
		c0 := float64(cur) * t.CostPerUnitHour * now.Sub(ts.CostAt).Hours()
		ts.CostToday += c0
		ts.CostTotal += c0
	}
	ts.CostAt = now

	// Decide.
	in := policy.Input{
		Now: now, Interval: c.o.Interval, CurrentUnits: cur,
		DataPresent: snap.present, Demand: snap.demand,
		Forecast: snap.fc, ForecastStep: step,
		AnomalyScore: snap.anomScore, Anomaly: snap.anomaly, CostToday: ts.CostToday,
	}
	dec := c.d.Decide(in, t, ts.Policy)
	ts.Policy = ts.Policy.Record(t, dec)
	snap.decision, snap.hasDecision = dec, true
	ts.Decisions = appendBounded(ts.Decisions, dec, c.o.KeepDecisions)
	if len(snap.fc.Mean) > 0 {
		ts.PrevForecast, ts.PrevForecastAt = snap.fc.Mean[0], time.Unix(snap.fcStart, 0).UTC()
	}

	// Act.
	if err := c.act(ctx, t, dec, snap); err != nil {
		cycleErr = errors.Join(cycleErr, err)
	}
	c.publish(t, snap, ts)
	if cycleErr != nil {
		c.log.Warn("cycle error", "target", t.Name, "err", cycleErr)
	}
	return snap, ts, cycleErr
}

func tail(x []float64, skip int) []float64 {
	if skip <= 0 || skip >= len(x) {
		if skip >= len(x) {
			return nil
		}
		return x
	}
	return x[skip:]
}

func appendBounded(ds []policy.Decision, d policy.Decision, n int) []policy.Decision {
	ds = append(ds, d)
	if len(ds) > n {
		ds = append([]policy.Decision(nil), ds[len(ds)-n:]...)
	}
	return ds
}

// act carries a decision out: only in act mode, only when it changes the
// units, and never on missing data (the decision is then a hold).
func (c *Controller) act(ctx context.Context, t policy.Target, dec policy.Decision, snap snapshot) error {
	if c.o.Mode != ModeAct || c.d.Actuator == nil || dec.Reason == policy.ReasonNoData || dec.Desired == snap.current {
		return nil
	}
	a := actuator.Action{
		Target: t.Name, Tier: t.Tier, Kind: string(t.Kind),
		Current: snap.current, Desired: dec.Desired, Direction: dec.Direction(),
		Reason: string(dec.Reason), Explanation: Explain(dec), Confidence: dec.Explanation.Confidence,
		Forecast: dec.Explanation.MeanUsed, Upper: dec.Explanation.UpperUsed,
		CostPerHour: float64(dec.Desired) * t.CostPerUnitHour, At: dec.Explanation.Now,
	}
	if err := c.d.Actuator.Act(ctx, a); err != nil {
		return fmt.Errorf("actuator %s: %w", c.d.Actuator.Name(), err)
	}
	c.log.Info("scaling", "target", t.Name, "from", snap.current, "to", dec.Desired, "reason", dec.Reason)
	return nil
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
	if ex.ForecastPoints > 0 {
		m.forecast.WithLabelValues(lv...).Set(ex.MeanUsed)
		m.forecastHi.WithLabelValues(lv...).Set(ex.UpperUsed)
		k := min(ex.ForecastPoints, len(snap.fc.Lower)) - 1
		if k >= 0 {
			m.forecastLo.WithLabelValues(lv...).Set(snap.fc.Lower[k])
		}
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
	m.lastDecision.WithLabelValues(lv...).Set(float64(snap.at.UnixNano()) / 1e9)
	m.decisions.WithLabelValues(t.Name, dec.Direction(), string(dec.Reason)).Inc()
}

// Run calls ReconcileOnce every interval until ctx ends; it never returns a
// cycle's error (failed cycles are logged and counted). While the history
// source is down it retries sooner, with exponential backoff from 1 s up to
// the interval.
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
			c.log.Error("cycle failed", "err", err)
		}
		if errors.Is(err, errHistory) {
			backoff = min(max(time.Second, 2*backoff), c.o.Interval)
			next = now.Add(backoff)
		} else {
			backoff = 0
			next = next.Add(c.o.Interval)
			for !next.After(now) { // skip missed ticks
				next = next.Add(c.o.Interval)
			}
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
