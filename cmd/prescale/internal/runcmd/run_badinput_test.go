package runcmd

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/prescale/prescale/controller/policy"
	"github.com/prescale/prescale/internal/testkit"
)

// TestRunBadTargetsFile: a targets file whose entry has max_units below
// min_units, a capacity that is 0, negative, NaN, +Inf or outside
// [1e-9, 1e15], a price above 1e9 per unit-hour, a value of the wrong
// type, or a complete_query that is not PromQL, stops `prescale run` at start with exit 2 and an error
// naming the target and the field.
func TestRunBadTargetsFile(t *testing.T) {
	for _, tc := range []struct{ name, fields, want string }{
		{"max below min", "min_units: 3\n    max_units: 2", `: target "web": min_units must not exceed max_units (2), got 3`},
		{"capacity 0", "capacity_per_unit: 0", `: target "web": capacity_per_unit must be a finite number > 0, got 0`},
		{"capacity negative", "capacity_per_unit: -2.5", `: target "web": capacity_per_unit must be a finite number > 0, got -2.5`},
		{"capacity NaN", "capacity_per_unit: .nan", `: target "web": capacity_per_unit must be a finite number > 0, got NaN`},
		// Each was accepted and decided: 2^31 units wanted, or +Inf costs
		// the API (500) and the state file could not encode.
		{"capacity tiny", "capacity_per_unit: 1e-300", `: target "web": capacity_per_unit must be in [1e-09, 1e+15] (the demand one unit serves, in the query's unit: outside is a unit mix-up), got 1e-300`},
		{"capacity +Inf", "capacity_per_unit: .inf", `: target "web": capacity_per_unit must be a finite number > 0, got +Inf`},
		{"cost huge", "cost_per_unit_hour: 1.7e308", `: target "web": cost_per_unit_hour must be at most 1e+09 (the price of one unit for one hour), got 1.7e+308`},
		{"units NaN", "max_units: .nan", ` ("web"): max_units: line 4: cannot unmarshal !!float ` + "`.nan`" + ` into int`},
		{"capacity not a number", "capacity_per_unit: ten", ` ("web"): capacity_per_unit: line 4: cannot unmarshal !!str ` + "`ten`" + ` into float64`},
		{"complete query not PromQL", "complete_query: 'min(up'", ` ("web"): complete_query: invalid PromQL "min(up"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			setRunTargets(t, []byte("targets:\n  - name: web\n    query: vector(1)\n    "+tc.fields+"\n"))
			var out, errb testkit.SyncBuffer
			code := runAtStart(t, nil, &out, &errb)
			require.Equal(t, 2, code, "stderr: %s", errb.String())
			require.Contains(t, errb.String(), "PRESCALE_TARGETS_FILE: targets[0]"+tc.want)
		})
	}
}

// TestE2EPrescaleRunBadQueries: at run time, through `prescale run`'s code
// and the embedded PromQL engine, a demand query that returns several
// series, NaN at every point, ±Inf for the current demand (finite
// before), a negative value at every point or a negative current demand
// (positive before: a deriv() or a subtraction) never gives a silent
// decision: each target holds with reason
// bad_query and an explanation naming the query and what is wrong, and
// its history_error says the same. Real server: polled with a deadline.
func TestE2EPrescaleRunBadQueries(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test: skipped with -short")
	}
	infFrom := time.Now().Add(-time.Second).Unix()
	want := map[string]string{
		"multi":  "query returned more than one series",
		"nan":    "query returned only NaN or ±Inf values",
		"inf":    "query returned only NaN or ±Inf values",
		"neg":    "query returned a negative value (a demand or a unit count is never negative: check the query for a deriv() or a subtraction): -5 at ",
		"negnow": "query returned a negative value",
	}
	file, err := yaml.Marshal(map[string]any{"targets": []map[string]string{
		{"name": "multi", "query": `label_replace(vector(1), "a", "x", "", "") or vector(2)`},
		{"name": "nan", "query": "vector(NaN)"},
		{"name": "inf", "query": fmt.Sprintf("vector(1) / (time() < bool %d)", infFrom)},
		{"name": "neg", "query": "vector(-5)"},
		{"name": "negnow", "query": fmt.Sprintf("vector(1) - 3 * (time() >= bool %d)", infFrom)},
	}})
	require.NoError(t, err)
	setRunTargets(t, file)
	// More than three targets failing in one cycle log one WARN with their
	// count, each target at DEBUG (cyclelog).
	t.Setenv("PRESCALE_LOG_LEVEL", "debug")

	ctx, base, _, errb := startRun(t, nil)
	testkit.Eventually(ctx, t, time.Minute, "bad_query decisions", func() error {
		targets, err := scalingStatus(ctx, base)
		if err != nil {
			return err
		}
		if len(targets) != len(want) {
			return fmt.Errorf("targets: %+v", targets)
		}
		for _, tg := range targets {
			if len(tg.Decisions) == 0 {
				return fmt.Errorf("%s: no decision yet", tg.Target)
			}
			d := tg.Decisions[len(tg.Decisions)-1]
			if d.Reason != policy.ReasonBadQuery || !strings.Contains(d.Explanation.Problem, "query \"") ||
				!strings.Contains(d.Explanation.Problem, want[tg.Target]) || !strings.Contains(tg.HistoryError, want[tg.Target]) {
				return fmt.Errorf("%s: reason %s, problem %q, history_error %q", tg.Target, d.Reason, d.Explanation.Problem, tg.HistoryError)
			}
		}
		return nil
	})
	logs := errb.String()
	require.Regexp(t, `level=WARN msg="targets?'? quer(y|ies) failing: decisions hold"`, logs, "the failures are WARN")
	require.Contains(t, logs, `msg="target query failing: decisions hold" target=inf reason=bad_query err="query \"vector(1) / (time()`,
		"a line names the target, the reason and its query")
	require.Contains(t, logs, `msg="target query failing: decisions hold" target=neg reason=bad_query err="query \"vector(-5)\": history: query returned a negative value`)
	require.NotContains(t, logs, "cycle failed", "a target's query problem is its own WARN, not the cycle's")
}
