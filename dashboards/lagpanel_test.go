package dashboards

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/prometheus/promql/promqltest"
	"github.com/stretchr/testify/require"
)

// lagPanel is the panel docs/deploy.md sends an operator to when the
// configured provisioning lag may be wrong (issue 11: the observed lag is
// published so an operator sees it).
const lagPanel = "Provisioning lag: observed vs configured"

// TestLagPanelShowsObservedBesideConfigured: the panel docs/deploy.md names
// draws, for a target, the mean observed provisioning lag
// (prescale_observed_provisioning_lag_seconds) beside the configured one
// (prescale_provisioning_lag_seconds): scale-ups that took 600 s against a
// configured 300 s show as 600 and 300. No test read the panel: drawing
// the configured lag twice passed every dashboard test.
func TestLagPanelShowsObservedBesideConfigured(t *testing.T) {
	readme, err := os.ReadFile("../docs/deploy.md")
	require.NoError(t, err)
	require.Contains(t, string(readme), `"`+lagPanel+`" panel`, "docs/deploy.md names the panel")
	var exprs []string
	for _, f := range loadDashboards(t) {
		for _, p := range allPanels(f.dash.Panels) {
			if f.name == "prescale.json" && p.Title == lagPanel {
				for _, tg := range p.Targets {
					exprs = append(exprs, tg.Expr)
				}
			}
		}
	}
	require.NotEmpty(t, exprs, "prescale.json has no panel %q", lagPanel)

	// One scale-up a minute, each observed 600 s after its delivery.
	id := `job="prescale-controller",instance="c1:9111",target="web",tier="t",kind="instances"`
	st := promqltest.LoadedStorage(t, "load 1m\n"+
		"  prescale_observed_provisioning_lag_seconds_sum{"+id+"} 0+600x60\n"+
		"  prescale_observed_provisioning_lag_seconds_count{"+id+"} 0+1x60\n"+
		"  prescale_provisioning_lag_seconds{"+id+"} 300x60\n")
	engine := promqltest.NewTestEngine(t, false, 5*time.Minute, 1e6)
	var got []string
	for _, expr := range exprs {
		got = append(got, evalAt(t, engine, st, expr)...)
	}
	require.ElementsMatch(t, []string{`{target="web"} 600`, `{target="web"} 300`}, got,
		"the panel's queries: %s", strings.Join(exprs, "; "))
}
