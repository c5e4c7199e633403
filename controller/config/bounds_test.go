package config

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/kelseyhightower/envconfig"
	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/internal/clihelp"
	"github.com/prescale/prescale/internal/testkit"
)

// kindOf is how a variable's values are written: "int", "float" or "duration".
func kindOf(t *testing.T, name string) string {
	t.Helper()
	for f := range reflect.TypeFor[Config]().Fields() {
		if EnvPrefix+"_"+f.Tag.Get("envconfig") != name {
			continue
		}
		switch {
		case f.Type == reflect.TypeFor[time.Duration]():
			return "duration"
		case f.Type.Kind() == reflect.Int || f.Type.Kind() == reflect.Int64:
			return "int"
		case f.Type.Kind() == reflect.Float64:
			return "float"
		}
		return ""
	}
	t.Fatalf("no field for %s", name)
	return ""
}

// TestHelpBoundsAreEnforced: each bound a variable's help states (what
// -h and README.md's table say) is the one Validate enforces: a value on
// a closed end is taken, one just outside it or on an open end exits 2
// naming the variable.
func TestHelpBoundsAreEnforced(t *testing.T) {
	checked := 0
	for _, v := range clihelp.Vars(EnvPrefix, Config{}) {
		for _, bc := range testkit.BoundCases(kindOf(t, v.Name), v.Desc) {
			checked++
			t.Run(v.Name+"="+bc.Value, func(t *testing.T) {
				t.Setenv("PRESCALE_TARGET_QUERY", "sum(rate(requests_total[5m]))")
				t.Setenv(v.Name, bc.Value)
				if v.Name == "PRESCALE_TARGET_CAPACITY_PER_UNIT" {
					t.Setenv("PRESCALE_TARGET_UTILIZATION", "1") // the product's own bound aside
				}
				var c Config
				err := envconfig.Process(EnvPrefix, &c)
				if err == nil {
					err = c.Validate()
				}
				named := err != nil && strings.Contains(err.Error(), v.Name+":")
				require.Equal(t, !bc.OK, named, "%s=%s (help: %q): %v", v.Name, bc.Value, v.Desc, err)
			})
		}
	}
	require.GreaterOrEqual(t, checked, 20, "the help's bounds are not read")
}
