package crowd

import (
	"testing"

	"github.com/prescale/prescale/internal/testkit"
)

// TestDefaultsTable: docs/tuning.md's defaults table gives the crowd
// trend's constants the code's value, and has a row for each.
func TestDefaultsTable(t *testing.T) {
	testkit.RequireDefaultsRows(t, "crowd", map[string]any{
		"crowd.crowdMinSamples": crowdMinSamples,
		"crowd.crowdMaxSamples": crowdMaxSamples,
	})
}
