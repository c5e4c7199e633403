package anomaly

import (
	"testing"

	"github.com/prescale/prescale/internal/testkit"
)

// TestDefaultsTable: docs/tuning.md's defaults table gives the robust
// detector's window, which RobustConfig's zero value means, the code's
// value, and has a row for it.
func TestDefaultsTable(t *testing.T) {
	testkit.RequireDefaultsRows(t, "anomaly", map[string]any{
		"anomaly.RobustConfig.Window": NewRobustDetector(RobustConfig{}).cfg.Window,
	})
}
