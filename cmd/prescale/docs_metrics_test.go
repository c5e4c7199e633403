package main

import (
	"bytes"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/cmd/prescale/internal/backfill"
	"github.com/prescale/prescale/controller"
	"github.com/prescale/prescale/controller/actuator"
	"github.com/prescale/prescale/controller/actuator/simulated"
	"github.com/prescale/prescale/controller/policy"
	"github.com/prescale/prescale/internal/buildinfo"
)

// metricRow is a row of docs/metrics.md's metric tables: | `name` | type | labels | meaning |.
type metricRow struct{ typ, labels, line string }

// readmeMetricRows reads every metric table row of docs/metrics.md, labels
// sorted, comma-separated, without backticks, and the row's whole line.
func readmeMetricRows(t *testing.T) map[string]metricRow {
	t.Helper()
	readme, err := os.ReadFile("../../docs/metrics.md")
	require.NoError(t, err)
	row := regexp.MustCompile("(?m)^\\| `(prescale_[a-z0-9_]+)`[^|]* \\| (counter|gauge|histogram|summary) \\|([^|]*)\\|.*")
	rows := map[string]metricRow{}
	for _, m := range row.FindAllStringSubmatch(string(readme), -1) {
		rows[m[1]] = metricRow{m[2], sortedLabels(strings.Split(strings.ReplaceAll(m[3], "`", ""), ",")), m[0]}
	}
	require.Greater(t, len(rows), 50, "docs/metrics.md's metric tables not read")
	return rows
}

// goldenFamilies parses the exporter's golden exposition.
func goldenFamilies(t *testing.T) map[string]*dto.MetricFamily {
	t.Helper()
	golden, err := os.ReadFile("../../exporter/testdata/host.golden")
	require.NoError(t, err)
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(bytes.NewReader(golden))
	require.NoError(t, err)
	require.NotEmpty(t, families)
	return families
}

func sortedLabels(names []string) string {
	var out []string
	for _, n := range names {
		if n = strings.TrimSpace(n); n != "" && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return strings.Join(out, ", ")
}

// describedLabels records the variable and constant labels and the help
// of every metric registered through it, from its descriptors (so also of
// a vector with no series yet).
type describedLabels struct {
	prometheus.Registerer
	labels map[string]string
	help   map[string]string
}

var descLabelsRE = regexp.MustCompile(`fqName: "([^"]+)", help: ("(?:[^"\\]|\\.)*"),.*constLabels: \{([^}]*)\}, variableLabels: \{([^}]*)\}`)

func (d *describedLabels) Register(c prometheus.Collector) error {
	ch := make(chan *prometheus.Desc, 16)
	go func() { c.Describe(ch); close(ch) }()
	for desc := range ch {
		m := descLabelsRE.FindStringSubmatch(desc.String())
		if m == nil {
			continue
		}
		if d.help != nil {
			help, err := strconv.Unquote(m[2])
			if err != nil {
				return err
			}
			d.help[m[1]] = help
		}
		var names []string
		for _, kv := range strings.Split(m[3], ",") {
			names = append(names, strings.Split(kv, "=")[0])
		}
		d.labels[m[1]] = sortedLabels(append(names, strings.Split(m[4], ",")...))
	}
	return d.Registerer.Register(c)
}

func (d *describedLabels) MustRegister(cs ...prometheus.Collector) {
	for _, c := range cs {
		if err := d.Register(c); err != nil {
			panic(err)
		}
	}
}

// TestREADMEMetricRowsTypeAndLabels: the type and labels columns of
// docs/metrics.md's metric tables are those of the metrics: every controller
// metric (its loop's, the actuators' and the simulated pool's) from its
// descriptor and, where it has series at start, its type; every exporter
// metric from the golden exposition. TestREADMEDocumentsConfigAndMetrics
// checks only that each name is there.
func TestREADMEMetricRowsTypeAndLabels(t *testing.T) {
	rows := readmeMetricRows(t)
	reg := prometheus.NewRegistry()
	rec := &describedLabels{Registerer: reg, labels: map[string]string{}}
	m := controller.NewMetrics(rec, []policy.Target{{Name: "web", Tier: "frontend", Kind: policy.KindInstances, CurrentQuery: "up"}})
	m.SetInfo("act", "simulated")
	actuator.NewMetrics(rec)
	simulated.NewPool(func() time.Time { return time.Unix(0, 0) }, rec)
	require.Greater(t, len(rec.labels), 30, "the controller's metrics not described")
	types := map[string]string{}
	mfs, err := reg.Gather()
	require.NoError(t, err)
	for _, mf := range mfs {
		types[mf.GetName()] = strings.ToLower(mf.GetType().String())
	}
	for name, labels := range rec.labels {
		row, ok := rows[name]
		require.True(t, ok, "docs/metrics.md has no metric row for %s", name)
		require.Equal(t, labels, row.labels, "docs/metrics.md's labels of %s", name)
		if typ, ok := types[name]; ok {
			require.Equal(t, typ, row.typ, "docs/metrics.md's type of %s", name)
		}
		require.Equal(t, strings.HasSuffix(name, "_total"), row.typ == "counter", "%s: a counter's name ends in _total, and only a counter's", name)
	}

	families := goldenFamilies(t)
	for name, mf := range families {
		row, ok := rows[name]
		if !ok {
			require.Contains(t, []string{"prescale_load5", "prescale_load15"}, name, "docs/metrics.md has no metric row for %s", name)
			continue // the load averages share prescale_load1's row
		}
		var names []string
		for _, s := range mf.GetMetric() {
			for _, l := range s.GetLabel() {
				names = append(names, l.GetName())
			}
		}
		require.Equal(t, strings.ToLower(mf.GetType().String()), row.typ, "docs/metrics.md's type of %s", name)
		require.Equal(t, sortedLabels(names), row.labels, "docs/metrics.md's labels of %s", name)
	}
}

// TestREADMEListsEveryDecisionLabel: the directions and reasons
// docs/metrics.md lists for prescale_decisions_total (pre-initialised),
// those docs/dashboards.md lists for the dashboard's decisions panel, and the reasons that panel's description lists, are
// the label values the controller gives it, in the order of policy.Reasons.
func TestREADMEListsEveryDecisionLabel(t *testing.T) {
	reg := prometheus.NewRegistry()
	controller.NewMetrics(reg, []policy.Target{{Name: "web", Tier: "frontend", Kind: policy.KindInstances}})
	mfs, err := reg.Gather()
	require.NoError(t, err)
	var directions, reasons []string
	for _, mf := range mfs {
		if mf.GetName() != "prescale_decisions_total" {
			continue
		}
		for _, s := range mf.GetMetric() {
			for _, l := range s.GetLabel() {
				switch l.GetName() {
				case "direction":
					directions = append(directions, l.GetValue())
				case "reason":
					reasons = append(reasons, l.GetValue())
				}
			}
		}
	}
	var want []string
	for _, r := range policy.Reasons() {
		want = append(want, string(r))
	}
	require.ElementsMatch(t, want, slices.Compact(slices.Sorted(slices.Values(reasons))), "prescale_decisions_total's reasons")
	readme, err := os.ReadFile("../../docs/metrics.md")
	require.NoError(t, err)
	doc := strings.Join(strings.Fields(string(readme)), " ")
	dashDoc, err := os.ReadFile("../../docs/dashboards.md")
	require.NoError(t, err)
	dirs := slices.Compact(slices.Sorted(slices.Values(directions)))
	require.Len(t, dirs, 3)
	require.Contains(t, doc, "every `direction` (`up`, `down`, `none`)")
	require.ElementsMatch(t, []string{"up", "down", "none"}, dirs)
	require.Contains(t, doc, "`reason` (`"+strings.Join(want, "`, `")+"`)", "docs/metrics.md's pre-initialised reasons")
	require.Contains(t, strings.Join(strings.Fields(string(dashDoc)), " "), "decisions per minute by reason ("+strings.Join(want, ", ")+")",
		"docs/dashboards.md's decisions panel")
	dash, err := os.ReadFile("../../dashboards/prescale.json")
	require.NoError(t, err)
	require.Contains(t, string(dash), "by reason, stacked (the rate over the interval, so the same at every zoom): "+strings.Join(want, ", ")+" (",
		"the dashboard's decisions panel's description")
}

// TestDocsNameRealMetrics: every prescale_* name README.md and the
// hand-written docs give is a metric of docs/metrics.md's tables (or one of a
// histogram's series), a build_info, the --backfill trace's series, or
// the metric part of a recording rule's name (level:metric:operations),
// so a renamed metric cannot stay in an example query or a paragraph.
func TestDocsNameRealMetrics(t *testing.T) {
	known := map[string]bool{backfill.Metric: true, "prescale_load5": true, "prescale_load15": true,
		"prescale_build_info": true, "prescale_controller_build_info": true, "prescale_exporter_build_info": true}
	for name, row := range readmeMetricRows(t) {
		known[name] = true
		if row.typ == "histogram" {
			known[name+"_bucket"], known[name+"_sum"], known[name+"_count"] = true, true, true
		}
	}
	rules, err := os.ReadFile("../../deploy/rules/recording.yml")
	require.NoError(t, err)
	records := regexp.MustCompile(`(?m)^\s*- record: [a-z_]+:(prescale_[a-z0-9_]+):`).FindAllSubmatch(rules, -1)
	require.NotEmpty(t, records)
	for _, m := range records {
		known[string(m[1])] = true
	}
	name := regexp.MustCompile(`\bprescale_[a-z0-9_]*[a-z0-9]`)
	for _, doc := range []string{"README.md", "docs/api.md", "docs/architecture.md", "docs/configuration.md", "docs/controller-reference.md", "docs/dashboards.md",
		"docs/deploy.md", "docs/development.md", "docs/metrics.md", "docs/reliability.md"} {
		b, err := os.ReadFile("../../" + doc)
		require.NoError(t, err)
		for _, n := range name.FindAllString(string(b), -1) {
			require.True(t, known[n], "%s names %s, which is no metric of docs/metrics.md's tables, histogram series, build_info or recording rule", doc, n)
		}
	}
}

// TestREADMENamesTheSeriesAbsentAtStart: docs/metrics.md says every target's series
// exist from the start, except those it names; each per-target metric the
// controller registers without a series for a new target (one without a
// current_query) is among them. prescale_observed_provisioning_lag_seconds,
// which only a target with a current_query has, was not.
func TestREADMENamesTheSeriesAbsentAtStart(t *testing.T) {
	readme, err := os.ReadFile("../../docs/metrics.md")
	require.NoError(t, err)
	_, rest, ok := strings.Cut(string(readme), "\nTarget labels are `target`, `tier`, `kind`; every target's series exist\nfrom the start (zero), except ")
	require.True(t, ok, "docs/metrics.md's sentence on the series that exist from the start is gone")
	except, _, _ := strings.Cut(rest, "\n| metric |")
	reg := prometheus.NewRegistry()
	rec := &describedLabels{Registerer: reg, labels: map[string]string{}}
	controller.NewMetrics(rec, []policy.Target{{Name: "web", Tier: "frontend", Kind: policy.KindInstances}})
	mfs, err := reg.Gather()
	require.NoError(t, err)
	present := map[string]bool{}
	for _, mf := range mfs {
		present[mf.GetName()] = true
	}
	absent := 0
	for name, labels := range rec.labels {
		if present[name] || !slices.Contains(strings.Split(labels, ", "), "target") {
			continue
		}
		absent++
		require.Contains(t, except, "`"+name+"`", "docs/metrics.md says %s exists from the start: a new target has none", name)
	}
	require.GreaterOrEqual(t, absent, 5, "the forecast series and prescale_desired_units start absent")
}

// TestREADMEListsExporterLabelValues: the docs/metrics.md row of each exporter
// metric whose label takes a fixed set of values names every value the
// exporter gives it (the golden exposition: collectors, CPU modes, memory,
// swap and TCP states, directions), and the load score's signal table has
// a row for every signal.
func TestREADMEListsExporterLabelValues(t *testing.T) {
	readme, err := os.ReadFile("../../docs/metrics.md")
	require.NoError(t, err)
	rows := readmeMetricRows(t)
	families := goldenFamilies(t)
	values := func(metric, label string) []string {
		var out []string
		for _, s := range families[metric].GetMetric() {
			for _, l := range s.GetLabel() {
				if l.GetName() == label && !slices.Contains(out, l.GetValue()) {
					out = append(out, l.GetValue())
				}
			}
		}
		require.NotEmpty(t, out, "the golden exposition has no %s{%s}", metric, label)
		return out
	}
	for _, ml := range [][2]string{
		{"prescale_exporter_collector_success", "collector"}, {"prescale_cpu_seconds_total", "mode"},
		{"prescale_memory_bytes", "state"}, {"prescale_swap_bytes", "state"},
		{"prescale_app_tcp_connections", "state"}, {"prescale_network_bytes_total", "direction"},
	} {
		for _, v := range values(ml[0], ml[1]) {
			row := rows[ml[0]].line
			named := strings.Contains(row, "`"+v+"`") || strings.Contains(row, `"`+v+`"`)
			require.True(t, named, "docs/metrics.md's row of %s does not name its %s %q: %s", ml[0], ml[1], v, row)
		}
	}
	for _, v := range values("prescale_app_load_signal_ratio", "signal") {
		require.Contains(t, string(readme), "\n| `"+v+"` | `", "docs/metrics.md's signal table has no row for %s", v)
	}
}

// TestREADMEMetricRowsBuildInfo: docs/metrics.md has a row for the
// build_info of each program (prescale-exporter's, prescale-controller's
// and prescale run's), with the labels it has. Only the exporter's had
// one: the page said it lists every metric of the exporter and the
// controller, and prescale_controller_build_info was not in it.
func TestREADMEMetricRowsBuildInfo(t *testing.T) {
	rows := readmeMetricRows(t)
	for _, ns := range []string{"prescale_exporter", "prescale_controller", "prescale"} {
		mfs, err := buildinfo.NewRegistry(ns).Gather()
		require.NoError(t, err)
		i := slices.IndexFunc(mfs, func(mf *dto.MetricFamily) bool { return mf.GetName() == ns+"_build_info" })
		require.GreaterOrEqual(t, i, 0, "%s_build_info not registered", ns)
		var names []string
		for _, l := range mfs[i].GetMetric()[0].GetLabel() {
			names = append(names, l.GetName())
		}
		row, ok := rows[ns+"_build_info"]
		require.True(t, ok, "docs/metrics.md has no metric row for %s_build_info", ns)
		require.Equal(t, "gauge", row.typ, ns)
		require.Equal(t, sortedLabels(names), row.labels, ns)
	}
}
