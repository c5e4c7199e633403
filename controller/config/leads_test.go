package config

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestLeadNamesItsVariables: a lead window (the lag plus one scaling
// interval) of more than 2016 forecast steps is refused by the
// configuration, naming what makes it long: PRESCALE_SCALING_INTERVAL
// when it alone does, else the env target's lag or the targets file's
// entry. The controller refused it at start with "target web: engine:
// provisioning lag 30s needs 2165 forecast steps of 5s, more than 2016",
// naming no variable and blaming a 30s lag for a 3h interval.
func TestLeadNamesItsVariables(t *testing.T) {
	c := validConfig(t)
	c.Step, c.HistoryWindow, c.Lag = 5*time.Second, time.Hour, 30*time.Second
	require.NoError(t, c.Validate())

	c.ScalingInterval = 3 * time.Hour
	require.EqualError(t, c.Validate(), "PRESCALE_SCALING_INTERVAL: 3h0m0s is 2159 forecast steps of PRESCALE_STEP (5s), more than 2016 "+
		"(each target forecasts over its lag plus one PRESCALE_SCALING_INTERVAL, at PRESCALE_STEP): shorten it or lengthen PRESCALE_STEP")

	c.ScalingInterval, c.Lag = 5*time.Second, 4*time.Hour
	require.EqualError(t, c.Validate(), "PRESCALE_TARGET_PROVISIONING_LAG: 4h0m0s plus PRESCALE_SCALING_INTERVAL (5s) is 2880 forecast steps "+
		"of PRESCALE_STEP (5s), more than 2016 (each target forecasts over its lag plus one PRESCALE_SCALING_INTERVAL, at PRESCALE_STEP): "+
		"shorten the lag or lengthen PRESCALE_STEP")

	// With a targets file the env lag is a default: each entry's own lag
	// is checked, the entry named.
	c.Lag = 30 * time.Second
	c.TargetsFile = filepath.Join(t.TempDir(), "targets.yml")
	require.NoError(t, os.WriteFile(c.TargetsFile, []byte("targets:\n  - name: web\n    query: up\n  - name: db\n    query: up\n    lag: 4h\n"), 0o600))
	require.NoError(t, c.Validate())
	_, err := c.Targets()
	require.EqualError(t, err, `PRESCALE_TARGETS_FILE: targets[1] ("db").lag: 4h0m0s plus PRESCALE_SCALING_INTERVAL (5s) is 2880 forecast steps `+
		"of PRESCALE_STEP (5s), more than 2016 (each target forecasts over its lag plus one PRESCALE_SCALING_INTERVAL, at PRESCALE_STEP): "+
		"shorten the lag or lengthen PRESCALE_STEP")
	c.Lag = 4 * time.Hour // the entries without a lag take it, and the error names where it came from
	_, err = c.Targets()
	require.ErrorContains(t, err, `targets[0] ("web").lag (or PRESCALE_TARGET_PROVISIONING_LAG, its default): 4h0m0s plus`)
}
