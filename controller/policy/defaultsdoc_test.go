package policy

import (
	"testing"

	"github.com/prescale/prescale/internal/testkit"
)

// TestDefaultsTable: docs/tuning.md's defaults table gives this
// package's defaults and rule constants the code's value, and has a row
// for each.
func TestDefaultsTable(t *testing.T) {
	testkit.RequireDefaultsRows(t, "policy", map[string]any{
		"policy.DefaultConfidenceThreshold": DefaultConfidenceThreshold,
		"policy.CalmBand":                   CalmBand,
	})
}
