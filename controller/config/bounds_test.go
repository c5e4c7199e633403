package config

import (
	"reflect"
	"testing"

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
