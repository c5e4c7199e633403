package dashboards

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/prometheus/promql/parser"
	"github.com/stretchr/testify/require"
)

// unitPanel is the part of a panel the unit check reads: its unit and the
// overrides that may change it per series.
type unitPanel struct {
	Title       string `json:"title"`
	Type        string `json:"type"`
	FieldConfig struct {
		Defaults struct {
			Unit string `json:"unit"`
		} `json:"defaults"`
		Overrides []struct {
			Matcher struct {
				ID      string `json:"id"`
				Options string `json:"options"`
			} `json:"matcher"`
			Properties []struct {
				ID    string          `json:"id"`
				Value json.RawMessage `json:"value"`
			} `json:"properties"`
		} `json:"overrides"`
	} `json:"fieldConfig"`
	Targets []struct {
		RefID  string `json:"refId"`
		Expr   string `json:"expr"`
		Legend string `json:"legendFormat"`
	} `json:"targets"`
	Panels []unitPanel `json:"panels"`
}

// quantity is what a series measures, as far as its metric name says.
type quantity string

const (
	unknownQuantity quantity = ""
	seconds         quantity = "seconds"
	bytesQuantity   quantity = "bytes"
	boolean         quantity = "boolean" // 0 or 1
)

// unitsOf lists the Grafana units a quantity may be shown in.
var unitsOf = map[quantity][]string{
	seconds:       {"s", "ms", "µs", "ns", "m", "h", "d", "dtdurations", "dtdhms"},
	bytesQuantity: {"bytes", "decbytes", "kbytes", "mbytes", "gbytes"},
	boolean:       {"short", "none", "bool", "bool_yes_no", "bool_on_off"},
}

// booleanMetric matches the names of series that are 1 or 0.
var booleanMetric = regexp.MustCompile(`^up$|_(success|ok|up|healthy|pending|capped)$`)

// quantityOfName is what a metric measures by Prometheus's naming
// conventions (base units as suffixes).
func quantityOfName(name string) quantity {
	switch {
	case strings.HasSuffix(name, "_timestamp_seconds"):
		return unknownQuantity // a point in time, not a duration
	case strings.HasSuffix(name, "_seconds"):
		return seconds
	case strings.HasSuffix(name, "_bytes"):
		return bytesQuantity
	case booleanMetric.MatchString(name):
		return boolean
	}
	return unknownQuantity
}

// unitPreserving are the functions whose result has their series' unit.
var unitPreserving = []string{
	"abs", "avg_over_time", "clamp", "clamp_max", "clamp_min", "last_over_time",
	"max_over_time", "min_over_time", "predict_linear", "quantile_over_time", "round",
}

// quantityOf is what an expression measures: what its one metric measures
// through functions, aggregations and comparisons that keep the unit;
// unknown for rates, arithmetic between series and anything else.
func quantityOf(e parser.Expr) quantity {
	switch e := e.(type) {
	case *parser.VectorSelector:
		return quantityOfName(e.Name)
	case *parser.MatrixSelector:
		return quantityOf(e.VectorSelector)
	case *parser.ParenExpr:
		return quantityOf(e.Expr)
	case *parser.StepInvariantExpr:
		return quantityOf(e.Expr)
	case *parser.AggregateExpr:
		if e.Op == parser.SUM || e.Op == parser.AVG || e.Op == parser.MAX || e.Op == parser.MIN {
			return quantityOf(e.Expr)
		}
	case *parser.Call:
		return quantityOfCall(e)
	case *parser.BinaryExpr:
		if e.Op.IsComparisonOperator() || e.Op.IsSetOperator() {
			return quantityOf(e.LHS)
		}
	}
	return unknownQuantity
}

// quantityOfCall: a unit-preserving function keeps its series' unit, and
// histogram_quantile over a histogram of seconds is seconds.
func quantityOfCall(c *parser.Call) quantity {
	if c.Func.Name == "histogram_quantile" && len(c.Args) == 2 {
		q := unknownQuantity
		parser.Inspect(c.Args[1], func(n parser.Node, _ []parser.Node) error {
			if vs, ok := n.(*parser.VectorSelector); ok {
				q = quantityOfName(strings.TrimSuffix(vs.Name, "_bucket"))
			}
			return nil
		})
		return q
	}
	if slices.Contains(unitPreserving, c.Func.Name) {
		for _, a := range c.Args {
			if a.Type() == parser.ValueTypeVector || a.Type() == parser.ValueTypeMatrix {
				return quantityOf(a)
			}
		}
	}
	return unknownQuantity
}

// legendLabel matches a {{label}} in a legend format.
var legendLabel = regexp.MustCompile(`\{\{\s*[a-zA-Z_][a-zA-Z0-9_]*\s*\}\}`)

// unitOfSeries is the unit a panel shows a query's series in: the last
// override matching its display name (the legend, labels filled in; an
// unanchored regexp as Grafana's byRegexp) that sets a unit, else the
// panel's.
func unitOfSeries(t *testing.T, p unitPanel, legend, refID string) string {
	t.Helper()
	name := legendLabel.ReplaceAllString(legend, "x")
	unit := p.FieldConfig.Defaults.Unit
	for _, o := range p.FieldConfig.Overrides {
		var match bool
		switch o.Matcher.ID {
		case "byRegexp":
			re, err := regexp.Compile(o.Matcher.Options)
			require.NoError(t, err, "panel %q: override regexp", p.Title)
			match = re.MatchString(name)
		case "byName":
			match = o.Matcher.Options == name
		case "byFrameRefID":
			match = o.Matcher.Options == refID
		}
		if !match {
			continue
		}
		for _, prop := range o.Properties {
			if prop.ID == "unit" {
				require.NoError(t, json.Unmarshal(prop.Value, &unit), "panel %q: override unit", p.Title)
			}
		}
	}
	return unit
}

func flattenUnitPanels(ps []unitPanel) []unitPanel {
	var out []unitPanel
	for _, p := range ps {
		out = append(out, p)
		out = append(out, flattenUnitPanels(p.Panels)...)
	}
	return out
}

// TestPanelUnitsMatchMetrics requires every series whose metric name says
// what it measures (seconds, bytes, a 0/1 state) to be shown in a unit of
// that quantity: a probe's success drawn on a seconds axis read "1 s".
func TestPanelUnitsMatchMetrics(t *testing.T) {
	for _, f := range loadDashboards(t) {
		var d struct {
			Panels []unitPanel `json:"panels"`
		}
		require.NoError(t, json.Unmarshal(f.raw, &d))
		textVars := textVariables(t, f.dash)
		for _, p := range flattenUnitPanels(d.Panels) {
			if p.Type == "row" {
				continue
			}
			for _, tg := range p.Targets {
				e, err := parser.NewParser(parser.Options{}).ParseExpr(toPromQL(tg.Expr, textVars))
				require.NoError(t, err, "panel %q query %s", p.Title, tg.RefID)
				q := quantityOf(e)
				if q == unknownQuantity {
					continue
				}
				unit := unitOfSeries(t, p, tg.Legend, tg.RefID)
				require.Contains(t, unitsOf[q], unit, "%s: panel %q query %s (%s) measures %s but is shown in unit %q", f.name, p.Title, tg.RefID, tg.Expr, q, unit)
			}
		}
	}
}

// TestQuantityOf pins the unit inference on literal expressions.
func TestQuantityOf(t *testing.T) {
	for expr, want := range map[string]quantity{
		`prescale_app_probe_duration_seconds`: seconds,
		`prescale_app_probe_success`:          boolean,
		`up{job="x"}`:                         boolean,
		`histogram_quantile(0.99, sum by (le) (rate(x_seconds_bucket[5m])))`:   seconds,
		`predict_linear(prescale_filesystem_avail_bytes[6h], 86400)`:           bytesQuantity,
		`max(prescale_memory_bytes) > 0`:                                       bytesQuantity,
		`rate(prescale_disk_read_bytes_total[5m])`:                             unknownQuantity,
		`time() - prescale_last_cycle_timestamp_seconds`:                       unknownQuantity,
		`1 - prescale_filesystem_avail_bytes / prescale_filesystem_size_bytes`: unknownQuantity,
		`count(prescale_anomaly_score >= 0.99)`:                                unknownQuantity,
	} {
		e, err := parser.NewParser(parser.Options{}).ParseExpr(expr)
		require.NoError(t, err, expr)
		require.Equal(t, want, quantityOf(e), expr)
	}
}

// grafanaWindowIncrease matches increase() over a window Grafana sizes
// from the zoom ($__rate_interval, $__interval).
var grafanaWindowIncrease = regexp.MustCompile(`increase\([^()]*\[\$__(rate_interval|interval)\]\)`)

// TestCountsDoNotDependOnZoom: increase() over $__rate_interval counts
// what happened in a window whose length changes with the time range
// shown (1 minute at a short range, several at a week), so a panel
// plotting it reads a different number for the same rate at each zoom.
// Such a count is only allowed as one side of a share (a division of two
// counts over the same window); a rate per second or minute otherwise.
func TestCountsDoNotDependOnZoom(t *testing.T) {
	for _, f := range loadDashboards(t) {
		for where, expr := range expressions(t, f.dash) {
			if !grafanaWindowIncrease.MatchString(expr) {
				continue
			}
			i := topLevelSlash(expr)
			share := i >= 0 && grafanaWindowIncrease.MatchString(expr[:i]) && grafanaWindowIncrease.MatchString(expr[i+1:])
			require.True(t, share, "%s %s: %q plots a count over a window that depends on the zoom; plot a rate (rate() * 60: per minute)", f.name, where, expr)
		}
	}
}

// topLevelSlash is the index of the first / outside parentheses, brackets,
// braces and quotes; -1 without one.
func topLevelSlash(expr string) int {
	depth, quoted := 0, false
	for i, c := range expr {
		switch {
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == '(' || c == '[' || c == '{':
			depth++
		case c == ')' || c == ']' || c == '}':
			depth--
		case c == '/' && depth == 0:
			return i
		}
	}
	return -1
}
