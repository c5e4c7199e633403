package dashboards

import (
	"bytes"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/prescale/prescale/controller"
	"github.com/prescale/prescale/controller/actuator"
	"github.com/prescale/prescale/controller/policy"
	"github.com/prescale/prescale/internal/testkit"
)

// dashboard is the part of a Grafana dashboard the tests look at.
type dashboard struct {
	UID        string  `json:"uid"`
	Title      string  `json:"title"`
	Panels     []panel `json:"panels"`
	Templating struct {
		List []variable `json:"list"`
	} `json:"templating"`
}

type panel struct {
	ID         int             `json:"id"`
	Type       string          `json:"type"`
	Title      string          `json:"title"`
	Datasource *datasourceRef  `json:"datasource"`
	Targets    []panelTarget   `json:"targets"`
	Panels     []panel         `json:"panels"` // a collapsed row's panels
	GridPos    json.RawMessage `json:"gridPos"`
}

type panelTarget struct {
	RefID      string         `json:"refId"`
	Expr       string         `json:"expr"`
	Datasource *datasourceRef `json:"datasource"`
}

type datasourceRef struct {
	Type string `json:"type"`
	UID  string `json:"uid"`
}

type variable struct {
	Name       string          `json:"name"`
	Type       string          `json:"type"`
	Query      json.RawMessage `json:"query"`
	Datasource *datasourceRef  `json:"datasource"`
}

// datasourceVar is the template variable every panel must take its
// datasource from, so the dashboards work with any Prometheus datasource.
const datasourceVar = "${datasource}"

type file struct {
	name string
	raw  []byte
	dash dashboard
}

func loadDashboards(t *testing.T) []file {
	t.Helper()
	paths, err := filepath.Glob("*.json")
	require.NoError(t, err)
	require.NotEmpty(t, paths, "no dashboards in dashboards/")
	var files []file
	for _, p := range paths {
		raw, err := os.ReadFile(p)
		require.NoError(t, err)
		var d dashboard
		require.NoError(t, json.Unmarshal(raw, &d), "%s: not valid JSON", p)
		files = append(files, file{name: p, raw: raw, dash: d})
	}
	return files
}

// allPanels flattens rows: panels of collapsed rows are nested.
func allPanels(ps []panel) []panel {
	var out []panel
	for _, p := range ps {
		out = append(out, p)
		out = append(out, allPanels(p.Panels)...)
	}
	return out
}

// TestFormatting requires every dashboard to be indented with two spaces
// and end in a newline, as json.Indent writes it, so diffs stay reviewable.
func TestFormatting(t *testing.T) {
	for _, f := range loadDashboards(t) {
		t.Run(f.name, func(t *testing.T) {
			var compact, want bytes.Buffer
			require.NoError(t, json.Compact(&compact, f.raw))
			require.NoError(t, json.Indent(&want, compact.Bytes(), "", "  "))
			want.WriteByte('\n')
			require.Equal(t, want.String(), string(f.raw), "%s is not formatted as json.Indent(..., \"\", \"  \") plus a newline", f.name)
		})
	}
}

func TestUniqueUIDsAndTitles(t *testing.T) {
	uids := map[string]string{}
	titles := map[string]string{}
	for _, f := range loadDashboards(t) {
		require.NotEmpty(t, f.dash.UID, "%s: empty uid", f.name)
		require.LessOrEqual(t, len(f.dash.UID), 40, "%s: Grafana uids are at most 40 characters", f.name)
		require.NotEmpty(t, f.dash.Title, "%s: empty title", f.name)
		require.NotContains(t, uids, f.dash.UID, "%s: uid %q already used by %s", f.name, f.dash.UID, uids[f.dash.UID])
		require.NotContains(t, titles, f.dash.Title, "%s: title %q already used by %s", f.name, f.dash.Title, titles[f.dash.Title])
		uids[f.dash.UID] = f.name
		titles[f.dash.Title] = f.name
	}
}

func TestPanels(t *testing.T) {
	for _, f := range loadDashboards(t) {
		t.Run(f.name, func(t *testing.T) {
			var hasDSVar bool
			for _, v := range f.dash.Templating.List {
				if v.Name == "datasource" {
					require.Equal(t, "datasource", v.Type, "variable datasource")
					require.JSONEq(t, `"prometheus"`, string(v.Query), "variable datasource must list Prometheus datasources")
					hasDSVar = true
					continue
				}
				if v.Datasource != nil {
					require.Equal(t, datasourceVar, v.Datasource.UID, "variable %s", v.Name)
				}
			}
			require.True(t, hasDSVar, "no datasource template variable")

			ids := map[int]string{}
			titles := map[string]bool{}
			for _, p := range allPanels(f.dash.Panels) {
				require.NotZero(t, p.ID, "panel %q has no id", p.Title)
				require.NotContains(t, ids, p.ID, "panel id %d used by %q and %q", p.ID, ids[p.ID], p.Title)
				ids[p.ID] = p.Title
				require.NotEmpty(t, p.Title, "panel %d has no title", p.ID)
				require.NotEmpty(t, p.GridPos, "panel %q has no gridPos", p.Title)
				if p.Type == "row" {
					continue
				}
				require.False(t, titles[p.Title], "two panels titled %q", p.Title)
				titles[p.Title] = true
				require.NotNil(t, p.Datasource, "panel %q has no datasource", p.Title)
				require.Equal(t, datasourceVar, p.Datasource.UID, "panel %q", p.Title)
				require.NotEmpty(t, p.Targets, "panel %q has no queries", p.Title)
				for _, tg := range p.Targets {
					require.NotEmpty(t, tg.Expr, "panel %q query %s has no expr", p.Title, tg.RefID)
					if tg.Datasource != nil {
						require.Equal(t, datasourceVar, tg.Datasource.UID, "panel %q query %s", p.Title, tg.RefID)
					}
				}
			}
		})
	}
}

// grafanaIntervalVar matches Grafana's interval variables, which only
// appear where PromQL wants a duration (toPromQL); labelValuesQuery a
// query variable's label_values(selector, label), its selector the
// first group.
var (
	grafanaIntervalVar = regexp.MustCompile(`\$__(rate_interval|interval|range)\b`)
	labelValuesQuery   = regexp.MustCompile(`^label_values\((.*),\s*[a-zA-Z_][a-zA-Z0-9_]*\)$`)
)

// toPromQL makes a dashboard expression parseable: Grafana's interval
// variables become a duration, and textbox variables (whose value is
// PromQL, such as a target's demand query) their default value.
func toPromQL(expr string, textVars map[string]string) string {
	names := slices.Collect(maps.Keys(textVars))
	// Longest first, so $demand_x is not replaced as $demand.
	slices.SortFunc(names, func(a, b string) int { return len(b) - len(a) })
	for _, n := range names {
		expr = strings.ReplaceAll(expr, "${"+n+"}", textVars[n])
		expr = strings.ReplaceAll(expr, "$"+n, textVars[n])
	}
	return grafanaIntervalVar.ReplaceAllString(expr, "5m")
}

// textVariables returns the default values of a dashboard's textbox
// variables.
func textVariables(t *testing.T, d dashboard) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, v := range d.Templating.List {
		if v.Type != "textbox" {
			continue
		}
		var q string
		require.NoError(t, json.Unmarshal(v.Query, &q), "variable %s: query must be a string", v.Name)
		out[v.Name] = q
	}
	return out
}

// metricNames returns every metric name a PromQL expression selects.
func metricNames(t *testing.T, expr string, textVars map[string]string) []string {
	t.Helper()
	e, err := parser.NewParser(parser.Options{}).ParseExpr(toPromQL(expr, textVars))
	require.NoError(t, err, "expression %q", expr)
	var names []string
	parser.Inspect(e, func(n parser.Node, _ []parser.Node) error {
		vs, ok := n.(*parser.VectorSelector)
		if !ok {
			return nil
		}
		name := vs.Name
		for _, m := range vs.LabelMatchers {
			if m.Name == model.MetricNameLabel && m.Type == labels.MatchEqual {
				name = m.Value
			}
		}
		require.NotEmpty(t, name, "expression %q selects series without an exact metric name", expr)
		names = append(names, name)
		return nil
	})
	return names
}

// expressions returns every PromQL expression of a dashboard, keyed by
// where it is, including the selectors of label_values() variables.
func expressions(t *testing.T, d dashboard) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, p := range allPanels(d.Panels) {
		for _, tg := range p.Targets {
			out["panel "+p.Title+" query "+tg.RefID] = tg.Expr
		}
	}
	for _, v := range d.Templating.List {
		if v.Type != "query" {
			continue
		}
		var q struct {
			Query string `json:"query"`
		}
		if err := json.Unmarshal(v.Query, &q); err != nil {
			require.NoError(t, json.Unmarshal(v.Query, &q.Query), "variable %s: query is neither an object nor a string", v.Name)
		}
		m := labelValuesQuery.FindStringSubmatch(q.Query)
		require.NotNil(t, m, "variable %s: only label_values(selector, label) queries are supported, got %q", v.Name, q.Query)
		out["variable "+v.Name] = m[1]
	}
	return out
}

func TestExpressionsParseAndUseKnownMetrics(t *testing.T) {
	known := knownMetrics(t)
	for _, f := range loadDashboards(t) {
		textVars := textVariables(t, f.dash)
		for where, expr := range expressions(t, f.dash) {
			t.Run(f.name+"/"+where, func(t *testing.T) {
				for _, name := range metricNames(t, expr, textVars) {
					require.Contains(t, known, name, "%s: metric %q in %q is not exposed by the exporter or the controller, recorded by deploy/rules, or written by Prometheus", where, name, expr)
				}
			})
		}
	}
}

// TestMetricNamesHelper pins the helpers above on literal expressions.
func TestMetricNamesHelper(t *testing.T) {
	for _, tc := range []struct {
		name, expr string
		want       []string
	}{
		{"plain", `up`, []string{"up"}},
		{"grafana interval", `rate(prescale_cpu_seconds_total{instance=~"$instance"}[$__rate_interval])`, []string{"prescale_cpu_seconds_total"}},
		{"binary", `a / on (x) b{y="$v"}`, []string{"a", "b"}},
		{"name matcher", `{__name__="c", job="j"}`, []string{"c"}},
		{"recording rule", `sum(instance:x:rate5m) or vector(0)`, []string{"instance:x:rate5m"}},
		{"textbox variable", `$demand`, []string{"d"}},
		{"textbox variable braces", `${demand} / ${demand_max}`, []string{"d", "e"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := metricNames(t, tc.expr, map[string]string{"demand": "sum(d)", "demand_max": "max(e)"})
			slices.Sort(got)
			require.Equal(t, tc.want, got)
		})
	}
}

// prometheusSeries are the series Prometheus writes itself.
var prometheusSeries = []string{"up", "scrape_duration_seconds", "scrape_samples_scraped", "ALERTS", "ALERTS_FOR_STATE"}

// knownMetrics is every metric name a dashboard may select.
func knownMetrics(t *testing.T) map[string]bool {
	t.Helper()
	known := map[string]bool{}
	for _, n := range prometheusSeries {
		known[n] = true
	}
	for _, n := range recordedNames(t) {
		known[n] = true
	}
	for _, n := range exporterNames(t) {
		known[n] = true
	}
	for _, n := range controllerNames(t) {
		known[n] = true
	}
	return known
}

// recordedNames returns the record names of deploy/rules' rule files (the
// *_test.yml files are promtool tests, not rules).
func recordedNames(t *testing.T) []string {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("..", "deploy", "rules", "*.yml"))
	require.NoError(t, err)
	var names []string
	for _, p := range paths {
		if strings.HasSuffix(p, "_test.yml") {
			continue
		}
		raw := testkit.ReadFile(t, p)
		var rf struct {
			Groups []struct {
				Rules []struct {
					Record string `yaml:"record"`
				} `yaml:"rules"`
			} `yaml:"groups"`
		}
		require.NoError(t, yaml.Unmarshal(raw, &rf), p)
		for _, g := range rf.Groups {
			for _, r := range g.Rules {
				if r.Record != "" {
					names = append(names, r.Record)
				}
			}
		}
	}
	require.NotEmpty(t, names, "no recording rules found in deploy/rules")
	return names
}

// exporterGolden is the exporter's golden exposition (every collector,
// application probe included), written by the exporter's tests.
var exporterGolden = filepath.Join("..", "exporter", "testdata", "host.golden")

// labelSets maps a series name to the label names its series carry.
type labelSets map[string]map[string]bool

// add records a metric family's series names (histograms and summaries
// also give their _bucket/_sum/_count series) and label names. typ is
// client_model's MetricType name (COUNTER, GAUGE, HISTOGRAM, ...).
func (ls labelSets) add(name, typ string, labelNames []string) {
	set := map[string]bool{}
	for _, l := range labelNames {
		set[l] = true
	}
	names := []string{name}
	switch typ {
	case "HISTOGRAM", "GAUGE_HISTOGRAM":
		names = append(names, name+"_sum", name+"_count")
		bucket := maps.Clone(set)
		bucket["le"] = true
		ls[name+"_bucket"] = bucket
	case "SUMMARY":
		names = append(names, name+"_sum", name+"_count")
		set["quantile"] = true
	}
	for _, n := range names {
		ls[n] = set
	}
}

// addFamily records a gathered or parsed family and the label names of
// its series.
func (ls labelSets) addFamily(mf *dto.MetricFamily) {
	var names []string
	for _, m := range mf.GetMetric() {
		for _, lp := range m.GetLabel() {
			names = append(names, lp.GetName())
		}
	}
	ls.add(mf.GetName(), mf.GetType().String(), names)
}

// exporterLabels reads the exporter's golden output.
func exporterLabels(t *testing.T) labelSets {
	t.Helper()
	f, err := os.Open(exporterGolden)
	require.NoError(t, err, "the exporter's golden exposition")
	t.Cleanup(func() { _ = f.Close() })
	tp := expfmt.NewTextParser(model.UTF8Validation)
	families, err := tp.TextToMetricFamilies(f)
	require.NoError(t, err, exporterGolden)
	ls := labelSets{}
	for _, mf := range families {
		ls.addFamily(mf)
	}
	require.NotEmpty(t, ls, "%s has no metrics", exporterGolden)
	return ls
}

// controllerLabels gathers the metrics the controller registers, for one
// target (the per-target series exist once a target is configured).
func controllerLabels(t *testing.T) labelSets {
	t.Helper()
	reg := prometheus.NewRegistry()
	rec := &describingRegisterer{Registerer: reg}
	m := controller.NewMetrics(rec, []policy.Target{{Name: "web", Tier: "frontend", Kind: policy.Kind("instances"), CurrentQuery: "replicas"}})
	m.SetInfo("act", "none")
	// prescale_actuation_pending and the receivers' metrics, their series
	// made by a receiver (the delivery histogram's _bucket, _sum, _count).
	_, err := actuator.NewExec([]string{"true"}, 0, actuator.NewMetrics(rec))
	require.NoError(t, err)
	mfs, err := reg.Gather()
	require.NoError(t, err)
	ls := labelSets{}
	// Gauges the controller sets only once a value exists (the forecast,
	// prescale_model_error) have no series yet: take them from their
	// descriptors.
	for name, labelNames := range rec.described {
		ls.add(name, "GAUGE", labelNames)
	}
	for _, mf := range mfs {
		ls.addFamily(mf)
	}
	require.NotEmpty(t, ls, "the controller registers no metrics")
	return ls
}

// describingRegisterer records the name and variable labels of every
// metric registered through it.
type describingRegisterer struct {
	prometheus.Registerer
	described map[string][]string
}

// descRE picks the name and variable labels out of prometheus.Desc.String().
var descRE = regexp.MustCompile(`fqName: "([^"]+)".*variableLabels: \{([^}]*)\}`)

func (r *describingRegisterer) Register(c prometheus.Collector) error {
	if r.described == nil {
		r.described = map[string][]string{}
	}
	ch := make(chan *prometheus.Desc, 16)
	go func() { c.Describe(ch); close(ch) }()
	for d := range ch {
		if m := descRE.FindStringSubmatch(d.String()); m != nil {
			var names []string
			for _, l := range strings.Split(m[2], ",") {
				if l = strings.TrimSpace(l); l != "" {
					names = append(names, l)
				}
			}
			r.described[m[1]] = names
		}
	}
	return r.Registerer.Register(c)
}

func (r *describingRegisterer) MustRegister(cs ...prometheus.Collector) {
	for _, c := range cs {
		if err := r.Register(c); err != nil {
			panic(err)
		}
	}
}

func exporterNames(t *testing.T) []string   { return slices.Collect(maps.Keys(exporterLabels(t))) }
func controllerNames(t *testing.T) []string { return slices.Collect(maps.Keys(controllerLabels(t))) }

// targetLabels are the labels Prometheus attaches to every scraped series.
var targetLabels = []string{"job", "instance"}

// selectors returns the vector selectors of an expression.
func selectors(t *testing.T, expr string, textVars map[string]string) []*parser.VectorSelector {
	t.Helper()
	e, err := parser.NewParser(parser.Options{}).ParseExpr(toPromQL(expr, textVars))
	require.NoError(t, err, "expression %q", expr)
	var out []*parser.VectorSelector
	parser.Inspect(e, func(n parser.Node, _ []parser.Node) error {
		if vs, ok := n.(*parser.VectorSelector); ok {
			out = append(out, vs)
		}
		return nil
	})
	return out
}

// TestSelectorLabelsExist requires every label matcher on an exporter or
// controller metric, in the dashboards and the rules, to name a label the
// metric has (or a target label), so a filter never silently matches
// nothing.
func TestSelectorLabelsExist(t *testing.T) {
	sets := exporterLabels(t)
	maps.Copy(sets, controllerLabels(t))
	check := func(t *testing.T, expr string, textVars map[string]string) {
		for _, vs := range selectors(t, expr, textVars) {
			has, ok := sets[vs.Name]
			if !ok {
				continue // recording rules and Prometheus's own series
			}
			for _, m := range vs.LabelMatchers {
				if m.Name == model.MetricNameLabel || slices.Contains(targetLabels, m.Name) {
					continue
				}
				require.True(t, has[m.Name], "%q filters %s on label %q, which it does not have", expr, vs.Name, m.Name)
			}
		}
	}
	// Aggregations by labels directly over one known metric
	// (sum by (target) (rate(m[5m]))) must group by labels it has.
	checkGrouping := func(t *testing.T, expr string, textVars map[string]string) {
		e, err := parser.NewParser(parser.Options{}).ParseExpr(toPromQL(expr, textVars))
		require.NoError(t, err)
		parser.Inspect(e, func(n parser.Node, _ []parser.Node) error {
			agg, ok := n.(*parser.AggregateExpr)
			if !ok || agg.Without {
				return nil
			}
			var inner []*parser.VectorSelector
			parser.Inspect(agg.Expr, func(n parser.Node, _ []parser.Node) error {
				switch n := n.(type) {
				case *parser.VectorSelector:
					inner = append(inner, n)
				case *parser.AggregateExpr, *parser.BinaryExpr, *parser.Call:
					// These may change the label set (label_replace, a nested
					// aggregation, vector matching): not checked.
					if c, ok := n.(*parser.Call); !ok || strings.HasPrefix(c.Func.Name, "label_") {
						inner = append(inner, nil)
					}
				}
				return nil
			})
			if len(inner) != 1 || inner[0] == nil {
				return nil
			}
			has, ok := sets[inner[0].Name]
			if !ok {
				return nil
			}
			for _, g := range agg.Grouping {
				require.True(t, has[g] || slices.Contains(targetLabels, g), "%q groups %s by %q, which it does not have", expr, inner[0].Name, g)
			}
			return nil
		})
	}
	for _, f := range loadDashboards(t) {
		textVars := textVariables(t, f.dash)
		for where, expr := range expressions(t, f.dash) {
			t.Run(f.name+"/"+where, func(t *testing.T) {
				check(t, expr, textVars)
				checkGrouping(t, expr, textVars)
			})
		}
	}
	for name, expr := range ruleExpressions(t) {
		t.Run(name, func(t *testing.T) {
			check(t, expr, nil)
			checkGrouping(t, expr, nil)
		})
	}
}

// ruleExpressions returns the expressions of deploy/rules' rule files by
// file and rule name.
func ruleExpressions(t *testing.T) map[string]string {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("..", "deploy", "rules", "*.yml"))
	require.NoError(t, err)
	out := map[string]string{}
	for _, p := range paths {
		if strings.HasSuffix(p, "_test.yml") {
			continue
		}
		var rf struct {
			Groups []struct {
				Rules []struct {
					Alert  string `yaml:"alert"`
					Record string `yaml:"record"`
					Expr   string `yaml:"expr"`
				} `yaml:"rules"`
			} `yaml:"groups"`
		}
		require.NoError(t, yaml.Unmarshal(testkit.ReadFile(t, p), &rf), p)
		for _, g := range rf.Groups {
			for _, r := range g.Rules {
				out[filepath.Base(p)+"/"+r.Alert+r.Record] = r.Expr
			}
		}
	}
	require.NotEmpty(t, out, "no rules in deploy/rules")
	return out
}

// TestRuleExpressionsUseKnownMetrics holds deploy/rules to the same
// standard as the dashboards: every selector names a metric that exists.
func TestRuleExpressionsUseKnownMetrics(t *testing.T) {
	known := knownMetrics(t)
	for name, expr := range ruleExpressions(t) {
		t.Run(name, func(t *testing.T) {
			for _, m := range metricNames(t, expr, nil) {
				require.Contains(t, known, m, "rule %s selects %q, which nothing exposes or records", name, m)
			}
		})
	}
}

// TestLayout requires every panel to fit Grafana's 24-column grid and no
// two panels to overlap (Grafana would silently move them).
func TestLayout(t *testing.T) {
	type rect struct{ X, Y, W, H int }
	for _, f := range loadDashboards(t) {
		t.Run(f.name, func(t *testing.T) {
			var placed []rect
			var titles []string
			for _, p := range allPanels(f.dash.Panels) {
				var r rect
				require.NoError(t, json.Unmarshal(p.GridPos, &r), "panel %q gridPos", p.Title)
				require.Positive(t, r.W, "panel %q width", p.Title)
				require.Positive(t, r.H, "panel %q height", p.Title)
				require.GreaterOrEqual(t, r.X, 0, "panel %q x", p.Title)
				require.LessOrEqual(t, r.X+r.W, 24, "panel %q is wider than the grid", p.Title)
				for i, q := range placed {
					overlap := r.X < q.X+q.W && q.X < r.X+r.W && r.Y < q.Y+q.H && q.Y < r.Y+r.H
					require.False(t, overlap, "panels %q and %q overlap", p.Title, titles[i])
				}
				placed = append(placed, r)
				titles = append(titles, p.Title)
			}
		})
	}
}
