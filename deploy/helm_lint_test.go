package deploy

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// noKEDAServer is what the schema says of KEDA without a Prometheus: the
// keda.serverAddress to set, or the variable that stands for it, and why
// (an anyOf of the two said "'anyOf' failed", "minLength: got 0, want 1"
// and "'not' failed").
const noKEDAServer = "at '/keda/serverAddress': value must be 'set it, or controller.env.PRESCALE_PROMETHEUS_URL: KEDA reads prescale_desired_units from Prometheus'"

// TestHelmLintRefusesWhatTheTemplatesRefuse: `helm lint --strict` takes a
// template's fail as no error, so values the templates refuse passed lint:
// a chart-managed variable in controller.env or exporter.env, and KEDA
// without a Prometheus. values.schema.json says these too, for lint and
// install alike, and only where the template fails: with the component
// that renders the check disabled, both take them. The template's own
// check still holds without the schema (--skip-schema-validation).
func TestHelmLintRefusesWhatTheTemplatesRefuse(t *testing.T) {
	helm := lookHelm(t)
	for _, tc := range []struct{ set, schema, template string }{
		{"controller.env.PRESCALE_DATA_DIR=/tmp", "at '/controller/env/PRESCALE_DATA_DIR': value must be 'set by the chart (see values.yaml), not in controller.env'", "controller.env.PRESCALE_DATA_DIR is set by the chart"},
		{"controller.env.PRESCALE_SHARD=0", "at '/controller/env/PRESCALE_SHARD': value must be 'set by the chart (see values.yaml), not in controller.env'", "controller.env.PRESCALE_SHARD is set by the chart"},
		{"controller.env.PRESCALE_API_TOKEN=", "at '/controller/env/PRESCALE_API_TOKEN': value must be 'set by the chart (see values.yaml), not in controller.env'", "controller.env.PRESCALE_API_TOKEN is set by the chart"},
		{"exporter.env.PRESCALE_EXPORTER_LISTEN=:1", "at '/exporter/env/PRESCALE_EXPORTER_LISTEN': value must be 'set by the chart from exporter.port, not in exporter.env'", "set by the chart from exporter.port"},
		{"keda.enabled=true,controller.env.PRESCALE_PROMETHEUS_URL=", noKEDAServer, "keda.serverAddress: set it"},
		// What the template's default takes as empty.
		{"keda.enabled=true,controller.env.PRESCALE_PROMETHEUS_URL=0", noKEDAServer, "keda.serverAddress: set it"},
		{"keda.enabled=true,controller.env.PRESCALE_PROMETHEUS_URL=false", noKEDAServer, "keda.serverAddress: set it"},
	} {
		out, err := exec.CommandContext(t.Context(), helm, "lint", "--strict", chartDir, "--set", tc.set).CombinedOutput()
		require.Error(t, err, "helm lint --set %s passed:\n%s", tc.set, out)
		require.Contains(t, string(out), tc.schema, tc.set)
		_, stderr, err := helmTemplate(t, helm, "--set", tc.set)
		require.Error(t, err, tc.set)
		require.Contains(t, stderr, tc.schema, tc.set)
		_, stderr, err = helmTemplate(t, helm, "--skip-schema-validation", "--set", tc.set)
		require.Error(t, err, tc.set)
		require.Contains(t, stderr, tc.template, tc.set)
	}
	// Where the template takes them, so does the schema.
	for _, set := range []string{
		"controller.enabled=false,controller.env.PRESCALE_DATA_DIR=/tmp",
		"exporter.enabled=false,exporter.env.PRESCALE_EXPORTER_LISTEN=:1",
		"keda.enabled=false,controller.env.PRESCALE_PROMETHEUS_URL=",
		"keda.enabled=true,controller.env.PRESCALE_PROMETHEUS_URL=,keda.serverAddress=http://prometheus:9090",
		"keda.enabled=true,controller.env.PRESCALE_PROMETHEUS_URL=1",
		"keda.enabled=true,controller.env.PRESCALE_PROMETHEUS_URL=true",
	} {
		out, err := exec.CommandContext(t.Context(), helm, "lint", "--strict", chartDir, "--set", set).CombinedOutput()
		require.NoError(t, err, "helm lint --set %s:\n%s", set, out)
		mustTemplate(t, helm, "--set", set)
	}
}

// TestHelmSchemaListsTheChartsVariables: the schema's chart-managed
// controller variables are exactly those the ConfigMap's template refuses,
// so one the chart comes to set is refused by helm lint too.
func TestHelmSchemaListsTheChartsVariables(t *testing.T) {
	tpl, err := os.ReadFile(filepath.Join(chartDir, "templates", "controller-configmap.yaml"))
	require.NoError(t, err)
	list := regexp.MustCompile(`has \$k \(list ((?:"PRESCALE_[A-Z_]+" ?)+)\)`).FindSubmatch(tpl)
	require.NotNil(t, list, "the template's list of chart-managed variables")
	var fromTemplate []string
	for _, m := range regexp.MustCompile(`"(PRESCALE_[A-Z_]+)"`).FindAllSubmatch(list[1], -1) {
		fromTemplate = append(fromTemplate, string(m[1]))
	}
	raw, err := os.ReadFile(filepath.Join(chartDir, "values.schema.json"))
	require.NoError(t, err)
	var schema struct {
		Defs struct {
			ByChart struct {
				Properties map[string]any `json:"properties"`
			} `json:"controllerEnvByChart"`
		} `json:"$defs"`
	}
	require.NoError(t, json.Unmarshal(raw, &schema))
	var fromSchema []string
	for name, rule := range schema.Defs.ByChart.Properties {
		require.Equal(t, map[string]any{"const": "set by the chart (see values.yaml), not in controller.env"}, rule, name)
		fromSchema = append(fromSchema, name)
	}
	slices.Sort(fromTemplate)
	slices.Sort(fromSchema)
	require.Equal(t, fromTemplate, fromSchema)
}

// TestHelmLintPassesWhatOnlyTheTemplatesCheck: what docs/deploy.md's
// "Checks only the install makes" lists (its bullets' fields, exactly these
// cases') passes `helm lint --strict` and is refused by `helm template`,
// naming the field: a JSON schema cannot compare a value with another
// (keda.target with the targets' names, the replica counts with the
// target's units). Should the schema come to refuse one, or lint to fail
// on a template's fail, this fails and the section must say so.
func TestHelmLintPassesWhatOnlyTheTemplatesCheck(t *testing.T) {
	helm := lookHelm(t)
	cases := []struct{ field, set, template string }{
		{"keda.target", "keda.enabled=true,keda.target=checkout", `keda.target: the controller has no target "checkout"`},
		{"keda.minReplicaCount", "keda.enabled=true,keda.minReplicaCount=3", `keda.minReplicaCount (3) is above target "web"'s min_units (2)`},
		{"keda.maxReplicaCount", "keda.enabled=true,keda.maxReplicaCount=40", `keda.maxReplicaCount (40) is below target "web"'s max_units (50)`},
	}
	doc := string(readRepoFile(t, "docs/deploy.md"))
	_, section, ok := strings.Cut(doc, "\n#### Checks only the install makes\n")
	require.True(t, ok, "docs/deploy.md has no 'Checks only the install makes'")
	section, _, _ = strings.Cut(section, "\n#")
	var listed, tested []string
	for _, m := range regexp.MustCompile("(?m)^- `([^`]+)`").FindAllStringSubmatch(section, -1) {
		listed = append(listed, m[1])
	}
	for _, tc := range cases {
		tested = append(tested, tc.field)
		out, err := exec.CommandContext(t.Context(), helm, "lint", "--strict", chartDir, "--set", tc.set).CombinedOutput()
		require.NoError(t, err, "helm lint --set %s failed: the schema checks it now, and the section must not list it:\n%s", tc.set, out)
		_, stderr, err := helmTemplate(t, helm, "--set", tc.set)
		require.Error(t, err, tc.set)
		require.Contains(t, stderr, tc.template, tc.set)
	}
	require.Equal(t, slices.Compact(tested), listed, "the section's bullets name the fields these cases check, in order")
}
