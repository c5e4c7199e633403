package hourly

import (
	"testing"

	"github.com/prescale/prescale/internal/testkit"
)

// TestDefaultsTable: docs/tuning.md's defaults table gives the hour
// member's constants the code's value, and has a row for each.
func TestDefaultsTable(t *testing.T) {
	testkit.RequireDefaultsRows(t, "hourly", map[string]any{
		"hourly.Margin":      Margin,
		"hourly.CycleACF":    CycleACF,
		"hourly.cycleWindow": cycleWindow,
		"hourly.cycleHours":  cycleHours,
		"hourly.minSamples":  minSamples,
	})
}
