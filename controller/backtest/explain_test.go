package backtest

import (
	"bytes"
	"encoding/csv"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/policy"
)

// TestWriteExplain: with Config.Explain every sample gets a row whose
// decision, units and reason are the replay's own, read back from the
// CSV; the decisions are those of a run without it. The demand column is
// what the engine was fed: a NaN row's value carried by the store.
func TestWriteExplain(t *testing.T) {
	ts, v := synthetic(4*288, 300, 3)
	v[500], v[501] = nanValue(), nanValue() // the first carried from 499 by the store, the second no data
	cfg := testConfig(len(ts) * 7 / 10)
	plain, err := Run(t.Context(), ts, v, cfg)
	require.NoError(t, err)
	require.Nil(t, plain.Explain)
	cfg.Explain = true
	res, err := Run(t.Context(), ts, v, cfg)
	require.NoError(t, err)
	require.Equal(t, plain.Desired, res.Desired)

	var buf bytes.Buffer
	require.NoError(t, WriteExplain(&buf, res))
	rows, err := csv.NewReader(&buf).ReadAll()
	require.NoError(t, err)
	require.Len(t, rows, len(ts)+1)
	head := rows[0]
	require.Equal(t, strings.TrimSpace(explainHeader), strings.Join(head, ","))
	col := func(row []string, name string) string { return row[slices.Index(head, name)] }
	atoi := func(s string) int {
		n, err := strconv.Atoi(s)
		require.NoError(t, err, s)
		return n
	}
	rules, wantedBy := map[string]int{}, map[string]int{}
	for i, row := range rows[1:] {
		require.Equal(t, strconv.FormatInt(ts[i], 10), col(row, "timestamp"))
		require.Equal(t, res.Desired[i], atoi(col(row, "desired")), "sample %d", i)
		require.Equal(t, res.Timeline[i].Ready, atoi(col(row, "ready")), "sample %d", i)
		require.Equal(t, string(res.Reasons[i]), col(row, "reason"), "sample %d", i)
		if i != 500 && i != 501 {
			require.Equal(t, strconv.FormatFloat(v[i], 'g', 6, 64), col(row, "demand"), "sample %d", i)
		}
		require.Equal(t, res.BaselineTimeline[i].Requested, atoi(col(row, "hpa_requested")), "sample %d", i)
		if i > 0 {
			// The units requested before the decision: the last one's, clamped.
			require.Equal(t, res.Timeline[i-1].Requested, atoi(col(row, "current")), "sample %d", i)
		}
		rule := col(row, "rule")
		require.NotEmpty(t, rule, "sample %d", i)
		rules[rule]++
		if rule == string(policy.RuleForecast) {
			wantedBy[col(row, "wanted_by")]++
		}
		p50, _ := strconv.ParseFloat(col(row, "peak_p50"), 64)
		p90, _ := strconv.ParseFloat(col(row, "peak_p90"), 64)
		p99, _ := strconv.ParseFloat(col(row, "peak_p99"), 64)
		if !math.IsNaN(p50) {
			require.LessOrEqual(t, p50, p90, "sample %d", i)
			require.LessOrEqual(t, p90, p99, "sample %d", i)
		}
	}
	require.NotEqual(t, string(policy.ReasonNoData), col(rows[501], "reason"))
	require.Equal(t, strconv.FormatFloat(v[499], 'g', 6, 64), col(rows[501], "demand"), "decided on the carried value")
	require.Equal(t, string(policy.ReasonNoData), col(rows[502], "reason"))
	require.Equal(t, "NaN", col(rows[502], "demand"))
	require.Positive(t, rules[string(policy.RuleForecast)], "rules %v", rules)
	require.Positive(t, rules[string(policy.RuleChangeCost)], "rules %v", rules)
	require.Positive(t, wantedBy[policy.WantedByForecast], "wanted_by of rule forecast %v", wantedBy)

	buf.Reset()
	require.NoError(t, WriteExplain(&buf, plain))
	require.Equal(t, explainHeader, buf.String(), "without Config.Explain: the header only")
}

// TestWriteExplainFloors: the explanation's floors are columns, the crowd
// trend's too (a crowd_trend row showed its rule but not its units), and
// so are the event pacing multiplier of the change cost, its release
// band and its climb ahead.
func TestWriteExplainFloors(t *testing.T) {
	d := policy.Decision{Desired: 9, Reason: policy.ReasonAnomaly, Explanation: policy.Explanation{
		Rule: policy.RuleCrowdTrend, ReactiveFloor: 5, ShadowUnits: 6, TrendUnits: 9, ForecastUnits: 4,
		EventPrice: 2.5, ReleaseBand: 2, ClimbUnits: 3, WideBand: 4, CalmUnits: 7, WantedBy: policy.WantedByCrowdTrend,
	}}
	res := &Result{
		T: []int64{300}, Demand: []float64{42},
		Timeline: []Sample{{Ready: 5, Requested: 9}}, BaselineTimeline: []Sample{{Ready: 5, Requested: 5}},
		Explain: []Explained{{Demand: 42, Decision: d, Peak50: math.NaN(), Peak90: math.NaN(), Peak99: math.NaN()}},
	}
	var buf bytes.Buffer
	require.NoError(t, WriteExplain(&buf, res))
	rows, err := csv.NewReader(&buf).ReadAll()
	require.NoError(t, err)
	require.Len(t, rows, 2)
	col := func(name string) string {
		i := slices.Index(rows[0], name)
		require.GreaterOrEqual(t, i, 0, "no column %s", name)
		return rows[1][i]
	}
	require.Equal(t, "crowd_trend", col("rule"))
	require.Equal(t, "5", col("reactive_floor"))
	require.Equal(t, "6", col("shadow_units"))
	require.Equal(t, "9", col("trend_units"))
	require.Equal(t, "4", col("forecast_units"))
	require.Equal(t, "2.5", col("event_price"))
	require.Equal(t, "2", col("release_band"))
	require.Equal(t, "3", col("climb_units"))
	require.Equal(t, "4", col("wide_band"))
	require.Equal(t, "7", col("calm_units"))
	require.Equal(t, "crowd_trend", col("wanted_by"))
}
