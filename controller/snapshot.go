package controller

import (
	"time"

	"github.com/prescale/prescale/controller/actuator"
	"github.com/prescale/prescale/controller/history"
	"github.com/prescale/prescale/controller/internal/health"
	"github.com/prescale/prescale/controller/internal/histwin"
	"github.com/prescale/prescale/controller/policy"
	"github.com/prescale/prescale/controller/state"
	"github.com/prescale/prescale/predictor"
)

// Snapshot is the loop and its targets as the last cycle (or manual
// scaling) left them, copied under the controller's lock: what the REST
// views show. Its slices are shared with the controller, which never
// changes a slice after publishing it: read them, never write.
type Snapshot struct {
	Loop
	Step    time.Duration
	Mode    string
	Targets []TargetSnapshot
}

// Loop is the decision loop and its history source in a Snapshot: the
// clock (Now), the interval, the last cycle and the failed ones, the
// history source's state and the last cycle with fresh data for every
// target; what the health report reads.
type Loop = health.Loop

// TargetSnapshot is one target in a Snapshot.
type TargetSnapshot struct {
	Target policy.Target
	// State is what is persisted: policy state, costs, last decisions.
	State state.Target
	// Ready and Pending are the units as the units source (the simulated
	// pool) reports them now; UnitsOK is false without a source or when it
	// does not know the target.
	Ready, Pending int
	UnitsOK        bool
	// At is when the last decision was made; [Start, End] the history
	// window read.
	At, Start, End time.Time
	Window         Window
	HistoryErr     string
	// Present is true when the cycle had a demand sample (Demand at
	// DemandAt, unix seconds).
	Present  bool
	Demand   float64
	DemandAt int64
	// Forecast starts at ForecastStart (unix seconds of Mean[0]);
	// ForecastErr says why there was none or it was not used.
	Forecast      predictor.Forecast
	ForecastStart int64
	ForecastErr   string
	AnomalyScore  float64
	Anomaly       bool
	// Anomalous are the unix times of the window's points the detector
	// flagged.
	Anomalous []int64
	// ModelError scores the previous forecast (NaN when not scored).
	ModelError float64
	// Current is the units published as current; Paid the units paid for
	// (Current, or a scale-up's units still starting within its lag).
	// CurrentKnown is false while they are not known: before the target's
	// first cycle, and while a first hold without data only assumes
	// min_units (nothing read back, decided, acknowledged or pooled; the
	// metrics prescale_current_units and prescale_cost_per_hour are
	// absent then).
	Current, Paid int
	CurrentKnown  bool
	Decision      policy.Decision
}

// Snapshot returns the loop's and every target's state.
func (c *Controller) Snapshot() Snapshot {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := Snapshot{
		Loop: Loop{
			Now: c.d.Now(), Interval: c.o.Interval, Cycled: c.cycled, LastCycle: c.lastCycle, FailedCycles: c.failed,
			HistoryUp: c.histUp, HistoryOK: c.histOK, HistoryErr: c.histErr, DataOK: c.dataOK,
		},
		Step: c.o.Step, Mode: c.o.Mode, Targets: make([]TargetSnapshot, len(c.targets)),
	}
	for i := range c.targets {
		out.Targets[i] = c.targetSnapshotLocked(i)
	}
	return out
}

// targetSnapshotLocked is target i's snapshot; c.mu must be held.
func (c *Controller) targetSnapshotLocked(i int) TargetSnapshot {
	t, s := c.targets[i], c.snaps[i]
	ts := TargetSnapshot{
		Target: t, State: c.file.Targets[t.Name],
		At: s.at, Start: s.start, End: s.end, Window: Window{s.win}, HistoryErr: s.histErr,
		Present: s.present, Demand: s.demand, DemandAt: s.demandAt,
		Forecast: s.fc, ForecastStart: s.fcStart, ForecastErr: s.fcErr,
		AnomalyScore: s.anomScore, Anomaly: s.anomaly, Anomalous: s.anomalous, ModelError: s.modelErr,
		Current: s.current, Paid: s.paid, CurrentKnown: s.known, Decision: s.decision,
	}
	if c.d.Units != nil {
		ts.Ready, ts.Pending, ts.UnitsOK = c.d.Units.Units(t.Name)
	}
	return ts
}

// Target returns the target named name.
func (c *Controller) Target(name string) (policy.Target, bool) {
	i, ok := c.byName[name]
	if !ok {
		return policy.Target{}, false
	}
	return c.targets[i], true
}

// Mode is act or forecast-only.
func (c *Controller) Mode() string { return c.o.Mode }

// Generation counts the changes the REST views can see: it moves at every
// cycle and manual scaling.
func (c *Controller) Generation() uint64 { return c.gen.Load() }

// Actuators are the controller's actuators, in PRESCALE_ACTUATOR order.
func (c *Controller) Actuators() []*actuator.Level { return c.d.Actuators }

// Window is a target's history window on the query grid, read only.
type Window struct{ w histwin.Window }

// Len is the number of grid points.
func (w Window) Len() int { return w.w.Len() }

// Time is the unix time of grid point j.
func (w Window) Time(j int) int64 { return w.w.First + int64(j)*w.w.Step }

// At returns the value at unix time t and whether the window has it.
func (w Window) At(t int64) (float64, bool) { return w.w.At(t) }

// Present counts the points that are not missing.
func (w Window) Present() int { return w.w.Present() }

// Dropped counts the points left out of the window as gaps because the
// store returned NaN or ±Inf there (histwin.Window.LeftOut).
func (w Window) Dropped() int { return w.w.LeftOut[history.LeftNaN] }

// Negative counts those left out as below zero (a demand never is).
func (w Window) Negative() int { return w.w.LeftOut[history.LeftNegative] }

// SeveralSeries counts those left out because several series answered.
func (w Window) SeveralSeries() int { return w.w.LeftOut[history.LeftSeveral] }

// PendingUnits are the units requested from the units source (the
// simulated pool) and not ready yet, as it reports them now; 0 without a
// source or when it does not know the target.
func (s TargetSnapshot) PendingUnits() int {
	if s.UnitsOK {
		return s.Pending
	}
	return 0
}

// ForecastProblem says why the target has no usable forecast: the
// forecaster's reason, else the history source's, else "".
func (s TargetSnapshot) ForecastProblem() string {
	if s.ForecastErr != "" {
		return s.ForecastErr
	}
	return s.HistoryErr
}
