package dashboards

import (
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
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/prescale/prescale/controller"
	"github.com/prescale/prescale/controller/actuator"
	"github.com/prescale/prescale/controller/policy"
	"github.com/prescale/prescale/internal/testkit"
)

// freeLabels take values from the configuration or the host (a target's
// name, a device, a mount point): any value may be right.
var freeLabels = []string{
	"target", "tier", "kind", "device", "mountpoint", "fstype", "cpu", "actuator", "receiver",
	"le", "quantile", "version", "revision", "branch", "goversion", "goos", "goarch", "tags", "shard", "shards",
}

// labelValues maps a metric name to its enumerated labels and every value
// the code gives them.
type labelValues map[string]map[string]map[string]bool

func (lv labelValues) addFamilies(mfs []*dto.MetricFamily) {
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				lv.add(mf.GetName(), lp.GetName(), lp.GetValue())
			}
		}
	}
}

func (lv labelValues) add(metric, label, value string) {
	if slices.Contains(freeLabels, label) {
		return
	}
	if lv[metric] == nil {
		lv[metric] = map[string]map[string]bool{}
	}
	if lv[metric][label] == nil {
		lv[metric][label] = map[string]bool{}
	}
	lv[metric][label][value] = true
}

// knownLabelValues gathers the values of the enumerated labels: the
// exporter's golden exposition, the controller's series (its every mode),
// and ALERTS as Prometheus writes it from deploy/rules/alerts.yml.
func knownLabelValues(t *testing.T) labelValues {
	t.Helper()
	lv := labelValues{}
	f, err := os.Open(exporterGolden)
	require.NoError(t, err)
	t.Cleanup(func() { _ = f.Close() })
	tp := expfmt.NewTextParser(model.UTF8Validation)
	families, err := tp.TextToMetricFamilies(f)
	require.NoError(t, err, exporterGolden)
	for _, mf := range families {
		lv.addFamilies([]*dto.MetricFamily{mf})
	}
	for _, mode := range []string{controller.ModeAct, controller.ModeForecastOnly} {
		reg := prometheus.NewRegistry()
		m := controller.NewMetrics(reg, []policy.Target{{Name: "web", Tier: "frontend", Kind: policy.Kind("instances")}})
		m.SetInfo(mode, "none")
		actuator.NewMetrics(reg)
		mfs, err := reg.Gather()
		require.NoError(t, err)
		lv.addFamilies(mfs)
	}
	var rf struct {
		Groups []struct {
			Rules []struct {
				Alert  string            `yaml:"alert"`
				Labels map[string]string `yaml:"labels"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	require.NoError(t, yaml.Unmarshal(testkit.ReadFile(t, filepath.Join("..", "deploy", "rules", "alerts.yml")), &rf))
	for _, g := range rf.Groups {
		for _, r := range g.Rules {
			lv.add("ALERTS", "alertname", r.Alert)
			for k, v := range r.Labels {
				lv.add("ALERTS", k, v)
			}
		}
	}
	for _, s := range []string{"pending", "firing"} {
		lv.add("ALERTS", "alertstate", s)
	}
	return lv
}

// literalAlternation matches a regexp that is literals joined by |.
var literalAlternation = regexp.MustCompile(`^[a-zA-Z0-9_:.-]+(\|[a-zA-Z0-9_:.-]+)*$`)

// matcherValues returns the values a matcher names: its value, or each
// literal of an alternation; nil for any other regexp.
func matcherValues(m *labels.Matcher) []string {
	switch m.Type {
	case labels.MatchEqual, labels.MatchNotEqual:
		return []string{m.Value}
	}
	if literalAlternation.MatchString(m.Value) {
		return strings.Split(m.Value, "|")
	}
	return nil
}

// TestSelectorLabelValuesExist requires every label value a dashboard or
// rule selects on (reason="max", mode!~"idle|iowait", ...) to be one the
// code gives that label, so a misspelt value never silently selects
// nothing (a panel without data, an alert that cannot fire).
func TestSelectorLabelValuesExist(t *testing.T) {
	known := knownLabelValues(t)
	check := func(t *testing.T, expr string, textVars map[string]string) {
		for _, vs := range selectors(t, expr, textVars) {
			for _, m := range vs.LabelMatchers {
				values, ok := known[vs.Name][m.Name]
				if !ok || strings.Contains(m.Value, "$") {
					continue // a free label, or a template variable
				}
				for _, v := range matcherValues(m) {
					require.True(t, values[v], "%q selects %s{%s}: the code never gives %s the value %q (it gives %v)", expr, vs.Name, m, m.Name, v, slices.Sorted(maps.Keys(values)))
				}
			}
		}
	}
	for _, f := range loadDashboards(t) {
		textVars := textVariables(t, f.dash)
		for where, expr := range expressions(t, f.dash) {
			t.Run(f.name+"/"+where, func(t *testing.T) { check(t, expr, textVars) })
		}
	}
	for name, expr := range ruleExpressions(t) {
		t.Run(name, func(t *testing.T) { check(t, expr, nil) })
	}
}

// TestMatcherValues pins the matcher helper.
func TestMatcherValues(t *testing.T) {
	for _, tc := range []struct {
		m    *labels.Matcher
		want []string
	}{
		{labels.MustNewMatcher(labels.MatchEqual, "reason", "max"), []string{"max"}},
		{labels.MustNewMatcher(labels.MatchNotRegexp, "mode", "idle|iowait"), []string{"idle", "iowait"}},
		{labels.MustNewMatcher(labels.MatchRegexp, "reason", "low_.*"), nil},
	} {
		require.Equal(t, tc.want, matcherValues(tc.m), tc.m.String())
	}
}
