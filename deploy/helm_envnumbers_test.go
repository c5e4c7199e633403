package deploy

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/config"
	"github.com/prescale/prescale/internal/clihelp"
)

// envNumberDefs is the $defs rule of each type of the controller's
// variables that values.schema.json checks by form.
var envNumberDefs = map[reflect.Type]string{
	reflect.TypeFor[int]():                "#/$defs/wholeNumber",
	reflect.TypeFor[float64]():            "#/$defs/number",
	reflect.TypeFor[time.Duration]():      "#/$defs/duration",
	reflect.TypeFor[config.UsageWindow](): "#/$defs/usageWindow",
}

// TestHelmSchemaEnvNumbers: every whole-number, number and duration
// variable of the controller that controller.env may set is checked by
// form at install. They took any string, so a capacity "abc", a lag 5
// without its unit or max units "1e3" rendered and the pod exited 2 at
// every start (CrashLoopBackOff).
func TestHelmSchemaEnvNumbers(t *testing.T) {
	var s struct {
		Defs map[string]struct {
			Pattern    string                     `json:"pattern"`
			Properties map[string]json.RawMessage `json:"properties"`
			AnyOf      []struct {
				Ref     string `json:"$ref"`
				Pattern string `json:"pattern"`
			} `json:"anyOf"`
		} `json:"$defs"`
	}
	schema, err := os.ReadFile(filepath.Join(chartDir, "values.schema.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(schema, &s))
	checked := 0
	for f := range reflect.TypeFor[config.Config]().Fields() {
		def, ok := envNumberDefs[f.Type]
		name := config.EnvPrefix + "_" + f.Tag.Get("envconfig")
		if !ok || name == "PRESCALE_SHARD_COUNT" { // set by the chart (controllerEnvByChart)
			continue
		}
		var rule struct {
			Ref string `json:"$ref"`
		}
		raw, listed := s.Defs["controllerEnv"].Properties[name]
		require.True(t, listed, "values.schema.json controllerEnv: no rule for %s (%s)", name, f.Type)
		require.NoError(t, json.Unmarshal(raw, &rule), name)
		require.Equal(t, def, rule.Ref, "%s (%s)", name, f.Type)
		checked++
	}
	require.GreaterOrEqual(t, checked, 30, "the controller's variables are not read")
	// A rule's pattern; an anyOf's (usageWindow: a duration or lag) is
	// its branches' patterns, one matching being enough.
	pattern := func(def string) string {
		d := s.Defs[strings.TrimPrefix(def, "#/$defs/")]
		if len(d.AnyOf) == 0 {
			return d.Pattern
		}
		var alts []string
		for _, b := range d.AnyOf {
			p := b.Pattern
			if b.Ref != "" {
				p = s.Defs[strings.TrimPrefix(b.Ref, "#/$defs/")].Pattern
			}
			require.NotEmpty(t, p, "%s: a branch without a pattern", def)
			alts = append(alts, "(?:"+p+")")
		}
		return strings.Join(alts, "|")
	}
	for typ, def := range envNumberDefs {
		requirePatternTakesWhatTheControllerTakes(t, typ, pattern(def))
	}
}

// requirePatternTakesWhatTheControllerTakes reads every string of up to
// three bytes of an alphabet of numbers, units and words, and some longer
// ones, as the controller reads a variable of type typ (clihelp.ProcessEnv
// into a field of that type): the pattern matches each one it takes
// (install refuses nothing the controller takes), and none of the
// misspellings the schema is for (which the controller refuses too).
func requirePatternTakesWhatTheControllerTakes(t *testing.T, typ reflect.Type, pattern string) {
	t.Helper()
	require.NotEmpty(t, pattern, typ)
	re := regexp.MustCompile(pattern)
	spec := reflect.New(reflect.StructOf([]reflect.StructField{{Name: "V", Type: typ, Tag: `envconfig:"V"`}}))
	t.Setenv("PRESCALE_V", "")
	takes := func(v string) bool {
		require.NoError(t, os.Setenv("PRESCALE_V", v))
		return clihelp.ProcessEnv("PRESCALE", spec.Interface()) == nil
	}
	const alphabet = "019.eE+-_xpsmhdwlagin \t"
	values := []string{"", "1000000", "-12", "+0", "1e-9", "0x1p-2", "0x_1P+2", "1_000.5", "Infinity", "-inf", "NaN", "1.5e+3",
		"1h30m", "1.5h", "1d12h", "1y2w3d4h5m6s7ms", "1.5d", "-5m", "500us", "3µs", "3μs", " lag", "lag\v", "\u00a0lag\u3000"}
	var gen func(prefix string, n int)
	gen = func(prefix string, n int) {
		values = append(values, prefix)
		if n > 0 {
			for _, c := range alphabet {
				gen(prefix+string(c), n-1)
			}
		}
	}
	gen("", 3)
	taken := 0
	for _, v := range values {
		if takes(v) {
			taken++
			require.True(t, re.MatchString(v), "%s %q: the controller takes it, the schema's pattern %q refuses it", typ, v, pattern)
		}
	}
	require.Greater(t, taken, 40, typ)
	for _, v := range []string{"abc", "50rps", "1e3", "010", "5", "300", "5 m", "1,5", "lago", "ten", "0x10"} {
		if !takes(v) {
			require.False(t, re.MatchString(v), "%s %q: the controller refuses it, the schema's pattern takes it", typ, v)
		}
	}
}

// TestHelmTemplateRefusesMisspeltNumbers: helm template and helm lint
// refuse a number, whole number or duration the controller cannot read,
// naming its path and the value; each form the controller takes renders,
// and the rendered configuration is accepted.
func TestHelmTemplateRefusesMisspeltNumbers(t *testing.T) {
	helm := lookHelm(t)
	for _, tc := range []struct{ set, msg string }{
		{"controller.env.PRESCALE_TARGET_CAPACITY_PER_UNIT=abc", "'abc' does not match pattern"},
		{"controller.env.PRESCALE_TARGET_UTILIZATION=70%", "'70%' does not match pattern"},
		{"controller.env.PRESCALE_TARGET_PROVISIONING_LAG=5", "maximum: got 5, want 0"}, // a YAML number
		{"controller.env.PRESCALE_SCALING_INTERVAL=30", "maximum: got 30, want 0"},
		{"controller.env.PRESCALE_TARGET_MAX_UNITS=ten", "'ten' does not match pattern"},
		{"controller.env.PRESCALE_TARGET_MAX_UNITS=2.5", "'2.5' does not match pattern"},
		{"controller.env.PRESCALE_TARGET_USAGE_WINDOW=lago", "'anyOf' failed"},
		{"controller.env.PRESCALE_TARGET_MIN_UNITS=true", "got boolean, want integer or string"},
	} {
		_, stderr, err := helmTemplate(t, helm, "--set", tc.set)
		require.Error(t, err, tc.set)
		path, _, _ := strings.Cut(tc.set, "=")
		require.Contains(t, stderr, "at '/"+strings.ReplaceAll(path, ".", "/")+"': "+tc.msg, tc.set)
	}
	// The usage window's anyOf names what each of its branches refused.
	_, stderr, err := helmTemplate(t, helm, "--set", "controller.env.PRESCALE_TARGET_USAGE_WINDOW=lago")
	require.Error(t, err)
	for _, branch := range []string{`'^$|^[+-]?0$|^[+-]?(([0-9]`, `'^[\\t-\\r\\x{85}\\p{Z}]*lag[`} {
		require.Contains(t, stderr, "  - at '/controller/env/PRESCALE_TARGET_USAGE_WINDOW': 'lago' does not match pattern "+branch, "a duration, or lag")
	}
	for _, set := range []string{"controller.env.PRESCALE_TARGET_PROVISIONING_LAG=300", "controller.env.PRESCALE_TARGET_MAX_UNITS=010"} {
		_, stderr, err := helmTemplate(t, helm, "--set-string", set)
		require.Error(t, err, set)
		require.Contains(t, stderr, "does not match pattern", set)
	}
	out, err := exec.CommandContext(t.Context(), helm, "lint", "--strict", chartDir, "--set", "controller.env.PRESCALE_TARGET_CAPACITY_PER_UNIT=abc").CombinedOutput()
	require.Error(t, err, "helm lint passed:\n%s", out)
	require.Contains(t, string(out), "at '/controller/env/PRESCALE_TARGET_CAPACITY_PER_UNIT': 'abc' does not match pattern")

	values := filepath.Join(t.TempDir(), "values.yaml")
	require.NoError(t, os.WriteFile(values, []byte(`controller:
  env:
    PRESCALE_TARGET_CAPACITY_PER_UNIT: "1e-3"
    PRESCALE_TARGET_UTILIZATION: .5
    PRESCALE_TARGET_TOLERANCE: "0x1p-4"
    PRESCALE_CONFIDENCE_THRESHOLD: 1
    PRESCALE_TARGET_MIN_UNITS: "+0"
    PRESCALE_TARGET_MAX_UNITS: 1000000
    PRESCALE_QUERY_CONCURRENCY: "16"
    PRESCALE_TARGET_PROVISIONING_LAG: 1.5m
    PRESCALE_HISTORY_WINDOW: 1w
    PRESCALE_RETENTION: 30d
    PRESCALE_TARGET_SCALE_UP_COOLDOWN: 0
    PRESCALE_TARGET_SCALE_DOWN_COOLDOWN: 1h30m
    PRESCALE_TARGET_USAGE_WINDOW: " lag"
`), 0o644))
	objs := mustTemplate(t, helm, "-f", values)
	data, _ := get(t, objs["ConfigMap"][0].raw, "data").(map[string]any)
	require.Equal(t, "1w", data["PRESCALE_HISTORY_WINDOW"])
	cfg := requireControllerAccepts(t, data, objs["StatefulSet"][0])
	require.Equal(t, 90*time.Second, cfg.Lag)
	require.Equal(t, config.UsageWindowLag, cfg.UsageWindow)
}

// noTargetQuery is what the schema says of a controller without a demand
// query.
const noTargetQuery = "value must be 'a PromQL demand query; or set controller.targets, or give it in controller.extraEnv'"

// TestHelmSchemaNeedsTheTargetQuery: without controller.targets the
// controller's one target needs PRESCALE_TARGET_QUERY; an empty one (which
// the ConfigMap leaves out) or white space alone rendered, and the pod
// exited 2 at every start. Where something else gives the query (an
// extraEnv entry, which may come from a Secret, or the targets file), or
// no controller runs, the schema takes it.
func TestHelmSchemaNeedsTheTargetQuery(t *testing.T) {
	for _, q := range []string{"", " \t"} {
		setPrescaleEnv(t, map[string]string{"PRESCALE_TARGET_QUERY": q, "PRESCALE_DATA_DIR": t.TempDir()})
		var cfg config.Config
		require.NoError(t, clihelp.ProcessEnv(config.EnvPrefix, &cfg))
		require.ErrorContains(t, cfg.Validate(), "PRESCALE_TARGET_QUERY", "the controller refuses %q", q)
	}
	helm := lookHelm(t)
	for _, tc := range []struct{ args []string }{
		{[]string{"--set", "controller.env.PRESCALE_TARGET_QUERY="}},
		{[]string{"--set-string", "controller.env.PRESCALE_TARGET_QUERY=  "}},
		{[]string{"--set", "controller.env.PRESCALE_TARGET_QUERY=,controller.extraEnv[0].name=OTHER,controller.extraEnv[0].value=up"}},
	} {
		_, stderr, err := helmTemplate(t, helm, tc.args...)
		require.Error(t, err, tc.args)
		require.Contains(t, stderr, "at '/controller/env/PRESCALE_TARGET_QUERY': "+noTargetQuery, tc.args)
	}
	_, stderr, err := helmTemplate(t, helm, "--set", "controller.env.PRESCALE_TARGET_QUERY=null")
	require.Error(t, err)
	require.Contains(t, stderr, "at '/controller/env': missing property 'PRESCALE_TARGET_QUERY'")
	for _, set := range []string{
		"controller.env.PRESCALE_TARGET_QUERY=,controller.extraEnv[0].name=PRESCALE_TARGET_QUERY,controller.extraEnv[0].value=up",
		"controller.env.PRESCALE_TARGET_QUERY=,controller.enabled=false",
		"controller.env.PRESCALE_TARGET_QUERY=,controller.targets[0].name=web,controller.targets[0].query=up",
	} {
		_, stderr, err := helmTemplate(t, helm, "--set", set)
		require.NoError(t, err, "%s:\n%s", set, stderr)
	}
	objs := mustTemplate(t, helm, "--set", "controller.env.PRESCALE_TARGET_QUERY=,controller.extraEnv[0].name=PRESCALE_TARGET_QUERY,controller.extraEnv[0].value=up")
	data, _ := get(t, objs["ConfigMap"][0].raw, "data").(map[string]any)
	requireControllerAccepts(t, data, objs["StatefulSet"][0])
}
