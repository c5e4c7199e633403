package config

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/kelseyhightower/envconfig"
	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/internal/clihelp"
	"github.com/prescale/prescale/internal/testkit"
)

// TestHelpBoundsAreEnforced: each bound a variable's help states (what
// -h and docs/configuration.md's table say) is the one Validate enforces: a value on
// a closed end is taken, one just outside it or on an open end exits 2
// naming the variable.
func TestHelpBoundsAreEnforced(t *testing.T) {
	vars := clihelp.Vars(EnvPrefix, Config{})
	kinds := testkit.EnvKinds(EnvPrefix, reflect.TypeFor[Config]())
	for _, v := range vars {
		require.Contains(t, kinds, v.Name, "no kind for %s", v.Name)
	}
	checked := testkit.CheckHelpBounds(t, vars, kinds, func(t *testing.T, name string) error {
		t.Setenv("PRESCALE_TARGET_QUERY", "sum(rate(requests_total[5m]))")
		if name == "PRESCALE_TARGET_CAPACITY_PER_UNIT" {
			t.Setenv("PRESCALE_TARGET_UTILIZATION", "1") // the product's own bound aside
		}
		var c Config
		if err := envconfig.Process(EnvPrefix, &c); err != nil {
			return err
		}
		return c.Validate()
	})
	require.GreaterOrEqual(t, checked, 20, "the help's bounds are not read")
}

// TestTimeoutsBounded: PRESCALE_QUERY_TIMEOUT, PRESCALE_WEBHOOK_TIMEOUT
// and PRESCALE_EXEC_TIMEOUT are refused beyond their bounds (10m, 5m, 1h;
// 1000d was taken), each error naming the variable, the value, the bound
// and why; a value on the bound is taken.
func TestTimeoutsBounded(t *testing.T) {
	c := validConfig(t)
	c.QueryTimeout, c.WebhookTimeout, c.ExecTimeout = MaxQueryTimeout, MaxWebhookTimeout, MaxExecTimeout
	require.NoError(t, c.Validate())
	c.QueryTimeout, c.WebhookTimeout, c.ExecTimeout = 24000*time.Hour, MaxWebhookTimeout+time.Second, MaxExecTimeout+time.Second
	err := c.Validate()
	require.ErrorContains(t, err, "PRESCALE_QUERY_TIMEOUT: must be at most 10m0s, got 24000h0m0s: history sources cut a query long before")
	require.ErrorContains(t, err, "PRESCALE_WEBHOOK_TIMEOUT: must be at most 5m0s, got 5m1s: ")
	require.ErrorContains(t, err, "PRESCALE_EXEC_TIMEOUT: must be at most 1h0m0s, got 1h0m1s: ")
}

// TestTargetSpansBounded: a target's lag, cooldowns, stabilisation and
// usage windows longer than a week are refused, naming the variable (no
// targets file) or the entry and field, the value and the bound; a usage
// window that is the lag is named once, as the lag. Each was taken at any
// length (1000d). A history window shorter than the cooldowns is valid
// (the end-to-end tests run with 1m).
func TestTargetSpansBounded(t *testing.T) {
	c := validConfig(t)
	c.HistoryWindow, c.Step = time.Minute, time.Second
	c.ScaleDownCooldown = MaxTargetSpan
	require.NoError(t, c.Validate(), "on the bound, beyond the window")
	c.ScaleDownCooldown = 24000 * time.Hour
	require.EqualError(t, c.Validate(), "PRESCALE_TARGET_SCALE_DOWN_COOLDOWN: must be at most 168h0m0s (a week), got 24000h0m0s: "+
		"a week is the forecaster's longest season, the lead window at the default PRESCALE_STEP and the longest manual override")
	c.ScaleDownCooldown, c.Stabilization, c.UsageWindow = 10*time.Minute, 169*time.Hour, UsageWindow(169*time.Hour)
	err := c.Validate()
	require.ErrorContains(t, err, "PRESCALE_TARGET_STABILIZATION_WINDOW: must be at most 168h0m0s (a week), got 169h0m0s")
	require.ErrorContains(t, err, "PRESCALE_TARGET_USAGE_WINDOW: must be at most 168h0m0s (a week), got 169h0m0s")

	c = validConfig(t)
	c.Step, c.HistoryWindow = time.Hour, 720*time.Hour // the lead window's steps allow a 30d lag
	c.TargetsFile = filepath.Join(t.TempDir(), "targets.yml")
	require.NoError(t, os.WriteFile(c.TargetsFile, []byte("targets:\n  - {name: web, query: up, scale_up_cooldown: 7d}\n"+
		"  - {name: db, query: up, scale_down_cooldown: 1000d, lag: 30d}\n"), 0o600))
	require.NoError(t, c.Validate())
	_, err = c.Targets()
	require.EqualError(t, err, `PRESCALE_TARGETS_FILE: targets[1] ("db").lag: must be at most 168h0m0s (a week), got 720h0m0s: `+spanHint+"\n"+
		`PRESCALE_TARGETS_FILE: targets[1] ("db").scale_down_cooldown: must be at most 168h0m0s (a week), got 24000h0m0s: `+spanHint)
}

// TestInheritedSpanNamesItsVariable: an entry's span taken from its
// PRESCALE_TARGET_* variable (the entry does not set it) is refused
// naming the variable too: the error named only a field the file does
// not have.
func TestInheritedSpanNamesItsVariable(t *testing.T) {
	c := validConfig(t)
	c.ScaleDownCooldown = 200 * time.Hour
	c.TargetsFile = filepath.Join(t.TempDir(), "targets.yml")
	require.NoError(t, os.WriteFile(c.TargetsFile, []byte("targets:\n  - {name: web, query: up}\n"+
		"  - {name: db, query: up, scale_down_cooldown: 1h}\n"), 0o600))
	require.NoError(t, c.Validate())
	_, err := c.Targets()
	require.EqualError(t, err, `PRESCALE_TARGETS_FILE: targets[0] ("web").scale_down_cooldown (or PRESCALE_TARGET_SCALE_DOWN_COOLDOWN, `+
		`its default): must be at most 168h0m0s (a week), got 200h0m0s: `+spanHint)
}
