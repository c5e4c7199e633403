package levelshift

import (
	"testing"

	"github.com/prescale/prescale/internal/testkit"
)

// TestDefaultsTable: docs/tuning.md's defaults table gives the bounds of
// an anomaly's hold the code's value, and has a row for each.
func TestDefaultsTable(t *testing.T) {
	testkit.RequireDefaultsRows(t, "levelshift", map[string]any{
		"levelshift.MinHold": MinHold,
		"levelshift.MaxHold": MaxHold,
	})
}
