package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/prescale/prescale/internal/testkit"
)

// TestRunBadTargetsFile: a targets file whose entry has max_units below
// min_units, a capacity that is 0, negative or NaN, or a value of the
// wrong type, stops `prescale run` at start with exit 2 and an error
// naming the target and the field.
func TestRunBadTargetsFile(t *testing.T) {
	for _, tc := range []struct{ name, fields, want string }{
		{"max below min", "min_units: 3\n    max_units: 2", `: target "web": min_units (3) must not exceed max_units (2)`},
		{"capacity 0", "capacity_per_unit: 0", `: target "web": capacity_per_unit must be a finite number > 0, got 0`},
		{"capacity negative", "capacity_per_unit: -2.5", `: target "web": capacity_per_unit must be a finite number > 0, got -2.5`},
		{"capacity NaN", "capacity_per_unit: .nan", `: target "web": capacity_per_unit must be a finite number > 0, got NaN`},
		{"units NaN", "max_units: .nan", ` ("web"): max_units: line 4: cannot unmarshal !!float ` + "`.nan`" + ` into int`},
		{"capacity not a number", "capacity_per_unit: ten", ` ("web"): capacity_per_unit: line 4: cannot unmarshal !!str ` + "`ten`" + ` into float64`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "targets.yml")
			body := "targets:\n  - name: web\n    query: vector(1)\n    " + tc.fields + "\n"
			require.NoError(t, os.WriteFile(path, []byte(body), 0o600))
			t.Setenv("PRESCALE_DATA_DIR", filepath.Join(dir, "data"))
			t.Setenv("PRESCALE_LISTEN", "127.0.0.1:0")
			t.Setenv("PRESCALE_TARGETS_FILE", path)
			var out, errb testkit.SyncBuffer
			code := runCmd(t.Context(), nil, &out, &errb)
			require.Equal(t, 2, code, "stderr: %s", errb.String())
			require.Contains(t, errb.String(), "PRESCALE_TARGETS_FILE: targets[0]"+tc.want)
		})
	}
}

// TestE2EPrescaleRunBadQueries: at run time, through `prescale run`'s code
// and the embedded PromQL engine, a demand query that returns several
// series, NaN at every point, or ±Inf for the current demand (finite
// before) never gives a silent decision: each target holds with reason
// bad_query and an explanation naming the query and what is wrong, and
// its history_error says the same. Real server: polled with a deadline.
func TestE2EPrescaleRunBadQueries(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test: skipped with -short")
	}
	dir := t.TempDir()
	infFrom := time.Now().Add(-time.Second).Unix()
	want := map[string]string{
		"multi": "query returned more than one series",
		"nan":   "query returned only NaN or ±Inf values",
		"inf":   "query returned only NaN or ±Inf values",
	}
	targets := filepath.Join(dir, "targets.yml")
	file, err := yaml.Marshal(map[string]any{"targets": []map[string]string{
		{"name": "multi", "query": `label_replace(vector(1), "a", "x", "", "") or vector(2)`},
		{"name": "nan", "query": "vector(NaN)"},
		{"name": "inf", "query": fmt.Sprintf("vector(1) / (time() < bool %d)", infFrom)},
	}})
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(targets, file, 0o600))
	t.Setenv("PRESCALE_DATA_DIR", filepath.Join(dir, "data"))
	t.Setenv("PRESCALE_LISTEN", "127.0.0.1:0")
	t.Setenv("PRESCALE_TARGETS_FILE", targets)
	t.Setenv("PRESCALE_SCALING_INTERVAL", "5s")
	t.Setenv("PRESCALE_STEP", "15s")

	ctx, base, _, errb := startRun(t, nil)
	poll(ctx, t, "bad_query decisions", func() error {
		var st struct {
			Targets []struct {
				Target       string `json:"target"`
				HistoryError string `json:"history_error"`
				Decisions    []struct {
					Reason      string `json:"reason"`
					Explanation struct {
						Problem string `json:"problem"`
					} `json:"explanation"`
				} `json:"decisions"`
			} `json:"targets"`
		}
		if err := getJSON(ctx, base+"/api/scaling/status", &st); err != nil {
			return err
		}
		if len(st.Targets) != 3 {
			return fmt.Errorf("targets: %+v", st.Targets)
		}
		for _, tg := range st.Targets {
			if len(tg.Decisions) == 0 {
				return fmt.Errorf("%s: no decision yet", tg.Target)
			}
			d := tg.Decisions[len(tg.Decisions)-1]
			if d.Reason != "bad_query" || !strings.Contains(d.Explanation.Problem, "query \"") ||
				!strings.Contains(d.Explanation.Problem, want[tg.Target]) || !strings.Contains(tg.HistoryError, want[tg.Target]) {
				return fmt.Errorf("%s: reason %s, problem %q, history_error %q", tg.Target, d.Reason, d.Explanation.Problem, tg.HistoryError)
			}
		}
		return nil
	})
	require.Contains(t, errb.String(), `target inf: target query`, "the cycle error names the target and its query")
}
