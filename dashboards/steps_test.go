package dashboards

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/prometheus/prometheus/promql/parser"
	"github.com/stretchr/testify/require"
)

// levelMetric matches series that hold a value until a decision, a cycle
// or a scrape changes it: units and 0/1 states. Between two points of a
// range query such a series keeps the first point's value.
var levelMetric = regexp.MustCompile(`^up$|^prescale_(desired_units|current_units|anomalous|target_demand_partial)$|_(success|ok|up|healthy|pending|capped)$`)

// stepPanel is the part of a panel the step check reads.
type stepPanel struct {
	Title       string `json:"title"`
	Type        string `json:"type"`
	FieldConfig struct {
		Defaults struct {
			Custom struct {
				LineInterpolation string `json:"lineInterpolation"`
			} `json:"custom"`
		} `json:"defaults"`
	} `json:"fieldConfig"`
	Targets []struct {
		Expr string `json:"expr"`
	} `json:"targets"`
	Panels []stepPanel `json:"panels"`
}

// onlyLevels reports whether expr selects level series only and takes no
// rate or average of them (which is no longer a level).
func onlyLevels(t *testing.T, expr string) bool {
	t.Helper()
	e, err := parser.NewParser(parser.Options{}).ParseExpr(toPromQL(expr, nil))
	require.NoError(t, err, expr)
	levels := true
	parser.Inspect(e, func(n parser.Node, _ []parser.Node) error {
		switch n := n.(type) {
		case *parser.VectorSelector:
			levels = levels && levelMetric.MatchString(n.Name)
		case *parser.MatrixSelector, *parser.SubqueryExpr:
			levels = false
		}
		return nil
	})
	return levels
}

// TestLevelsAreDrawnAsSteps: a panel of units or 0/1 states draws each
// value held until the next (stepAfter). Drawn as lines, as every panel
// was, a scale-up from 2 to 10 units read as a ramp over the interval
// between two points, its time and the units meanwhile wrong, and a flag
// set for one point read as a triangle through values it never had
// (0.5 budget-capped).
func TestLevelsAreDrawnAsSteps(t *testing.T) {
	paths, err := filepath.Glob("*.json")
	require.NoError(t, err)
	var levelPanels int
	for _, p := range paths {
		raw, err := os.ReadFile(p)
		require.NoError(t, err)
		var d struct {
			Panels []stepPanel `json:"panels"`
		}
		require.NoError(t, json.Unmarshal(raw, &d), p)
		var walk func([]stepPanel)
		walk = func(ps []stepPanel) {
			for _, pn := range ps {
				walk(pn.Panels)
				if pn.Type != "timeseries" || len(pn.Targets) == 0 {
					continue
				}
				levels := true
				for _, tg := range pn.Targets {
					levels = levels && onlyLevels(t, tg.Expr)
				}
				if levels {
					levelPanels++
					require.Equal(t, "stepAfter", pn.FieldConfig.Defaults.Custom.LineInterpolation, "%s: panel %q", p, pn.Title)
				}
			}
		}
		walk(d.Panels)
	}
	require.GreaterOrEqual(t, levelPanels, 6, "the units, actuation, budget, history, scrape and collector panels")
}
