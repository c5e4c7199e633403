package metrics

import (
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/history"
	"github.com/prescale/prescale/controller/policy"
)

var web = policy.Target{Name: "web", Tier: "frontend", Kind: policy.KindInstances, CostPerUnitHour: 0.5, DailyBudget: 12, Lag: 5 * time.Minute}

// TestNewPreInitialises: a new target's decision counters, configured lag
// and budget exist at once, as do its anomaly, confidence, cost today,
// data and dropped points series at 0 (its partial demand only with a
// complete_query), its forecast, model error, desired units, current
// units, cost per hour, demand and last decision time do not (a 0 there
// reads as a forecast of nothing, a perfect model, a scale to zero,
// units, a cost or a demand nobody read, or a decision in 1970), and
// every series passes the Prometheus linter.
func TestNewPreInitialises(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := New(reg, []policy.Target{web})
	lv := []string{"web", "frontend", "instances"}
	require.Equal(t, len(directions)*len(policy.Reasons()), testutil.CollectAndCount(m.Decisions))
	require.InDelta(t, 300, testutil.ToFloat64(m.LagConfigured.WithLabelValues(lv...)), 0)
	require.InDelta(t, 12, testutil.ToFloat64(m.Budget.WithLabelValues(lv...)), 0)
	for name, g := range map[string]*TargetGauge{"anomaly_score": m.Anomaly, "anomalous": m.Anomalous,
		"decision_confidence": m.Confidence, "cost_today": m.CostToday, "budget_capped": m.BudgetCapped,
		"target_data_ok": m.DataOK} {
		require.Equal(t, 1, testutil.CollectAndCount(g), "prescale_%s exists at 0", name)
	}
	for name, g := range map[string]*TargetGauge{"current_units": m.Current, "cost_per_hour": m.CostPerHour, "demand": m.Demand,
		"last_decision_timestamp_seconds": m.LastDecision} {
		require.Zero(t, testutil.CollectAndCount(g), "prescale_%s is absent until known", name)
	}
	require.Equal(t, 3, testutil.CollectAndCount(m.PointsDropped), "prescale_history_points_dropped_total, each reason")
	dropped := func(reason string) float64 {
		return testutil.ToFloat64(m.PointsDropped.WithLabelValues(lv[0], lv[1], lv[2], reason))
	}
	for _, r := range []string{"nan_or_inf", "negative", "several_series"} {
		require.Zero(t, dropped(r), r)
	}
	m.PointsLeftOut(web, [history.NumLeftOut]int{})
	m.PointsLeftOut(web, [history.NumLeftOut]int{history.LeftNaN: 1, history.LeftSeveral: 3})
	m.PointsLeftOut(web, [history.NumLeftOut]int{history.LeftNaN: 1, history.LeftNegative: 2})
	require.Equal(t, []float64{2, 2, 3}, []float64{dropped("nan_or_inf"), dropped("negative"), dropped("several_series")})
	require.Equal(t, 0, testutil.CollectAndCount(m.Partial), "no complete_query, no partial demand")
	require.Equal(t, 0, testutil.CollectAndCount(m.Desired))
	require.Equal(t, 0, testutil.CollectAndCount(m.Forecast))
	require.Equal(t, 0, testutil.CollectAndCount(m.ModelError))
	require.Equal(t, 0, testutil.CollectAndCount(m.LagObserved), "no current_query, no observed lag")
	require.Equal(t, len(CyclePhases), testutil.CollectAndCount(m.PhaseDuration))
	problems, err := testutil.GatherAndLint(reg)
	require.NoError(t, err)
	require.Empty(t, problems)
}

// TestNewRegistersEverySeries: every collector of Metrics is registered
// by New: one built but left out of New's list is never exposed, and an
// alert on it never fires.
func TestNewRegistersEverySeries(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := New(reg, []policy.Target{web})
	v := reflect.ValueOf(m).Elem()
	n := 0
	for i := range v.NumField() {
		if !v.Type().Field(i).IsExported() {
			continue
		}
		c, ok := v.Field(i).Interface().(prometheus.Collector)
		if !ok {
			continue
		}
		n++
		var are prometheus.AlreadyRegisteredError
		require.ErrorAs(t, reg.Register(c), &are, "Metrics.%s is not registered", v.Type().Field(i).Name)
	}
	require.Equal(t, 36, n)
}

// TestPublish: a decision sized by a forecast publishes its mean, bounds
// and costs; a non-finite lower bound and an unscored model error are left
// unset; the next cycle without a forecast drops the forecast series and
// without fresh data keeps the last demand.
func TestPublish(t *testing.T) {
	m := New(prometheus.NewRegistry(), []policy.Target{web})
	lv := []string{"web", "frontend", "instances"}
	at := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	dec := policy.Decision{Desired: 6, Reason: policy.ReasonBudget, Explanation: policy.Explanation{Confidence: 0.8}}
	m.Publish(web, Values{Units: Units{Decision: dec, Current: 4, Paid: 4, CostToday: 2, At: at}, HasForecast: true, Mean: 50, Upper: 70, Lower: math.Inf(-1),
		AnomalyScore: 0.3, ModelError: math.NaN(), Present: true, Demand: 35})
	g := func(v *TargetGauge) float64 { return testutil.ToFloat64(v.WithLabelValues(lv...)) }
	require.InDelta(t, 6, g(m.Desired), 0)
	require.InDelta(t, 4, g(m.Current), 0)
	require.InDelta(t, 50, g(m.Forecast), 0)
	require.InDelta(t, 70, g(m.ForecastHi), 0)
	require.Equal(t, 0, testutil.CollectAndCount(m.ForecastLo), "an infinite lower bound is not published")
	require.Equal(t, 0, testutil.CollectAndCount(m.ModelError), "nothing scored")
	require.InDelta(t, 2, g(m.CostPerHour), 0, "4 units at 0.5 an hour")
	require.InDelta(t, 1, g(m.BudgetCapped), 0)
	require.InDelta(t, 35, g(m.Demand), 0)
	require.InDelta(t, float64(at.Unix()), g(m.LastDecision), 0)
	require.InDelta(t, 1, testutil.ToFloat64(m.Decisions.WithLabelValues("web", dec.Direction(), "budget")), 0)

	dec.Reason = policy.ReasonNoData
	m.Publish(web, Values{Units: Units{Decision: dec, Current: 4, Paid: 4, At: at.Add(time.Minute)}, Lower: 25, ModelError: 3, Demand: 99})
	require.Equal(t, 0, testutil.CollectAndCount(m.Forecast), "no forecast this cycle: dropped")
	require.Equal(t, 0, testutil.CollectAndCount(m.ForecastHi))
	require.InDelta(t, 3, g(m.ModelError), 0)
	require.InDelta(t, 0, g(m.DataOK), 0)
	require.InDelta(t, 35, g(m.Demand), 0, "the last demand stands while data is missing")
	require.InDelta(t, 0, g(m.BudgetCapped), 0)
}

// TestCycle: a finished cycle counts itself and records its time, its
// duration as given (the controller's clock measured it; Cycle read
// time.Since of a real-clock start) and the history store's state.
func TestCycle(t *testing.T) {
	m := New(prometheus.NewRegistry(), nil)
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	m.Cycle(now, 2500*time.Millisecond, true, false)
	require.InDelta(t, 1, testutil.ToFloat64(m.Cycles), 0)
	require.InDelta(t, 1, testutil.ToFloat64(m.HistoryUp), 0)
	require.InDelta(t, 0, testutil.ToFloat64(m.HistoryHealth), 0)
	require.InDelta(t, float64(now.Unix()), testutil.ToFloat64(m.LastCycle), 0)
	var d dto.Metric
	require.NoError(t, m.CycleDuration.Write(&d))
	require.Equal(t, uint64(1), d.GetHistogram().GetSampleCount())
	require.InDelta(t, 2.5, d.GetHistogram().GetSampleSum(), 0)
}

// TestForecastPeakPublished: prescale_forecast_peak gives the peak
// quantiles a decision's forecast units were sized by, at levels 0.5, 0.9
// and 0.99, and disappears when a decision has none (the dashboard draws
// what sizes the units, not only the interval, which does not).
func TestForecastPeakPublished(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := New(reg, nil)
	lv := []string{"web", "frontend", "instances"}
	publishPeak(m.ForecastPeak, lv, &policy.Peak{P50: 10, P90: 20, P99: 30})
	require.InDelta(t, 20, testutil.ToFloat64(m.ForecastPeak.WithLabelValues("web", "frontend", "instances", "0.9")), 0)
	require.Equal(t, 3, testutil.CollectAndCount(m.ForecastPeak))
	publishPeak(m.ForecastPeak, []string{"db", "data", "cpu"}, &policy.Peak{P50: 1, P90: 2, P99: 3})
	publishPeak(m.ForecastPeak, lv, nil)
	require.Equal(t, 3, testutil.CollectAndCount(m.ForecastPeak), "web's dropped, db's kept")
	problems, err := testutil.GatherAndLint(reg)
	require.NoError(t, err)
	require.Empty(t, problems)
}

// TestPendingSinceFollowsProgress: a pool following a ramp, whose ready
// units trail each new decision by a cycle (desired 5, 8, 11 while current
// reads 2, 5, 8), never equals its desired units but waits for none of
// them: the pending time moves to each cycle whose current units moved
// toward the desired ones, and stays once they stop moving (8 of 11 for
// two more cycles), or move away (7). Without the progress rule it stayed
// at the first cycle's time, and PrescaleScalingDecisionPending fired
// 2 x lag + 5m into every long ramp.
func TestPendingSinceFollowsProgress(t *testing.T) {
	m := New(prometheus.NewRegistry(), []policy.Target{web})
	t0 := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	for i, c := range []struct{ desired, current, since int }{
		{5, 2, 0}, {8, 5, 1}, {11, 8, 2}, {11, 8, 2}, {11, 7, 2}, {11, 8, 5}, {6, 8, 5}, {6, 7, 7},
	} {
		at := t0.Add(time.Duration(i) * time.Minute)
		m.PublishUnits(web, Units{Decision: policy.Decision{Desired: c.desired}, Current: c.current, At: at})
		got := testutil.ToFloat64(m.PendingSince.WithLabelValues("web", "frontend", "instances"))
		require.InDelta(t, float64(t0.Add(time.Duration(c.since)*time.Minute).Unix()), got, 0, "cycle %d (%d of %d)", i, c.current, c.desired)
	}
	m.PublishCurrent(web, 6, 6, t0.Add(time.Hour))
	require.Equal(t, 0, testutil.CollectAndCount(m.PendingSince), "equal: absent")
}

// TestPublishPartial: a target with a complete_query has
// prescale_target_demand_partial at 0 from the start, 1 while its decision
// read a partial demand (a lower bound) and 0 again once whole; a target
// without one has no such series.
func TestPublishPartial(t *testing.T) {
	summed := web
	summed.Name, summed.CompleteQuery = "workers", `min(up{job="w"})`
	m := New(prometheus.NewRegistry(), []policy.Target{web, summed})
	g := func() float64 {
		return testutil.ToFloat64(m.Partial.WithLabelValues("workers", "frontend", "instances"))
	}
	require.Equal(t, 1, testutil.CollectAndCount(m.Partial), "only the target with a complete_query")
	require.InDelta(t, 0, g(), 0)
	at := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	dec := policy.Decision{Desired: 8, Reason: policy.ReasonPartialData, Explanation: policy.Explanation{Partial: true}}
	m.Publish(summed, Values{Units: Units{Decision: dec, Current: 8, Paid: 8, At: at}, Present: true, Demand: 2})
	require.InDelta(t, 1, g(), 0)
	m.Publish(web, Values{Units: Units{Decision: dec, Current: 8, Paid: 8, At: at}, Present: true, Demand: 2})
	require.Equal(t, 1, testutil.CollectAndCount(m.Partial), "web has no complete_query")
	dec.Reason, dec.Explanation.Partial = policy.ReasonForecast, false
	m.Publish(summed, Values{Units: Units{Decision: dec, Current: 8, Paid: 8, At: at.Add(time.Minute)}, Present: true, Demand: 4})
	require.InDelta(t, 0, g(), 0)
}

// TestAssumedCurrentUnitsUnpublished: a first hold's current units, only
// assumed (min_units, nothing read, decided or acknowledged), leave
// prescale_current_units and prescale_cost_per_hour (of those units)
// absent; known ones set both.
func TestAssumedCurrentUnitsUnpublished(t *testing.T) {
	m := New(prometheus.NewRegistry(), []policy.Target{web})
	at := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	m.PublishUnits(web, Units{NoDecision: true, CurrentAssumed: true, Current: 1, Paid: 1, At: at})
	require.Zero(t, testutil.CollectAndCount(m.Current))
	require.Zero(t, testutil.CollectAndCount(m.CostPerHour))
	m.PublishUnits(web, Units{Decision: policy.Decision{Desired: 4}, Current: 3, Paid: 3, At: at.Add(time.Minute)})
	lv := []string{"web", "frontend", "instances"}
	require.InDelta(t, 3, testutil.ToFloat64(m.Current.WithLabelValues(lv...)), 0)
	require.InDelta(t, 1.5, testutil.ToFloat64(m.CostPerHour.WithLabelValues(lv...)), 1e-12, "3 units at 0.5/h")
}
