package dashboards

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestDownwardSeriesKeepTheirSign: a series drawn below the axis (bytes
// written, transmitted: "(down)" in the panel's description) is turned
// over by Grafana's negative-Y transform on its query, not negated in
// PromQL, so its tooltip and legend read the rate itself: the Disk I/O and
// Network traffic panels showed writes and transmits as -1.2 MB/s.
func TestDownwardSeriesKeepTheirSign(t *testing.T) {
	type override struct {
		Matcher struct {
			ID      string `json:"id"`
			Options string `json:"options"`
		} `json:"matcher"`
		Properties []struct {
			ID    string `json:"id"`
			Value any    `json:"value"`
		} `json:"properties"`
	}
	type rawPanel struct {
		Title       string        `json:"title"`
		Description string        `json:"description"`
		Targets     []panelTarget `json:"targets"`
		Panels      []rawPanel    `json:"panels"`
		FieldConfig struct {
			Overrides []override `json:"overrides"`
		} `json:"fieldConfig"`
	}
	var walk func(ps []rawPanel, f func(rawPanel))
	walk = func(ps []rawPanel, f func(rawPanel)) {
		for _, p := range ps {
			f(p)
			walk(p.Panels, f)
		}
	}
	downward := 0
	for _, file := range loadDashboards(t) {
		var d struct {
			Panels []rawPanel `json:"panels"`
		}
		require.NoError(t, json.Unmarshal(file.raw, &d))
		walk(d.Panels, func(p rawPanel) {
			turned := map[string]bool{}
			for _, o := range p.FieldConfig.Overrides {
				for _, pr := range o.Properties {
					if pr.ID == "custom.transform" && pr.Value == "negative-Y" {
						require.Equal(t, "byFrameRefID", o.Matcher.ID, "%s: %q", file.name, p.Title)
						turned[o.Matcher.Options] = true
					}
				}
			}
			for _, tg := range p.Targets {
				require.False(t, strings.HasPrefix(strings.TrimSpace(tg.Expr), "-"),
					"%s: %q negates %s in PromQL: its tooltip reads negative; turn it over with negative-Y", file.name, p.Title, tg.RefID)
				delete(turned, tg.RefID)
			}
			require.Empty(t, turned, "%s: %q turns over queries it does not have", file.name, p.Title)
			if strings.Contains(p.Description, "(down)") {
				downward++
				require.Len(t, p.FieldConfig.Overrides, 1, "%s: %q draws a series down without negative-Y", file.name, p.Title)
			}
		})
	}
	require.Equal(t, 2, downward, "the Disk I/O and Network traffic panels")
}
