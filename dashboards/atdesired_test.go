package dashboards

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/promql/promqltest"
	"github.com/stretchr/testify/require"
)

// TestNotAtDesiredIgnoresTheIntervalLag: prescale_current_units shows a
// webhook's or a command's acknowledgement when it arrives (delivery
// runs in the background: up to its timeout and retries), and a
// current_query's units once they serve, so a change shows as a
// difference from prescale_desired_units for a while (it showed
// acknowledgements a scaling interval late, 60 s by default). The
// panel "Targets not at desired size" must not count that (it counted
// every target after each of its changes), and must count a target that
// stays off its desired units. Series scraped every 15 s: lag follows
// each change one interval later, stuck never does.
func TestNotAtDesiredIgnoresTheIntervalLag(t *testing.T) {
	var expr string
	for _, f := range loadDashboards(t) {
		for _, p := range allPanels(f.dash.Panels) {
			if f.name == "prescale.json" && p.Title == "Targets not at desired size" {
				expr = p.Targets[0].Expr
			}
		}
	}
	require.NotEmpty(t, expr, "the panel Targets not at desired size")
	for name, v := range map[string]string{"$job": ".*", "$target": ".*"} {
		expr = strings.ReplaceAll(expr, name, v)
	}
	// 15 s samples: desired 3 -> 5 at 10m and 5 -> 4 at 20m; lag's current
	// follows 4 samples (one minute) later, stuck's stays at 3.
	id := `job="prescale-controller",instance="c1:9111",tier="t",kind="instances"`
	st := promqltest.LoadedStorage(t, "load 15s\n"+
		"  prescale_desired_units{"+id+`,target="lag"} 3x39 5x39 4x40`+"\n"+
		"  prescale_current_units{"+id+`,target="lag"} 3x43 5x39 4x36`+"\n"+
		"  prescale_desired_units{"+id+`,target="stuck"} 3x39 5x80`+"\n"+
		"  prescale_current_units{"+id+`,target="stuck"} 3x120`+"\n")
	engine := promqltest.NewTestEngine(t, false, 5*time.Minute, 1e6)
	count := func(at time.Duration) float64 {
		q, err := engine.NewInstantQuery(context.Background(), st, nil, toPromQL(expr, nil), time.Unix(0, 0).Add(at))
		require.NoError(t, err, expr)
		res := q.Exec(context.Background())
		require.NoError(t, res.Err, expr)
		v, ok := res.Value.(promql.Vector)
		require.True(t, ok, "%T", res.Value)
		require.Len(t, v, 1)
		return v[0].F
	}
	for at := time.Duration(0); at <= 30*time.Minute; at += 15 * time.Second {
		switch {
		case at < 10*time.Minute:
			require.Zero(t, count(at), "at %s: every target at its desired units", at)
		case at < 11*time.Minute+30*time.Second:
			require.Zero(t, count(at), "at %s: lag is one interval behind, stuck not yet held", at)
		case at < 12*time.Minute:
			// stuck's difference held about two intervals: counted from here
		default:
			require.InDelta(t, 1, count(at), 0, "at %s: stuck only", at)
		}
	}
}
