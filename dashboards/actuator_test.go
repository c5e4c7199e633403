package dashboards

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestActuatorMetricsCharted: the forecasts-and-decisions dashboard charts
// every actuator metric of a problem (pending, failed, retried, delivery
// time; the successful deliveries' count aside), so a
// receiver that fails or slows down shows there and not only in
// /api/system/health. It charted prescale_actuation_pending alone: failed
// deliveries, retries and a slow command or webhook (25 of its 30 s) were
// on no panel.
func TestActuatorMetricsCharted(t *testing.T) {
	charted := map[string]bool{}
	for _, f := range loadDashboards(t) {
		if f.name != "prescale.json" {
			continue
		}
		textVars := textVariables(t, f.dash)
		for _, expr := range expressions(t, f.dash) {
			for _, name := range metricNames(t, expr, textVars) {
				charted[strings.TrimSuffix(name, "_bucket")] = true
			}
		}
	}
	for name := range knownMetrics(t) {
		if strings.HasPrefix(name, "prescale_actuat") && !strings.HasSuffix(name, "_sum") && !strings.HasSuffix(name, "_count") && !strings.HasSuffix(name, "_bucket") {
			require.True(t, charted[name] || name == "prescale_actuator_sent_total", "dashboards/prescale.json charts no %s", name)
		}
	}
}
