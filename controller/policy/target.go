// Package policy is prescale's decision engine: a pure function that turns a
// forecast, the current demand and the target's rules into a desired number
// of units, an enumerated reason and an explanation.
//
// Nothing here reads a clock, performs I/O or keeps global state: the live
// controller and `prescale backtest` call the same Decide with an explicit
// Input.Now, so a backtest replays exactly what the controller would decide.
package policy

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
	"unicode"
)

// Kind is the resource a target scales.
type Kind string

// Resource kinds (docs/architecture.md, "Decision rules, in order").
const (
	KindInstances Kind = "instances"
	KindCPU       Kind = "cpu"
	KindMemory    Kind = "memory"
	// KindStorage targets never shrink: a volume is grown ahead of its
	// forecast usage and kept (volumes rarely support shrinking).
	KindStorage Kind = "storage"
)

// Kinds lists the kinds a target may have (besides "", instances):
// Validate refuses any other, and the Helm chart's values.schema.json
// offers exactly these.
func Kinds() []Kind { return []Kind{KindInstances, KindCPU, KindMemory, KindStorage} }

// FloorMode says how the reactive floor (the HPA formula on current
// demand) binds.
type FloorMode string

const (
	// FloorScaleUp (the default, also for ""): the decision is never below
	// the HPA formula on current demand, so a spike in current demand
	// scales up at once, as a reactive autoscaler would.
	FloorScaleUp FloorMode = "scale_up"
	// FloorHold: as FloorScaleUp (overload is answered in every mode: see
	// Decide), and with a UsageWindow the decision also keeps the units
	// demand used within that window.
	FloorHold FloorMode = "hold"
)

// FloorModes lists the floor modes a target may have (besides "",
// scale_up): Validate refuses any other, and the Helm chart's
// values.schema.json offers exactly these.
func FloorModes() []FloorMode { return []FloorMode{FloorScaleUp, FloorHold} }

// DefaultConfidenceThreshold is the default (docs/architecture.md) for
// PRESCALE_CONFIDENCE_THRESHOLD: below it the decision is reactive.
const DefaultConfidenceThreshold = 0.7

// Target is one scalable thing and the rules its decisions obey.
//
// Zero values: cooldowns, stabilisation window, rate limits, tolerance and
// daily budget equal to 0 disable that rule; MaxUnits must be set.
type Target struct {
	// Name identifies the target (metric label, API key); required.
	Name string `json:"name" yaml:"name"`
	// Tier is a free-form grouping such as "web", "worker", "db".
	Tier string `json:"tier,omitempty" yaml:"tier"`
	// Kind is instances, cpu, memory or storage; empty means instances.
	Kind Kind `json:"kind" yaml:"kind"`
	// Query is the PromQL expression giving the demand (in the same unit
	// as CapacityPerUnit). The decision engine does not read it; the
	// history source does.
	Query string `json:"query" yaml:"query"`
	// CurrentQuery, when set, is PromQL reading back the units the target
	// has (for example the replicas KEDA or the HPA set, from
	// kube-state-metrics: kube_deployment_status_replicas_available{deployment="web"}).
	// The controller publishes its value as the current units and measures
	// the provisioning lag it observes; the decision engine does not read it.
	CurrentQuery string `json:"current_query,omitempty" yaml:"current_query"`
	// CompleteQuery, when set, is PromQL that is positive while the demand
	// query sees every source it sums (for example every host of a job:
	// min(min_over_time(up{job="worker"}[5m]))). While it answers nothing,
	// 0 or less, or an error, the demand is a lower bound: the decision may scale
	// up on it but not below the units held (reason partial_data), and
	// its history points are left out, as missing. The decision engine
	// does not read it.
	CompleteQuery string `json:"complete_query,omitempty" yaml:"complete_query"`
	// CapacityPerUnit is the demand one unit serves at 100 % utilisation
	// (requests/s per instance, cores per node, bytes per volume step).
	CapacityPerUnit float64 `json:"capacity_per_unit" yaml:"capacity_per_unit"`
	// TargetUtilization in (0, 1] is the fraction of a unit's capacity the
	// decision aims to use: units = demand / (CapacityPerUnit * TargetUtilization).
	TargetUtilization float64 `json:"target_utilization" yaml:"target_utilization"`
	// MinUnits and MaxUnits bound every decision (0 <= min <= max, max >= 1).
	MinUnits int `json:"min_units" yaml:"min_units"`
	MaxUnits int `json:"max_units" yaml:"max_units"`
	// CostPerUnitHour is the price of one unit for one hour (0: free).
	CostPerUnitHour float64 `json:"cost_per_unit_hour" yaml:"cost_per_unit_hour"`
	// Lag is the provisioning lag: how long a requested unit takes to
	// serve. Decisions provision for the forecast over [now, now+Lag+interval].
	Lag time.Duration `json:"lag" yaml:"lag"`
	// ScaleUpCooldown is the minimum time between two scale-ups, except
	// that the reactive floor is always honoured (0: none).
	ScaleUpCooldown time.Duration `json:"scale_up_cooldown" yaml:"scale_up_cooldown"`
	// ScaleDownCooldown is the minimum time after any scaling action
	// before a scale-down (0: none).
	ScaleDownCooldown time.Duration `json:"scale_down_cooldown" yaml:"scale_down_cooldown"`
	// StabilizationWindow: a scale-down goes only as low as the highest
	// recommendation in [now-window, now], as the Kubernetes HPA does (0: none).
	StabilizationWindow time.Duration `json:"stabilization_window" yaml:"stabilization_window"`
	// HoldUntilReady makes the stabilisation window at least the lag (the
	// caller resolves it, see controller/engine.Resolve), so that each
	// recommendation stays in force until the units it requested are ready
	// and have served: a pool cancels pending units on scale-down.
	HoldUntilReady bool `json:"hold_until_ready" yaml:"hold_until_ready"`
	// MaxScaleUpUnits caps units added by one decision beyond the reactive
	// floor (0: unlimited).
	MaxScaleUpUnits int `json:"max_scale_up_units" yaml:"max_scale_up_units"`
	// MaxScaleDownUnits caps units removed by one decision (0: unlimited).
	MaxScaleDownUnits int `json:"max_scale_down_units" yaml:"max_scale_down_units"`
	// Tolerance in [0, 1): no change while the wanted units are within
	// this relative band of the current units (the HPA's 0.1; 0: none).
	Tolerance float64 `json:"tolerance" yaml:"tolerance"`
	// ConfidenceThreshold in [0, 1]: forecasts with a lower confidence are
	// not trusted and the decision is reactive. 0 trusts every forecast.
	ConfidenceThreshold float64 `json:"confidence_threshold" yaml:"confidence_threshold"`
	// FloorMode is scale_up (default) or hold; see FloorMode.
	FloorMode FloorMode `json:"floor_mode,omitempty" yaml:"floor_mode"`
	// RiskPerUnit, when > 0 and the input carries PeakQuantiles, sizes the
	// forecast part by expected cost instead of a fixed quantile: the units k
	// minimise k*RiskPerUnit + P(peak demand in the lead window > k units'
	// capacity). A unit is added while it lowers the probability of a
	// violation by at least RiskPerUnit, so headroom is bought where it is
	// cheap and not where the forecast is very uncertain (the Lagrangian
	// solution of "fewest violations for a given cost"). 0: provision
	// for the upper bound.
	RiskPerUnit float64 `json:"risk_per_unit" yaml:"risk_per_unit"`
	// UsageWindow, with FloorHold, widens the floor to the units demand
	// used at any decision in [now-UsageWindow, now]: the HPA formula on
	// that decision's demand, at most the units it had (demand cannot use
	// units that were not there), and at most the current units (so the
	// window alone never scales up). A unit removed now can only come back
	// after the lag, so a unit demand used less than a lag ago is kept, as
	// the HPA's scale-down stabilisation keeps its own recommendations.
	// 0: only current demand counts.
	UsageWindow time.Duration `json:"usage_window,omitempty" yaml:"usage_window"`
	// ChangeCost, with RiskPerUnit and peak quantiles, is the price of one
	// scale event in the same currency as RiskPerUnit: the units change
	// only when the move lowers the lead window's expected loss
	// (units·RiskPerUnit + violation probability) by more than ChangeCost,
	// never holding below the reactive floor, and a held scale-down is
	// made once the gain it forgoes, accrued per decision, exceeds twice
	// ChangeCost (0: every change is made).
	ChangeCost float64 `json:"change_cost,omitempty" yaml:"change_cost"`
	// DailyBudget caps scale-up so that the cost of a UTC day stays within
	// it (same currency as CostPerUnitHour; 0: no budget).
	DailyBudget float64 `json:"daily_budget" yaml:"daily_budget"`
}

// MaxUnitsLimit is the largest max_units accepted. Pools, simulators and
// the expected-cost search hold or walk one entry per unit, so an absurd
// bound (a typo, a unit mix-up) would take unbounded memory and time; a
// million units is far beyond any real pool.
const MaxUnitsLimit = 1_000_000

// Bounds of a target's capacity and price. Demand and capacity are in the
// query's unit, whatever it is; outside these bounds the number is a unit
// mix-up (requests/ms for requests/s, bytes for pebibytes) or a typo, and
// the arithmetic stops meaning anything: demand / capacity_per_unit
// overflows or rounds to a pool of 2^31 units, and a price times units
// and hours to +Inf, which JSON (the API, the state file) cannot hold.
// The capacities of the tuning set (scripts/accuracy-tuneset.sh) run from
// 0.0068 to 2.6e7, far inside.
const (
	// MinCapacityPerUnit bounds capacity_per_unit and capacity_per_unit ×
	// target_utilization (the demand a unit is sized for) from below.
	MinCapacityPerUnit = 1e-9
	// MaxCapacityPerUnit is the most demand one unit may serve: 1e15, the
	// largest value a trace may hold (a petabyte per second).
	MaxCapacityPerUnit = 1e15
	// MaxCostPerUnitHour is the highest price of one unit-hour accepted.
	MaxCostPerUnitHour = 1e9
)

// FieldError is a validation error naming the offending field.
type FieldError struct {
	Target string
	Field  string
	Msg    string
}

func (e *FieldError) Error() string {
	return fmt.Sprintf("target %q: %s %s", e.Target, e.Field, e.Msg)
}

// Validate checks every field and returns all problems joined (each a
// *FieldError naming the field), or nil.
func (t Target) Validate() error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, &FieldError{Target: t.Name, Field: field, Msg: fmt.Sprintf(format, args...)})
	}
	t.validateNames(bad)
	t.validateCapacity(bad)
	t.validateUnits(bad)
	if t.CostPerUnitHour < 0 || !finite(t.CostPerUnitHour) {
		bad("cost_per_unit_hour", "must be a finite number >= 0, got %v", t.CostPerUnitHour)
	} else if t.CostPerUnitHour > MaxCostPerUnitHour {
		bad("cost_per_unit_hour", "must be at most %g (the price of one unit for one hour), got %g", float64(MaxCostPerUnitHour), t.CostPerUnitHour)
	}
	for _, d := range []struct {
		field string
		v     time.Duration
	}{
		{"lag", t.Lag},
		{"scale_up_cooldown", t.ScaleUpCooldown},
		{"scale_down_cooldown", t.ScaleDownCooldown},
		{"stabilization_window", t.StabilizationWindow},
		{"usage_window", t.UsageWindow},
	} {
		if d.v < 0 {
			bad(d.field, "must be >= 0, got %s", d.v)
		}
	}
	if t.MaxScaleUpUnits < 0 {
		bad("max_scale_up_units", "must be >= 0 (0: unlimited), got %d", t.MaxScaleUpUnits)
	}
	if t.MaxScaleDownUnits < 0 {
		bad("max_scale_down_units", "must be >= 0 (0: unlimited), got %d", t.MaxScaleDownUnits)
	}
	t.validateFractions(bad)
	if t.DailyBudget < 0 || !finite(t.DailyBudget) {
		bad("daily_budget", "must be a finite number >= 0 (0: none), got %v", t.DailyBudget)
	}
	if t.DailyBudget > 0 && t.CostPerUnitHour == 0 {
		bad("daily_budget", "needs cost_per_unit_hour > 0")
	}
	return errors.Join(errs...)
}

// finite reports whether v is neither NaN nor infinite.
func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// validateNames checks the name, the kind and the floor mode (Validate).
func (t Target) validateNames(bad func(field, format string, args ...any)) {
	switch {
	case t.Name == "":
		bad("name", "must not be empty")
	case strings.TrimSpace(t.Name) != t.Name || strings.ContainsFunc(t.Name, unicode.IsControl):
		// " web " beside "web" is a second target an operator cannot tell
		// apart in logs, labels or ?target=web.
		bad("name", "must not start or end with white space nor hold control characters, got %q", t.Name)
	}
	if t.Kind != "" && !slices.Contains(Kinds(), t.Kind) {
		bad("kind", "must be one of instances, cpu, memory, storage; got %q", t.Kind)
	}
	if t.FloorMode != "" && !slices.Contains(FloorModes(), t.FloorMode) {
		bad("floor_mode", "must be scale_up or hold; got %q", t.FloorMode)
	}
}

// validateUnits checks the bounds on the units (Validate).
func (t Target) validateUnits(bad func(field, format string, args ...any)) {
	if t.MinUnits < 0 {
		bad("min_units", "must be >= 0, got %d", t.MinUnits)
	}
	if t.MaxUnits < 1 || t.MaxUnits > MaxUnitsLimit {
		bad("max_units", "must be in [1, %d], got %d", MaxUnitsLimit, t.MaxUnits)
	} else if t.MinUnits > t.MaxUnits {
		bad("min_units", "must not exceed max_units (%d), got %d", t.MaxUnits, t.MinUnits)
	}
}

// validateFractions checks the settings that are fractions (Validate).
func (t Target) validateFractions(bad func(field, format string, args ...any)) {
	if !(t.Tolerance >= 0 && t.Tolerance < 1) {
		bad("tolerance", "must be in [0, 1), got %v", t.Tolerance)
	}
	if !(t.ConfidenceThreshold >= 0 && t.ConfidenceThreshold <= 1) {
		bad("confidence_threshold", "must be in [0, 1], got %v", t.ConfidenceThreshold)
	}
	if !(t.RiskPerUnit >= 0 && t.RiskPerUnit < 1) {
		bad("risk_per_unit", "must be in [0, 1), got %v", t.RiskPerUnit)
	}
	if !(t.ChangeCost >= 0 && t.ChangeCost < 1) {
		bad("change_cost", "must be in [0, 1), got %v", t.ChangeCost)
	}
}

// validateCapacity checks capacity_per_unit and target_utilization, and
// that the demand a unit is sized for stays in the bounds.
func (t Target) validateCapacity(bad func(field, format string, args ...any)) {
	c, u := t.CapacityPerUnit, t.TargetUtilization
	capOK := false
	switch {
	case !(c > 0) || math.IsInf(c, 0):
		bad("capacity_per_unit", "must be a finite number > 0, got %v", c)
	case c < MinCapacityPerUnit || c > MaxCapacityPerUnit:
		bad("capacity_per_unit", "must be in [%g, %g] (the demand one unit serves, in the query's unit: outside is a unit mix-up), got %g",
			MinCapacityPerUnit, float64(MaxCapacityPerUnit), c)
	default:
		capOK = true
	}
	if !(u > 0 && u <= 1) {
		bad("target_utilization", "must be in (0, 1], got %v", u)
	} else if capOK && c*u < MinCapacityPerUnit {
		bad("target_utilization", "times capacity_per_unit (%g × %g = %g) must be at least %g: the demand one unit is sized for, in the query's unit",
			u, c, c*u, MinCapacityPerUnit)
	}
}

// UnitsFor is the smallest whole number of units k >= 0 with
// k * CapacityPerUnit * TargetUtilization >= demand: the HPA formula
// ceil(demand / (capacity * utilisation)), made exact in floating point so
// that a demand exactly at capacity needs no extra unit (UnitsNeeded).
// NaN or negative demand needs 0 units.
func (t Target) UnitsFor(demand float64) int {
	return UnitsNeeded(demand, t.CapacityPerUnit*t.TargetUtilization)
}

// UnitsNeeded is the smallest whole number k >= 0 with k * per >= demand,
// exact in floating point as the referee's instances_needed (0.1+0.2 at
// 0.1 a unit needs 3; 0.9 at 0.3 needs 4, 3 * 0.3 being
// 0.8999999999999999): the one rule of the units a demand needs, for a
// target's decisions (UnitsFor) and for the backtest's simulated pool
// (controller/backtest's Sim.Need), so that the units a decision sizes
// are those the simulation counts as enough. A demand that is not above
// 0 (NaN included), or a per that is not, needs 0. It saturates at
// math.MaxInt32: demand/per beyond that would overflow the int
// conversion and never finish the exactness loops.
func UnitsNeeded(demand, per float64) int {
	if !(demand > 0) || !(per > 0) {
		return 0
	}
	x := demand / per
	if !(x < math.MaxInt32) {
		return math.MaxInt32
	}
	k := int(math.Ceil(x))
	for float64(k)*per < demand {
		k++
	}
	for k > 0 && float64(k-1)*per >= demand {
		k--
	}
	return k
}

func (t Target) clamp(units int) int {
	return max(t.MinUnits, min(t.MaxUnits, units))
}
