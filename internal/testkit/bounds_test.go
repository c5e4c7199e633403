package testkit

import (
	"reflect"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestBoundCases(t *testing.T) {
	require.Equal(t, []BoundCase{{"0", false}, {"1", true}, {"1.5", false}}, BoundCases("float", "in (0,1]"))
	require.Equal(t, []BoundCase{{"1e-9", true}, {"5e-10", false}}, BoundCases("float", "at least 1e-9"))
	require.Equal(t, []BoundCase{{"1", true}, {"-1", false}, {"256", true}, {"257", false}}, BoundCases("int", "in [1, 256] (0: 8)"))
	require.Equal(t, []BoundCase{{"168h0m0s", true}, {"168h0m1s", false}}, BoundCases("duration", "at most 168h0m0s"))
	require.Equal(t, []BoundCase{{"1s", true}, {"500ms", false}}, BoundCases("duration", "at least 1s"))
	require.Empty(t, BoundCases("duration", "at most 20160 steps"))
}

// TestEnvKinds: every variable gets a kind, an embedded struct's too, as
// clihelp.Vars lists them.
func TestEnvKinds(t *testing.T) {
	type inner struct {
		Ratio float64 `envconfig:"RATIO"`
	}
	type spec struct {
		inner
		Every time.Duration `envconfig:"EVERY"`
		Count int           `envconfig:"COUNT"`
		Big   int64         `envconfig:"BIG"`
		Name  string        `envconfig:"NAME"`
	}
	require.Equal(t, map[string]string{"P_RATIO": "float", "P_EVERY": "duration", "P_COUNT": "int", "P_BIG": "int", "P_NAME": ""},
		EnvKinds("P", reflect.TypeFor[spec]()))
}
