package deploy

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/prescale/prescale/controller/config"
	"github.com/prescale/prescale/internal/testkit"
)

// selectorMatchers returns the equality matchers of the query's selector of
// metric (the query must select it).
func selectorMatchers(t *testing.T, query, metric string) map[string]string {
	t.Helper()
	requireSelects(t, query, metric)
	e, err := parser.NewParser(parser.Options{}).ParseExpr(query)
	require.NoError(t, err)
	out := map[string]string{}
	parser.Inspect(e, func(n parser.Node, _ []parser.Node) error {
		if vs, ok := n.(*parser.VectorSelector); ok && vs.Name == metric {
			for _, m := range vs.LabelMatchers {
				if m.Type == labels.MatchEqual && m.Name != model.MetricNameLabel {
					out[m.Name] = m.Value
				}
			}
		}
		return nil
	})
	return out
}

// renderedCurrentQuery renders the chart and returns the controller's
// PRESCALE_TARGET_CURRENT_QUERY (after checking that the controller accepts
// the configuration), or "" when the ConfigMap has none.
func renderedCurrentQuery(t *testing.T, helm string, args ...string) string {
	t.Helper()
	objs := mustTemplate(t, helm, args...)
	data, _ := get(t, objs["ConfigMap"][0].raw, "data").(map[string]any)
	cfg := requireControllerAccepts(t, data, objs["StatefulSet"][0])
	q, _ := data["PRESCALE_TARGET_CURRENT_QUERY"].(string)
	require.Equal(t, q, cfg.TargetCurrentQuery)
	return q
}

// A Helm install left PRESCALE_TARGET_CURRENT_QUERY empty, so it published
// no observed provisioning lag until the operator wrote a query. With KEDA
// on, the chart knows the workload it scales and reads back its available
// replicas from kube-state-metrics.
func TestHelmCurrentQueryFromKEDA(t *testing.T) {
	helm := lookHelm(t)
	keda := "keda.enabled=true,keda.scaleTargetRef.name=checkout,controller.env.PRESCALE_TARGET_NAME=checkout"

	require.Empty(t, renderedCurrentQuery(t, helm), "without KEDA the chart does not know what is scaled")

	q := renderedCurrentQuery(t, helm, "--set", keda)
	require.Equal(t, map[string]string{"namespace": "prescale", "deployment": "checkout"},
		selectorMatchers(t, q, "kube_deployment_status_replicas_available"), q)

	q = renderedCurrentQuery(t, helm, "--set", keda+",keda.scaleTargetRef.kind=StatefulSet,keda.namespace=shop")
	require.Equal(t, map[string]string{"namespace": "shop", "statefulset": "checkout"},
		selectorMatchers(t, q, "kube_statefulset_status_replicas_ready"), q)

	require.Empty(t, renderedCurrentQuery(t, helm, "--set", keda+",keda.scaleTargetRef.kind=Rollout"),
		"kube-state-metrics has no replicas metric for other kinds")
	require.Empty(t, renderedCurrentQuery(t, helm, "--set", keda+",keda.currentQuery="), "keda.currentQuery empty: none")
	require.Equal(t, "max(my_replicas)", renderedCurrentQuery(t, helm, "--set", keda+",keda.currentQuery=max(my_replicas)"))
	require.Equal(t, "sum(up)", renderedCurrentQuery(t, helm, "--set", keda+",controller.env.PRESCALE_TARGET_CURRENT_QUERY=sum(up)"),
		"the operator's query wins")

	t.Run("targets file: the entry KEDA scales", func(t *testing.T) {
		values := filepath.Join(t.TempDir(), "values.yaml")
		require.NoError(t, os.WriteFile(values, []byte(`
keda: {enabled: true, scaleTargetRef: {name: checkout}, target: checkout}
controller:
  targets:
    - {name: checkout, query: 'sum(rate(http_requests_total{service="checkout"}[2m]))'}
    - {name: search, query: 'sum(rate(http_requests_total{service="search"}[2m]))'}
    - {name: cart, query: 'sum(rate(http_requests_total{service="cart"}[2m]))', current_query: 'max(cart_replicas)'}
`), 0o644))
		objs := mustTemplate(t, helm, "-f", values)
		data, _ := get(t, objs["ConfigMap"][0].raw, "data").(map[string]any)
		require.NotContains(t, data, "PRESCALE_TARGET_CURRENT_QUERY", "not inherited by the file's entries")
		cfg := requireControllerAccepts(t, data, objs["StatefulSet"][0])
		ts, err := config.ParseTargets([]byte(data["targets.yml"].(string)), cfg.EnvTarget(), cfg.UsageWindow)
		require.NoError(t, err)
		require.Len(t, ts, 3)
		require.Equal(t, map[string]string{"namespace": "prescale", "deployment": "checkout"},
			selectorMatchers(t, ts[0].CurrentQuery, "kube_deployment_status_replicas_available"))
		require.Empty(t, ts[1].CurrentQuery, "KEDA does not scale search")
		require.Equal(t, "max(cart_replicas)", ts[2].CurrentQuery)

		var raw struct {
			Keda struct {
				CurrentQuery string `yaml:"currentQuery"`
			} `yaml:"keda"`
		}
		require.NoError(t, yaml.Unmarshal(testkit.ReadFile(t, filepath.Join(chartDir, "values.yaml")), &raw))
		require.Equal(t, "auto", raw.Keda.CurrentQuery, "values.yaml's default")
	})
}

// TestHelmREADMEExample renders docs/deploy.md's `helm install` command: its
// ScaledObject and the replicas it reads back are the workload's, in
// namespace shop. The example left keda.namespace out, so KEDA looked for
// Deployment web in the release's namespace (prescale).
func TestHelmREADMEExample(t *testing.T) {
	helm := lookHelm(t)
	readme := string(readRepoFile(t, "docs/deploy.md"))
	_, cmd, ok := strings.Cut(readme, "helm install prescale deploy/helm/prescale -n prescale --create-namespace \\\n")
	require.True(t, ok, "docs/deploy.md has no helm install example")
	cmd, _, _ = strings.Cut(cmd, "\n```")
	var args []string
	for f := range strings.FieldsSeq(strings.ReplaceAll(cmd, "\\\n", " ")) {
		args = append(args, strings.ReplaceAll(f, "'", "")) // as the shell takes the quotes off
	}
	require.Contains(t, args, "--set")
	objs := mustTemplate(t, helm, args...)
	so := objs["ScaledObject"][0]
	require.Equal(t, "shop", get(t, so.raw, "metadata", "namespace"), "beside the Deployment it scales")
	data, _ := get(t, objs["ConfigMap"][0].raw, "data").(map[string]any)
	require.Equal(t, map[string]string{"namespace": "shop", "deployment": "web"},
		selectorMatchers(t, data["PRESCALE_TARGET_CURRENT_QUERY"].(string), "kube_deployment_status_replicas_available"))
	requireControllerAccepts(t, data, objs["StatefulSet"][0])
}
