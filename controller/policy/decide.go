package policy

import (
	"math"
	"time"

	"github.com/prescale/prescale/predictor"
)

// Reason says why a decision has its value. The set is
// docs/architecture.md's, fixed, so it can be a metric label
// pre-initialised at zero.
type Reason string

// Decision reasons.
const (
	// ReasonForecast: the upper forecast over the lead time set the units.
	ReasonForecast Reason = "forecast"
	// ReasonReactive: current demand (the HPA formula) asked for more than the forecast.
	ReasonReactive Reason = "reactive"
	// ReasonCooldown: a scale-up or scale-down cooldown held the units.
	ReasonCooldown Reason = "cooldown"
	// ReasonStabilization: the tolerance band or the scale-down stabilisation
	// window kept more units than wanted now.
	ReasonStabilization Reason = "stabilization"
	// ReasonBudget: the daily cost budget capped a scale-up.
	ReasonBudget Reason = "budget"
	// ReasonMin and ReasonMax: the target's bounds clamped the units.
	ReasonMin Reason = "min"
	ReasonMax Reason = "max"
	// ReasonLowConfidence: the forecast was not trusted; decided reactively.
	ReasonLowConfidence Reason = "low_confidence"
	// ReasonAnomaly: current demand is anomalous; the reactive floor or the
	// forecast scaled anyway, flagged.
	ReasonAnomaly Reason = "anomaly"
	// ReasonManual: an operator's manual override is in force.
	ReasonManual Reason = "manual"
	// ReasonNoData: no usable data; the last decision is held.
	ReasonNoData Reason = "no_data"
	// ReasonBadQuery: the store answered, but the target's demand query
	// is unusable (several series, NaN or ±Inf, a failed evaluation); the
	// last decision is held, as with no_data, and the explanation's
	// problem says what to fix.
	ReasonBadQuery Reason = "bad_query"
)

// Holds reports whether the reason is a hold on missing or unusable data
// (no_data, bad_query): the decision repeats the last one.
func (r Reason) Holds() bool { return r == ReasonNoData || r == ReasonBadQuery }

// Reasons lists every reason, in docs/architecture.md's order.
func Reasons() []Reason {
	return []Reason{
		ReasonForecast, ReasonReactive, ReasonCooldown, ReasonStabilization, ReasonBudget,
		ReasonMin, ReasonMax, ReasonLowConfidence, ReasonAnomaly, ReasonManual, ReasonNoData,
		ReasonBadQuery, ReasonPartialData,
	}
}

// Rule names the step of Decide that bound the result; finer than Reason
// (e.g. "tolerance" and "stabilization_window" both give ReasonStabilization).
type Rule string

// Rules, in the order Decide applies them.
const (
	RuleManual        Rule = "manual"
	RuleNoData        Rule = "no_data"
	RuleBadQuery      Rule = "bad_query"
	RuleForecast      Rule = "forecast"
	RuleReactiveFloor Rule = "reactive_floor"
	RuleShadowHPA     Rule = "shadow_hpa"
	RuleCrowdTrend    Rule = "crowd_trend"
	RuleLowConfidence Rule = "low_confidence"
	RuleStorageGrow   Rule = "storage_no_shrink"
	RuleTolerance     Rule = "tolerance"
	RuleStabilization Rule = "stabilization_window"
	RuleOutageHold    Rule = "outage_hold"
	RuleStartupHold   Rule = "startup_hold"
	RuleCooldownUp    Rule = "scale_up_cooldown"
	RuleCooldownDown  Rule = "scale_down_cooldown"
	RuleRateLimitUp   Rule = "scale_up_rate_limit"
	RuleRateLimitDown Rule = "scale_down_rate_limit"
	RuleBudget        Rule = "daily_budget"
	RuleMin           Rule = "min_units"
	RuleMax           Rule = "max_units"
)

// Input is what the controller knows at one decision.
type Input struct {
	// Now is the decision time.
	Now time.Time
	// Interval is the time until the next decision (the scaling interval,
	// or the trace step in a backtest); it widens the lead window.
	Interval time.Duration
	// CurrentUnits is the number of units requested now (ready + pending).
	CurrentUnits int
	// DataPresent is false when the history source is down or returned no
	// usable sample: the decision then holds the last one.
	DataPresent bool
	// BadQuery says the store answered but the demand query's result is
	// unusable (several series, NaN or ±Inf for the current demand): the
	// decision holds with reason bad_query. Problem says why there is no
	// usable demand (with BadQuery or without DataPresent), for the
	// explanation.
	BadQuery bool
	Problem  string
	// Partial says the demand is a lower bound: the target's
	// complete_query said the demand query missed a source (it answered
	// nothing, 0, or failed). The decision may rise on it but never goes
	// below the units held (partialHold); Problem says why.
	Partial bool
	// Demand is the latest observed demand (NaN when unknown).
	Demand float64
	// Forecast was made at Now; Forecast.Mean[k] is for Now+(k+1)*ForecastStep.
	// An empty forecast means "none": the decision is reactive.
	Forecast     predictor.Forecast
	ForecastStep time.Duration
	// PeakQuantiles optionally describe the forecast distribution of the
	// highest demand in the lead window, as (P, Value) pairs with P and
	// Value increasing, or every Value 0 (no demand at any level). With
	// Target.RiskPerUnit > 0 they replace the upper bound: see Decide.
	PeakQuantiles []Quantile
	// AnomalyScore in [0, 1] and Anomaly (the detector's flag) for the
	// current demand.
	AnomalyScore float64
	Anomaly      bool
	// CostToday is the cost accrued since 00:00 UTC of Now's day.
	CostToday float64
	// ShadowUnits, when > 0, is the recommendation of a reactive HPA (at
	// utilisation ShadowTarget) whose recent loss was lower than the
	// forecast policy's (controller/engine's shadow HPA): a floor under the
	// forecast.
	ShadowUnits  int
	ShadowTarget float64
	// TrendUnits, when > 0, is what a flagged crowd climbing steadily will
	// need at the lead window's end by its own trend
	// (controller/engine/internal/crowd): a floor, as the shadow HPA's.
	TrendUnits int
	// EventPrice, when > 1, multiplies a scale-down's change cost
	// (holdSmallChange): controller/engine's event pacing, when the
	// target's recent scale events exceed the reactive HPA's at equal cost.
	EventPrice float64
	// ReleaseBand, when > 0, is event pacing's release band in units
	// (releaseBand): a scale-down goes to the wanted units plus the band,
	// and is not made when that is not below the current units.
	ReleaseBand int
	// ClimbUnits, when > 0, is event pacing's climb ahead in units
	// (climbAhead): a scale-up goes that many units beyond those it wants.
	ClimbUnits int
	// WideBand, when > 0, is event pacing's wide band in units, in force
	// instead of the release band where violations are to spare
	// (controller/engine's spare.go; releaseBand, climbAhead): a
	// scale-down is made only when the wanted units are more than twice
	// the band below the current units, and goes to the wanted units; a
	// scale-up goes at least the band beyond those it wants.
	WideBand int
	// CalmUnits, when > 0, is the calm hold's target in units
	// (controller/engine's calm.go; calmHold): the median of the units
	// wanted by the recent decisions, gone to only when it is more than
	// CalmBand units from the current units, in place of the change
	// cost's test and event pacing's bands.
	CalmUnits int
}

// Quantile is one point of a forecast distribution: P(demand <= Value) = P.
type Quantile struct {
	P     float64 `json:"p"`
	Value float64 `json:"value"`
}

// Recommendation is one past raw recommendation, kept for the
// stabilisation window.
type Recommendation struct {
	At    time.Time `json:"at"`
	Units int       `json:"units"`
	// Reactive is the part of Units that answered an overload beyond the
	// trusted forecast's plan (Decision.Reactive): the stabilisation
	// window keeps it while its units are pending, not once they are ready
	// (0: none, as in state written before it existed).
	Reactive int `json:"reactive,omitempty"`
}

// Override is a manual scaling order in force until Until (zero: forever)
// or until an operator ends it early (Cancelled, the time of DELETE
// /api/scaling/execute; zero: not ended).
type Override struct {
	Units     int       `json:"units"`
	Until     time.Time `json:"until,omitzero"`
	Cancelled time.Time `json:"cancelled,omitzero"`
}

// InForce reports whether the override holds at now: set, not ended by
// an operator, and not expired.
func (o *Override) InForce(now time.Time) bool {
	return o != nil && o.Cancelled.IsZero() && (o.Until.IsZero() || now.Before(o.Until))
}

// MaxManualDuration bounds a manual override (the REST request's
// "duration" and PRESCALE_MANUAL_DURATION): a forgotten override must not
// pin a target for ever. A week covers a weekend freeze with margin.
const MaxManualDuration = 7 * 24 * time.Hour

// State is what Decide remembers between calls. The zero value is a fresh
// target. Update it with Record after each decision.
type State struct {
	// LastDesired is the last decision's units; HasLast says it exists.
	LastDesired int  `json:"last_desired"`
	HasLast     bool `json:"has_last"`
	// LastScaleUp and LastScaleDown are the times of the last decisions
	// that raised or lowered the units (zero: never).
	LastScaleUp   time.Time `json:"last_scale_up,omitzero"`
	LastScaleDown time.Time `json:"last_scale_down,omitzero"`
	// Recent holds raw recommendations inside the stabilisation window.
	Recent []Recommendation `json:"recent,omitempty"`
	// Used holds the units observed demand used at the decisions inside
	// the target's UsageWindow: the HPA formula, capped at the units the
	// decision had.
	Used []Recommendation `json:"used,omitempty"`
	// Manual, when set and in force (Override.InForce: not expired, not
	// ended by an operator), overrides every other rule but min/max.
	Manual *Override `json:"manual,omitempty"`
	// OutageHold is the units held while data was missing (the last
	// no_data decision): a scale-down floor until the stabilisation window
	// has passed on fresh data. Resumed is the time of the first decision
	// on fresh data after the outage (zero while it lasts).
	OutageHold int       `json:"outage_hold,omitempty"`
	Resumed    time.Time `json:"resumed,omitzero"`
	// Startup says OutageHold was held by the no_data (or bad_query)
	// decisions of a target that had no decision on data before (a fresh
	// install): a start-up hold, no outage. The floor is the same.
	Startup bool `json:"startup,omitempty"`
	// ManualOnly says every decision so far was a manual override's made
	// while the history source had no usable sample (DataPresent false:
	// an override set through the API before the first cycle read any):
	// the target has still had no data, so a hold after them is a
	// start-up hold, as after no decision at all.
	ManualOnly bool `json:"manual_only,omitempty"`
	// Forgone is the expected loss the consecutive change-cost holds of a
	// scale-down have kept paying (Explanation.Forgone of the last
	// decision; 0 after any other decision). Each hold adds its gain over
	// the lead window times Interval / (Lag + Interval): a restart under
	// another capacity, utilisation, lag or scaling interval resets it
	// (controller/state's Resize).
	Forgone float64 `json:"forgone,omitempty"`
	// RoundTrips counts recent scale-downs a scale-up undid within
	// RoundTripWindow (each adds one, each scale-down that held halves
	// it); each beyond the first raises a scale-down's change cost by
	// ChangeCost. ReleasedFrom is the units before the last scale-down
	// (the first of a staircase of them).
	RoundTrips   float64 `json:"round_trips,omitempty"`
	ReleasedFrom int     `json:"released_from,omitempty"`
}

// Explanation records the inputs of a decision and the rule that bound it.
// It holds no NaN, so it always marshals to JSON.
type Explanation struct {
	Now          time.Time `json:"now"`
	CurrentUnits int       `json:"current_units"`
	DataPresent  bool      `json:"data_present"`
	// Problem says why the decision had no usable demand (no_data,
	// bad_query): the history source's or the query's error.
	Problem string `json:"problem,omitempty"`
	// Partial says the demand was a lower bound (Input.Partial): the
	// decision went no lower than the units held; Problem says why.
	Partial bool    `json:"partial,omitempty"`
	Demand  float64 `json:"demand"`
	// WindowStart and WindowEnd bound the lead window [now, now+lag+interval)
	// whose forecast points were used; ForecastPoints counts them.
	WindowStart    time.Time `json:"window_start"`
	WindowEnd      time.Time `json:"window_end"`
	ForecastPoints int       `json:"forecast_points"`
	Model          string    `json:"model,omitempty"`
	// MeanUsed and UpperUsed are the highest mean and upper forecast in the window.
	MeanUsed            float64 `json:"mean_used"`
	UpperUsed           float64 `json:"upper_used"`
	Coverage            float64 `json:"coverage"`
	Confidence          float64 `json:"confidence"`
	ConfidenceThreshold float64 `json:"confidence_threshold"`
	// ForecastUnits are the units the forecast sizes: with
	// Target.RiskPerUnit and peak quantiles, RiskUnits' choice from the
	// reactive floor up (Peak and ExceedanceProbability say why), else the
	// units the upper forecast (UpperUsed) needs. ReactiveFloor is the
	// units current demand needs (HPA formula).
	ForecastUnits int `json:"forecast_units"`
	ReactiveFloor int `json:"reactive_floor"`
	// ShadowUnits and ShadowTarget: the shadow HPA floor in force (0 when
	// none) and its utilisation target.
	ShadowUnits  int     `json:"shadow_units,omitempty"`
	ShadowTarget float64 `json:"shadow_target,omitempty"`
	// TrendUnits: the crowd trend floor in force (0 when none).
	TrendUnits int `json:"trend_units,omitempty"`
	// EventPrice: the event pacing multiplier of a scale-down's change cost
	// in force (0 when none).
	EventPrice float64 `json:"event_price,omitempty"`
	// ReleaseBand: event pacing's release band in force, in units (0 when
	// none).
	ReleaseBand int `json:"release_band,omitempty"`
	// ClimbUnits: event pacing's climb ahead in force, in units a
	// scale-up goes beyond those it wants (0 when none).
	ClimbUnits int `json:"climb_units,omitempty"`
	// WideBand: event pacing's wide band in force, in units (0 when none).
	WideBand int `json:"wide_band,omitempty"`
	// CalmUnits: the calm hold's median wanted units where the calm
	// hold decided (moved to it or held within CalmBand of it); 0 where
	// it was not in force or did not apply (the low-confidence path, the
	// current units below the reactive, shadow HPA or crowd trend floor).
	CalmUnits int `json:"calm_units,omitempty"`
	// ExceedanceProbability is the forecast probability that the lead
	// window's peak exceeds ForecastUnits (with Target.RiskPerUnit).
	ExceedanceProbability float64 `json:"exceedance_probability,omitempty"`
	// Peak is the peak distribution ForecastUnits was sized by (nil
	// without risk sizing).
	Peak         *Peak   `json:"peak,omitempty"`
	AnomalyScore float64 `json:"anomaly_score"`
	Anomaly      bool    `json:"anomaly"`
	// OutageHold is the units held during a history outage, a scale-down
	// floor while in force after data returned (0: none).
	OutageHold int `json:"outage_hold,omitempty"`
	// StartupHold is the same floor for a target that never had data
	// before it (State.Startup): the units running when its first
	// decisions had no data, kept until the stabilisation window has
	// passed on data (0: none; OutageHold is 0 then).
	StartupHold int `json:"startup_hold,omitempty"`
	// Forgone is the expected loss the change cost's holds of a wanted
	// scale-down have paid so far, this one included (0: none held).
	Forgone float64 `json:"forgone,omitempty"`
	// Wanted is the units before tolerance, stabilisation, cooldowns, rate
	// limits, budget and bounds.
	Wanted int `json:"wanted"`
	// WantedBy names what set Wanted (WantedBy*; empty on the manual,
	// no_data and bad_query decisions, whose rule says it). It differs
	// from the rule of steps 3 and 4 where risk sizing's units are the
	// reactive floor's: the sizing starts from the floor, so rule forecast
	// names a decision the floor held; WantedBy names the floor there, and
	// which part of it (the current demand or the usage window).
	WantedBy string `json:"wanted_by,omitempty"`
	// AffordableUnits is what the daily budget allows until midnight UTC
	// (-1 without a budget).
	AffordableUnits int `json:"affordable_units"`
	// Rule is the step that bound the result.
	Rule Rule `json:"rule"`
	// ManualEnded is the manual override that ended since the last
	// decision (expired at its until, or ended early by an operator at
	// its cancelled time): this decision is the first without it. Nil
	// otherwise.
	ManualEnded *Override `json:"manual_ended,omitempty"`
}

// Decision is Decide's result.
type Decision struct {
	Desired     int         `json:"desired"`
	Reason      Reason      `json:"reason"`
	Explanation Explanation `json:"explanation"`
	// Raw is the recommendation before stabilisation and cooldowns, which
	// Record keeps for the stabilisation window.
	Raw int `json:"raw"`
	// Reactive is, when current demand needs more units than CurrentUnits
	// (an overload), the part of Raw above what a trusted forecast (and a
	// shadow HPA) planned: the reactive floor's answer to that demand
	// (Recommendation.Reactive). 0 otherwise.
	Reactive int `json:"reactive,omitempty"`
}

// Direction is "up", "down" or "none" relative to current units.
func (d Decision) Direction() string {
	switch c := d.Explanation.CurrentUnits; {
	case d.Desired > c:
		return "up"
	case d.Desired < c:
		return "down"
	}
	return "none"
}

// Record returns the state after decision d was taken at d.Explanation.Now.
// It does not modify s (the recommendation slice is copied).
func (s State) Record(t Target, d Decision) State {
	now := d.Explanation.Now
	next := s
	next.LastDesired, next.HasLast = d.Desired, true
	next.RoundTrips, next.ReleasedFrom = s.roundTripsAfter(t, d)
	switch d.Direction() {
	case "up":
		next.LastScaleUp = now
	case "down":
		next.LastScaleDown = now
	}
	if !s.Manual.InForce(now) {
		next.Manual = nil
	}
	next.Used = nil
	if t.UsageWindow > 0 {
		next.Used = madeSince(s.Used, now.Add(-t.UsageWindow))
		if d.Explanation.DataPresent && !d.Reason.Holds() && d.Reason != ReasonManual {
			next.Used = pushUsed(next.Used, Recommendation{At: now, Units: min(t.UnitsFor(d.Explanation.Demand), d.Explanation.CurrentUnits)})
		}
	}
	next.Recent = nil
	if t.StabilizationWindow > 0 && !d.Reason.Holds() && d.Reason != ReasonManual {
		next.Recent = pushRecent(madeSince(s.Recent, now.Add(-t.StabilizationWindow)), Recommendation{At: now, Units: d.Raw, Reactive: d.Reactive})
	}
	next.OutageHold, next.Resumed = s.outageAfter(t, d)
	next.Startup = s.startupAfter(d) && next.OutageHold > 0
	next.ManualOnly = d.Reason == ReasonManual && !d.Explanation.DataPresent && (!s.HasLast || s.ManualOnly)
	next.Forgone = 0
	if d.Explanation.Rule == RuleChangeCost {
		next.Forgone = d.Explanation.Forgone
	}
	return next
}

// outageAfter returns the outage hold and resume time after decision d:
// a no_data decision (or one on a partial demand) holds its units; the
// first decision on fresh, whole data
// after it starts the stabilisation window, and one at or after its end
// drops the hold; a manual decision changes neither.
func (s State) outageAfter(t Target, d Decision) (int, time.Time) {
	now := d.Explanation.Now
	switch {
	case d.Reason == ReasonManual:
		return s.OutageHold, s.Resumed
	case d.Reason.Holds() || d.Explanation.Partial:
		// A partial demand is an outage of a source: its units are held
		// (partialHold) and stay a floor once the demand is whole again.
		return d.Desired, time.Time{}
	case s.OutageHold == 0:
		return 0, time.Time{}
	}
	resumed := s.Resumed
	if resumed.IsZero() {
		resumed = now
	}
	if now.Sub(resumed) >= t.StabilizationWindow {
		return 0, time.Time{}
	}
	return s.OutageHold, resumed
}

// startupAfter says whether the hold after decision d (if any) is a
// start-up hold: d holds (no_data, bad_query) and there was no decision
// before it, or only manual ones without data (ManualOnly) or those of a
// start-up hold that has not yet seen data; or a start-up hold goes on (a
// manual decision, or one on whole data).
func (s State) startupAfter(d Decision) bool {
	switch {
	case d.Reason == ReasonManual:
		return s.Startup
	case d.Reason.Holds():
		return !s.HasLast || s.ManualOnly || s.Startup && s.Resumed.IsZero()
	}
	return s.Startup && !d.Explanation.Partial
}

// outageHold is the units held during a history outage while they are
// still a floor at now: until the stabilisation window has passed since
// the first decision on fresh data (0: none in force).
func outageHold(now time.Time, t Target, st State) int {
	if st.OutageHold <= 0 || t.StabilizationWindow <= 0 {
		return 0
	}
	if !st.Resumed.IsZero() && now.Sub(st.Resumed) >= t.StabilizationWindow {
		return 0
	}
	return st.OutageHold
}

func finiteOr0(v float64) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0
	}
	return v
}

// Decide computes the desired units for target t. It is a pure function of
// its arguments. The rules, in order (docs/architecture.md, "Decision rules, in order"):
//
//  1. A manual override in force wins (clamped to [min, max]): manual.
//  2. No data: hold the last decision (or the current units): no_data;
//     bad_query when the store answered but the query's result is unusable.
//  3. Lag compensation: units for the peak demand over
//     [now, now+lag+interval), sized by expected cost on its quantiles
//     (Input.PeakQuantiles, Target.RiskPerUnit) or, with RiskPerUnit 0 or
//     no quantiles, for the highest upper forecast: forecast. Forecast
//     confidence below the threshold, or no forecast: reactive only,
//     low_confidence. A shadow
//     HPA recommendation (Input.ShadowUnits) is a floor under either:
//     reactive, rule shadow_hpa; so is a climbing crowd's trend
//     (Input.TrendUnits): reactive, rule crowd_trend.
//  4. Reactive floor: never below the HPA formula on current demand
//     (reactive, or anomaly when the detector flags the current demand);
//     with FloorHold and a UsageWindow, also never below the units demand
//     used in [now-UsageWindow, now] (capped at the current units).
//  5. Storage never shrinks. Few, decisive moves (Target.ChangeCost): a
//     change that does not lower the lead window's expected loss by more
//     than the change cost is not made: stabilization, rule change_cost.
//  6. Tolerance band, then the scale-down stabilisation window, which after
//     a history outage also holds the units held during it until the window
//     has passed on fresh data: stabilization. A recommendation's answer to
//     an overload beyond the plan (Decision.Reactive) counts only while its
//     units are pending.
//  7. Cooldowns (a scale-up cooldown never holds below the reactive floor): cooldown.
//  8. Rate limits (scale-up beyond the reactive floor, scale-down): stabilization.
//     8a. On a partial demand (Input.Partial: a lower bound), never below
//     the units held (those no_data would keep): partial_data. Above them
//     it decides as on a whole demand, since the missing share only adds.
//  9. Daily budget caps scale-up, possibly below the reactive floor: budget
//     (only when it affords fewer than max_units).
//  10. Min and max: min, max (max also for a forecast decision at
//     max_units that more units would have paid for: forecastBeyondMax).
//
// Overload is answered on every path: when current demand needs more
// units than CurrentUnits (the HPA formula), the decision is at least that
// many, whatever the forecast, its confidence, the cooldowns, tolerance or
// stabilisation say; only the daily budget (9) and max_units (10) cap it,
// each with its reason. Every step from 3 to 8 is bounded below by the
// reactive floor, which is never less than that need. Steps 1 and 2 do not
// decide on current demand: a manual override in force is followed, and
// without usable demand the last decision is held.
func Decide(in Input, t Target, st State) Decision {
	ex := explain(in, t)
	done := func(p proposal, raw int) Decision {
		ex.Rule = p.rule
		return Decision{Desired: p.units, Reason: p.reason, Explanation: ex, Raw: raw}
	}

	// 1. Manual override; one that has ended is named by the first
	// decision without it (Record then drops it).
	if m := st.Manual; m.InForce(in.Now) {
		u := t.clamp(m.Units)
		ex.Wanted = m.Units
		return done(proposal{u, ReasonManual, RuleManual}, u)
	}
	if m := st.Manual; m != nil {
		ended := *m
		ex.ManualEnded = &ended
	}

	// 2. No data, or a bad query: hold.
	if in.BadQuery || !in.DataPresent || math.IsNaN(in.Demand) || math.IsInf(in.Demand, 0) {
		hold := in.CurrentUnits
		if st.HasLast {
			hold = st.LastDesired
		}
		hold = t.clamp(hold)
		ex.Wanted, ex.Problem = hold, in.Problem
		if in.BadQuery {
			return done(proposal{hold, ReasonBadQuery, RuleBadQuery}, hold)
		}
		return done(proposal{hold, ReasonNoData, RuleNoData}, hold)
	}

	// 3 and 4. What is wanted: the forecast over the lead window, never
	// below the reactive floor.
	floor := reactiveFloor(in, t, st)
	ex.ReactiveFloor = floor
	p, planned := want(in, t, floor, &ex)
	ex.Wanted = p.units
	raw := p.units

	// 5 to 8. Holds, each bounded below by the reactive floor.
	ex.OutageHold = outageHold(in.Now, t, st)
	if st.Startup {
		ex.StartupHold, ex.OutageHold = ex.OutageHold, 0
	}
	p = hold(in, t, st, floor, p, &ex)
	p = partialHold(in, t, st, p)

	// 9 and 10. Caps.
	p = capUnits(in, t, p, &ex)
	d := done(p, t.clamp(raw))
	if t.UnitsFor(in.Demand) > in.CurrentUnits {
		// An overload: the units beyond the plan answer it.
		d.Reactive = max(0, d.Raw-t.clamp(planned))
	}
	return d
}

// proposal is the units a step of Decide arrives at, and why.
type proposal struct {
	units  int
	reason Reason
	rule   Rule
}

// explain starts a decision's explanation from its inputs.
func explain(in Input, t Target) Explanation {
	ex := Explanation{
		Now:                 in.Now,
		CurrentUnits:        in.CurrentUnits,
		DataPresent:         in.DataPresent,
		Demand:              finiteOr0(in.Demand),
		WindowStart:         in.Now,
		WindowEnd:           in.Now.Add(t.Lag + in.Interval),
		Model:               in.Forecast.Model,
		Coverage:            finiteOr0(in.Forecast.Coverage),
		Confidence:          finiteOr0(in.Forecast.Confidence),
		ConfidenceThreshold: t.ConfidenceThreshold,
		Partial:             in.Partial,
		AnomalyScore:        finiteOr0(in.AnomalyScore),
		Anomaly:             in.Anomaly,
		AffordableUnits:     -1,
		Peak:                peakOf(in, t),
	}
	if in.Partial {
		ex.Problem = in.Problem
	}
	if p := eventPrice(in); p > 1 {
		ex.EventPrice = p
	}
	ex.ReleaseBand = max(0, in.ReleaseBand)
	ex.ClimbUnits = max(0, in.ClimbUnits)
	ex.WideBand = max(0, in.WideBand)
	return ex
}

// reactiveFloor is the fewest units the decision may ask for: what current
// demand needs (the HPA formula), so overload is always answered; with
// FloorHold and a UsageWindow, also the units demand used at the decisions
// in [now-UsageWindow, now], capped at the current units (so the window
// alone never scales up).
func reactiveFloor(in Input, t Target, st State) int {
	floor := t.UnitsFor(in.Demand)
	if t.FloorMode == FloorHold && t.UsageWindow > 0 {
		from := in.Now.Add(-t.UsageWindow)
		for _, r := range st.Used {
			if !r.At.Before(from) && !r.At.After(in.Now) {
				floor = max(floor, min(r.Units, in.CurrentUnits))
			}
		}
	}
	return floor
}

// want is steps 3 and 4: the units the lead window's forecast needs, or
// the HPA formula when the forecast is not trusted, raised to the floor
// and to a shadow HPA's recommendation; it fills ex's forecast fields.
// planned is what the trusted forecast and the shadow HPA ask for without
// the reactive floor (the proposal itself when the forecast is not
// trusted): the proposal's units above it answer current demand only.
func want(in Input, t Target, floor int, ex *Explanation) (p proposal, planned int) {
	upper, mean, points := LeadWindow(in, t)
	ex.ForecastPoints = points
	ex.UpperUsed, ex.MeanUsed = finiteOr0(upper), finiteOr0(mean)
	trusted := points > 0 && in.Forecast.Confidence >= t.ConfidenceThreshold
	p = proposal{floor, ReasonReactive, RuleReactiveFloor}
	if points > 0 {
		ex.ForecastUnits = t.UnitsFor(upper)
		planned = ex.ForecastUnits
		if t.RiskPerUnit > 0 && len(in.PeakQuantiles) > 0 {
			ex.ForecastUnits, ex.ExceedanceProbability = RiskUnits(in.PeakQuantiles, t, floor)
			planned = ex.ForecastUnits
			if floor > t.MinUnits {
				planned, _ = RiskUnits(in.PeakQuantiles, t, t.MinUnits)
			}
		}
	}
	free := planned
	if !trusted {
		// Reactive fallback: the HPA formula itself, whatever the floor mode.
		p = proposal{t.UnitsFor(in.Demand), ReasonLowConfidence, RuleLowConfidence}
		planned = p.units
	} else if ex.ForecastUnits >= floor {
		p = proposal{ex.ForecastUnits, ReasonForecast, RuleForecast}
	}
	if in.ShadowUnits > 0 {
		// A shadow HPA that recently did better than the forecast policy
		// on its own objective: its recommendation is a floor.
		ex.ShadowUnits, ex.ShadowTarget = in.ShadowUnits, finiteOr0(in.ShadowTarget)
		planned = max(planned, in.ShadowUnits)
		if in.ShadowUnits > p.units {
			p = proposal{in.ShadowUnits, ReasonReactive, RuleShadowHPA}
		}
	}
	if in.TrendUnits > 0 {
		// A flagged crowd climbing steadily: where its own trend puts it
		// when the units asked for now are ready.
		ex.TrendUnits = in.TrendUnits
		planned = max(planned, in.TrendUnits)
		if in.TrendUnits > p.units {
			p = proposal{in.TrendUnits, ReasonReactive, RuleCrowdTrend}
		}
	}
	// An anomalous current demand is flagged.
	if in.Anomaly && p.reason != ReasonLowConfidence {
		p.reason = ReasonAnomaly
	}
	ex.WantedBy = wantedBy(in, t, floor, p, free)
	return p, min(planned, p.units)
}

// What set a decision's wanted units (Explanation.WantedBy).
const (
	WantedByForecast      = "forecast"
	WantedByReactiveFloor = "reactive_floor"
	WantedByUsageWindow   = "usage_window"
	WantedByLowConfidence = "low_confidence"
	WantedByShadowHPA     = "shadow_hpa"
	WantedByCrowdTrend    = "crowd_trend"
)

// wantedBy names what set the units of want's proposal p: its rule's
// name, but the reactive floor is named by its part that is the floor
// (the HPA formula on current demand, else the units used within the
// usage window), and so is a forecast proposal the floor held. Risk
// sizing chooses from the floor up (RiskUnits, exact: its first best k),
// so its units are the floor's when they equal it and its choice from
// min_units up (free: what the forecast planned, before the shadow HPA
// and crowd trend) is below it; units above the floor are the sizing's
// own choice.
func wantedBy(in Input, t Target, floor int, p proposal, free int) string {
	switch p.rule {
	case RuleForecast:
		if free >= floor || p.units > floor {
			return WantedByForecast
		}
	case RuleReactiveFloor:
	default:
		return string(p.rule)
	}
	if t.UnitsFor(in.Demand) >= floor {
		return WantedByReactiveFloor
	}
	return WantedByUsageWindow
}

// hold is steps 5 to 8: storage never shrinks, the tolerance band, the
// scale-down stabilisation window, cooldowns and rate limits. None of them
// goes below the reactive floor.
func hold(in Input, t Target, st State, floor int, p proposal, ex *Explanation) proposal {
	cur := in.CurrentUnits

	// 5. Storage never shrinks.
	wanted := p
	p = storageGrow(t, cur, p)

	// 5a-5c. Few, decisive moves: the calm hold, from what was wanted (a
	// move to its median is wanted's, not a storage hold's; a median
	// below the current units still never shrinks storage), or event
	// pacing's bands and the change cost.
	if q, calm := calmHold(in, cur, floor, wanted); calm {
		p = storageGrow(t, cur, q)
		ex.CalmUnits = in.CalmUnits
	} else {
		p = decisive(in, t, st, floor, p, ex)
	}

	// 6. Tolerance band (never below the reactive floor), then the
	// scale-down stabilisation window: the highest recommendation in it.
	if t.Tolerance > 0 && p.units != cur && cur > 0 &&
		math.Abs(float64(p.units)/float64(cur)-1) <= t.Tolerance && cur >= floor {
		p = proposal{cur, ReasonStabilization, RuleTolerance}
	}
	if best := stabilised(in, t, st); p.units < cur && best > p.units {
		p = proposal{min(best, cur), ReasonStabilization, RuleStabilization}
	}
	// After a history outage the units held during it are such a
	// recommendation until the window has passed on fresh data.
	if held := min(outageHold(in.Now, t, st), cur); p.units < held {
		p = proposal{held, ReasonStabilization, RuleOutageHold}
		if st.Startup {
			p.rule = RuleStartupHold
		}
	}

	// 7. Cooldowns, 8. rate limits.
	return rateLimits(t, cur, floor, cooldowns(in, t, st, floor, p))
}

// storageGrow is step 5: a storage target's proposal below the current
// units holds them.
func storageGrow(t Target, cur int, p proposal) proposal {
	if t.Kind == KindStorage && p.units < cur {
		return proposal{cur, ReasonStabilization, RuleStorageGrow}
	}
	return p
}

// decisive is steps 5a to 5c: event pacing's release band (a paced
// scale-down keeps the band), the change cost (a change that does not pay
// for its event is not made) and event pacing's climb ahead (a scale-up
// on a climb under way takes the climb's order quantity).
func decisive(in Input, t Target, st State, floor int, p proposal, ex *Explanation) proposal {
	cur := in.CurrentUnits
	p = releaseBand(in, cur, p)
	if held, forgone := holdSmallChange(in, t, st, cur, p.units, floor); held {
		p = proposal{cur, ReasonStabilization, RuleChangeCost}
		ex.Forgone = forgone
	}
	return climbAhead(in, t, cur, p)
}

// cooldowns is step 7: no scale-up within ScaleUpCooldown of the last
// (beyond the reactive floor), no scale-down within ScaleDownCooldown of
// the last change.
func cooldowns(in Input, t Target, st State, floor int, p proposal) proposal {
	cur := in.CurrentUnits
	if p.units > cur && t.ScaleUpCooldown > 0 && !st.LastScaleUp.IsZero() &&
		in.Now.Sub(st.LastScaleUp) < t.ScaleUpCooldown {
		if held := max(cur, floor); held < p.units {
			p = proposal{held, ReasonCooldown, RuleCooldownUp}
		}
	}
	if p.units < cur && t.ScaleDownCooldown > 0 {
		last := st.LastScaleUp
		if st.LastScaleDown.After(last) {
			last = st.LastScaleDown
		}
		if !last.IsZero() && in.Now.Sub(last) < t.ScaleDownCooldown {
			p = proposal{cur, ReasonCooldown, RuleCooldownDown}
		}
	}
	return p
}

// rateLimits is step 8: at most MaxScaleUpUnits added (beyond the
// reactive floor) and MaxScaleDownUnits removed by one decision.
func rateLimits(t Target, cur, floor int, p proposal) proposal {
	if t.MaxScaleUpUnits > 0 {
		if limit := max(cur+t.MaxScaleUpUnits, floor); p.units > limit {
			p = proposal{limit, ReasonStabilization, RuleRateLimitUp}
		}
	}
	if t.MaxScaleDownUnits > 0 && p.units < cur-t.MaxScaleDownUnits {
		p = proposal{cur - t.MaxScaleDownUnits, ReasonStabilization, RuleRateLimitDown}
	}
	return p
}

// stabilised is the highest recommendation in the scale-down stabilisation
// window [now-window, now] (0: none). A recommendation's reactive part
// (Recommendation.Reactive: the answer to an overload beyond the forecast's
// plan) counts only while its units are pending, before now-lag: it
// answered the demand of its own time, and once its units are ready this
// decision knows whether demand still needs them (the reactive floor and
// the usage window keep them if so). Held one interval longer, the units
// of a one-sample burst stayed for a sample the demand was already known
// not to need (docs/tuning.md, "Lead window").
func stabilised(in Input, t Target, st State) int {
	if t.StabilizationWindow <= 0 {
		return 0
	}
	from, ready := in.Now.Add(-t.StabilizationWindow), in.Now.Add(-t.Lag)
	best := 0
	for _, r := range st.Recent {
		if r.At.Before(from) || r.At.After(in.Now) {
			continue
		}
		u := r.Units
		if !r.At.After(ready) {
			u -= r.Reactive
		}
		best = max(best, u)
	}
	return best
}

// capUnits is steps 9 and 10: the daily budget caps a scale-up to what
// the rest of the UTC day affords, then min and max bound the units (a
// budget cap raised back to min keeps reason budget).
func capUnits(in Input, t Target, p proposal, ex *Explanation) proposal {
	cur := in.CurrentUnits
	if t.DailyBudget > 0 && t.CostPerUnitHour > 0 {
		affordable := affordableUnits(in.Now, in.CostToday, t)
		ex.AffordableUnits = affordable
		// affordable is at most MaxUnits: at MaxUnits the budget allows
		// every unit the target may have, and the bound below is the cap.
		if p.units > cur && p.units > affordable && affordable < t.MaxUnits {
			p = proposal{max(cur, affordable), ReasonBudget, RuleBudget}
		}
	}
	if p.units < t.MinUnits {
		p.units, p.rule = t.MinUnits, RuleMin
		if p.reason != ReasonBudget {
			p.reason = ReasonMin
		}
	} else if p.units > t.MaxUnits || forecastBeyondMax(in, t, p, ex.ReactiveFloor) {
		p = proposal{t.MaxUnits, ReasonMax, RuleMax}
	}
	return p
}

// LeadWindow returns the highest upper and mean forecast among the points
// inside the lead window: offsets (k+1)*step < lag + interval, and always
// the first point. This matches a pool where a unit requested now serves
// from now+lag on and the next decision comes after interval. The
// controller also publishes a forecast no decision used (a manual
// override's) over it.
func LeadWindow(in Input, t Target) (upper, mean float64, points int) {
	f := in.Forecast
	n := min(len(f.Upper), len(f.Mean))
	if n == 0 || in.ForecastStep <= 0 {
		return 0, 0, 0
	}
	lead := t.Lag + in.Interval
	upper, mean = math.Inf(-1), math.Inf(-1)
	for k := range n {
		if k > 0 && time.Duration(k+1)*in.ForecastStep >= lead {
			break
		}
		if u := f.Upper[k]; !math.IsNaN(u) {
			upper = max(upper, u)
			mean = max(mean, f.Mean[k])
			points++
		}
	}
	if points == 0 {
		return 0, 0, 0
	}
	return upper, mean, points
}

// affordableUnits is the number of units that can run from now to the end
// of the UTC day without the day's cost exceeding the budget.
func affordableUnits(now time.Time, costToday float64, t Target) int {
	now = now.UTC()
	midnight := time.Date(now.Year(), now.Month(), now.Day()+1, 0, 0, 0, 0, time.UTC)
	hours := midnight.Sub(now).Hours()
	remaining := t.DailyBudget - costToday
	if remaining <= 0 {
		return 0
	}
	if hours <= 0 {
		return t.MaxUnits
	}
	u := remaining / (t.CostPerUnitHour * hours)
	if u >= float64(t.MaxUnits) {
		return t.MaxUnits
	}
	return int(math.Floor(u))
}

// RiskUnits returns the k in [floor, MaxUnits] minimising
// k*RiskPerUnit + P(peak > k*capacity*utilisation), and that probability
// (ExceedProbability: linear between the quantiles and from P(peak > 0) = 1
// to the first; above the last it stays 1-P[last], no further gain). q is
// not empty. O(MaxUnits · log len(q)).
func RiskUnits(q []Quantile, t Target, floor int) (int, float64) {
	per := t.CapacityPerUnit * t.TargetUtilization
	last := q[len(q)-1].Value
	bestK, bestP := floor, ExceedProbability(q, float64(floor)*per)
	best := float64(floor)*t.RiskPerUnit + bestP
	for k := floor + 1; k <= t.MaxUnits; k++ {
		x := float64(k) * per
		p := ExceedProbability(q, x)
		if c := float64(k)*t.RiskPerUnit + p; c < best {
			best, bestK, bestP = c, k, p
		}
		if x >= last || float64(k-bestK)*t.RiskPerUnit > bestP {
			break // no unit beyond can pay for itself
		}
	}
	return bestK, bestP
}
