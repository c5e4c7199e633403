package dashboards

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestForecastBoundsAreNotOneInterval: prescale_forecast_lower is the
// interval's lower bound at the lead time, prescale_forecast_upper the
// highest upper bound over the lead window and prescale_forecast the
// highest mean over it (docs/metrics.md): bounds of different steps, not
// one interval. The forecast panel shaded a band from lower to upper; it
// now draws them as lines whose legends say what each is, and no override
// names a series the panel does not have (a renamed legend leaves one).
func TestForecastBoundsAreNotOneInterval(t *testing.T) {
	says := map[string]string{ // metric: what its legend must say
		"prescale_forecast":       "highest",
		"prescale_forecast_upper": "highest",
		"prescale_forecast_lower": "at the lead time",
	}
	seen := 0
	for _, f := range loadDashboards(t) {
		var d struct {
			Panels []unitPanel `json:"panels"`
		}
		require.NoError(t, json.Unmarshal(f.raw, &d))
		vars := textVariables(t, f.dash)
		for _, p := range flattenUnitPanels(d.Panels) {
			bound := map[string]bool{} // the legends of the two bounds
			legends := map[string]bool{}
			for _, tg := range p.Targets {
				name := legendLabel.ReplaceAllString(tg.Legend, "x")
				legends[name] = true
				for _, m := range metricNames(t, tg.Expr, vars) {
					want, ok := says[m]
					if !ok {
						continue
					}
					seen++
					require.Contains(t, tg.Legend, want, "%s, panel %q: the legend of %s", f.name, p.Title, m)
					bound[name] = m != "prescale_forecast"
				}
			}
			for _, o := range p.FieldConfig.Overrides {
				if o.Matcher.ID == "byName" {
					require.True(t, legends[o.Matcher.Options], "%s, panel %q: override for %q, no such series", f.name, p.Title, o.Matcher.Options)
				}
				for _, prop := range o.Properties {
					if prop.ID != "custom.fillBelowTo" {
						continue
					}
					var to string
					require.NoError(t, json.Unmarshal(prop.Value, &to))
					require.False(t, bound[o.Matcher.Options] && bound[to], "%s, panel %q: a band from %q to %q, bounds of different steps", f.name, p.Title, o.Matcher.Options, to)
				}
			}
			if len(bound) > 0 {
				require.NotContains(t, strings.ToLower(p.Title), "interval", "%s, panel %q: no interval is drawn", f.name, p.Title)
			}
		}
	}
	require.Equal(t, 3, seen, "the forecast panel's mean, upper and lower")
}
