package api

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/prescale/prescale/controller"
	"github.com/prescale/prescale/internal/clihelp"
	"github.com/prescale/prescale/internal/redact"
)

// Info describes the controller's surroundings for the API.
type Info struct {
	Sources   []SourceInfo
	Simulated []string
	Actuator  string
	// Shard is the controller's part of the fleet (zero: the whole fleet).
	Shard ShardInfo
	// ShardOf is the shard owning a target of the targets file (ok false
	// for a name not in it); nil without shards.
	ShardOf func(target string) (index int, ok bool)
	// StoreStats describes the embedded store's contents; nil for a remote source.
	StoreStats func() map[string]int64
}

var _ Backend = (*View)(nil)

// View is the controller as the REST API sees it.
type View struct {
	c    *controller.Controller
	info Info
}

// NewView wraps c for the API.
func NewView(c *controller.Controller, info Info) *View { return &View{c: c, info: info} }

// UnknownTarget is the error for a target this controller does not have
// (ErrUnknownTarget): for one of the targets file that another shard owns,
// it says which. A sharded install's Service sends a request to any
// shard's controller, and "unknown target" read as a target that does not
// exist.
func (v *View) UnknownTarget(name string) error {
	if v.info.ShardOf != nil {
		if i, ok := v.info.ShardOf(name); ok && i != v.info.Shard.Index {
			return fmt.Errorf("%w %q on this controller (shard %d of %d): shard %d of %d owns it; ask its controller (PRESCALE_SHARD=%d/%d, the StatefulSet's pod ending -%d)",
				ErrUnknownTarget, name, v.info.Shard.Index, v.info.Shard.Count, i, v.info.Shard.Count, i, v.info.Shard.Count, i)
		}
	}
	return fmt.Errorf("%w %q", ErrUnknownTarget, redact.Cut(name, redact.MaxEchoed))
}

func (v *View) simulated() bool {
	for _, s := range v.info.Simulated {
		if s == "simulated pool actuator" {
			return true
		}
	}
	return false
}

// Metrics implements Backend.
func (v *View) Metrics(points int) MetricsResponse {
	snap := v.c.Snapshot()
	src := ""
	if len(v.info.Sources) > 0 {
		src = v.info.Sources[0].Detail
	}
	out := MetricsResponse{Source: src, Step: snap.Step.String(), Targets: []TargetMetrics{}}
	for _, s := range snap.Targets {
		t := s.Target
		tm := TargetMetrics{
			Target: t.Name, Tier: t.Tier, Kind: string(t.Kind), Query: t.Query,
			Current: currentOf(s), Desired: desiredOf(s), History: []Point{},
		}
		if s.Present {
			d := finite(s.Demand)
			tm.Demand = &d
		}
		w := s.Window
		for j := max(0, w.Len()-points); j < w.Len(); j++ {
			ts := w.Time(j)
			if v, ok := w.At(ts); ok {
				tm.History = append(tm.History, Point{T: Unix(ts), V: v})
			}
		}
		out.Targets = append(out.Targets, tm)
	}
	return out
}

// currentOf is a target's current units for the API, nil while they are
// not known (controller.TargetSnapshot.CurrentKnown).
func currentOf(s controller.TargetSnapshot) *int {
	if !s.CurrentKnown {
		return nil
	}
	return &s.Current
}

// desiredOf is a target's desired units for the API: its last decision
// (the state's, as prescale_desired_units, from the state file before
// the first cycle), nil before the first one. A first hold without data
// (min_units by default) is none, as /api/metrics showed it.
func desiredOf(s controller.TargetSnapshot) *int {
	if !s.State.Policy.HasLast {
		return nil
	}
	d := s.State.Policy.LastDesired
	return &d
}

func finite(x float64) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return 0
	}
	return x
}

// Latest implements Backend.
func (v *View) Latest() []Sample {
	snap := v.c.Snapshot()
	out := make([]Sample, 0, len(snap.Targets))
	for _, s := range snap.Targets {
		t := s.Target
		smp := Sample{Target: t.Name, OK: s.Present}
		if s.Present {
			v := finite(s.Demand)
			smp.Time, smp.Value = Unix(s.DemandAt), &v
		}
		out = append(out, smp)
	}
	return out
}

// Predictions implements Backend.
func (v *View) Predictions() []Prediction {
	snap := v.c.Snapshot()
	out := make([]Prediction, 0, len(snap.Targets))
	step := int64(snap.Step / time.Second)
	for _, s := range snap.Targets {
		t := s.Target
		p := Prediction{
			Target: t.Name, Model: s.Forecast.Model, Confidence: finite(s.Forecast.Confidence), Coverage: finite(s.Forecast.Coverage),
			Step: snap.Step.String(), Forecast: []ForecastPoint{}, AnomalyScore: finite(s.AnomalyScore),
			Anomaly: s.Anomaly, AnomalousPoints: []Point{}, Error: s.ForecastProblem(), At: TimeOf(s.At),
		}
		for k := range s.Forecast.Mean {
			p.Forecast = append(p.Forecast, ForecastPoint{
				T: Unix(s.ForecastStart + int64(k)*step), Mean: finite(s.Forecast.Mean[k]), Lower: finite(at(s.Forecast.Lower, k)), Upper: finite(at(s.Forecast.Upper, k)),
			})
		}
		for _, ts := range s.Anomalous {
			if v, ok := s.Window.At(ts); ok {
				p.AnomalousPoints = append(p.AnomalousPoints, Point{T: Unix(ts), V: v})
			}
		}
		p.ExcludedFromFit = len(p.AnomalousPoints)
		out = append(out, p)
	}
	return out
}

func at(x []float64, k int) float64 {
	if k < len(x) {
		return x[k]
	}
	return math.NaN()
}

// Status implements Backend.
func (v *View) Status() []TargetStatus {
	snap := v.c.Snapshot()
	out := make([]TargetStatus, 0, len(snap.Targets))
	for _, s := range snap.Targets {
		out = append(out, v.status(snap.Mode, s))
	}
	return out
}

// status is one target's status in mode.
func (v *View) status(mode string, s controller.TargetSnapshot) TargetStatus {
	t, ts := s.Target, s.State
	st := TargetStatus{
		Target: t.Name, Tier: t.Tier, Kind: string(t.Kind), Mode: mode,
		Actuator: v.info.Actuator, Simulated: v.simulated(),
		Current: currentOf(s), Desired: desiredOf(s), Min: t.MinUnits, Max: t.MaxUnits,
		CostToday: ts.CostToday, CostTotal: ts.CostTotal,
		DailyBudget: t.DailyBudget, Manual: OverrideOf(ts.Policy.Manual), Decisions: DecisionsOf(ts.Decisions), HistoryError: s.HistoryErr,
	}
	// Current is prescale_current_units (with the simulated pool its ready
	// plus provisioning units, as a Kubernetes HPA's current replicas count
	// pods not ready yet); pending are those of the pool's units not
	// ready now.
	st.Pending = s.PendingUnits()
	if s.CurrentKnown { // of the units paid for, as prescale_cost_per_hour
		c := float64(s.Paid) * t.CostPerUnitHour
		st.CostPerHour = &c
	}
	// Cooldown ends are shown once set; a time in the past means expired.
	// (No dependence on the clock here, so the answer is cached per cycle.)
	if !ts.Policy.LastScaleUp.IsZero() && t.ScaleUpCooldown > 0 {
		st.ScaleUpCooldown = TimeOf(ts.Policy.LastScaleUp.Add(t.ScaleUpCooldown))
	}
	last := ts.Policy.LastScaleUp
	if ts.Policy.LastScaleDown.After(last) {
		last = ts.Policy.LastScaleDown
	}
	if !last.IsZero() && t.ScaleDownCooldown > 0 {
		st.ScaleDownCooldown = TimeOf(last.Add(t.ScaleDownCooldown))
	}
	return st
}

// Execute implements Backend: a manual override for the request's
// duration (default PRESCALE_MANUAL_DURATION), decided by the same policy
// (reason manual), acted on at once in act mode, and persisted
// (controller.Override).
func (v *View) Execute(ctx context.Context, req ExecuteRequest) (TargetStatus, error) {
	t, ok := v.c.Target(req.Target)
	if !ok {
		return TargetStatus{}, v.UnknownTarget(req.Target)
	}
	if req.Units < t.MinUnits || req.Units > t.MaxUnits {
		return TargetStatus{}, fmt.Errorf("%w: %d not in [%d, %d] for target %q", ErrOutOfRange, req.Units, t.MinUnits, t.MaxUnits, t.Name)
	}
	var dur time.Duration
	if req.Duration != "" {
		d, err := clihelp.ParseDuration(req.Duration)
		if err != nil || d <= 0 {
			return TargetStatus{}, errors.New(`"duration" must be a positive duration`)
		}
		dur = d
	}
	s, err := v.c.Override(ctx, t.Name, req.Units, dur)
	if err != nil {
		return TargetStatus{}, err
	}
	return v.status(v.c.Mode(), s), nil
}

// EndOverride implements Backend: the target's manual override in force
// is ended, persisted, and gone from the answer's manual; the next
// cycle decides without it (controller.EndOverride).
func (v *View) EndOverride(_ context.Context, target string) (TargetStatus, error) {
	if _, ok := v.c.Target(target); !ok {
		return TargetStatus{}, v.UnknownTarget(target)
	}
	s, ended, err := v.c.EndOverride(target)
	if err != nil {
		return TargetStatus{}, err
	}
	if !ended {
		return TargetStatus{}, fmt.Errorf("%w for target %q (none set, expired or ended already): nothing to end", ErrNoOverride, target)
	}
	return v.status(v.c.Mode(), s), nil
}

// Health implements Backend.
func (v *View) Health() Health {
	h := v.c.Health()
	out := Health{Status: h.Status, Interval: h.Interval.String(), FailedCycles: h.FailedCycles, LastCycle: TimeOf(h.LastCycle),
		LoopAge: h.LoopAge.Seconds(), Actuation: ActuationsOf(h.Actuation), Shard: v.info.Shard}
	if out.Shard.Count == 0 {
		out.Shard = ShardInfo{Count: 1, Targets: h.Targets, TargetsTotal: h.Targets}
	}
	for i, c := range h.Components {
		if i == 0 && len(v.info.Sources) > 0 {
			c.Name += ": " + v.info.Sources[0].Detail // the history source
		}
		out.Components = append(out.Components, Component{Name: c.Name, Healthy: c.Healthy, Detail: c.Detail, LastError: c.LastError, LastOK: TimeOf(c.LastOK)})
	}
	return out
}

// Verification implements Backend.
func (v *View) Verification() Verification {
	snap := v.c.Snapshot()
	now := snap.Now
	out := Verification{Sources: append([]SourceInfo{}, v.info.Sources...), Simulated: v.info.Simulated, Targets: []TargetVerification{}}
	if v.info.StoreStats != nil && len(out.Sources) > 0 {
		out.Sources[0].Stats = v.info.StoreStats()
	}
	if out.Simulated == nil {
		out.Simulated = []string{}
	}
	for _, s := range snap.Targets {
		t := s.Target
		tv := TargetVerification{
			Target: t.Name, Query: t.Query, Points: s.Window.Len(), Present: s.Window.Present(),
			Dropped: s.Window.Dropped(), Negative: s.Window.Negative(), SeveralSeries: s.Window.SeveralSeries(), Anomalous: len(s.Anomalous), Model: s.Forecast.Model,
			Confidence:  finite(s.Forecast.Confidence),
			WindowStart: TimeOf(s.Start), WindowEnd: TimeOf(s.End), HistoryError: s.HistoryErr,
		}
		if !math.IsNaN(s.ModelError) && !math.IsInf(s.ModelError, 0) {
			me := s.ModelError
			tv.ModelError = &me
		}
		if s.Present {
			tv.Newest = Unix(s.DemandAt)
			age := now.Sub(tv.Newest.Time).Seconds()
			tv.Freshness = &age
		}
		out.Targets = append(out.Targets, tv)
	}
	return out
}

// Generation implements Backend.
func (v *View) Generation() uint64 { return v.c.Generation() }

// Ready implements Backend.
func (v *View) Ready() error { return v.c.Ready() }
