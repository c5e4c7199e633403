// Package api serves prescale's REST API (docs/architecture.md,
// "Interfaces"; the controller reference) with gorilla/mux: JSON
// everywhere, errors as {"error": "..."}, bounded bodies, a bearer token on
// POST and DELETE endpoints and server timeouts. The server (New) depends
// only on a Backend interface; View implements it from the controller's
// snapshot (controller.Snapshot) and manual overrides, and the server's
// tests use a fake.
package api

import (
	"context"
	"errors"
)

// Backend is what the API needs from the controller.
type Backend interface {
	Metrics(points int) MetricsResponse
	Latest() []Sample
	Predictions() []Prediction
	Status() []TargetStatus
	// Execute applies a manual scaling; errors wrap ErrUnknownTarget or
	// ErrOutOfRange for the 404 and 422 answers.
	Execute(ctx context.Context, req ExecuteRequest) (TargetStatus, error)
	// EndOverride ends a target's manual override in force; errors wrap
	// ErrUnknownTarget or ErrNoOverride for the 404 and 409 answers.
	EndOverride(ctx context.Context, target string) (TargetStatus, error)
	Health() Health
	Verification() Verification
	// Ready returns nil once the controller has completed a cycle with data.
	Ready() error
	// Generation changes whenever the data behind the GET answers changes
	// (a cycle ran, a manual scaling was applied); answers are cached per
	// generation and second.
	Generation() uint64
}

// Errors a Backend returns (wrapped) for client mistakes.
var (
	ErrUnknownTarget = errors.New("unknown target")
	ErrOutOfRange    = errors.New("units outside the target's min/max")
	ErrNoOverride    = errors.New("no manual override in force")
)

// Point is one sample of a series (NaN points are left out).
type Point struct {
	T Time    `json:"t"`
	V float64 `json:"v"`
}

// TargetMetrics is one target's current state and recent demand.
type TargetMetrics struct {
	Target string `json:"target"`
	Tier   string `json:"tier"`
	Kind   string `json:"kind"`
	Query  string `json:"query"`
	// Demand is the demand sample the last cycle used, null when it had
	// none (as /api/latest's value). Current and Desired are
	// TargetStatus' current and desired units, null while not known.
	Demand  *float64 `json:"demand"`
	Current *int     `json:"current_units"`
	Desired *int     `json:"desired_units"`
	History []Point  `json:"history"`
}

// MetricsResponse answers GET /api/metrics.
type MetricsResponse struct {
	Source  string          `json:"source"`
	Step    string          `json:"step"`
	Targets []TargetMetrics `json:"targets"`
}

// Sample is the latest demand sample of a target.
type Sample struct {
	Target string `json:"target"`
	// Time and Value are null while the target has no fresh sample (OK false).
	Time  Time     `json:"time"`
	Value *float64 `json:"value"`
	OK    bool     `json:"ok"`
}

// ForecastPoint is one step of a forecast.
type ForecastPoint struct {
	T     Time    `json:"t"`
	Mean  float64 `json:"mean"`
	Lower float64 `json:"lower"`
	Upper float64 `json:"upper"`
}

// Prediction answers GET /api/predictions for one target.
type Prediction struct {
	Target       string          `json:"target"`
	Model        string          `json:"model"`
	Confidence   float64         `json:"confidence"`
	Coverage     float64         `json:"coverage"`
	Step         string          `json:"step"`
	Forecast     []ForecastPoint `json:"forecast"`
	AnomalyScore float64         `json:"anomaly_score"`
	Anomaly      bool            `json:"anomaly"`
	// AnomalousPoints are the points of the window the live detector
	// flagged and kept out of model fitting (every point of an ongoing
	// anomaly); ExcludedFromFit counts them.
	AnomalousPoints []Point `json:"anomalous_points"`
	ExcludedFromFit int     `json:"excluded_from_fit"`
	Error           string  `json:"error,omitempty"`
	// At is the time of the cycle that made the forecast (null before one).
	At Time `json:"at"`
}

// TargetStatus answers GET /api/scaling/status for one target.
type TargetStatus struct {
	Target    string `json:"target"`
	Tier      string `json:"tier"`
	Kind      string `json:"kind"`
	Mode      string `json:"mode"`
	Actuator  string `json:"actuator"`
	Simulated bool   `json:"simulated"`
	// Current is the units the target has, prescale_current_units and
	// /api/metrics' current_units: what the target's current_query reads,
	// else the simulated pool's ready plus provisioning units, else what
	// the actuator acknowledged, else the last decision, read after the
	// last cycle's or manual scaling's decision was handed on, and when a
	// webhook's or a command's acknowledgement arrives. Pending are those of a pool that reports
	// units (the simulated pool) requested but not ready yet (else 0).
	// Desired is the controller's (or a manual) target, the last decision
	// (as prescale_desired_units): null before the target's first one (a
	// first hold without data, min_units by default, is none). Current and
	// CostPerHour (of the current units and a scale-up's still starting)
	// are null while the current units are not known: before the
	// target's first cycle, and while a first hold without data would
	// only assume min_units (controller.TargetSnapshot.CurrentKnown), as
	// prescale_current_units and prescale_cost_per_hour are absent.
	// CostToday (since UTC midnight, what the daily budget caps) and
	// CostTotal accrue for units known to run only: nothing while Current
	// is null.
	Current     *int     `json:"current_units"`
	Pending     int      `json:"pending_units"`
	Desired     *int     `json:"desired_units"`
	Min         int      `json:"min_units"`
	Max         int      `json:"max_units"`
	CostPerHour *float64 `json:"cost_per_hour"`
	CostToday   float64  `json:"cost_today"`
	CostTotal   float64  `json:"cost_total"`
	DailyBudget float64  `json:"daily_budget"`
	// Cooldown ends once a scaling happened (null before); in the past
	// means expired.
	ScaleUpCooldown   Time `json:"scale_up_cooldown_until"`
	ScaleDownCooldown Time `json:"scale_down_cooldown_until"`
	// Manual is the manual override in force, null without one.
	Manual    *Override  `json:"manual"`
	Decisions []Decision `json:"decisions"`
	// HistoryError is why the last cycle had no usable history for the
	// target (the source unreachable or refusing, an answer that is not
	// the Prometheus API's, a query over the engine's limits, stale data);
	// the decision then holds. Empty when the history was fine.
	HistoryError string `json:"history_error,omitempty"`
}

// ExecuteRequest is POST /api/scaling/execute's body.
type ExecuteRequest struct {
	Target string `json:"target"`
	Units  int    `json:"units"`
	// Duration of the manual override, read as every duration variable
	// and flag (clihelp.ParseDuration: "30m", "1d", "1d12h"); "" means the
	// controller's default.
	Duration string `json:"duration,omitempty"`
}

// Component is one component's health.
type Component struct {
	Name      string `json:"name"`
	Healthy   bool   `json:"healthy"`
	Detail    string `json:"detail,omitempty"`
	LastError string `json:"last_error,omitempty"`
	// LastOK is null until the component first worked.
	LastOK Time `json:"last_ok"`
}

// Health answers GET /api/system/health.
type Health struct {
	Status       string      `json:"status"` // "ok" or "degraded"
	Components   []Component `json:"components"`
	LastCycle    Time        `json:"last_cycle"`
	LoopAge      float64     `json:"loop_age_seconds"`
	Interval     string      `json:"interval"`
	FailedCycles int64       `json:"failed_cycles"`
	// Actuation is every target's delivery state per actuator: desired and
	// acknowledged units, and while failing since when and why.
	Actuation []Actuation `json:"actuation"`
	// Shard is the part of the fleet this controller owns.
	Shard ShardInfo `json:"shard"`
}

// ShardInfo is a controller's shard (PRESCALE_SHARD): it owns the targets
// whose name hashes to Index of Count; Targets of TargetsTotal are its.
type ShardInfo struct {
	Index        int `json:"index"`
	Count        int `json:"count"`
	Targets      int `json:"targets"`
	TargetsTotal int `json:"targets_total"`
}

// SourceInfo describes where data comes from.
type SourceInfo struct {
	Name   string `json:"name"`
	Kind   string `json:"kind"`
	Detail string `json:"detail"`
	// Stats counts what the embedded store holds (absent for a remote source).
	Stats map[string]int64 `json:"stats,omitempty"`
}

// TargetVerification is the evidence behind one target's data.
type TargetVerification struct {
	Target  string `json:"target"`
	Query   string `json:"query"`
	Points  int    `json:"points"`
	Present int    `json:"present"`
	// Dropped, Negative and SeveralSeries count the points left out of the
	// window because the store returned NaN or ±Inf, a value below zero (a
	// wrong query), several series there: those of its last whole read and
	// each point read since it once (as prescale_history_points_dropped_total
	// counts them); one slid out stays counted until the next whole read.
	Dropped       int  `json:"dropped_nan_or_inf"`
	Negative      int  `json:"dropped_negative"`
	SeveralSeries int  `json:"dropped_several_series"`
	Anomalous     int  `json:"anomalous_excluded_from_fit"`
	Newest        Time `json:"newest_sample"`
	// Freshness is the newest sample's age; null without a sample.
	Freshness  *float64 `json:"freshness_seconds"`
	Model      string   `json:"model"`
	Confidence float64  `json:"backtest_confidence"`
	// ModelError is the last scored one-step forecast's absolute error,
	// kept between scores as prescale_model_error; null until a previous
	// forecast could be scored.
	ModelError   *float64 `json:"model_error"`
	WindowStart  Time     `json:"window_start"`
	WindowEnd    Time     `json:"window_end"`
	HistoryError string   `json:"history_error,omitempty"`
}

// Verification answers GET /api/verification.
type Verification struct {
	Sources   []SourceInfo         `json:"sources"`
	Simulated []string             `json:"simulated_components"`
	Targets   []TargetVerification `json:"targets"`
}
