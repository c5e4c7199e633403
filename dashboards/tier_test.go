package dashboards

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/stretchr/testify/require"
)

// variableQuery returns a label_values() variable's selector and label.
func variableQuery(t *testing.T, v variable) (selector, label string) {
	t.Helper()
	var q struct {
		Query string `json:"query"`
	}
	require.NoError(t, json.Unmarshal(v.Query, &q), "variable %s", v.Name)
	m := labelValuesQuery.FindStringSubmatch(q.Query)
	require.NotNil(t, m, "variable %s: %q", v.Name, q.Query)
	label = strings.TrimSpace(q.Query[strings.LastIndex(q.Query, ",")+1 : len(q.Query)-1])
	return m[1], label
}

// TestTargetsFollowTheTier: the decisions dashboard picks targets by
// tier (the README's "each tier": web, worker and db of one application
// are targets of their own tier). It had no tier variable: with hundreds
// of targets over a few tiers, one tier's targets were picked by hand
// from one list. The target and forecast-target lists follow the tier
// chosen, so every panel selecting $target shows that tier.
func TestTargetsFollowTheTier(t *testing.T) {
	var d dashboard
	for _, f := range loadDashboards(t) {
		if f.name == "prescale.json" {
			d = f.dash
		}
	}
	require.NotEmpty(t, d.UID, "prescale.json not loaded")
	seen := map[string]bool{}
	for _, v := range d.Templating.List {
		seen[v.Name] = true
		if v.Type != "query" {
			continue
		}
		selector, label := variableQuery(t, v)
		e, err := parser.NewParser(parser.Options{}).ParseExpr(selector)
		require.NoError(t, err, "variable %s", v.Name)
		vs, ok := e.(*parser.VectorSelector)
		require.True(t, ok, "variable %s: %q is not a selector", v.Name, selector)
		switch label {
		case "tier":
			require.Equal(t, "tier", v.Name)
			require.True(t, seen["job"], "variable tier must follow job")
		case "target":
			require.True(t, seen["tier"], "variable %s lists targets before the tier is chosen", v.Name)
			require.True(t, slices.ContainsFunc(vs.LabelMatchers, func(m *labels.Matcher) bool {
				return m.Name == "tier" && m.Type == labels.MatchRegexp && m.Value == "$tier"
			}), "variable %s does not follow $tier: %s", v.Name, selector)
		}
	}
	require.True(t, seen["tier"], "no tier variable")
}
