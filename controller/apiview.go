package controller

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/prescale/prescale/controller/api"
	"github.com/prescale/prescale/controller/policy"
)

// Info describes the controller's surroundings for the API.
type Info struct {
	Sources   []api.SourceInfo
	Simulated []string
	Actuator  string
	// Shard is the controller's part of the fleet (zero: the whole fleet).
	Shard api.ShardInfo
	// StoreStats describes the embedded store's contents; nil for a remote source.
	StoreStats func() map[string]int64
}

var _ api.Backend = (*View)(nil)

// View is the controller as the REST API sees it.
type View struct {
	c    *Controller
	info Info
}

// NewView wraps c for the API.
func NewView(c *Controller, info Info) *View { return &View{c: c, info: info} }

func (v *View) simulated() bool {
	for _, s := range v.info.Simulated {
		if s == "simulated pool actuator" {
			return true
		}
	}
	return false
}

// Metrics implements api.Backend.
func (v *View) Metrics(points int) api.MetricsResponse {
	c := v.c
	c.mu.RLock()
	defer c.mu.RUnlock()
	src := ""
	if len(v.info.Sources) > 0 {
		src = v.info.Sources[0].Detail
	}
	out := api.MetricsResponse{Source: src, Step: c.o.Step.String(), Targets: []api.TargetMetrics{}}
	for i, t := range c.targets {
		s := c.snaps[i]
		tm := api.TargetMetrics{
			Target: t.Name, Tier: t.Tier, Kind: string(t.Kind), Query: t.Query,
			Demand: finite(s.demand), Current: s.current, Desired: s.decision.Desired, History: []api.Point{},
		}
		w := s.win
		for j := max(0, len(w.v)-points); j < len(w.v); j++ {
			ts := w.first + int64(j)*w.step
			if v, ok := w.at(ts); ok {
				tm.History = append(tm.History, api.Point{T: api.Unix(ts), V: v})
			}
		}
		out.Targets = append(out.Targets, tm)
	}
	return out
}

func finite(x float64) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return 0
	}
	return x
}

// Latest implements api.Backend.
func (v *View) Latest() []api.Sample {
	c := v.c
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make([]api.Sample, 0, len(c.targets))
	for i, t := range c.targets {
		s := c.snaps[i]
		smp := api.Sample{Target: t.Name, OK: s.present}
		if s.present {
			v := finite(s.demand) // a copy: the answer outlives the lock
			smp.Time, smp.Value = api.Unix(s.demandAt), &v
		}
		out = append(out, smp)
	}
	return out
}

// Predictions implements api.Backend.
func (v *View) Predictions() []api.Prediction {
	c := v.c
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make([]api.Prediction, 0, len(c.targets))
	step := int64(c.o.Step / time.Second)
	for i, t := range c.targets {
		s := c.snaps[i]
		p := api.Prediction{
			Target: t.Name, Model: s.fc.Model, Confidence: finite(s.fc.Confidence), Coverage: finite(s.fc.Coverage),
			Step: c.o.Step.String(), Forecast: []api.ForecastPoint{}, AnomalyScore: finite(s.anomScore),
			Anomaly: s.anomaly, AnomalousPoints: []api.Point{}, Error: s.fcErr, At: api.TimeOf(s.at),
		}
		for k := range s.fc.Mean {
			p.Forecast = append(p.Forecast, api.ForecastPoint{
				T: api.Unix(s.fcStart + int64(k)*step), Mean: finite(s.fc.Mean[k]), Lower: finite(at(s.fc.Lower, k)), Upper: finite(at(s.fc.Upper, k)),
			})
		}
		for _, ts := range s.anomalous {
			if v, ok := s.win.at(ts); ok {
				p.AnomalousPoints = append(p.AnomalousPoints, api.Point{T: api.Unix(ts), V: v})
			}
		}
		if s.histErr != "" && p.Error == "" {
			p.Error = s.histErr
		}
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

// Status implements api.Backend.
func (v *View) Status() []api.TargetStatus {
	c := v.c
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make([]api.TargetStatus, 0, len(c.targets))
	for i := range c.targets {
		out = append(out, v.statusLocked(i))
	}
	return out
}

func (v *View) statusLocked(i int) api.TargetStatus {
	c := v.c
	t := c.targets[i]
	s := c.snaps[i]
	ts := c.file.Targets[t.Name]
	st := api.TargetStatus{
		Target: t.Name, Tier: t.Tier, Kind: string(t.Kind), Mode: c.o.Mode,
		Actuator: v.info.Actuator, Simulated: v.simulated(),
		Current: s.current, Desired: ts.Policy.LastDesired, Min: t.MinUnits, Max: t.MaxUnits,
		CostPerHour: float64(s.current) * t.CostPerUnitHour, CostToday: ts.CostToday, CostTotal: ts.CostTotal,
		DailyBudget: t.DailyBudget, Manual: api.OverrideOf(ts.Policy.Manual), Decisions: api.DecisionsOf(ts.Decisions), HistoryError: s.histErr,
	}
	// Units as the pool reports them now: ready ones are current, the
	// rest of the request is pending (not the desired value).
	if c.d.Units != nil {
		if r, p, ok := c.d.Units.Units(t.Name); ok {
			st.Current, st.Pending = r, p
		}
	}
	// Cooldown ends are shown once set; a time in the past means expired.
	// (No dependence on the clock here, so the answer is cached per cycle.)
	if !ts.Policy.LastScaleUp.IsZero() && t.ScaleUpCooldown > 0 {
		st.ScaleUpCooldown = api.TimeOf(ts.Policy.LastScaleUp.Add(t.ScaleUpCooldown))
	}
	last := ts.Policy.LastScaleUp
	if ts.Policy.LastScaleDown.After(last) {
		last = ts.Policy.LastScaleDown
	}
	if !last.IsZero() && t.ScaleDownCooldown > 0 {
		st.ScaleDownCooldown = api.TimeOf(last.Add(t.ScaleDownCooldown))
	}
	return st
}

// Execute implements api.Backend: a manual override for the request's
// duration (default PRESCALE_MANUAL_DURATION), decided by the same policy
// (reason manual), acted on at once in act mode, and persisted.
func (v *View) Execute(ctx context.Context, req api.ExecuteRequest) (api.TargetStatus, error) {
	c := v.c
	i, ok := c.byName[req.Target]
	if !ok {
		return api.TargetStatus{}, fmt.Errorf("%w %q", api.ErrUnknownTarget, req.Target)
	}
	t := c.targets[i]
	if req.Units < t.MinUnits || req.Units > t.MaxUnits {
		return api.TargetStatus{}, fmt.Errorf("%w: %d not in [%d, %d] for target %q", api.ErrOutOfRange, req.Units, t.MinUnits, t.MaxUnits, t.Name)
	}
	dur := c.o.ManualDuration
	if req.Duration != "" {
		d, err := time.ParseDuration(req.Duration)
		if err != nil || d <= 0 {
			return api.TargetStatus{}, errors.New(`"duration" must be a positive duration`)
		}
		dur = d
	}
	c.cycleMu.Lock()
	defer c.cycleMu.Unlock()
	now := c.d.Now()
	c.mu.Lock()
	ts := c.file.Targets[t.Name]
	snap := c.snaps[i]
	ts.Policy.Manual = &policy.Override{Units: req.Units, Until: now.Add(dur)}
	c.mu.Unlock()
	snap.requested = c.requestedUnits(t, ts)
	snap.current = c.currentUnits(t, snap.requested, snap)
	in := policy.Input{Now: now, Interval: c.o.Interval, CurrentUnits: snap.requested, DataPresent: snap.present, Demand: snap.demand,
		Forecast: snap.fc, ForecastStep: c.o.Step, AnomalyScore: snap.anomScore, Anomaly: snap.anomaly, CostToday: ts.CostToday}
	dec := c.d.Decide(in, t, ts.Policy)
	ts.Policy = ts.Policy.Record(t, dec)
	ts.Decisions = appendBounded(ts.Decisions, dec, c.o.KeepDecisions)
	snap.decision, snap.hasDecision, snap.at = dec, true, now
	c.act(ctx, t, dec, snap)
	ts.Acked = c.ackedState(t.Name)

	c.mu.Lock()
	c.file.Targets[t.Name] = ts
	c.snaps[i].decision = dec
	c.gen.Add(1)
	file := c.copyFileLocked()
	c.mu.Unlock()
	lv := []string{t.Name, t.Tier, string(t.Kind)}
	c.d.Metrics.desired.WithLabelValues(lv...).Set(float64(dec.Desired))
	c.d.Metrics.decisions.WithLabelValues(t.Name, dec.Direction(), string(dec.Reason)).Inc()
	if err := c.d.State.Save(file); err != nil {
		c.d.Metrics.stateSaveFail.Inc()
		return api.TargetStatus{}, err
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	return v.statusLocked(i), nil
}

// Health implements api.Backend.
func (v *View) Health() api.Health {
	c := v.c
	c.mu.RLock()
	defer c.mu.RUnlock()
	now := c.d.Now()
	h := api.Health{Status: "ok", Interval: c.o.Interval.String(), FailedCycles: c.failed, LastCycle: api.TimeOf(c.lastCycle), Shard: v.info.Shard}
	if h.Shard.Count == 0 {
		h.Shard = api.ShardInfo{Count: 1, Targets: len(c.targets), TargetsTotal: len(c.targets)}
	}
	src := "history"
	if len(v.info.Sources) > 0 {
		src = "history: " + v.info.Sources[0].Detail
	}
	hc := api.Component{Name: src, Healthy: c.cycled && c.histUp, LastError: c.histErr, LastOK: api.TimeOf(c.histOK)}
	if !c.cycled {
		hc.Detail = "no cycle yet"
	}
	h.Components = append(h.Components, hc)
	h.Components = append(h.Components, v.targetDataLocked())
	lc := api.Component{Name: "loop", Healthy: c.cycled}
	if c.cycled {
		h.LoopAge = now.Sub(c.lastCycle).Seconds()
		if now.Sub(c.lastCycle) > 3*c.o.Interval+c.o.Interval/2 {
			lc.Healthy = false
			lc.Detail = "last cycle older than 3 intervals"
		}
	}
	h.Components = append(h.Components, lc)
	comps, act := actuationHealth(c.d.Actuators)
	h.Components = append(h.Components, comps...)
	h.Actuation = api.ActuationsOf(act)
	for _, comp := range h.Components {
		if !comp.Healthy {
			h.Status = "degraded"
		}
	}
	return h
}

// maxHealthReasons bounds the targets named in health's "target data"
// detail (the status endpoint has every target's reason).
const maxHealthReasons = 5

// targetDataLocked is health's "target data" component: healthy when every
// target had fresh data, else the targets without it and why.
func (v *View) targetDataLocked() api.Component {
	c := v.c
	var reasons []string
	missing := 0
	for i, t := range c.targets {
		s := c.snaps[i]
		if s.present {
			continue
		}
		missing++
		if len(reasons) < maxHealthReasons {
			why := s.histErr
			if why == "" {
				why = "no data"
			}
			reasons = append(reasons, t.Name+": "+why)
		}
	}
	dc := api.Component{Name: "target data", Healthy: c.cycled && missing == 0}
	if missing > 0 {
		more := ""
		if missing > len(reasons) {
			more = fmt.Sprintf("; and %d more (GET /api/scaling/status has every target's history_error)", missing-len(reasons))
		}
		dc.Detail = fmt.Sprintf("no fresh data for %d of %d targets, decisions held: %s%s", missing, len(c.targets), strings.Join(reasons, "; "), more)
	}
	return dc
}

// Verification implements api.Backend.
func (v *View) Verification() api.Verification {
	c := v.c
	c.mu.RLock()
	defer c.mu.RUnlock()
	now := c.d.Now()
	out := api.Verification{Sources: append([]api.SourceInfo{}, v.info.Sources...), Simulated: v.info.Simulated, Targets: []api.TargetVerification{}}
	if v.info.StoreStats != nil && len(out.Sources) > 0 {
		out.Sources[0].Stats = v.info.StoreStats()
	}
	if out.Simulated == nil {
		out.Simulated = []string{}
	}
	for i, t := range c.targets {
		s := c.snaps[i]
		tv := api.TargetVerification{
			Target: t.Name, Query: t.Query, Points: len(s.win.v), Present: s.win.present(),
			Dropped: s.win.dropped, Anomalous: len(s.anomalous), Model: s.fc.Model,
			Confidence:  finite(s.fc.Confidence),
			WindowStart: api.TimeOf(s.start), WindowEnd: api.TimeOf(s.end), HistoryError: s.histErr,
		}
		if !math.IsNaN(s.modelErr) && !math.IsInf(s.modelErr, 0) {
			me := s.modelErr
			tv.ModelError = &me
		}
		if s.present {
			tv.Newest = api.Unix(s.demandAt)
			age := now.Sub(tv.Newest.Time).Seconds()
			tv.Freshness = &age
		}
		out.Targets = append(out.Targets, tv)
	}
	return out
}

// Generation implements api.Backend.
func (v *View) Generation() uint64 { return v.c.gen.Load() }

// Ready implements api.Backend.
func (v *View) Ready() error {
	c := v.c
	c.mu.RLock()
	defer c.mu.RUnlock()
	if !c.cycled {
		return errors.New("no decision cycle completed yet")
	}
	if !c.histUp {
		return fmt.Errorf("history source down: %s", c.histErr)
	}
	return nil
}
