package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller"
	"github.com/prescale/prescale/controller/config"
	"github.com/prescale/prescale/controller/policy"
	"github.com/prescale/prescale/exporter"
	"github.com/prescale/prescale/internal/clihelp"
	"github.com/prescale/prescale/internal/envcheck"
	"github.com/prescale/prescale/internal/testkit"
	"github.com/prescale/prescale/predictor/anomaly"
	"github.com/prescale/prescale/predictor/forecast"
)

// envVars lists the PRESCALE_* variables envconfig reads into cfg.
func envVars(t *testing.T, cfg any) []string {
	t.Helper()
	var out []string
	typ := reflect.TypeOf(cfg)
	for i := range typ.NumField() {
		if tag := typ.Field(i).Tag.Get("envconfig"); tag != "" {
			out = append(out, "PRESCALE_"+tag)
		}
	}
	require.NotEmpty(t, out, "%T has no envconfig fields", cfg)
	return out
}

// nameCollector records the names of the metrics registered through it.
type nameCollector struct {
	prometheus.Registerer
	names []string
}

var fqNameRE = regexp.MustCompile(`fqName: "([^"]+)"`)

func (n *nameCollector) Register(c prometheus.Collector) error {
	ch := make(chan *prometheus.Desc, 16)
	go func() { c.Describe(ch); close(ch) }()
	for d := range ch {
		if m := fqNameRE.FindStringSubmatch(d.String()); m != nil {
			n.names = append(n.names, m[1])
		}
	}
	return n.Registerer.Register(c)
}

func (n *nameCollector) MustRegister(cs ...prometheus.Collector) {
	for _, c := range cs {
		if err := n.Register(c); err != nil {
			panic(err)
		}
	}
}

// TestREADMEDocumentsConfigAndMetrics keeps the configuration and metrics
// tables in step with the code: every environment variable of the
// exporter and the controller must be named in docs/configuration.md,
// every metric the controller registers and every prescale_ metric family
// of the exporter's golden exposition in docs/metrics.md.
func TestREADMEDocumentsConfigAndMetrics(t *testing.T) {
	conf, err := os.ReadFile("../../docs/configuration.md")
	require.NoError(t, err)
	for _, v := range append(envVars(t, exporter.Config{}), envVars(t, config.Config{})...) {
		require.True(t, strings.Contains(string(conf), "`"+v+"`"), "docs/configuration.md does not document %s", v) //nolint:testifylint // Contains would print the whole page
	}

	metrics, err := os.ReadFile("../../docs/metrics.md")
	require.NoError(t, err)
	doc := string(metrics)

	rec := &nameCollector{Registerer: prometheus.NewRegistry()}
	controller.NewMetrics(rec, []policy.Target{{Name: "web", Tier: "frontend", Kind: policy.KindInstances}})
	require.NotEmpty(t, rec.names)
	for _, name := range rec.names {
		require.True(t, strings.Contains(doc, "`"+name+"`"), "docs/metrics.md does not document the controller metric %s", name) //nolint:testifylint // as above
	}

	mfs := goldenFamilies(t)
	for name := range mfs {
		if !strings.HasPrefix(name, "prescale_") {
			continue
		}
		// load1/5/15 are documented together in one row.
		if strings.HasPrefix(name, "prescale_load") && !strings.Contains(doc, "`"+name+"`") {
			require.True(t, strings.Contains(doc, "`prescale_load1`, `prescale_load5`, `prescale_load15`"), "docs/metrics.md does not document the load averages") //nolint:testifylint // as above
			continue
		}
		require.True(t, strings.Contains(doc, "`"+name+"`"), "docs/metrics.md does not document the exporter metric %s", name) //nolint:testifylint // as above
	}
}

// TestEnvNamespaces: the exporter's settings all live under
// PRESCALE_EXPORTER_ or PRESCALE_APP_ and the controller's never do, which
// is what lets each binary warn about unknown variables in its own
// namespace without importing the other's configuration (envcheck scopes).
func TestEnvNamespaces(t *testing.T) {
	for _, v := range envVars(t, exporter.Config{}) {
		require.True(t, envcheck.ExporterScope(v), "exporter variable %s outside the exporter's namespaces", v)
	}
	for _, v := range envVars(t, config.Config{}) {
		require.True(t, envcheck.ControllerScope(v), "controller variable %s inside the exporter's namespaces", v)
	}
}

// readmeDefaultRE is a configuration table row: | `NAME` | default | meaning |.
var readmeDefaultRE = regexp.MustCompile(`(?m)^\| ` + "`" + `(PRESCALE_[A-Z0-9_]+)` + "`" + ` \| ((?:[^|\\]|\\.)*) \|`)

// TestREADMEDefaultsMatchTheCode compares the default column of
// docs/configuration.md's tables with the defaults the programs apply
// (envconfig's default tags): `(empty)` or an italic note alone means none.
func TestREADMEDefaultsMatchTheCode(t *testing.T) {
	readme, err := os.ReadFile("../../docs/configuration.md")
	require.NoError(t, err)
	want := map[string]string{}
	for _, v := range append(clihelp.Vars(exporter.EnvPrefix, exporter.Config{}), clihelp.Vars(config.EnvPrefix, config.Config{})...) {
		want[v.Name] = v.Default
	}
	rows := readmeDefaultRE.FindAllStringSubmatch(string(readme), -1)
	seen := map[string]bool{}
	for _, r := range rows {
		name, cell := r[1], strings.TrimSpace(r[2])
		def, ok := want[name]
		if !ok {
			continue
		}
		seen[name] = true
		got := ""
		if m := regexp.MustCompile("`([^`]*)`").FindStringSubmatch(cell); m != nil && m[1] != "(empty)" {
			got = strings.ReplaceAll(m[1], `\|`, "|")
		}
		require.Equal(t, def, got, "docs/configuration.md's default of %s (cell %q)", name, cell)
	}
	for name := range want {
		require.True(t, seen[name], "docs/configuration.md has no table row for %s", name)
	}
}

// TestREADMENamesEveryModelAndDetector: docs/commands.md lists the
// forecasting models prescale forecast --model accepts, and
// docs/configuration.md the anomaly detectors.
func TestREADMENamesEveryModelAndDetector(t *testing.T) {
	commands, err := os.ReadFile("../../docs/commands.md")
	require.NoError(t, err)
	doc := string(commands)
	for _, m := range forecast.BatchModelNames() {
		require.True(t, strings.Contains(doc, "`"+m+"`"), "docs/commands.md does not name the model %s", m) //nolint:testifylint // Contains would print the whole page
	}
	conf, err := os.ReadFile("../../docs/configuration.md")
	require.NoError(t, err)
	require.True(t, strings.Contains(string(conf), "streaming anomaly detector ("+strings.Join(anomaly.DetectorNames(), ", ")+")"), //nolint:testifylint // as above
		"docs/configuration.md's PRESCALE_ANOMALY_DETECTOR row does not list the detectors %v", anomaly.DetectorNames())
}

// TestDocsNameRealVariables is the other direction: every PRESCALE_*
// name the README and docs/*.md give is a setting of the exporter or the
// controller, a prefix of them (PRESCALE_TARGET_*), or a name the code
// itself uses (the exec actuator's variables, the test servers' binaries),
// so a renamed or removed variable cannot stay documented.
func TestDocsNameRealVariables(t *testing.T) {
	known := map[string]bool{}
	settings := append(envVars(t, exporter.Config{}), envVars(t, config.Config{})...)
	for _, v := range settings {
		known[v] = true
	}
	literal := regexp.MustCompile(`"(PRESCALE_[A-Z0-9_]*[A-Z0-9])[="]`)
	root := testkit.ModuleRoot(t)
	require.NoError(t, filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() && path != root && strings.HasPrefix(d.Name(), ".") {
			return filepath.SkipDir // .git, .cache (built tools)
		}
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") {
			return err
		}
		src, err := os.ReadFile(path)
		for _, m := range literal.FindAllSubmatch(src, -1) {
			known[string(m[1])] = true
		}
		return err
	}))
	docs, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	require.NoError(t, err)
	name := regexp.MustCompile(`PRESCALE_[A-Z0-9_]+`)
	for _, doc := range append(docs, filepath.Join(root, "README.md")) {
		b, err := os.ReadFile(doc)
		require.NoError(t, err)
		for _, v := range name.FindAllString(string(b), -1) {
			prefix := strings.HasSuffix(v, "_") && slices.ContainsFunc(settings, func(s string) bool { return strings.HasPrefix(s, v) })
			require.True(t, known[v] || prefix, "%s names %s, which is no setting and which no code reads", filepath.Base(doc), v)
		}
	}
}

// TestREADMEMapsTargetsFileFields: docs/configuration.md's targets-file table pairs
// every field of an entry with the variable its default comes from, found
// here by setting each variable alone and seeing which field of the
// target it moves. A user had to guess that lag is
// PRESCALE_TARGET_PROVISIONING_LAG and daily_budget
// PRESCALE_COST_BUDGET_DAILY.
func TestREADMEMapsTargetsFileFields(t *testing.T) {
	readme, err := os.ReadFile("../../docs/configuration.md")
	require.NoError(t, err)
	base := reflect.ValueOf((&config.Config{}).EnvTarget())
	ct := reflect.TypeFor[config.Config]()
	mapped := map[string]bool{}
	for i := range ct.NumField() {
		tag := ct.Field(i).Tag.Get("envconfig")
		var c config.Config
		f := reflect.ValueOf(&c).Elem().Field(i)
		switch f.Kind() {
		case reflect.String:
			f.SetString("sentinel")
		case reflect.Int, reflect.Int64: // durations too
			f.SetInt(12345)
		case reflect.Float64:
			f.SetFloat(0.123456)
		case reflect.Bool:
			f.SetBool(true)
		default:
			continue
		}
		got := reflect.ValueOf(c.EnvTarget())
		for j := range got.NumField() {
			if reflect.DeepEqual(got.Field(j).Interface(), base.Field(j).Interface()) {
				continue
			}
			field, _, _ := strings.Cut(got.Type().Field(j).Tag.Get("yaml"), ",")
			row := "| `" + field + "` | `PRESCALE_" + tag + "` |"
			require.True(t, strings.Contains(string(readme), row), "docs/configuration.md lacks the targets-file row %s", row) //nolint:testifylint // Contains would print the whole page
			mapped[field] = true
		}
	}
	rt := reflect.TypeFor[policy.Target]()
	for i := range rt.NumField() {
		if field, _, _ := strings.Cut(rt.Field(i).Tag.Get("yaml"), ","); field != "" && field != "-" {
			require.True(t, mapped[field], "no variable gives the default of the targets-file field %s", field)
		}
	}
}

// TestREADMEMeaningsCarryTheHelp: the meaning column of
// docs/configuration.md's controller table says what prescale-controller -h says of each variable
// (controller-reference: "prescale-controller -h prints the same table"):
// the row's meaning, code quotes aside, is the help's text, so a help
// text changed without its row (a new bound, a new rule) fails, and so
// does a row saying more than -h (PRESCALE_TARGET_CHANGE_COST's row said
// four times as much).
func TestREADMEMeaningsCarryTheHelp(t *testing.T) {
	readme, err := os.ReadFile("../../docs/configuration.md")
	require.NoError(t, err)
	cells := map[string]string{}
	for _, r := range readmeMeaningRE.FindAllStringSubmatch(string(readme), -1) {
		cells[r[1]] = strings.ReplaceAll(strings.ReplaceAll(r[2], "`", ""), `\|`, "|")
	}
	for _, v := range clihelp.Vars(config.EnvPrefix, config.Config{}) {
		cell, ok := cells[v.Name]
		require.True(t, ok, "docs/configuration.md has no table row for %s", v.Name)
		require.Equal(t, v.Desc, cell, "docs/configuration.md's meaning of %s is not what -h says (its desc tag)", v.Name)
	}
}

// readmeMeaningRE is a configuration table row's name and meaning.
var readmeMeaningRE = regexp.MustCompile(`(?m)^\| ` + "`" + `(PRESCALE_[A-Z0-9_]+)` + "`" + ` \| (?:[^|\\]|\\.)* \| (.*) \|$`)
