package config

import (
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kelseyhightower/envconfig"
	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/internal/clihelp"
)

// boundCase is one value a variable's help puts inside or outside its range.
type boundCase struct {
	value string
	ok    bool
}

var (
	intervalRE = regexp.MustCompile(`([\[(])\s*([^,\s\[\]()]+)\s*,\s*([^,\s\[\]()]+)\s*([\])])`)
	boundRE    = regexp.MustCompile(`at (least|most) ([0-9][0-9a-z.+-]*)`)
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

// step moves a bound written s just outside it: below (dir -1) or above.
// It reports false when s is not a value of the kind (the "at most 20160"
// steps of a duration).
func step(kind, s string, dir int) (string, bool) {
	switch kind {
	case "int":
		v, err := strconv.Atoi(s)
		return strconv.Itoa(v + dir), err == nil
	case "float":
		v, err := strconv.ParseFloat(s, 64)
		d := abs(v) / 2 // half the bound's size away, 1e-3 from 0
		if d == 0 {
			d = 1e-3
		}
		return strconv.FormatFloat(v+float64(dir)*d, 'g', -1, 64), err == nil
	case "duration":
		v, err := time.ParseDuration(s)
		if dir < 0 {
			return (v / 2).String(), err == nil
		}
		return (v + time.Second).String(), err == nil
	}
	return "", false
}

func abs(v float64) float64 { return max(v, -v) }

// valid reports whether s is a value of the kind.
func valid(kind, s string) bool {
	_, ok := step(kind, s, 1)
	return ok
}

// boundCases reads the bounds a variable's help states: an interval
// [a, b], (a, b], ... (a closed end is a value taken, the value just past
// it is refused; an open end is refused), "at least a", "at most b".
func boundCases(kind, desc string) []boundCase {
	var out []boundCase
	add := func(s string, closed bool, dir int) {
		if !valid(kind, s) {
			return
		}
		out = append(out, boundCase{s, closed})
		if closed {
			beyond, _ := step(kind, s, dir)
			if beyond == "0" && strings.Contains(desc, "(0: ") {
				beyond, _ = step(kind, "-1", 0) // 0 is the default's spelling
			}
			out = append(out, boundCase{beyond, false})
		}
	}
	for _, m := range intervalRE.FindAllStringSubmatch(desc, -1) {
		add(m[2], m[1] == "[", -1)
		add(m[3], m[4] == "]", 1)
	}
	for _, m := range boundRE.FindAllStringSubmatch(desc, -1) {
		if m[1] == "least" {
			add(m[2], true, -1)
		} else {
			add(m[2], true, 1)
		}
	}
	return out
}

// TestHelpBoundsAreEnforced: each bound a variable's help states (what
// -h and README.md's table say) is the one Validate enforces: a value on
// a closed end is taken, one just outside it or on an open end exits 2
// naming the variable.
func TestHelpBoundsAreEnforced(t *testing.T) {
	checked := 0
	for _, v := range clihelp.Vars(EnvPrefix, Config{}) {
		kind := kindOf(t, v.Name)
		for _, bc := range boundCases(kind, v.Desc) {
			checked++
			t.Run(v.Name+"="+bc.value, func(t *testing.T) {
				t.Setenv("PRESCALE_TARGET_QUERY", "sum(rate(requests_total[5m]))")
				t.Setenv(v.Name, bc.value)
				if v.Name == "PRESCALE_TARGET_CAPACITY_PER_UNIT" {
					t.Setenv("PRESCALE_TARGET_UTILIZATION", "1") // the product's own bound aside
				}
				var c Config
				err := envconfig.Process(EnvPrefix, &c)
				if err == nil {
					err = c.Validate()
				}
				named := err != nil && strings.Contains(err.Error(), v.Name+":")
				require.Equal(t, !bc.ok, named, "%s=%s (help: %q): %v", v.Name, bc.value, v.Desc, err)
			})
		}
	}
	require.GreaterOrEqual(t, checked, 20, "the help's bounds are not read")
}

func TestBoundCases(t *testing.T) {
	require.Equal(t, []boundCase{{"0", false}, {"1", true}, {"1.5", false}}, boundCases("float", "in (0,1]"))
	require.Equal(t, []boundCase{{"1", true}, {"-1", false}, {"256", true}, {"257", false}}, boundCases("int", "in [1, 256] (0: 8)"))
	require.Equal(t, []boundCase{{"168h0m0s", true}, {"168h0m1s", false}}, boundCases("duration", "at most 168h0m0s"))
	require.Empty(t, boundCases("duration", "at most 20160 steps"))
}
