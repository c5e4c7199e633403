// Package metrics registers the controller's own Prometheus series
// (prescale_*) and publishes a cycle's results on them.
package metrics

import (
	"math"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/prescale/prescale/controller/history"
	"github.com/prescale/prescale/controller/policy"
)

// Directions of a decision (label direction of prescale_decisions_total).
var directions = []string{"up", "down", "none"}

// Metrics are the controller's own metrics (naming rules in
// docs/architecture.md, the list in docs/metrics.md). The controller sets the
// fields directly where one event moves one series; Publish and Cycle set
// a target's and a cycle's series together.
type Metrics struct {
	Desired, Current                 *TargetGauge
	Forecast, ForecastLo, ForecastHi *TargetGauge
	ForecastPeak                     *prometheus.GaugeVec
	Anomaly, Confidence, ModelError  *TargetGauge
	Anomalous                        *TargetGauge
	CostPerHour, CostToday, Budget   *TargetGauge
	BudgetCapped                     *TargetGauge
	Decisions                        *DecisionCounter
	DataOK                           *TargetGauge
	Partial                          *TargetGauge
	LastDecision                     *TargetGauge
	PendingSince                     *TargetGauge
	Demand                           *TargetGauge
	PointsDropped                    *PointsCounter
	Info                             *prometheus.GaugeVec

	CycleDuration prometheus.Histogram
	CycleLateness prometheus.Histogram
	Cycles        prometheus.Counter
	CyclesFailed  prometheus.Counter
	Overruns      prometheus.Counter
	LastCycle     prometheus.Gauge
	HistoryUp     prometheus.Gauge
	HistoryHealth prometheus.Gauge
	QueryDuration prometheus.Histogram
	PhaseDuration *prometheus.HistogramVec
	Shard         *prometheus.GaugeVec
	StateSaveFail prometheus.Counter

	LagConfigured *TargetGauge
	LagObserved   *prometheus.HistogramVec

	series targetSeries // the TargetGauges' values

	pendMu sync.Mutex
	pend   map[string]pending // by target name
}

// pending is a target's published desired units (has: any) and since when
// its current units have differed from them (zero: they are equal).
type pending struct {
	desired int
	has     bool
	since   time.Time
	// current is the current units last published (hasCurrent: any).
	current    int
	hasCurrent bool
}

var targetLabels = []string{"target", "tier", "kind"}

// labelValues is target t's values of targetLabels, in their order.
func labelValues(t policy.Target) []string {
	return []string{t.Name, t.Tier, string(t.Kind)}
}

// CyclePhases label prescale_cycle_phase_duration_seconds, in cycle order.
var CyclePhases = []string{"query", "fit", "decide", "act", "persist"}

// gauge is a per-target gauge prescale_<name> (targetLabels).
func (m *Metrics) gauge(name, help string) *TargetGauge { return m.series.gauge(name, help) }

// scalarGauge, counter and histogram are the controller-wide series
// (prescale_ namespace, no labels).
func scalarGauge(name, help string) prometheus.Gauge {
	return prometheus.NewGauge(prometheus.GaugeOpts{Namespace: "prescale", Name: name, Help: help})
}

func counter(name, help string) prometheus.Counter {
	return prometheus.NewCounter(prometheus.CounterOpts{Namespace: "prescale", Name: name, Help: help})
}

func histogram(name, help string, buckets []float64) prometheus.Histogram {
	return prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: "prescale", Name: name, Help: help, Buckets: buckets})
}

// Option is an option of New.
type Option func(*Metrics)

// WithClock makes New's counters read the time their per-target series
// are created at (their created timestamp), and a per-target gauge's
// SetToCurrentTime the time it sets, from now; nil, or without the
// option: time.Now.
func WithClock(now func() time.Time) Option {
	return func(m *Metrics) { m.series.now = now }
}

// New registers the controller metrics on reg and pre-initialises
// every target's series (prescale_decisions_total for every direction and
// reason) at zero.
func New(reg prometheus.Registerer, targets []policy.Target, opts ...Option) *Metrics {
	m := &Metrics{pend: make(map[string]pending, len(targets))}
	for _, o := range opts {
		o(m)
	}
	m.newTargetMetrics()
	m.newLoopMetrics()
	if reg != nil {
		reg.MustRegister(m.Desired, m.Current, m.Forecast, m.ForecastLo, m.ForecastHi, m.ForecastPeak, m.Anomaly, m.Anomalous,
			m.Confidence, m.ModelError, m.CostPerHour, m.CostToday, m.Budget, m.BudgetCapped,
			m.DataOK, m.Partial, m.LastDecision, m.PendingSince, m.Demand, m.PointsDropped, m.Info, m.Decisions, m.CycleDuration, m.CycleLateness, m.Cycles,
			m.CyclesFailed, m.Overruns, m.LastCycle, m.HistoryUp, m.HistoryHealth, m.QueryDuration, m.PhaseDuration, m.Shard, m.StateSaveFail,
			m.LagConfigured, m.LagObserved)
	}
	for _, p := range CyclePhases {
		m.PhaseDuration.WithLabelValues(p)
	}
	for _, t := range targets {
		m.initTarget(t)
	}
	return m
}

// newTargetMetrics builds the per-target series: units, forecast, anomaly,
// cost, decisions and provisioning lag.
func (m *Metrics) newTargetMetrics() {
	m.Desired = m.gauge("desired_units", "Units the controller decided each target needs (what KEDA/HPA should scale to).")
	m.Current = m.gauge("current_units", "Units each target has now: what its current_query reads, when it has one and the query answers; else what the actuator acknowledged (webhook 2xx, exec exit 0, simulated pool ready plus provisioning), never a decision no receiver accepted; without an actuator (or in forecast-only mode, the simulated pool's included) the last decision; read after the cycle's (or a manual scaling's) decision was handed on, and when an actuator's background delivery (webhook, exec) is acknowledged. Absent while not known: a new target's first holds without data (no current_query reading, decision, acknowledgement or simulated pool) would publish min_units, a guess.")
	m.Forecast = m.gauge("forecast", "Highest mean demand forecast over the lead time (provisioning lag + interval), in the demand query's unit.")
	m.ForecastLo = m.gauge("forecast_lower", "Lower bound of the forecast interval at the lead time.")
	m.ForecastHi = m.gauge("forecast_upper", "Highest upper bound of the forecast interval (PRESCALE_FORECAST_COVERAGE) over the lead time; what is provisioned for only with risk_per_unit 0: with risk sizing (the default) the units come from the peak quantiles in the decision's explanation.")
	m.ForecastPeak = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: "prescale", Name: "forecast_peak",
		Help: "Quantile (level 0.5, 0.9, 0.99) of the highest demand over the lead time that sized the decision's forecast units (risk sizing, the default), in the demand query's unit; absent without risk sizing or before the peak quantiles exist.",
	}, append(targetLabels[:3:3], "level"))
	m.Anomaly = m.gauge("anomaly_score", "Anomaly score in [0,1] of the latest demand sample.")
	m.Anomalous = m.gauge("anomalous", "1 while the anomaly detector flags the latest demand sample (a score at or above PRESCALE_ANOMALY_THRESHOLD starts an anomaly, and the points after it still outside the normal range continue it, for at least 6 hours while away from the level before it and at most 36 hours, then that level is the new normal; they are kept out of model fitting), else 0.")
	m.Confidence = m.gauge("decision_confidence", "Confidence in [0,1] of the forecast the decision used (the calibration of its peak quantiles, scaled down while the forecaster warms up); below the threshold decisions are reactive.")
	m.ModelError = m.gauge("model_error", "Absolute error of the last scored one-step-ahead mean forecast against the observed demand, in the demand's unit (a forecast is scored once its step has passed; the score stands until the next).")
	m.CostPerHour = m.gauge("cost_per_hour", "Cost per hour of the current units, and of a scale-up's units still starting within the target's lag (units times cost per unit-hour). Absent while the current units are not known (prescale_current_units absent).")
	m.CostToday = m.gauge("cost_today", "Cost accrued since UTC midnight, for units known to run (none while prescale_current_units is absent).")
	m.Budget = m.gauge("cost_budget_daily", "Daily cost budget; 0 means none.")
	m.BudgetCapped = m.gauge("budget_capped", "1 when the last decision was capped by the daily budget (reason budget), else 0.")
	m.DataOK = m.gauge("target_data_ok", "1 when the last cycle read fresh demand data for the target, else 0 (decision held).")
	m.Partial = m.gauge("target_demand_partial", "1 when the target's complete_query said at the last decision that its demand misses a source (answered nothing, 0 or an error): the demand is a lower bound, the decision may scale up but not below the units held; else 0. Only for targets with a complete_query. PrescaleDemandPartial fires after 30 minutes.")
	m.LastDecision = m.gauge("last_decision_timestamp_seconds", "Unix time of the target's last decision.")
	m.PendingSince = m.gauge("scaling_pending_since_timestamp_seconds", "Unix time of the decision (a cycle's or a manual scaling's) at which the target's current units (prescale_current_units) began to differ from its desired units, or last moved toward them; kept while they differ without moving toward them, absent while they are equal (cleared at once when an acknowledgement makes them equal) and before a controller's first decision. The state file keeps it across a restart within 2 x the lag + 5m of its last save. PrescaleScalingDecisionPending fires when it is more than 2 x the lag + 5m old.")
	m.Demand = m.gauge("demand", "Latest demand sample the last decision used (the demand query at the decision time), in the query's unit; kept while data is missing (see prescale_target_data_ok); absent before the first fresh sample.")
	m.PointsDropped = m.series.pointsCounter("Grid points of the target's demand query left out of its history as gaps, by reason: nan_or_inf (the store returned NaN or ±Inf, as a ratio's 0/0), negative (below zero: a demand never is, a wrong query), several_series (more than one series had a sample there, as when a duplicated scrape job answered for a while). Each point is counted once, by the read that first has it, bad then or replaced since: the cycles' reads (again from the window's newest present point) and the whole-window reads (the first cycle, every 6 hours) count only the points after the newest one a read of the target returned, good or bad (not the newest grid point: VictoriaMetrics' latency offset leaves that one to the next read), and those behind it no read returned a value at (a sample filled in out of order); a read refused whole (several series at its newest sample, or no good value) counts nothing, and its points count when a later read is taken.")
	reasons := make([]string, 0, len(policy.Reasons()))
	for _, r := range policy.Reasons() {
		reasons = append(reasons, string(r))
	}
	m.Decisions = newDecisionCounter("Decisions made, by direction (up, down, none) and reason.", directions, reasons, m.series.now)
	m.LagConfigured = m.gauge("provisioning_lag_seconds", "Configured provisioning lag of the target (its lag, PRESCALE_TARGET_PROVISIONING_LAG): the time new capacity is assumed to take; compare prescale_observed_provisioning_lag_seconds.")
	m.LagObserved = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: "prescale", Name: "observed_provisioning_lag_seconds",
		Help:    "Time from a scale-up being delivered (acknowledged by the first actuator; without one, as with KEDA, the cycle that raised prescale_desired_units) to the target's current_query showing its units, as observed at the decision cycles (so up to one scaling interval late); only for targets with a current_query. PrescaleProvisioningLagUnderestimated fires when its 6-hour mean exceeds 1.5 x the configured lag + 1m, PrescaleProvisioningLagOverestimated when it is under half of (the configured lag - 1m).",
		Buckets: []float64{10, 30, 60, 120, 300, 600, 900, 1800, 3600},
	}, targetLabels)
}

// newLoopMetrics builds the controller-wide series: mode and actuator,
// cycles, history source and state file.
func (m *Metrics) newLoopMetrics() {
	m.Info = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: "prescale", Name: "controller_info",
		Help: "Always 1; labels: the controller's mode (act or forecast-only, PRESCALE_MODE) and actuator(s) (PRESCALE_ACTUATOR).",
	}, []string{"mode", "actuator"})
	m.CycleDuration = histogram("cycle_duration_seconds", "Duration of one decision cycle over all targets.", []float64{.01, .05, .1, .25, .5, 1, 2.5, 5, 10, 30})
	m.CycleLateness = histogram("cycle_lateness_seconds", "How late a cycle started after its scheduled time.", []float64{.001, .01, .1, .5, 1, 5, 30})
	m.Cycles = counter("cycles_total", "Decision cycles run.")
	m.CyclesFailed = counter("cycles_failed_total", "Decision cycles with at least one error (logged; never fatal).")
	m.Overruns = counter("cycle_overruns_total", "Decision cycles that took longer than PRESCALE_SCALING_INTERVAL (the ticks they overran are skipped, so decisions come less often), counted as the log's WARN counts them: not a cycle failing on the history source, nor the first that reads it (every target's whole window). PrescaleCyclesOverrunning fires when more than half of 15 minutes' cycles overran, for 10 minutes.")
	m.LastCycle = scalarGauge("last_cycle_timestamp_seconds", "Unix time of the last cycle (the time its decisions were made for).")
	m.HistoryUp = scalarGauge("history_up", "1 when the last cycle's history queries reached the store, else 0.")
	m.HistoryHealth = scalarGauge("history_healthy", "1 when the store answered with fresh data for every target, else 0.")
	m.QueryDuration = histogram("history_query_duration_seconds", "Duration of one read of the history source: a target's range read, the instant read of its demand off the grid, complete_query's reads and current_query's read.", []float64{.001, .005, .01, .05, .1, .5, 1, 5, 30})
	m.Shard = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: "prescale", Name: "shard_targets",
		Help: "Targets this controller owns (value) as shard `shard` of `shards` (PRESCALE_SHARD; 0 of 1 unsharded): those whose name hashes to its shard.",
	}, []string{"shard", "shards"})
	m.PhaseDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: "prescale", Name: "cycle_phase_duration_seconds",
		Help:    "Duration of each phase of a cycle over all targets: query (history reads), fit (new points through detectors and forecasters), decide, act (actuators and published metrics), persist (the state file written).",
		Buckets: []float64{.001, .01, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
	}, []string{"phase"})
	m.StateSaveFail = counter("state_save_failures_total", "Failed writes of the controller state file.")
}

// initTarget pre-initialises a target's series.
func (m *Metrics) initTarget(t policy.Target) {
	lv := labelValues(t)
	// The forecast gauges and prescale_model_error are not
	// pre-initialised: a 0 there would read as a forecast of nothing or
	// a perfect model before one exists. Nor is prescale_desired_units
	// (set from the state file, or by the first decision): KEDA scaled
	// a running workload to its minimum on the 0 a new controller
	// published until its first cycle. Nor are prescale_current_units,
	// prescale_cost_per_hour and prescale_demand: a 0 there was units, a
	// cost and a demand nobody read; they are set once known
	// (PublishUnits, Publish). Nor is
	// prescale_last_decision_timestamp_seconds (set from the state file,
	// or by the first cycle): its 0 was a decision in 1970.
	for _, g := range []*TargetGauge{
		m.Anomaly, m.Anomalous, m.Confidence, m.CostToday, m.BudgetCapped, m.DataOK} {
		g.WithLabelValues(lv...)
	}
	m.Budget.WithLabelValues(lv...).Set(t.DailyBudget)
	m.LagConfigured.WithLabelValues(lv...).Set(t.Lag.Seconds())
	if t.CurrentQuery != "" {
		m.LagObserved.WithLabelValues(lv...)
	}
	if t.CompleteQuery != "" {
		m.Partial.WithLabelValues(lv...)
	}
	m.PointsDropped.init(lv)
	m.Decisions.Init(t.Name) // every direction and reason
}

// PointsLeftOut adds n[r] to target t's prescale_history_points_dropped_total
// of reason history.LeftOutReasons[r].
func (m *Metrics) PointsLeftOut(t policy.Target, n [history.NumLeftOut]int) {
	m.PointsDropped.add(labelValues(t), n)
}

// SetShard publishes prescale_shard_targets{shard, shards} = owned.
func (m *Metrics) SetShard(index, count, owned int) {
	m.Shard.Reset()
	m.Shard.WithLabelValues(strconv.Itoa(index), strconv.Itoa(count)).Set(float64(owned))
}

// SetInfo publishes prescale_controller_info{mode, actuator} = 1 (only the
// latest pair).
func (m *Metrics) SetInfo(mode, actuator string) {
	m.Info.Reset()
	m.Info.WithLabelValues(mode, actuator).Set(1)
}

// publishPeak sets prescale_forecast_peak from the decision's peak
// quantiles, or drops the target's series when it has none.
func publishPeak(g *prometheus.GaugeVec, lv []string, p *policy.Peak) {
	if p == nil {
		g.DeletePartialMatch(prometheus.Labels{"target": lv[0], "tier": lv[1], "kind": lv[2]})
		return
	}
	for _, q := range []struct {
		level string
		v     float64
	}{{"0.5", p.P50}, {"0.9", p.P90}, {"0.99", p.P99}} {
		g.WithLabelValues(lv[0], lv[1], lv[2], q.level).Set(q.v)
	}
}

// Units are a target's decision and the units it has and pays for, as
// PublishUnits sets them (a cycle's and a manual scaling's).
type Units struct {
	Decision policy.Decision
	// NoDecision: Decision is a first hold without data, not a decision
	// of units; prescale_desired_units is left as it is (absent).
	NoDecision bool
	// CurrentAssumed: Current was neither read back, acknowledged nor
	// decided (a first hold's min_units): prescale_current_units and
	// prescale_cost_per_hour (of Paid, as assumed) are left as they are
	// (absent).
	CurrentAssumed bool
	Current        int // units the target has
	Paid           int // units paid for: Current, or more while a scale-up's units start
	CostToday      float64
	At             time.Time // the decision's time
}

// Values are one target's results of a cycle, as Publish sets them.
type Values struct {
	Units
	// HasForecast: a forecast sized the decision. Mean and Upper are then
	// its published mean and upper bound, Lower its lower bound at the
	// lead time (left unset when NaN or infinite).
	HasForecast        bool
	Mean, Upper, Lower float64
	AnomalyScore       float64
	Anomalous          bool
	ModelError         float64 // NaN: nothing scored yet (left unset)
	Present            bool    // the cycle read fresh demand
	Demand             float64 // the demand sample used (set only when Present)
}

// PublishUnits sets target t's series of a decision (a cycle's or a
// manual scaling's): desired units (unless NoDecision), current units
// and cost per hour (of the paid units; both unless CurrentAssumed),
// cost today, budget capped and the
// decision's time, and counts the decision.
func (m *Metrics) PublishUnits(t policy.Target, u Units) {
	lv := labelValues(t)
	dec := u.Decision
	if !u.NoDecision {
		m.Desired.WithLabelValues(lv...).Set(float64(dec.Desired))
	}
	m.setPending(t, !u.NoDecision, dec.Desired, u.Current, u.At)
	if !u.CurrentAssumed {
		m.Current.WithLabelValues(lv...).Set(float64(u.Current))
		m.CostPerHour.WithLabelValues(lv...).Set(float64(u.Paid) * t.CostPerUnitHour)
	}
	m.CostToday.WithLabelValues(lv...).Set(u.CostToday)
	m.BudgetCapped.WithLabelValues(lv...).Set(b2f(dec.Reason == policy.ReasonBudget))
	m.LastDecision.WithLabelValues(lv...).Set(float64(u.At.UnixNano()) / 1e9)
	m.Decisions.WithLabelValues(t.Name, dec.Direction(), string(dec.Reason)).Inc()
}

// PublishCurrent sets target t's current units and the cost per hour of
// its paid units, as PublishUnits does, without a decision: an
// acknowledgement that arrived at time at, after the cycle's act phase.
// Current units now equal to the desired ones clear
// prescale_scaling_pending_since_timestamp_seconds.
func (m *Metrics) PublishCurrent(t policy.Target, current, paid int, at time.Time) {
	lv := labelValues(t)
	m.setPending(t, false, 0, current, at)
	m.Current.WithLabelValues(lv...).Set(float64(current))
	m.CostPerHour.WithLabelValues(lv...).Set(float64(paid) * t.CostPerUnitHour)
}

// RestoreDesired publishes target t's desired units held in the state
// file before the controller's first cycle, and its pending time (since,
// with the current units last seen) when the file holds one: the gauge
// carries on across the restart. Without one (in balance, or a file
// written before it was kept) the first cycle sets it.
func (m *Metrics) RestoreDesired(t policy.Target, desired int, since time.Time, current int) {
	m.Desired.WithLabelValues(labelValues(t)...).Set(float64(desired))
	m.pendMu.Lock()
	defer m.pendMu.Unlock()
	p := pending{desired: desired, has: true}
	if !since.IsZero() && current != desired {
		p.since, p.current, p.hasCurrent = since, current, true
		m.PendingSince.WithLabelValues(labelValues(t)...).Set(float64(since.UnixNano()) / 1e9)
	}
	m.pend[t.Name] = p
}

// RestoreDecisionTime publishes the time of target t's last decision the
// state file holds (prescale_last_decision_timestamp_seconds) before the
// controller's first cycle, as RestoreDesired its units; a zero time
// (none kept) leaves it absent.
func (m *Metrics) RestoreDecisionTime(t policy.Target, at time.Time) {
	if !at.IsZero() {
		m.LastDecision.WithLabelValues(labelValues(t)...).Set(float64(at.UnixNano()) / 1e9)
	}
}

// RestoreCostToday publishes target t's cost today as the state file
// holds it (of its day: 0 on a later one) before the controller's first
// cycle. prescale_cost_today said 0 until then after every restart, a
// spend nobody read.
func (m *Metrics) RestoreCostToday(t policy.Target, today float64) {
	m.CostToday.WithLabelValues(labelValues(t)...).Set(today)
}

// Pending returns target name's pending time
// (prescale_scaling_pending_since_timestamp_seconds) and the current units
// last published, for the state file; ok is false while it is not pending.
func (m *Metrics) Pending(name string) (since time.Time, current int, ok bool) {
	m.pendMu.Lock()
	defer m.pendMu.Unlock()
	p := m.pend[name]
	return p.since, p.current, !p.since.IsZero()
}

// setPending records target t's desired units (when decided) and its
// current ones at time at, and publishes since when they have differed
// without progress: the first time they differ sets it, as does current
// units moving toward the desired ones (a pool following a long ramp,
// whose ready units trail each new decision by its lag, is never equal to
// its desired units, yet waits for none of them longer than the lag);
// equal units delete it.
func (m *Metrics) setPending(t policy.Target, decided bool, desired, current int, at time.Time) {
	m.pendMu.Lock()
	defer m.pendMu.Unlock()
	p := m.pend[t.Name]
	if decided {
		p.desired, p.has = desired, true
	}
	lv := labelValues(t)
	switch {
	case !p.has || p.desired == current:
		p.since = time.Time{}
		m.PendingSince.DeleteLabelValues(lv...)
	case p.since.IsZero() || p.hasCurrent && towards(p.current, current, p.desired):
		p.since = at
		m.PendingSince.WithLabelValues(lv...).Set(float64(at.UnixNano()) / 1e9)
	}
	p.current, p.hasCurrent = current, true
	m.pend[t.Name] = p
}

// towards tells whether current units moving from prev to cur went toward
// desired.
func towards(prev, cur, desired int) bool {
	return (cur > prev && prev < desired) || (cur < prev && prev > desired)
}

// Publish sets target t's series from its cycle's values: PublishUnits',
// then the forecast's, the anomaly's, the confidence's and the data's.
func (m *Metrics) Publish(t policy.Target, v Values) {
	m.PublishUnits(t, v.Units)
	lv := labelValues(t)
	ex := v.Decision.Explanation
	if v.HasForecast {
		m.Forecast.WithLabelValues(lv...).Set(v.Mean)
		m.ForecastHi.WithLabelValues(lv...).Set(v.Upper)
		if !math.IsNaN(v.Lower) && !math.IsInf(v.Lower, 0) {
			m.ForecastLo.WithLabelValues(lv...).Set(v.Lower)
		}
	} else {
		// No forecast this cycle: drop the series rather than leave the
		// last cycle's values looking current.
		m.Forecast.DeleteLabelValues(lv...)
		m.ForecastLo.DeleteLabelValues(lv...)
		m.ForecastHi.DeleteLabelValues(lv...)
	}
	publishPeak(m.ForecastPeak, lv, ex.Peak)
	m.Anomaly.WithLabelValues(lv...).Set(v.AnomalyScore)
	m.Anomalous.WithLabelValues(lv...).Set(b2f(v.Anomalous))
	m.Confidence.WithLabelValues(lv...).Set(ex.Confidence)
	if !math.IsNaN(v.ModelError) {
		m.ModelError.WithLabelValues(lv...).Set(v.ModelError)
	}
	m.DataOK.WithLabelValues(lv...).Set(b2f(v.Present))
	if t.CompleteQuery != "" {
		m.Partial.WithLabelValues(lv...).Set(b2f(ex.Partial))
	}
	if v.Present {
		m.Demand.WithLabelValues(lv...).Set(v.Demand)
	}
}

// Cycle publishes a finished cycle's controller-wide series: the cycle made
// its decisions for now, took took (measured by the caller's clock, as now
// is read: Cycle reads none), and its history queries reached the store
// (up) with fresh data for every target (healthy).
func (m *Metrics) Cycle(now time.Time, took time.Duration, up, healthy bool) {
	m.HistoryUp.Set(b2f(up))
	m.HistoryHealth.Set(b2f(healthy))
	m.Cycles.Inc()
	m.CycleDuration.Observe(took.Seconds())
	m.LastCycle.Set(float64(now.UnixNano()) / 1e9)
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
