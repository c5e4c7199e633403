package demand

import (
	"testing"

	"github.com/prescale/prescale/internal/testkit"
)

// TestDefaultsTable: docs/tuning.md's defaults table gives the release
// band's and the climb's constants the code's value, and has a row for
// each.
func TestDefaultsTable(t *testing.T) {
	testkit.RequireDefaultsRows(t, "demand", map[string]any{
		"demand.ReleaseBandScale": ReleaseBandScale,
		"demand.wobbleWindow":     wobbleWindow,
		"demand.wobbleMin":        wobbleMin,
		"demand.climbWindow":      climbWindow,
		"demand.climbRising":      climbRising,
	})
}
