package exporter

import (
	"reflect"
	"testing"

	"github.com/kelseyhightower/envconfig"
	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/internal/clihelp"
	"github.com/prescale/prescale/internal/testkit"
)

// TestHelpBoundsAreEnforced: each bound a variable's help states
// (prescale-exporter -h, docs/configuration.md's table: PRESCALE_APP_PROBE_TIMEOUT in
// (0s, 1m]) is the one Validate enforces, as the controller's test checks
// for its variables.
func TestHelpBoundsAreEnforced(t *testing.T) {
	kinds := testkit.EnvKinds(EnvPrefix, reflect.TypeFor[Config]())
	checked := testkit.CheckHelpBounds(t, clihelp.Vars(EnvPrefix, Config{}), kinds, func(*testing.T, string) error {
		var c Config
		if err := envconfig.Process(EnvPrefix, &c); err != nil {
			return err
		}
		return c.Validate()
	})
	require.GreaterOrEqual(t, checked, 3, "the help's bounds are not read")
}
