package dashboards

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/promql/promqltest"
	"github.com/prometheus/prometheus/storage"
	"github.com/stretchr/testify/require"
)

// perTargetSeries are the controller's series per target, with one value
// each (counters rise by it per minute), as one controller publishes them.
var perTargetSeries = map[string]float64{
	"prescale_demand": 7, "prescale_forecast": 8, "prescale_forecast_lower": 6, "prescale_forecast_upper": 9,
	"prescale_model_error": 1, "prescale_anomaly_score": 0.995, "prescale_anomalous": 1, "prescale_desired_units": 4, "prescale_current_units": 3,
	"prescale_provisioning_lag_seconds": 300, "prescale_decision_confidence": 0.8, "prescale_cost_per_hour": 0.2,
	"prescale_cost_today": 1.5, "prescale_cost_budget_daily": 10, "prescale_budget_capped": 1, "prescale_target_data_ok": 1,
}

// haPairLoad is a promqltest load of two targets as published by the
// controllers named: an HA pair publishes every target's series twice,
// from two instances, with the same values.
func haPairLoad(instances ...string) string {
	var b strings.Builder
	b.WriteString("load 1m\n")
	for _, inst := range instances {
		for _, target := range []string{"web", "db"} {
			id := fmt.Sprintf(`job="prescale-controller",instance=%q,target=%q`, inst, target)
			for name, v := range perTargetSeries {
				fmt.Fprintf(&b, "  %s{%s,tier=\"t\",kind=\"instances\"} %gx60\n", name, id, v)
			}
			fmt.Fprintf(&b, "  prescale_actuation_pending{%s,actuator=\"webhook\"} 1x60\n", id)
			for _, level := range []string{"0.5", "0.9", "0.99"} {
				fmt.Fprintf(&b, "  prescale_forecast_peak{%s,tier=\"t\",kind=\"instances\",level=%q} 9x60\n", id, level)
			}
			for _, reason := range []string{"forecast", "reactive", "max"} {
				fmt.Fprintf(&b, "  prescale_decisions_total{%s,direction=\"none\",reason=%q} 0+1x60\n", id, reason)
			}
			fmt.Fprintf(&b, "  prescale_observed_provisioning_lag_seconds_sum{%s,tier=\"t\",kind=\"instances\"} 0+120x60\n", id)
			fmt.Fprintf(&b, "  prescale_observed_provisioning_lag_seconds_count{%s,tier=\"t\",kind=\"instances\"} 0+1x60\n", id)
		}
	}
	return b.String()
}

// evalAt evaluates a dashboard expression (variables at "all", the focus
// target web) at 50 minutes and returns its series, printed and sorted.
func evalAt(t *testing.T, engine *promql.Engine, st storage.Queryable, expr string) []string {
	t.Helper()
	for name, v := range map[string]string{"$job": ".*", "$target": ".*", "$focus": "web"} {
		expr = strings.ReplaceAll(expr, name, v)
	}
	expr = toPromQL(expr, nil)
	q, err := engine.NewInstantQuery(context.Background(), st, nil, expr, time.Unix(0, 0).Add(50*time.Minute))
	require.NoError(t, err, expr)
	res := q.Exec(context.Background())
	require.NoError(t, res.Err, expr)
	var out []string
	switch v := res.Value.(type) {
	case promql.Vector:
		for _, s := range v {
			out = append(out, fmt.Sprintf("%s %.6g", s.Metric.String(), s.F))
		}
	case promql.Scalar:
		out = append(out, fmt.Sprintf("%.6g", v.V))
	}
	slices.Sort(out)
	return out
}

// TestPanelsCountAnHAPairOnce: two controllers on the same shard (an HA
// pair, docs/deploy.md) publish every target's series twice. Every panel
// about targets must show the same as with one controller: not two
// targets where one is anomalous, not twice the cost per hour stacked,
// not twice the decisions per minute. Panels about the controllers
// themselves (cycles, history source, scrape health) show each one.
func TestPanelsCountAnHAPairOnce(t *testing.T) {
	engine := promqltest.NewTestEngine(t, false, 5*time.Minute, 1e6)
	one := promqltest.LoadedStorage(t, haPairLoad("c1:9111"))
	pair := promqltest.LoadedStorage(t, haPairLoad("c1:9111", "c2:9111"))
	var f file
	for _, g := range loadDashboards(t) {
		if g.name == "prescale.json" {
			f = g
		}
	}
	require.NotEmpty(t, f.name, "prescale.json")
	checked := 0
	for where, expr := range expressions(t, f.dash) {
		if !strings.Contains(expr, "$target") && !strings.Contains(expr, "$focus") || strings.HasPrefix(where, "variable ") {
			continue // about the controllers, or a variable's selector
		}
		checked++
		t.Run(where, func(t *testing.T) {
			want := evalAt(t, engine, one, expr)
			require.NotEmpty(t, want, "%q has no result on one controller's series", expr)
			require.Equal(t, want, evalAt(t, engine, pair, expr), "%q with an HA pair", expr)
		})
	}
	require.Greater(t, checked, 15, "panel queries about targets")
}
