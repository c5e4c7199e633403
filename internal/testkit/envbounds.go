package testkit

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/internal/clihelp"
)

// EnvKinds maps each variable of the envconfig struct type typ under
// prefix (prefix_TAG, as clihelp.Vars names it, embedded structs
// included) to how its values are written, for BoundCases: "int",
// "float" or "duration" ("" for any other).
func EnvKinds(prefix string, typ reflect.Type) map[string]string {
	kinds := map[string]string{}
	for f := range typ.Fields() {
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			for k, v := range EnvKinds(prefix, f.Type) {
				kinds[k] = v
			}
			continue
		}
		name := prefix + "_" + f.Tag.Get("envconfig")
		kinds[name] = ""
		switch {
		case f.Type == reflect.TypeFor[time.Duration]():
			kinds[name] = "duration"
		case f.Type.Kind() == reflect.Int || f.Type.Kind() == reflect.Int64:
			kinds[name] = "int"
		case f.Type.Kind() == reflect.Float64:
			kinds[name] = "float"
		}
	}
	return kinds
}

// CheckHelpBounds checks that each bound a variable's help states (vars,
// as clihelp.Vars lists them: what -h and docs/configuration.md's tables say) is the
// one the configuration enforces: a subtest per case BoundCases reads,
// with the variable set to the case's value, where load (the
// configuration read and validated, after any setting of its own) must
// fail naming the variable ("NAME:") exactly when the value is outside.
// It returns how many cases it checked.
func CheckHelpBounds(t *testing.T, vars []clihelp.Var, kinds map[string]string, load func(t *testing.T, name string) error) int {
	t.Helper()
	checked := 0
	for _, v := range vars {
		for _, bc := range BoundCases(kinds[v.Name], v.Desc) {
			checked++
			t.Run(v.Name+"="+bc.Value, func(t *testing.T) {
				t.Setenv(v.Name, bc.Value)
				err := load(t, v.Name)
				named := err != nil && strings.Contains(err.Error(), v.Name+":")
				require.Equal(t, !bc.OK, named, "%s=%s (help: %q): %v", v.Name, bc.Value, v.Desc, err)
			})
		}
	}
	return checked
}
