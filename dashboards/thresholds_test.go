package dashboards

import (
	"encoding/json"
	"os"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/config"
	"github.com/prescale/prescale/internal/clihelp"
)

// thresholdPanel is the part of a panel that draws a threshold line.
type thresholdPanel struct {
	Title       string `json:"title"`
	FieldConfig struct {
		Defaults struct {
			Thresholds struct {
				Steps []struct {
					Value *float64 `json:"value"`
				} `json:"steps"`
			} `json:"thresholds"`
		} `json:"defaults"`
	} `json:"fieldConfig"`
	Panels []thresholdPanel `json:"panels"`
}

// TestThresholdLinesAreTheDefaults: the threshold a panel marks is the
// controller's default of the setting it stands for (docs/dashboards.md: "the
// default 0.99 threshold marked", "the 0.7 threshold"), so a changed
// default cannot leave the dashboard marking the old one.
func TestThresholdLinesAreTheDefaults(t *testing.T) {
	defaults := map[string]string{}
	for _, v := range clihelp.Vars(config.EnvPrefix, config.Config{}) {
		defaults[v.Name] = v.Default
	}
	panels := map[string]string{ // panel title → the variable its threshold is
		"Anomaly score":       "PRESCALE_ANOMALY_THRESHOLD",
		"Decision confidence": "PRESCALE_CONFIDENCE_THRESHOLD",
	}
	raw, err := os.ReadFile("prescale.json")
	require.NoError(t, err)
	var d struct {
		Panels []thresholdPanel `json:"panels"`
	}
	require.NoError(t, json.Unmarshal(raw, &d))
	found := map[string]bool{}
	var walk func([]thresholdPanel)
	walk = func(ps []thresholdPanel) {
		for _, p := range ps {
			walk(p.Panels)
			name, ok := panels[p.Title]
			if !ok {
				continue
			}
			want, err := strconv.ParseFloat(defaults[name], 64)
			require.NoError(t, err, "the default of %s", name)
			var marks []float64
			for _, s := range p.FieldConfig.Defaults.Thresholds.Steps {
				if s.Value != nil { // the base step has none
					marks = append(marks, *s.Value)
				}
			}
			require.Equal(t, []float64{want}, marks, "panel %q marks %v, the default of %s is %v", p.Title, marks, name, want)
			found[p.Title] = true
		}
	}
	walk(d.Panels)
	require.Len(t, found, len(panels), "panels with a threshold not found: %v", found)
}
