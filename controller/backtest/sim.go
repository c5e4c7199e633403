package backtest

import (
	"cmp"
	"math"
	"slices"

	"github.com/prescale/prescale/controller/internal/simpool"
	"github.com/prescale/prescale/controller/policy"
	"github.com/prescale/prescale/predictor/series"
)

// Figures summarise one policy's run over the scored samples, with the
// referee's definitions.
type Figures struct {
	// InstanceHours is Σ requested·dt/3600 (pending units are paid for).
	InstanceHours      float64 `json:"instance_hours"`
	ReadyInstanceHours float64 `json:"ready_instance_hours"`
	// ViolationSeconds is Σ dt where demand > ready·capacity.
	ViolationSeconds float64 `json:"violation_seconds"`
	ViolationPct     float64 `json:"violation_pct"`
	// UnservedPct is Σ max(0, demand − ready·capacity)·dt / Σ demand·dt × 100.
	UnservedPct float64 `json:"unserved_pct"`
	// ScaleEvents counts samples where the requested count changed.
	ScaleEvents int `json:"scale_events"`
	Peak        int `json:"peak_instances"`
}

// Sample is one simulated sample of a timeline.
type Sample struct {
	Ready, Requested int
}

// Sim holds the fixed parts of a simulation: the grid, demand, capacity,
// lag and bounds.
type Sim struct {
	T         []int64
	Demand    []float64 // NaN = missing
	Dur       []float64 // seconds each sample lasts
	Capacity  float64
	Lag       float64 // seconds
	Min, Max  int
	EvalStart int // first scored sample index
}

// NewSim builds a simulation grid; sample i lasts t[i+1]-t[i] seconds and
// the last one the median step.
func NewSim(t []int64, demand []float64, capacity, lagSeconds float64, minUnits, maxUnits, evalStart int) *Sim {
	return &Sim{T: t, Demand: demand, Dur: durations(t), Capacity: capacity, Lag: lagSeconds,
		Min: minUnits, Max: maxUnits, EvalStart: evalStart}
}

func durations(t []int64) []float64 {
	n := len(t)
	d := make([]float64, n)
	if n < 2 {
		if n == 1 {
			d[0] = 0
		}
		return d
	}
	steps := diffs(t)
	copy(d, steps)
	d[n-1] = series.Median(steps) // sorts steps, not d
	return d
}

// Clamp bounds a unit count to [Min, Max].
func (s *Sim) Clamp(u int) int { return max(s.Min, min(s.Max, u)) }

// Need is the smallest k >= 0 with k·capacity >= demand (exact in floating
// point, like the referee's instances_needed): policy.UnitsNeeded, the
// rule a target's decisions size units by. It saturates at math.MaxInt32.
func (s *Sim) Need(demand float64) int { return policy.UnitsNeeded(demand, s.Capacity) }

// InitialUnits is the referee's default: right-sized for the first known
// demand, clamped.
func (s *Sim) InitialUnits() int {
	for _, d := range s.Demand {
		if !math.IsNaN(d) {
			return s.Clamp(s.Need(d))
		}
	}
	return s.Clamp(0)
}

// Stepper decides at sample i (after promotion) and returns the desired
// units and whether there is a decision at all.
type Stepper func(i int, pool *simpool.Pool) (desired int, ok bool)

// Run simulates one policy from initial ready units and returns its
// figures; timeline, when not nil, receives every sample's counts.
func (s *Sim) Run(initial int, step Stepper, timeline []Sample) Figures {
	pool := simpool.NewPool(s.Clamp(initial))
	prev := pool.Requested()
	var reqS, readyS, obsS, violS, demandInt, unservedInt float64
	var f Figures
	for i, ts := range s.T {
		now := float64(ts)
		pool.Promote(now)
		if d, ok := step(i, pool); ok {
			pool.SetDesired(s.Clamp(d), now+s.Lag)
		}
		pool.Promote(now)
		if timeline != nil {
			timeline[i] = Sample{Ready: pool.Ready, Requested: pool.Requested()}
		}
		changed := pool.Requested() != prev
		prev = pool.Requested()
		if i < s.EvalStart {
			continue
		}
		if changed {
			f.ScaleEvents++
		}
		dt := s.Dur[i]
		reqS += float64(pool.Requested()) * dt
		readyS += float64(pool.Ready) * dt
		f.Peak = max(f.Peak, pool.Requested())
		d := s.Demand[i]
		if math.IsNaN(d) {
			continue
		}
		obsS += dt
		demandInt += d * dt
		if short := d - float64(pool.Ready)*s.Capacity; short > 0 {
			violS += dt
			unservedInt += short * dt
		}
	}
	f.InstanceHours = reqS / 3600
	f.ReadyInstanceHours = readyS / 3600
	f.ViolationSeconds = violS
	if obsS > 0 {
		f.ViolationPct = 100 * violS / obsS
	}
	if demandInt > 0 {
		f.UnservedPct = 100 * unservedInt / demandInt
	}
	return f
}

// HPA returns the reference reactive policy at a utilisation target as a Stepper.
func (s *Sim) HPA(target float64) Stepper {
	h := &simpool.HPA{Target: target, Capacity: s.Capacity, Min: s.Min}
	return func(i int, pool *simpool.Pool) (int, bool) { return h.Step(s.T[i], s.Demand[i], pool) }
}

// OracleRequests is the clairvoyant request per sample: the units for the
// highest demand over every sample j >= i with t[j] < t[i+1] + lag.
func (s *Sim) OracleRequests() []int {
	n := len(s.T)
	need := make([]int, n)
	for i, d := range s.Demand {
		if !math.IsNaN(d) {
			need[i] = s.Need(d)
		}
	}
	out := make([]int, n)
	end := 0
	for i := range n {
		next := float64(s.T[i]) + s.Dur[i]
		if i+1 < n {
			next = float64(s.T[i+1])
		}
		end = max(end, i+1)
		for end < n && float64(s.T[end]) < next+s.Lag {
			end++
		}
		m := 0
		for j := i; j < end; j++ {
			m = max(m, need[j])
		}
		out[i] = m
	}
	return out
}

// Replay returns a policy that applies precomputed desired units, one per sample.
func Replay(desired []int) Stepper {
	return func(i int, _ *simpool.Pool) (int, bool) { return desired[i], true }
}

// CostPoint is one HPA run on the cost/violation curve.
type CostPoint struct {
	Target float64 `json:"target"`
	Figures
}

// EqualCost compares prescale with the HPA curve at prescale's cost.
type EqualCost struct {
	InstanceHours float64 `json:"instance_hours"`
	// HPAViolationSeconds and HPAUnservedPct are the curve's lower
	// envelope interpolated at InstanceHours, as the referee computes them.
	HPAViolationSeconds float64 `json:"hpa_violation_seconds"`
	HPAUnservedPct      float64 `json:"hpa_unserved_pct"`
	// HPAScaleEvents are the curve's scale events linearly interpolated at
	// InstanceHours (points sorted by instance-hours, the fewest events
	// where several share one, clamped to the ends; no envelope: an HPA's
	// events rise with its cost, so the envelope would be the cheapest
	// run's everywhere), as scripts/autoscale_eval.py reads them.
	HPAScaleEvents float64 `json:"hpa_scale_events"`
	// Target is the HPA utilisation target at equal cost: linear in
	// instance-hours between the two curve points around InstanceHours
	// (the lowest target where several share a cost; the end point's
	// target when clamped).
	Target float64 `json:"target"`
	// ViolationRatio is violation seconds over the HPA's at equal cost
	// (NaN when the HPA's is 0); likewise UnservedRatio and EventsRatio.
	ViolationRatio float64 `json:"-"`
	UnservedRatio  float64 `json:"-"`
	EventsRatio    float64 `json:"-"`
	// Clamped is "below" or "above" when the cost is outside the curve.
	Clamped string `json:"clamped,omitempty"`
}

// sortedCurve returns (instance-hours, val) of every point sorted by cost,
// then value.
func sortedCurve(curve []CostPoint, val func(CostPoint) float64) []simpool.CurvePoint {
	pts := make([]simpool.CurvePoint, len(curve))
	for i, p := range curve {
		pts[i] = simpool.CurvePoint{Cost: p.InstanceHours, Value: val(p)}
	}
	slices.SortStableFunc(pts, func(a, b simpool.CurvePoint) int {
		if c := cmp.Compare(a.Cost, b.Cost); c != 0 {
			return c
		}
		return cmp.Compare(a.Value, b.Value)
	})
	return pts
}

// firstPerCost keeps the first of the points (sorted by cost, then
// value: sortedCurve) at each cost, the lowest value there, as the
// referee's lower envelope and scripts/autoscale_eval.py's interpolate
// keep it. Several HPA targets share a cost where they request the same
// units throughout; read through all of them, the curve would start its
// next segment from the highest value at that cost and clamp above to the
// highest at the dearest one.
func firstPerCost(pts []simpool.CurvePoint) []simpool.CurvePoint {
	out := pts[:0:0]
	for _, p := range pts {
		if len(out) == 0 || p.Cost != out[len(out)-1].Cost {
			out = append(out, p)
		}
	}
	return out
}

// lowerEnvelope keeps the lowest value at each cost (firstPerCost) and
// makes the value non-increasing in cost (the best value reachable at that
// cost or less).
func lowerEnvelope(pts []simpool.CurvePoint) []simpool.CurvePoint {
	env := firstPerCost(pts)
	for i := 1; i < len(env); i++ {
		env[i].Value = min(env[i].Value, env[i-1].Value)
	}
	return env
}

// interpolate is pts (sorted by cost) read at cost c (simpool.Interpolate)
// and the side it was clamped to ("below", "above" or "").
func interpolate(pts []simpool.CurvePoint, c float64) (float64, string) {
	v, clamped := simpool.Interpolate(pts, c)
	return v, clamped.String()
}

// CompareAtEqualCost interpolates the HPA curve at f's instance-hours:
// violations and unserved demand on its lower envelope, as the referee
// does, and scale events and the utilisation target on the curve itself.
func CompareAtEqualCost(f Figures, curve []CostPoint) EqualCost {
	out := EqualCost{InstanceHours: f.InstanceHours}
	c := f.InstanceHours
	out.HPAViolationSeconds, out.Clamped = interpolate(
		lowerEnvelope(sortedCurve(curve, func(p CostPoint) float64 { return p.ViolationSeconds })), c)
	out.HPAUnservedPct, _ = interpolate(
		lowerEnvelope(sortedCurve(curve, func(p CostPoint) float64 { return p.UnservedPct })), c)
	out.HPAScaleEvents, _ = interpolate(
		firstPerCost(sortedCurve(curve, func(p CostPoint) float64 { return float64(p.ScaleEvents) })), c)
	out.Target, _ = interpolate(firstPerCost(sortedCurve(curve, func(p CostPoint) float64 { return p.Target })), c)
	out.ViolationRatio = ratio(f.ViolationSeconds, out.HPAViolationSeconds)
	out.UnservedRatio = ratio(f.UnservedPct, out.HPAUnservedPct)
	out.EventsRatio = ratio(float64(f.ScaleEvents), out.HPAScaleEvents)
	return out
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return math.NaN()
	}
	return a / b
}
