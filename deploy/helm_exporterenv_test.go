package deploy

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/exporter"
	"github.com/prescale/prescale/internal/clihelp"
	"github.com/prescale/prescale/internal/testkit"
)

// exporterEnvRules is the $defs rule values.schema.json's exporterEnv
// gives each variable of the exporter that exporter.env may set, and
// which strings the exporter refuses that the rule may take, as its
// description says (nil: none; the misspellings of exporterEnvMisspellings
// never). Every number of the values file is checked exactly.
var exporterEnvRules = map[string]struct {
	def    string
	looser func(v string) bool
}{
	"PRESCALE_EXPORTER_LOG_LEVEL":     {"#/$defs/logLevel", nil},
	"PRESCALE_APP_PORT":               {"#/$defs/appPort", nil},
	"PRESCALE_APP_MAX_CONNECTIONS":    {"#/$defs/count", nil},
	"PRESCALE_EXPORTER_MAX_IN_FLIGHT": {"#/$defs/count", nil},
	"PRESCALE_APP_PROCESS":            {"#/$defs/appProcess", nil},
	// A duration of the wrong range (0s, 2m): (0s, 1m] is checked at start.
	"PRESCALE_APP_PROBE_TIMEOUT": {"#/$defs/probeTimeout", func(v string) bool {
		_, err := clihelp.ParseDuration(v)
		return err == nil
	}},
	// What url.Parse refuses (a bad %-escape or IP literal in the host).
	"PRESCALE_APP_URL": {"#/$defs/appURL", func(v string) bool {
		_, err := url.Parse(v)
		return err != nil
	}},
}

// exporterEnvUnchecked are the exporter's variables exporter.env has no
// rule for: the listen address is the chart's (exporterEnvByChart), and
// the regexps' syntax (Go's RE2) is no JSON Schema's (values.schema.json's
// $comment in exporterEnv says why).
var exporterEnvUnchecked = []string{
	"PRESCALE_EXPORTER_LISTEN",
	"PRESCALE_EXPORTER_FS_MOUNT_POINTS_EXCLUDE",
	"PRESCALE_EXPORTER_FS_TYPES_EXCLUDE",
	"PRESCALE_EXPORTER_DISK_DEVICES_EXCLUDE",
}

// exporterEnvMisspellings are values of the variables whose rule is not
// exact that the exporter refuses and the schema must refuse too.
var exporterEnvMisspellings = map[string][]string{
	"PRESCALE_APP_PROBE_TIMEOUT": {"5", "300", "0", "-1s", "-0s", "abc", "1,5s", "5 s", "2sec", "1e3s"},
	"PRESCALE_APP_URL": {"localhost:8080/healthz", "127.0.0.1:8080", "ftp://h/", "http//h/", "http:/h/", "//h/x",
		"http://", "http:///healthz", "http://u@/x", " http://h/", "http://h/#top", "http://h/x?to=a@b", "http://h/\x01",
		"http://h h/", "http://h:port/", "http://h:80:80/", "http://u p@h/", "http://h\t/", "http://h:0/", "http://h:65536/", "http://:99999"},
}

// exporterStricter says where the schema may refuse what the exporter
// takes, as its description says: a string of more than 15 digits for a
// count.
func exporterStricter(def, v string) bool {
	return def == "#/$defs/count" && len(strings.TrimLeft(v, "+-")) > 15
}

// TestHelmSchemaExporterEnv: each variable of the exporter that
// exporter.env may set has its rule (or is listed as unchecked), and each
// rule, run by helm itself on ~10,000 strings and on numbers of the values
// file, takes what the exporter takes (clihelp.ProcessEnv and Validate, as
// prescale-exporter reads them) and refuses what it refuses. They took
// any string: a port "8080x", a timeout 5 or a URL without its scheme
// rendered, and the exporter exited 2 on every node (CrashLoopBackOff).
func TestHelmSchemaExporterEnv(t *testing.T) {
	s := readEnvSchema(t)
	for f := range reflect.TypeFor[exporter.Config]().Fields() {
		name := exporter.EnvPrefix + "_" + f.Tag.Get("envconfig")
		rule, checked := exporterEnvRules[name]
		raw, listed := s.Defs["exporterEnv"].Properties[name]
		if !checked {
			require.Contains(t, exporterEnvUnchecked, name, "a new variable of the exporter: add its rule to values.schema.json exporterEnv and exporterEnvRules")
			require.False(t, listed, "%s: listed in exporterEnv, not in exporterEnvRules", name)
			continue
		}
		require.True(t, listed, "values.schema.json exporterEnv: no rule for %s", name)
		var ref struct {
			Ref string `json:"$ref"`
		}
		require.NoError(t, json.Unmarshal(raw, &ref), name)
		require.Equal(t, rule.def, ref.Ref, name)
	}
	values := map[string][]any{}
	for name := range exporterEnvRules {
		for _, v := range append(exporterEnvStrings(), exporterEnvMisspellings[name]...) {
			values[name] = append(values[name], v)
		}
		values[name] = append(values[name], exporterEnvNumbers...)
	}
	helm := lookHelm(t)
	refused := helmSchemaRefuses(t, helm, values)
	takes := exporterTakes(t, helm)
	for name, rule := range exporterEnvRules {
		var taken, refusedBoth, stricter, looser int
		for i, v := range values[name] {
			ok, byHelm := takes(name, v), !refused[name][i]
			switch s, isString := v.(string); {
			case ok && !byHelm && !exporterStricter(rule.def, fmt.Sprint(v)):
				t.Errorf("%s=%#v: the exporter takes it, helm refuses it", name, v)
			case !ok && byHelm && (rule.looser == nil || !isString || !rule.looser(s) || containsString(exporterEnvMisspellings[name], s)):
				t.Errorf("%s=%#v: the exporter refuses it, helm takes it", name, v)
			case ok && byHelm:
				taken++
			case ok:
				stricter++
			case byHelm:
				looser++
			default:
				refusedBoth++
			}
		}
		require.GreaterOrEqual(t, taken, 4, name)
		require.Greater(t, refusedBoth, 100, name)
		t.Logf("%s (%s): %d values, %d taken by both, %d refused by both, %d only by the schema (stricter), %d only by the exporter (at start)",
			name, rule.def, len(values[name]), taken, refusedBoth, stricter, looser)
	}
}

// exporterEnvStrings are every string of up to three runes of an
// alphabet of digits, signs, units, URL and white-space characters, and
// some longer ones.
func exporterEnvStrings() []string {
	const alphabet = "019+-_.xesmhd/:@# \t\u00a0"
	values := []string{"65535", "65536", "99999", "100000", "0065535", "-0", "+65535", "999999999999999", "1000000000000000",
		"9223372036854775807", "9223372036854775808", "1_000", "0x10", "010", "1e3",
		"2s", "1m", "1m0s", "59.5s", "1.5s", "500ms", "0.5m", "+2s", "1m1s", "2m", "1h", "0s", "30s500ms", "3µs", "1d",
		"debug", "INFO", "warn+2", "error-4", "verbose",
		"nginx", "/run/app.pid", "my app", " nginx", "nginx\n", "nginx\u00a0", "\u3000nginx", "\u0085x", "x\u2028",
		"http://127.0.0.1:8080/healthz", "https://app.example:8443/ready?x=1", "HTTP://h", "http://h", "http://:80/",
		"http://[::1]:8080/", "http://[::1]:65535/", "http://h:080/", "http://h:/", "http://:/", "http://u:p@h:80/x", "http://u@h", "http://h:80:80/", "http://h:port/", "http://h h/",
		"http://h/a b", "https://h/x?y=z"}
	var gen func(prefix string, n int)
	gen = func(prefix string, n int) {
		values = append(values, prefix)
		if n > 0 {
			for _, c := range alphabet {
				gen(prefix+string(c), n-1)
			}
		}
	}
	n := len(values)
	gen("", 3)
	for _, scheme := range []string{"http://", "https://", "Http://"} {
		for i := n; i < len(values); i += 5 {
			values = append(values, scheme+values[i])
		}
	}
	return values
}

// exporterEnvNumbers are numbers and booleans of a values file.
var exporterEnvNumbers = []any{0, 1, 64, 65535, 65536, -1, 2.5, -0.5, 1e6, 999999999999999, 1e15, 1e20, true, false}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// helmSchemaRefuses runs helm template once on a copy of the chart whose
// schema has, besides the chart's rules, a list of values of each
// variable under schemaProbe.<variable>, checked item by item by the
// variable's own rule from exporterEnv (its $ref resolves in the same
// schema), and returns the indices of the values helm refuses.
func helmSchemaRefuses(t *testing.T, helm string, values map[string][]any) map[string]map[int]bool {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "prescale")
	require.NoError(t, os.CopyFS(dir, os.DirFS(chartDir)))
	var schema map[string]any
	schemaPath := filepath.Join(dir, "values.schema.json")
	require.NoError(t, json.Unmarshal(testkit.ReadFile(t, schemaPath), &schema))
	rules, _ := schema["$defs"].(map[string]any)["exporterEnv"].(map[string]any)["properties"].(map[string]any)
	probe := map[string]any{}
	for name := range values {
		require.Contains(t, rules, name)
		probe[name] = map[string]any{"type": "array", "items": rules[name]}
	}
	schema["properties"].(map[string]any)["schemaProbe"] = map[string]any{"type": "object", "properties": probe}
	require.NoError(t, os.WriteFile(schemaPath, asciiJSON(t, schema), 0o644))
	valuesPath := filepath.Join(t.TempDir(), "probe.json")
	require.NoError(t, os.WriteFile(valuesPath, asciiJSON(t, map[string]any{"schemaProbe": values}), 0o644))

	cmd := exec.CommandContext(t.Context(), helm, "template", "prescale", dir, "--namespace", "prescale", "-f", valuesPath)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	err := cmd.Run()
	refused := map[string]map[int]bool{}
	for _, m := range regexp.MustCompile(`at '/schemaProbe/([A-Z_]+)/([0-9]+)'`).FindAllStringSubmatch(stderr.String(), -1) {
		i, _ := strconv.Atoi(m[2])
		if refused[m[1]] == nil {
			refused[m[1]] = map[int]bool{}
		}
		refused[m[1]][i] = true
	}
	if err != nil {
		require.NotEmpty(t, refused, "helm template failed on something else:\n%.2000s", stderr.String())
		rest := regexp.MustCompile(`at '/schemaProbe[/A-Z_0-9]*'`).ReplaceAllString(stderr.String(), "")
		require.NotContains(t, rest, "at '/", "helm refused a value outside schemaProbe:\n%.2000s", stderr.String())
	}
	return refused
}

// asciiJSON is v as JSON with every rune beyond ASCII escaped: Helm reads
// values as YAML 1.1, where a raw U+0085 (NEL) or U+2028 breaks a line.
func asciiJSON(t *testing.T, v any) []byte {
	t.Helper()
	raw, err := json.Marshal(v)
	require.NoError(t, err)
	var b strings.Builder
	for _, r := range string(raw) {
		if r < 0x80 {
			b.WriteRune(r)
		} else {
			require.Less(t, r, rune(0x10000))
			fmt.Fprintf(&b, "\\u%04x", r)
		}
	}
	return []byte(b.String())
}

// exporterTakes returns whether the exporter takes a value of a variable
// of exporter.env: a string as the DaemonSet passes it (an empty one not
// at all), a number as the chart renders it (helm template without the
// schema), read as prescale-exporter reads its environment.
func exporterTakes(t *testing.T, helm string) func(name string, v any) bool {
	t.Helper()
	rendered := map[string]map[string]string{}
	for _, n := range exporterEnvNumbers {
		env := map[string]any{}
		for name := range exporterEnvRules {
			env[name] = n
		}
		values := filepath.Join(t.TempDir(), "values.json")
		require.NoError(t, os.WriteFile(values, asciiJSON(t, map[string]any{"exporter": map[string]any{"env": env}}), 0o644))
		objs := mustTemplate(t, helm, "--skip-schema-validation", "-f", values)
		rendered[fmt.Sprintf("%T %v", n, n)] = workloadEnv(t, nil, objs["DaemonSet"][0])
	}
	blank := map[string]string{}
	for name := range exporterEnvRules {
		blank[name] = ""
	}
	setPrescaleEnv(t, blank) // restored after the test
	for name := range blank {
		require.NoError(t, os.Unsetenv(name))
	}
	return func(name string, v any) bool {
		s, isString := v.(string)
		if !isString {
			var ok bool
			s, ok = rendered[fmt.Sprintf("%T %v", v, v)][name]
			require.True(t, ok, "%s=%v is not rendered", name, v)
		}
		require.NoError(t, os.Unsetenv(name))
		if s != "" {
			require.NoError(t, os.Setenv(name, s))
		}
		defer func() { require.NoError(t, os.Unsetenv(name)) }()
		var cfg exporter.Config
		return clihelp.ProcessEnv(exporter.EnvPrefix, &cfg) == nil && cfg.Validate() == nil
	}
}

// TestHelmTemplateRefusesMisspeltExporterEnv: helm template and helm lint
// refuse a value of exporter.env the exporter cannot read, naming its
// path (a URL by the rule, not by its value, which may hold a password);
// each form the exporter takes renders, and the DaemonSet's configuration
// is accepted.
func TestHelmTemplateRefusesMisspeltExporterEnv(t *testing.T) {
	helm := lookHelm(t)
	for _, tc := range []struct{ set, msg string }{
		{"exporter.env.PRESCALE_APP_PORT=70000", "maximum: got 70,000, want 65,535"},
		{"exporter.env.PRESCALE_APP_PORT=8080x", "'8080x' does not match pattern"},
		{"exporter.env.PRESCALE_APP_MAX_CONNECTIONS=-1", "minimum: got -1, want 0"},
		{"exporter.env.PRESCALE_EXPORTER_MAX_IN_FLIGHT=ten", "'ten' does not match pattern"},
		{"exporter.env.PRESCALE_APP_PROBE_TIMEOUT=5", "got number, want string"},
		{"exporter.env.PRESCALE_APP_PROBE_TIMEOUT=-1s", "'-1s' does not match pattern"},
		{"exporter.env.PRESCALE_APP_URL=localhost:8080/healthz", "value must be 'an http or https URL with a host"},
		{"exporter.env.PRESCALE_APP_URL=http://u:secret@/healthz", "value must be 'an http or https URL with a host"},
	} {
		_, stderr, err := helmTemplate(t, helm, "--set", tc.set)
		require.Error(t, err, tc.set)
		path, _, _ := strings.Cut(tc.set, "=")
		require.Contains(t, stderr, "at '/"+strings.ReplaceAll(path, ".", "/")+"': "+tc.msg, tc.set)
		require.NotContains(t, stderr, "secret", tc.set)
	}
	_, stderr, err := helmTemplate(t, helm, "--set-string", "exporter.env.PRESCALE_APP_PROCESS=nginx ")
	require.Error(t, err)
	require.Contains(t, stderr, "at '/exporter/env/PRESCALE_APP_PROCESS': 'nginx ' does not match pattern")
	out, err := exec.CommandContext(t.Context(), helm, "lint", "--strict", chartDir, "--set", "exporter.env.PRESCALE_APP_PORT=70000").CombinedOutput()
	require.Error(t, err, "helm lint passed:\n%s", out)
	require.Contains(t, string(out), "at '/exporter/env/PRESCALE_APP_PORT': maximum: got 70,000, want 65,535")

	values := filepath.Join(t.TempDir(), "values.yaml")
	require.NoError(t, os.WriteFile(values, []byte(`exporter:
  env:
    PRESCALE_APP_URL: HTTPS://user:pass@app.example:8443/ready?probe=1
    PRESCALE_APP_PROBE_TIMEOUT: 1.5s
    PRESCALE_APP_PORT: 65535
    PRESCALE_APP_MAX_CONNECTIONS: "+1000"
    PRESCALE_APP_PROCESS: /run/app/app.pid
    PRESCALE_EXPORTER_MAX_IN_FLIGHT: 0
`), 0o644))
	objs := mustTemplate(t, helm, "-f", values)
	env := workloadEnv(t, nil, objs["DaemonSet"][0])
	require.Equal(t, "65535", env["PRESCALE_APP_PORT"])
	require.Equal(t, "0", env["PRESCALE_EXPORTER_MAX_IN_FLIGHT"])
	requireExporterAccepts(t, objs["DaemonSet"][0])
}
