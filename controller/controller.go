// Package controller runs prescale's loop: for every target it reads the
// demand history and feeds it to the target's streaming pipeline
// (controller/engine: anomaly scores, forecast, and the pure decision
// function of controller/policy), which decides the units needed when new
// capacity would be ready; it acts through the actuators and publishes the
// result as metrics; the REST views (controller/api) read its snapshot.
// Configuration is controller/config, the process wiring controller/app.
package controller

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prescale/prescale/controller/actuator"
	"github.com/prescale/prescale/controller/engine"
	"github.com/prescale/prescale/controller/history"
	"github.com/prescale/prescale/controller/internal/actuation"
	"github.com/prescale/prescale/controller/internal/cadence"
	"github.com/prescale/prescale/controller/internal/clockstep"
	"github.com/prescale/prescale/controller/internal/cost"
	"github.com/prescale/prescale/controller/internal/cyclelog"
	"github.com/prescale/prescale/controller/internal/histwin"
	"github.com/prescale/prescale/controller/internal/lagwatch"
	"github.com/prescale/prescale/controller/internal/metrics"
	"github.com/prescale/prescale/controller/internal/pipeline"
	"github.com/prescale/prescale/controller/policy"
	"github.com/prescale/prescale/controller/state"
	"github.com/prescale/prescale/internal/outage"
	"github.com/prescale/prescale/internal/redact"
	"github.com/prescale/prescale/predictor"
)

// DetectorFactory returns a fresh streaming anomaly detector.
type DetectorFactory func() (predictor.Detector, error)

// Decider is the pure decision function (policy.Decide in production).
type Decider func(in policy.Input, t policy.Target, st policy.State) policy.Decision

// Modes (actuation's, which decides from them whether to act).
const (
	ModeAct          = actuation.ModeAct
	ModeForecastOnly = actuation.ModeForecastOnly
)

// UnitsSource reports the units a target has (the simulated pool does, in
// act mode: forecast-only hands it nothing; otherwise the controller
// assumes its last decision was applied).
type UnitsSource interface {
	Units(target string) (ready, provisioning int, ok bool)
}

// Options are the controller's parameters (from config.Config).
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
	// Workers bounds concurrent targets in the fit and decide phases of a
	// cycle; 0 means GOMAXPROCS (the REST API answers from memory between
	// them: the scheduler preempts a busy worker within 10 ms).
	Workers int
	// QueryConcurrency bounds the history queries in flight in the query
	// phase; 0 means DefaultQueryConcurrency.
	QueryConcurrency int
	// FullReadEvery is how often a target's whole window is read again
	// (between, a cycle reads only what is new); 0 means
	// DefaultFullReadEvery.
	FullReadEvery time.Duration
}

// Defaults of Options.
const (
	DefaultQueryConcurrency = 8
	DefaultFullReadEvery    = 6 * time.Hour
)

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
	win         histwin.Window // the history window (never changed once in a snapshot)
	histErr     string
	histUp      bool
	badQuery    bool // the store answered, the target's query is at fault
	currentBad  bool // the store answered, the target's current_query is at fault
	present     bool
	demand      float64
	demandAt    int64
	fc          predictor.Forecast
	fcStart     int64 // unix seconds of fc.Mean[0]
	fcErr       string
	fcCause     error // the engine's error behind fcErr, when it gave one
	anomScore   float64
	anomaly     bool
	anomalous   []int64 // unix seconds of the window's anomalous points
	modelErr    float64
	requested   int // units the policy decided from (see requestedUnits)
	current     int // units published as current (see currentUnits)
	paid        int // units paid for (see paidUnits)
	observed    int // units the target's current_query read, if observedOK
	observedOK  bool
	currentErr  string // why current_query gave no units
	partial     string // why the demand is a lower bound (complete_query); "" when whole
	decision    policy.Decision
	hasDecision bool
	// guess: the decision is a first hold (no decision before, no demand
	// data or only a partial one, no units read back), min_units by
	// default: neither published, acted on nor saved; see decideTarget.
	guess bool
	// known: current and paid are known (read back, decided, acknowledged
	// or the simulated pool's), not assumed (currentAssumed) nor unset
	// before the target's first cycle.
	known bool
	// unobserved is the time before the last cycle's MaxGap that the cost
	// accrued this cycle did not charge (cost.Accrue; logUnobserved).
	unobserved time.Duration
}

// Controller runs the decision loop over a set of targets.
type Controller struct {
	targets []policy.Target
	byName  map[string]int
	o       Options
	d       Deps
	// interval is o.Interval written as each entry saves it
	// (state.Target.Interval), once.
	interval string
	log      *slog.Logger
	acts     actuation.Set // the actuators' restore, decisions and acknowledgements

	// fetchMu serialises the cycles. Their query and fit phases hold it
	// alone (they use wins and engs only), so a manual scaling waits for a
	// cycle's decide, act and persist phases (milliseconds), not for its
	// history queries: behind a slow source (up to PRESCALE_QUERY_TIMEOUT
	// per query) it outlasted the API's 30 s write timeout.
	fetchMu sync.Mutex
	// cycleMu serialises the cycles' decide, act and persist phases and the
	// manual scalings: both read, change and write back a target's
	// persisted state.
	cycleMu sync.Mutex

	mu        sync.RWMutex
	file      state.File
	snaps     []snapshot
	lastCycle time.Time
	failed    int64
	histUp    bool
	histOK    time.Time
	dataOK    time.Time // the last cycle with fresh data for every target
	savedOK   time.Time // the last state file saved (the one loaded, at start)
	histErr   string
	cycled    bool
	gen       atomic.Uint64
	engs      []pipeline.Pipeline // per target, used under fetchMu only
	lags      []lagwatch.Watch    // per target, used under cycleMu only
	wins      []histwin.Window    // per target, used under fetchMu only

	// outages logs the history source's and the targets' query
	// problems, used under cycleMu only.
	outages *cyclelog.Log
	// saveOut is the state file's failing saves, under mu.
	saveOut outage.Tracker
	// loop runs the cycles on time (Run's alone).
	loop *cadence.Loop
}

// newEngine returns a fresh pipeline for target idx.
func (c *Controller) newEngine(idx int) (pipeline.Pipeline, error) {
	return pipeline.New(engine.Config{
		Target: c.targets[idx], Step: c.o.Step, Interval: c.o.Interval, Coverage: c.o.Coverage,
		NewForecaster: c.d.NewForecaster, AnomalyThreshold: c.o.AnomalyThreshold,
		Decide: c.d.Decide,
	}, c.d.NewDetector)
}

// New builds a controller and loads its persisted state.
func New(targets []policy.Target, o Options, d Deps) (*Controller, error) {
	if d.History == nil || d.NewDetector == nil || d.Decide == nil || d.State == nil || d.Now == nil {
		return nil, errors.New("controller: History, NewDetector, Decide, State and Now are required")
	}
	if o.Interval <= 0 || o.Step <= 0 || o.Window < o.Step {
		return nil, fmt.Errorf("controller: bad timing: interval %s, step %s, window %s", o.Interval, o.Step, o.Window)
	}
	o = o.withDefaults()
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.Metrics == nil {
		d.Metrics = NewMetrics(nil, targets, MetricsClock(d.Now))
	}
	f, err := d.State.Load()
	if err != nil {
		return nil, err
	}
	if err := clockstep.FromTheFuture(&f, d.Now(), d.Logger, d.State.Path()); err != nil {
		return nil, err
	}
	resolved := make([]policy.Target, len(targets))
	for i, t := range targets {
		resolved[i] = engine.Resolve(t, o.Interval)
	}
	// The file loaded is what a restart resumes from until a save
	// succeeds: its time is the last save's (it was "never" then).
	c := &Controller{targets: resolved, byName: map[string]int{}, o: o, d: d, log: d.Logger, file: f, interval: o.Interval.String(),
		savedOK: f.SavedAt,
		acts:    actuation.Set{Levels: d.Actuators, Mode: o.Mode, Log: d.Logger},
		snaps:   make([]snapshot, len(targets)), engs: make([]pipeline.Pipeline, len(targets)),
		lags: make([]lagwatch.Watch, len(targets)), wins: make([]histwin.Window, len(targets)),
		outages: cyclelog.New(logTargets(resolved)),
		loop: &cadence.Loop{Interval: o.Interval, Now: d.Now, Log: d.Logger,
			Lateness: d.Metrics.CycleLateness, Overruns: d.Metrics.Overruns}}
	for i, t := range resolved {
		if err := c.restoreTarget(i, t); err != nil {
			return nil, fmt.Errorf("target %s: %w", t.Name, err)
		}
	}
	c.prune(d.Now())
	for _, l := range d.Actuators {
		l.OnAck(c.acknowledged)
	}
	return c, nil
}

// restoreTarget resumes target i (t) from its entry of the state file,
// converted to its capacity_per_unit and target_utilization
// (state.Target.Resize), sanitised and its start-up hold marked
// (state.Target.MarkStartup: a file of an older version) first: its engine with the calm
// hold's and the shadow runs' memories, its actuation, its last
// decision with its pending time (after a short downtime:
// pendingResumeWithin) and its day's cost (cost.Today), published at once
// so a restarted controller shows them before its first cycle.
func (c *Controller) restoreTarget(i int, t policy.Target) error {
	f, d := c.file, c.d
	if ts, ok := f.Targets[t.Name]; ok {
		// Units sized at another capacity_per_unit or target_utilization
		// converted, memories of another capacity, utilisation or lag
		// dropped (state.Target.Resize). The lines repeat what the file
		// holds (a memory's target, an actuator's name), which a hand
		// edit makes any length: cut, as every value from outside.
		for _, msg := range ts.Resize(t, c.o.Interval) {
			d.Logger.Info("state file: "+redact.CutEchoes(msg, redact.MaxEchoed), "target", t.Name, "file", d.State.Path())
		}
		// No time of a past event is after the save (state.Target.ClampPast).
		for _, msg := range append(ts.Sanitize(t.MinUnits, t.MaxUnits), ts.ClampPast(f.SavedAt)...) {
			d.Logger.Warn("state file value out of range", "target", t.Name, "file", d.State.Path(), "fixed", redact.CutEchoes(msg, redact.MaxEchoed))
		}
		for _, msg := range ts.MarkStartup(t, c.o.KeepDecisions) { // a file of a version before startup_hold
			d.Logger.Info("state file: "+msg, "target", t.Name, "file", d.State.Path())
		}
		ts = cost.Today(ts, d.Now()) // the day's, as the API and prescale_cost_today show it until the first cycle
		d.Metrics.RestoreCostToday(t, ts.CostToday)
		f.Targets[t.Name] = ts
	}
	var err error
	if c.engs[i], err = c.newEngine(i); err != nil {
		return err
	}
	// The calm hold and the shadow runs resume where they were if the
	// first decision comes soon enough (engine.ResumeCalm, ResumeShadow);
	// engines started later (a long gap, the clock moved back) start
	// afresh.
	ts := f.Targets[t.Name]
	c.engs[i].Eng.ResumeCalm(ts.Calm)
	c.engs[i].Eng.ResumeShadow(ts.Shadow)
	c.byName[t.Name] = i
	c.snaps[i].modelErr = math.NaN() // nothing scored yet
	c.acts.Restore(t, ts, f.SavedAt, c.o.Interval)
	if ts.Policy.HasLast {
		var pend state.Pending
		if ts.Pending != nil && d.Now().Sub(f.SavedAt) <= pendingResumeWithin(t) {
			pend = *ts.Pending
		}
		d.Metrics.RestoreDesired(t, ts.Policy.LastDesired, pend.Since, pend.Current)
		if n := len(ts.Decisions); n > 0 {
			d.Metrics.RestoreDecisionTime(t, ts.Decisions[n-1].Explanation.Now)
		}
	}
	return nil
}

// pendingResumeWithin is how long after the state file was saved a
// controller may start and still resume target t's pending time
// (prescale_scaling_pending_since_timestamp_seconds): the wait
// PrescaleScalingDecisionPending allows, twice the lag plus 5 minutes.
// After a longer downtime the alert fired at the first cycle on facts
// from before it, the wait counting the controller's absence (nobody
// re-sent the desired units meanwhile; its own alerts report it), and
// the first decision after it, from new demand, inherited that wait: the
// first cycle starts the count afresh. A shorter restart keeps it, so
// that restarts do not delay the alert.
func pendingResumeWithin(t policy.Target) time.Duration { return 2*t.Lag + 5*time.Minute }

// withDefaults is o with the defaults of the options left at zero or
// below: 20 decisions kept, GOMAXPROCS workers, a 1-hour manual override,
// DefaultQueryConcurrency and DefaultFullReadEvery.
func (o Options) withDefaults() Options {
	if o.KeepDecisions <= 0 {
		o.KeepDecisions = 20
	}
	if o.Workers <= 0 {
		o.Workers = max(1, runtime.GOMAXPROCS(0))
	}
	if o.ManualDuration <= 0 {
		o.ManualDuration = time.Hour
	}
	if o.QueryConcurrency <= 0 {
		o.QueryConcurrency = DefaultQueryConcurrency
	}
	if o.FullReadEvery <= 0 {
		o.FullReadEvery = DefaultFullReadEvery
	}
	return o
}

// prune removes the state file's entries of targets this controller does
// not own (no longer in the targets file, or another shard's) once they
// are state.KeepUnconfigured old, with one INFO; c.mu is held or not
// needed yet. The file kept them forever.
func (c *Controller) prune(now time.Time) {
	if len(c.file.Targets) <= len(c.targets) {
		return // no entry of another target
	}
	gone := c.file.Prune(func(name string) bool { _, ok := c.byName[name]; return ok }, now)
	if len(gone) > 0 {
		c.log.Info("state file: removed the entries of targets not configured here, last decided over a week ago",
			"targets", len(gone), "first", strings.Join(gone[:min(3, len(gone))], ", "), "file", c.d.State.Path())
	}
}

// clockSteppedBackLocked moves the targets' persisted times back by as
// much as the clock stepped back since the last cycle (clockstep.Back),
// as clockstep.FromTheFuture does at start, and warns. Those read from
// the state file have the wall clock only: a step back of an hour held a
// cooldown, stabilisation window or manual override from before the
// restart for an hour more. Those this process set from time.Now compare
// on their monotonic reading, which no step moves, but the file saves
// their wall clock reading: they move too, as wall clock times
// (state.Target.Shift), or the next start read them an hour ahead.
// c.mu is held.
func (c *Controller) clockSteppedBackLocked(now time.Time) {
	back := clockstep.Back(c.lastCycle, now)
	if !c.cycled || back == 0 {
		return
	}
	clockstep.Shift(c.file.Targets, -back)
	c.log.Warn("the clock stepped back since the last cycle: cooldowns, windows and overrides moved back with it",
		"last_cycle", c.lastCycle.UTC().Format(time.RFC3339), "now", now.UTC().Format(time.RFC3339), "back", back.Round(time.Second).String())
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

// ReconcileOnce runs one cycle over every target, in phases: query (each
// target's new history and current units, QueryConcurrency at a time), fit
// (the new points through each target's detector and forecaster), decide,
// act (actuators, observed lag, published metrics) and persist (the state
// file). Errors are returned joined; a failing target never stops the
// others. A cycle whose ctx ends during its query and fit phases (a
// shutdown) returns ctx's error without deciding or persisting.
func (c *Controller) ReconcileOnce(ctx context.Context) error {
	c.fetchMu.Lock()
	defer c.fetchMu.Unlock()
	now := c.d.Now() // also when the cycle started: its duration is read on this clock
	n := len(c.targets)
	var fs []fetched
	c.phase("query", func() { fs = c.queryAll(ctx, now) })
	snaps := make([]snapshot, n)
	errs := make([]error, n)
	c.phase("fit", func() {
		c.parallel(func(i int) {
			snaps[i], errs[i] = c.fit(i, fs[i])
			fs[i] = fetched{} // the points read are the engine's now
		})
	})
	if err := ctx.Err(); err != nil {
		// Shutting down: the queries failed because prescale is stopping,
		// not because the source is down; deciding no_data would save an
		// outage hold (a scale-down floor after the restart).
		return err
	}
	// The persisted states are read now, with any manual scaling made
	// while the history was read.
	c.cycleMu.Lock()
	defer c.cycleMu.Unlock()
	states := make([]state.Target, n)
	c.mu.Lock()
	c.clockSteppedBackLocked(now)
	for i, t := range c.targets {
		states[i] = c.file.Targets[t.Name]
	}
	c.mu.Unlock()
	c.phase("decide", func() {
		c.parallel(func(i int) { states[i] = c.decideTarget(i, &snaps[i], states[i]) })
	})
	c.logUnobserved(c.targets, snaps)
	c.phase("act", func() {
		for i, t := range c.targets {
			if !snaps[i].guess { // a hold's is not acted on either (act)
				c.acts.Act(ctx, t, snaps[i].decision, snaps[i].requested, snaps[i].current)
			}
			c.acts.Record(&states[i], t.Name)
			snaps[i].current, snaps[i].paid = c.afterAct(i, t, states[i], snaps[i])
			snaps[i].known = !c.currentAssumed(t, snaps[i])
			c.publish(t, snaps[i], states[i])
		}
	})
	return c.commit(now, snaps, states, errs)
}

// phase runs f as the named phase of a cycle and records its duration on
// the controller's clock (Deps.Now), as the cycle's is.
func (c *Controller) phase(name string, f func()) {
	t0 := c.d.Now()
	f()
	c.d.Metrics.PhaseDuration.WithLabelValues(name).Observe(c.d.Now().Sub(t0).Seconds())
}

// parallel calls f for every target index, Workers at a time.
func (c *Controller) parallel(f func(i int)) {
	sem := make(chan struct{}, c.o.Workers)
	var wg sync.WaitGroup
	for i := range c.targets {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			f(i)
		})
	}
	wg.Wait()
}

// commit makes a cycle's snapshots and states current, persists the state
// and updates the cycle's metrics.
func (c *Controller) commit(now time.Time, snaps []snapshot, states []state.Target, targetErrs []error) error {
	var errs []error
	up, healthy := true, true
	var histErr string
	c.mu.Lock()
	for i, t := range c.targets {
		c.file.Targets[t.Name] = states[i]
		c.snaps[i] = snaps[i]
		if targetErrs[i] != nil {
			errs = append(errs, cyclelog.TargetError{Name: t.Name, Err: targetErrs[i]})
		}
		if !snaps[i].histUp {
			up = false
			histErr = snaps[i].histErr
		}
		if !snaps[i].present {
			healthy = false
		}
	}
	c.prune(now)
	lastOK := c.histOK
	c.histUp = up
	if up {
		c.histOK = now
		c.histErr = ""
	} else {
		c.histErr = histErr
	}
	if healthy {
		c.dataOK = now
	}
	c.lastCycle = now
	c.cycled = true
	// Saved now, not when the cycle started: an override during its
	// queries set times after that, and no time of a past event may be
	// after saved_at (state.Target.ClampPast).
	c.file.SavedAt = c.d.Now()
	file := c.copyFileLocked()
	c.mu.Unlock()
	c.outages.History(c.log, now, up, histErr, lastOK)
	c.outages.Targets(c.log, now, facts(snaps))
	var saveErr error
	c.phase("persist", func() { saveErr = c.persist(now, file) })
	if saveErr != nil {
		errs = append(errs, saveErr)
	}
	c.gen.Add(1)
	c.d.Metrics.Cycle(now, c.d.Now().Sub(now), up, healthy)
	err := errors.Join(errs...)
	if err != nil {
		c.mu.Lock()
		c.failed++
		c.mu.Unlock()
		c.d.Metrics.CyclesFailed.Inc()
	}
	return err
}

// persist writes the state file. Failing saves (a full disk, a data
// directory gone read-only) are logged as an outage, one WARN when they
// start, DEBUG at each while they last, one INFO when a save succeeds
// again, and shown in health's "state file" component; the error returned
// is tracked (not logged again as "cycle failed").
func (c *Controller) persist(now time.Time, file state.File) error {
	err := c.d.State.Save(file)
	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil {
		c.d.Metrics.StateSaveFail.Inc()
		c.saveOut.Fail(c.log, now, err, "state file not saved: retried at every save; a restart would lose what changed since the last save (decisions, cooldowns, acknowledged units)")
		return cyclelog.Tracked(err)
	}
	c.saveOut.OK(c.log, now, "state file saved again")
	c.savedOK = now
	return nil
}

func (c *Controller) copyFileLocked() state.File {
	f := state.File{Version: c.file.Version, SavedAt: c.file.SavedAt, Targets: make(map[string]state.Target, len(c.file.Targets))}
	for k, v := range c.file.Targets {
		if _, ours := c.byName[k]; ours { // the pending time as published now
			v.Pending = nil
			if since, cur, ok := c.d.Metrics.Pending(k); ok {
				v.Pending = &state.Pending{Since: since, Current: cur}
			}
		}
		f.Targets[k] = v
	}
	return f
}

// fit feeds the points target idx read this cycle through its engine (in
// order, anomalous points kept out of the forecaster's fitting) and
// returns the cycle's snapshot so far; the error is for the cycle's log.
func (c *Controller) fit(idx int, f fetched) (snapshot, error) {
	snap := f.snap
	if len(f.fresh.V) > 0 {
		if err := c.engs[idx].Observe(f.fresh, snap.start.Unix(), int64(c.o.Step/time.Second), f.leftOut); err != nil {
			return snap, errors.Join(f.err, err)
		}
	}
	for ts := range c.engs[idx].Anomalous {
		snap.anomalous = append(snap.anomalous, ts)
	}
	slices.Sort(snap.anomalous)
	return snap, f.err
}

// decideTarget scores the previous cycle's forecast, decides target idx's
// units at the snapshot's time and returns its next persisted state.
func (c *Controller) decideTarget(idx int, snap *snapshot, ts state.Target) state.Target {
	t := c.targets[idx]
	// The last score stands until the next, as prescale_model_error does:
	// a one-step forecast is scored once its step has passed, so cycles
	// more frequent than the step (60 s and 5 m by default) score nothing
	// in between. (c.snaps changes under cycleMu, held here.)
	snap.modelErr = c.snaps[idx].modelErr
	if !ts.PrevForecastAt.IsZero() {
		if v, ok := snap.win.At(ts.PrevForecastAt.Unix()); ok {
			snap.modelErr = math.Abs(ts.PrevForecast - v)
		}
	}
	snap.requested = c.requestedUnits(t, ts, *snap)
	snap.current = c.currentUnits(t, snap.requested, *snap)
	ts, snap.unobserved = cost.Accrue(t, ts, snap.at, c.chargedUnits(idx, t, ts, *snap, snap.at), c.maxGap())
	ts.Capacity, ts.Utilization = t.CapacityPerUnit, t.TargetUtilization // what its units are sized at (state.Target.Resize)
	ts.Interval = c.interval                                             // what its forgone gain is accrued at
	ts.Lag = t.Lag.String()                                              // and over (state.Target.Resize)
	first := !ts.Policy.HasLast && !snap.observedOK && !c.pooled(t)
	ts = c.decide(idx, t, ts, snap)
	if m := snap.decision.Explanation.ManualEnded; m != nil {
		// Its log line (the webhook's comes only with a change of units).
		how := "expired at " + m.Until.UTC().Format(time.RFC3339)
		if !m.Cancelled.IsZero() {
			how = "cancelled by an operator at " + m.Cancelled.UTC().Format(time.RFC3339)
		}
		c.log.Info(fmt.Sprintf("manual override of %d units ended: %s", m.Units, how),
			"target", t.Name, "desired", snap.decision.Desired, "reason", snap.decision.Reason)
	}
	// A first decision held without data and without its current_query
	// read (the history source down at a new controller's start answers
	// neither) is min_units by default, a guess: it was published as
	// prescale_desired_units, which KEDA applied to a workload running
	// many more once Prometheus answered again, and saved as the last
	// decision, published at the next start. It is neither: the series
	// stays absent and the next cycle starts afresh. So is one on a
	// partial demand (complete_query) at no more than that guess: a lower
	// bound of the units the workload runs, not a reason to scale it down.
	partialGuess := snap.decision.Explanation.Partial && snap.decision.Desired <= snap.requested
	if first && (snap.decision.Reason.Holds() || partialGuess) {
		snap.guess = true
		ts.Policy.HasLast = false
	}
	return ts
}

// logUnobserved logs at INFO, once, the targets (of snaps, in order)
// whose cost accrued at their snapshot left time uncharged, unobserved
// (cost.Accrue): how many, the first three and the longest time. A
// restart after hours names every target once.
func (c *Controller) logUnobserved(targets []policy.Target, snaps []snapshot) {
	var names []string
	var longest time.Duration
	for i, s := range snaps {
		if s.unobserved > 0 {
			names = append(names, targets[i].Name)
			longest = max(longest, s.unobserved)
		}
	}
	if len(names) == 0 {
		return
	}
	c.log.Info("cost: time since a target's last cycle beyond max_gap not charged, unobserved (what ran then is not known)",
		"targets", len(names), "first", strings.Join(names[:min(3, len(names))], ", "),
		"unobserved", longest.Round(time.Second).String(), "max_gap", c.maxGap().String())
}

// maxGap is the longest time before a cycle its cost accrual charges
// (cost.MaxGap): two intervals, or PromQL's lookback at the step.
func (c *Controller) maxGap() time.Duration {
	return cost.MaxGap(c.o.Interval, history.LookbackFor(c.o.Step))
}

// decide asks the target's engine for the decision at snap.at and records
// it (and the forecast it used) in snap and the returned state.
func (c *Controller) decide(idx int, t policy.Target, ts state.Target, snap *snapshot) state.Target {
	now := snap.at
	stepSec := int64(c.o.Step / time.Second)
	// Decide: the engine's forecast (from its last observed grid point)
	// over the lead window, at now.
	eng := c.engs[idx].Eng
	in := engine.Input{
		Now: now, CurrentUnits: snap.requested, Demand: snap.demand, DataPresent: snap.present, CostToday: ts.CostToday,
		BadQuery: snap.badQuery, Problem: snap.histErr,
	}
	if snap.partial != "" {
		in.Partial, in.Problem = true, snap.partial
	}
	out := eng.Decide(in, ts.Policy)
	dec := out.Decision
	ts.Policy = out.State
	ts.Calm, ts.Shadow = eng.CalmMemory(), eng.ShadowMemory()
	snap.anomScore, snap.anomaly = out.AnomalyScore, out.Anomaly
	if out.ForecastErr != nil && snap.present {
		snap.fcErr, snap.fcCause = out.ForecastErr.Error(), out.ForecastErr
	}
	// Publish (metrics, API, model error) every forecast, from the first
	// sample on: its confidence says how far to trust it (low while the
	// forecaster warms up, when the policy decides reactively).
	if len(out.Forecast.Mean) > 0 {
		snap.fc = nonNegative(t.Kind, out.Forecast)
	}
	// A forecast the decision did not use for want of fresh data (an
	// outage, a missing series: it is stale) is not published either, so
	// /api/predictions and the prescale_forecast* series agree: both drop
	// it the same cycle. Under a manual override on fresh data both keep
	// it, with a note: it shows the operator the demand to come.
	if dec.Explanation.ForecastPoints == 0 && len(snap.fc.Mean) > 0 {
		if dec.Reason == policy.ReasonManual && snap.present && snap.histErr == "" {
			snap.fcErr = "manual override in force: forecast shown, not used by the decision"
		} else {
			snap.fc = predictor.Forecast{}
		}
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
// A point less than three steps old that is still not at the cycle's
// time is most often a source that holds its newest data back longer than
// a step (VictoriaMetrics' -search.latencyOffset, 30 s by default, with a
// 15 s step: every cycle held, for ever), which the message then names.
func staleMessage(last, now time.Time, step time.Duration) string {
	msg := fmt.Sprintf("history: stale data: the newest point, at %s, is %s old (step %s); none at the cycle time: decisions held",
		last.UTC().Format(time.RFC3339), now.Sub(last).Round(time.Second), step)
	if now.Sub(last) < 3*step {
		msg += "; if this lasts, the source holds back its newest points for longer than a step " +
			"(VictoriaMetrics' -search.latencyOffset, a scrape interval above PRESCALE_STEP): make PRESCALE_STEP longer than that delay; " +
			"or this host's clock runs ahead of the source's (compare `date` on both; NTP): the points are stamped by the scraper's clock"
	}
	return msg
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

// Explain renders a decision as one line for logs, webhooks and exec
// commands (policy.Decision.Line).
func Explain(d policy.Decision) string { return d.Line() }

// publish sets the target's metrics from the cycle's snapshot.
func (c *Controller) publish(t policy.Target, snap snapshot, ts state.Target) {
	v := metrics.Values{Units: unitsOf(snap, ts), Lower: math.NaN(),
		AnomalyScore: snap.anomScore, Anomalous: snap.anomaly, ModelError: snap.modelErr,
		Present: snap.present, Demand: snap.demand}
	ex := snap.decision.Explanation
	if ex.ForecastPoints == 0 && len(snap.fc.Mean) > 0 {
		// Shown, not used (a manual override): over the same lead window.
		in := policy.Input{Forecast: snap.fc, ForecastStep: c.o.Step, Interval: c.o.Interval}
		ex.UpperUsed, ex.MeanUsed, ex.ForecastPoints = policy.LeadWindow(in, t)
	}
	if ex.ForecastPoints > 0 && len(snap.fc.Mean) > 0 {
		v.HasForecast = true
		v.Mean, v.Upper = nonNegativeValue(t.Kind, ex.MeanUsed), nonNegativeValue(t.Kind, ex.UpperUsed)
		if k := min(ex.ForecastPoints, len(snap.fc.Lower)) - 1; k >= 0 {
			v.Lower = snap.fc.Lower[k]
		}
	}
	c.d.Metrics.Publish(t, v)
}

// unitsOf is the decision and units of a target's snapshot, with its
// state's cost today, as metrics.PublishUnits publishes them.
func unitsOf(snap snapshot, ts state.Target) metrics.Units {
	return metrics.Units{Decision: snap.decision, NoDecision: snap.guess, CurrentAssumed: !snap.known,
		Current: snap.current, Paid: snap.paid, CostToday: ts.CostToday, At: snap.at}
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
// 1 s up to the interval; cycles longer than the interval are logged
// and counted as overruns (cadence.Loop).
func (c *Controller) Run(ctx context.Context) error {
	return c.loop.Run(ctx, c.ReconcileOnce)
}

// logTargets names the targets and their queries for the cycle's log.
func logTargets(ts []policy.Target) []cyclelog.Target {
	out := make([]cyclelog.Target, len(ts))
	for i, t := range ts {
		out[i] = cyclelog.Target{Name: t.Name, Query: t.Query, CurrentQuery: t.CurrentQuery}
	}
	return out
}

// facts are what the cycle's snapshots found of the targets' queries,
// for the cycle's log.
func facts(snaps []snapshot) []cyclelog.Facts {
	out := make([]cyclelog.Facts, len(snaps))
	for i, s := range snaps {
		out[i] = cyclelog.Facts{HistUp: s.histUp, BadQuery: s.badQuery, HistErr: s.histErr, Present: s.present,
			CurrentBad: s.currentBad, CurrentErr: s.currentErr, Partial: s.partial}
		if s.present && errors.Is(s.fcCause, predictor.ErrNotFinite) {
			out[i].NotFinite = s.fcErr
		}
	}
	return out
}
