package config

import (
	"strings"
	"testing"
	"time"

	"github.com/prescale/prescale/controller/policy"
)

// FuzzParseTargets: any targets file either gives valid targets (each
// passes Validate, has a name and a query, names unique) or errors naming
// PRESCALE_TARGETS_FILE that quote no more than 100 bytes of a value;
// never a panic.
func FuzzParseTargets(f *testing.F) {
	f.Add([]byte("targets:\n  - {name: web, query: up}\n"))
	defaults := policy.Target{Name: "default", Tier: "app", Kind: policy.KindInstances, CapacityPerUnit: 1,
		TargetUtilization: 0.7, MinUnits: 1, MaxUnits: 10, Lag: 5 * time.Minute, Tolerance: 0.1, ConfidenceThreshold: 0.7}
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) > 64<<10 {
			return // a targets file is small; PromQL parsing of huge queries only costs time
		}
		ts, err := ParseTargets(in, defaults, UsageWindowLag)
		if err != nil {
			if !strings.Contains(err.Error(), "PRESCALE_TARGETS_FILE") {
				t.Fatalf("error does not name the variable: %v", err)
			}
			checkEchoes(t, in, err.Error())
			return
		}
		if len(ts) == 0 {
			t.Fatal("no targets and no error")
		}
		seen := map[string]bool{}
		for i, tg := range ts {
			if err := tg.Validate(); err != nil {
				t.Fatalf("targets[%d] accepted but invalid: %v", i, err)
			}
			if tg.Query == "" || seen[tg.Name] {
				t.Fatalf("targets[%d]: query %q, name %q (duplicate: %v)", i, tg.Query, tg.Name, seen[tg.Name])
			}
			seen[tg.Name] = true
		}
	})
}

// checkEchoes fails t when msg holds a run of 120 bytes of a word of in
// (plain text, no quote or escape): an error quoted a value whole.
func checkEchoes(t *testing.T, in []byte, msg string) {
	t.Helper()
	for _, w := range strings.FieldsFunc(string(in), func(r rune) bool { return r < '!' || r > '~' || strings.ContainsRune("\"'`\\,:{}[]#", r) }) {
		if len(w) >= 120 && strings.Contains(msg, w[:120]) {
			t.Fatalf("error quotes %d bytes of a value: %.300s", len(w), msg)
		}
	}
}
