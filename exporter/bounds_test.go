package exporter

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

// TestHelpBoundsAreEnforced: each bound a variable's help states
// (prescale-exporter -h, README.md's table: PRESCALE_APP_PROBE_TIMEOUT in
// (0s, 1m]) is the one Validate enforces, as the controller's test checks
// for its variables.
func TestHelpBoundsAreEnforced(t *testing.T) {
	kinds := map[string]string{}
	for f := range reflect.TypeFor[Config]().Fields() {
		switch {
		case f.Type == reflect.TypeFor[time.Duration]():
			kinds[EnvPrefix+"_"+f.Tag.Get("envconfig")] = "duration"
		case f.Type.Kind() == reflect.Int:
			kinds[EnvPrefix+"_"+f.Tag.Get("envconfig")] = "int"
		}
	}
	checked := 0
	for _, v := range clihelp.Vars(EnvPrefix, Config{}) {
		for _, bc := range testkit.BoundCases(kinds[v.Name], v.Desc) {
			checked++
			t.Run(v.Name+"="+bc.Value, func(t *testing.T) {
				t.Setenv(v.Name, bc.Value)
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
	require.GreaterOrEqual(t, checked, 3, "the help's bounds are not read")
}
