package deploy

import (
	"bytes"
	"errors"
	"go/build"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/prescale/prescale"
	"github.com/prescale/prescale/controller/config"
	"github.com/prescale/prescale/exporter"
	"github.com/prescale/prescale/internal/clihelp"
	"github.com/prescale/prescale/internal/testkit"
)

const chartDir = "helm/prescale"

// helmInstallHint is how to get the Helm the chart test needs.
const helmInstallHint = "install Helm v4 with `go install helm.sh/helm/v4/cmd/helm@v4.3.2` (or run ./scripts/ensure-test-deps.sh, which make test runs)"

// lookHelm finds Helm v4: in $(go env GOPATH)/bin, where
// scripts/ensure-test-deps.sh installs it, else on PATH. It fails (never
// skips) with an install hint when there is none.
func lookHelm(t *testing.T) string {
	t.Helper()
	var candidates []string
	for _, dir := range filepath.SplitList(build.Default.GOPATH) {
		candidates = append(candidates, filepath.Join(dir, "bin", "helm"))
	}
	if p, err := exec.LookPath("helm"); err == nil {
		candidates = append(candidates, p)
	}
	for _, p := range candidates {
		out, err := exec.CommandContext(t.Context(), p, "version", "--short").Output()
		if err == nil && strings.HasPrefix(string(out), "v4.") {
			return p
		}
	}
	t.Fatalf("Helm v4 not found in $(go env GOPATH)/bin or on PATH (tried %q): %s", candidates, helmInstallHint)
	return ""
}

// helmTemplate renders the chart with the given --set flags and values
// files and returns the objects by kind, or helm's error output.
func helmTemplate(t *testing.T, helm string, args ...string) (map[string][]k8sObject, string, error) {
	t.Helper()
	return helmTemplateRelease(t, helm, "prescale", args...)
}

// helmTemplateRelease is helmTemplate with the release's name.
func helmTemplateRelease(t *testing.T, helm, release string, args ...string) (map[string][]k8sObject, string, error) {
	t.Helper()
	cmdArgs := append([]string{"template", release, chartDir, "--namespace", "prescale"}, args...)
	cmd := exec.CommandContext(t.Context(), helm, cmdArgs...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, stderr.String(), err
	}
	out := map[string][]k8sObject{}
	dec := yaml.NewDecoder(&stdout)
	for {
		var node yaml.Node
		err := dec.Decode(&node)
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
		var o k8sObject
		require.NoError(t, node.Decode(&o))
		if o.Kind == "" {
			continue // an empty document
		}
		require.NoError(t, node.Decode(&o.raw))
		require.NotEmpty(t, o.Metadata.Name, "%s without a name", o.Kind)
		out[o.Kind] = append(out[o.Kind], o)
	}
	return out, stderr.String(), nil
}

func mustTemplate(t *testing.T, helm string, args ...string) map[string][]k8sObject {
	t.Helper()
	objs, stderr, err := helmTemplate(t, helm, args...)
	require.NoError(t, err, "helm template %v:\n%s", args, stderr)
	return objs
}

// containerEnv maps a workload's first container's env names to their
// entries.
func containerEnv(t *testing.T, o k8sObject) map[string]any {
	t.Helper()
	env, _ := get(t, o.raw, "spec", "template", "spec", "containers", 0, "env").([]any)
	out := map[string]any{}
	for _, e := range env {
		out[get(t, e, "name").(string)] = e
	}
	return out
}

func kinds(objs map[string][]k8sObject) map[string]int {
	out := map[string]int{}
	for k, v := range objs {
		out[k] = len(v)
	}
	return out
}

func TestHelmLint(t *testing.T) {
	helm := lookHelm(t)
	out, err := exec.CommandContext(t.Context(), helm, "lint", "--strict", chartDir).CombinedOutput()
	require.NoError(t, err, "helm lint --strict:\n%s", out)
	out, err = exec.CommandContext(t.Context(), helm, "lint", "--strict", chartDir,
		"--set", "serviceMonitor.enabled=true,keda.enabled=true,controller.apiToken.value=s3cret78").CombinedOutput()
	require.NoError(t, err, "helm lint --strict with the optional objects:\n%s", out)
}

// TestHelmNotes: the notes helm prints after an install name the state's
// PersistentVolumeClaims only when there are any, and the rule files, not
// deploy/rules/*.yml (which holds promtool tests a Prometheus cannot load).
// They named a claim with persistence off and said to load *.yml.
func TestHelmNotes(t *testing.T) {
	helm := lookHelm(t)
	notes := func(set string) string {
		out, err := exec.CommandContext(t.Context(), helm, "install", "p", chartDir, "--dry-run=client", "--set", set).CombinedOutput()
		require.NoError(t, err, "%s", out)
		_, n, ok := strings.Cut(string(out), "\nNOTES:\n")
		require.True(t, ok, "no notes in:\n%s", out)
		return n
	}
	n := notes("controller.shards=3")
	require.Contains(t, n, "PersistentVolumeClaim data-p-prescale-controller-0 (one per shard, -0 to -2).")
	// The Service's port-forward reached one shard, whose status lists a
	// third of the targets.
	require.Contains(t, n, "port-forward pod/p-prescale-controller-0 9111")
	require.Contains(t, n, "a target another shard owns\nanswers 404 naming that shard")
	require.Contains(t, notes("controller.shards=1"), "port-forward svc/p-prescale-controller 9111")
	require.Contains(t, n, "deploy/rules/recording.yml and deploy/rules/alerts.yml")
	require.NotContains(t, n, "deploy/rules/*.yml")
	// The jobs the alerts select, and where they are defined: annotation
	// discovery in the prometheus-community chart names its own job.
	require.Contains(t, n, "jobs in deploy/kubernetes/prometheus-scrape.yml")
	requireRepoPath(t, "deploy/kubernetes/prometheus-scrape.yml", "the scrape jobs the notes name")
	require.NotContains(t, notes("serviceMonitor.enabled=true"), "prometheus-scrape.yml", "the ServiceMonitors scrape")
	require.NotContains(t, n, "reads back the replicas", "no KEDA: no query derived")
	// What keda.currentQuery derived, and that it needs kube-state-metrics.
	n = notes("keda.enabled=true")
	require.Contains(t, n, "Target web reads back the replicas KEDA's HPA runs with\n  max(kube_deployment_status_replicas_available{namespace=\"default\",deployment=\"web\"})\n(kube-state-metrics;")
	require.NotContains(t, notes("keda.enabled=true,keda.currentQuery="), "reads back the replicas")
	n = notes("controller.persistence.enabled=false")
	require.Contains(t, n, "Persistence is off")
	require.NotContains(t, n, "PersistentVolumeClaim")
}

func TestHelmTemplateDefaults(t *testing.T) {
	helm := lookHelm(t)
	objs := mustTemplate(t, helm)
	require.Equal(t, map[string]int{"ServiceAccount": 2, "ConfigMap": 1, "StatefulSet": 1, "Service": 3, "DaemonSet": 1}, kinds(objs),
		"by default: the controller (StatefulSet, its Services, ConfigMap) and the exporter; no ServiceMonitor, ScaledObject or Secret")

	image := chartImage(t)
	ss, ds := objs["StatefulSet"][0], objs["DaemonSet"][0]
	t.Run("workloads run the image's binaries as non-root", func(t *testing.T) {
		for o, bin := range map[*k8sObject]string{&ss: "/usr/local/bin/prescale-controller", &ds: "/usr/local/bin/prescale-exporter"} {
			spec := get(t, o.raw, "spec", "template", "spec")
			require.Equal(t, image, get(t, spec, "containers", 0, "image"), o.Kind)
			require.Equal(t, bin, get(t, spec, "containers", 0, "command", 0), o.Kind)
			require.Equal(t, true, get(t, spec, "securityContext", "runAsNonRoot"), o.Kind)
			require.Equal(t, false, get(t, spec, "containers", 0, "securityContext", "allowPrivilegeEscalation"), o.Kind)
		}
	})

	t.Run("the controller's data directory is a PersistentVolumeClaim", func(t *testing.T) {
		claim := get(t, ss.raw, "spec", "volumeClaimTemplates", 0)
		require.Equal(t, "data", get(t, claim, "metadata", "name"))
		require.Equal(t, "2Gi", get(t, claim, "spec", "resources", "requests", "storage"))
		mounts, _ := get(t, ss.raw, "spec", "template", "spec", "containers", 0, "volumeMounts").([]any)
		var mountPath string
		for _, m := range mounts {
			if get(t, m, "name") == "data" {
				mountPath = get(t, m, "mountPath").(string)
			}
		}
		require.NotEmpty(t, mountPath, "the claim is not mounted")
		require.Equal(t, mountPath, get(t, containerEnv(t, ss)["PRESCALE_DATA_DIR"], "value"))
		vols, _ := get(t, ss.raw, "spec", "template", "spec", "volumes").([]any)
		for _, v := range vols {
			require.NotEqual(t, "data", get(t, v, "name"), "a pod volume named data would shadow the claim")
		}
		require.Equal(t, "prescale-controller-headless", get(t, ss.raw, "spec", "serviceName"))
	})

	// With OrderedReady, shard i+1 was created only once shard i was
	// ready, which a controller is once its history source answers: a
	// sharded install whose Prometheus was starting left every later
	// shard's targets undecided.
	t.Run("shards start together", func(t *testing.T) {
		require.Equal(t, "Parallel", get(t, ss.raw, "spec", "podManagementPolicy"))
		set := mustTemplate(t, helm, "--set", "controller.shards=3,controller.podManagementPolicy=OrderedReady")
		require.Equal(t, "OrderedReady", get(t, set["StatefulSet"][0].raw, "spec", "podManagementPolicy"), "an installed release's own, kept")
	})

	t.Run("environment variables are configuration fields", func(t *testing.T) {
		cm := objs["ConfigMap"][0]
		data, _ := get(t, cm.raw, "data").(map[string]any)
		require.Contains(t, data, "PRESCALE_PROMETHEUS_URL")
		require.Contains(t, data, "PRESCALE_TARGET_QUERY")
		for k := range data {
			requireKnownEnv(t, k, "ConfigMap "+cm.Metadata.Name)
		}
		require.Equal(t, cm.Metadata.Name, get(t, ss.raw, "spec", "template", "spec", "containers", 0, "envFrom", 0, "configMapRef", "name"))
		for _, o := range []k8sObject{ss, ds} {
			for name := range containerEnv(t, o) {
				requireKnownEnv(t, name, o.Kind)
			}
		}
		require.Equal(t, ":9111", get(t, containerEnv(t, ss)["PRESCALE_LISTEN"], "value"))
		require.Equal(t, ":9110", get(t, containerEnv(t, ds)["PRESCALE_EXPORTER_LISTEN"], "value"))
		require.NotContains(t, containerEnv(t, ss), "PRESCALE_API_TOKEN", "no token configured: POST endpoints stay off")
	})

	t.Run("services select the pods and name their ports", func(t *testing.T) {
		for _, svc := range objs["Service"] {
			sel, _ := get(t, svc.raw, "spec", "selector").(map[string]any)
			var podLabels map[string]any
			switch get(t, sel, "app.kubernetes.io/component") {
			case "controller":
				podLabels, _ = get(t, ss.raw, "spec", "template", "metadata", "labels").(map[string]any)
			case "exporter":
				podLabels, _ = get(t, ds.raw, "spec", "template", "metadata", "labels").(map[string]any)
			}
			require.NotNil(t, podLabels, "Service %s selects no workload", svc.Metadata.Name)
			for k, v := range sel {
				require.Equal(t, v, podLabels[k], "Service %s selector %s", svc.Metadata.Name, k)
			}
		}
	})
}

// TestHelmLongReleaseNameFits renders the chart under the longest release
// name Helm takes (53 characters): a Service name is a DNS label (at most
// 63 characters), and the StatefulSet's pods carry the label
// controller-revision-hash, its name and a hash of up to 10, so its name is
// at most 52. The names were the release name, "-prescale" and the
// component's: a release name over 32 characters failed the install (the
// headless Service's 82 characters here).
func TestHelmLongReleaseNameFits(t *testing.T) {
	helm := lookHelm(t)
	release := "payments-autoscaling-production-eu-west-1-blue-green1"
	require.Len(t, release, 53)
	objs, stderr, err := helmTemplateRelease(t, helm, release,
		"--set", "serviceMonitor.enabled=true", "--set", "controller.apiToken.value=s3cret78")
	require.NoError(t, err, stderr)
	label := regexp.MustCompile(`^[a-z]([-a-z0-9]*[a-z0-9])?$`)
	for kind, limit := range map[string]int{"Service": 63, "StatefulSet": 52, "DaemonSet": 63} {
		require.NotEmpty(t, objs[kind], kind)
		for _, o := range objs[kind] {
			require.LessOrEqual(t, len(o.Metadata.Name), limit, "%s %s", kind, o.Metadata.Name)
			require.Regexp(t, label, o.Metadata.Name, "%s name", kind)
		}
	}
	ss := objs["StatefulSet"][0]
	require.Equal(t, ss.Metadata.Name+"-headless", get(t, ss.raw, "spec", "serviceName"), "the governing Service")
	names := map[string]bool{}
	for _, o := range objs["Service"] {
		names[o.Metadata.Name] = true
	}
	require.True(t, names[ss.Metadata.Name+"-headless"], "the headless Service is rendered under the StatefulSet's serviceName")
}

func TestHelmTemplateOptionalObjects(t *testing.T) {
	helm := lookHelm(t)
	values := filepath.Join(t.TempDir(), "values.yaml")
	require.NoError(t, os.WriteFile(values, []byte(`
serviceMonitor: {enabled: true}
keda: {enabled: true, scaleTargetRef: {name: checkout}}
controller:
  apiToken: {value: s3cret78}
  extraEnv:
    - {name: PRESCALE_PROMETHEUS_HEADERS, valueFrom: {secretKeyRef: {name: tenant, key: headers}}}
  env: {PRESCALE_TARGET_NAME: checkout}
  targets:
    - {name: checkout, query: 'sum(rate(http_requests_total{service="checkout"}[2m]))', capacity_per_unit: 20}
`), 0o644))
	objs := mustTemplate(t, helm, "-f", values)
	require.Len(t, objs["ServiceMonitor"], 2)
	require.Len(t, objs["ScaledObject"], 1)
	require.Len(t, objs["Secret"], 1)

	t.Run("ServiceMonitors scrape the jobs the alerting rules select", func(t *testing.T) {
		jobs := map[string]bool{}
		for _, sm := range objs["ServiceMonitor"] {
			require.Equal(t, "app.kubernetes.io/name", get(t, sm.raw, "spec", "jobLabel"))
			sel, _ := get(t, sm.raw, "spec", "selector", "matchLabels").(map[string]any)
			var matched []string
			for _, svc := range objs["Service"] {
				labels, _ := get(t, svc.raw, "metadata", "labels").(map[string]any)
				if selects(sel, labels) {
					matched = append(matched, svc.Metadata.Name)
					jobs[labels["app.kubernetes.io/name"].(string)] = true
				}
			}
			require.Len(t, matched, 1, "ServiceMonitor %s must select exactly one Service, got %v", sm.Metadata.Name, matched)
		}
		require.Equal(t, map[string]bool{"prescale-controller": true, "prescale-exporter": true}, jobs)
	})

	t.Run("KEDA scales on prescale_desired_units of the target", func(t *testing.T) {
		so := objs["ScaledObject"][0]
		require.Equal(t, "keda.sh/v1alpha1", so.APIVersion)
		require.Equal(t, "checkout", get(t, so.raw, "spec", "scaleTargetRef", "name"))
		trig := get(t, so.raw, "spec", "triggers", 0)
		require.Equal(t, "AverageValue", get(t, trig, "metricType"))
		require.Equal(t, "1", get(t, trig, "metadata", "threshold"))
		q := get(t, trig, "metadata", "query").(string)
		requireSelects(t, q, "prescale_desired_units")
		require.Contains(t, q, `target="checkout"`)
		// docs/deploy.md says the query selects the target by name alone
		// (names must be unique across the controllers Prometheus scrapes).
		require.Contains(t, string(readRepoFile(t, "docs/deploy.md")), strings.ReplaceAll(q, "checkout", "NAME"), "docs/deploy.md: KEDA's query")
		behavior := get(t, so.raw, "spec", "advanced", "horizontalPodAutoscalerConfig", "behavior").(map[string]any)
		for _, dir := range []string{"scaleUp", "scaleDown"} {
			require.NotContains(t, behavior[dir], "tolerance", "unset: the cluster's tolerance")
		}
		requireFollowsAtOnce(t, behavior, get(t, so.raw, "spec", "maxReplicaCount"))
		// The query has no series from the controller's first missed
		// scrape (a restart): KEDA's static fallback scaled the workload
		// to 4 replicas whatever it ran.
		require.Equal(t, "currentReplicasIfHigher", get(t, so.raw, "spec", "fallback", "behavior"))
	})

	t.Run("keda.fallback.behavior", func(t *testing.T) {
		objs := mustTemplate(t, helm, "-f", values, "--set", "keda.fallback.behavior=")
		require.NotContains(t, get(t, objs["ScaledObject"][0].raw, "spec", "fallback"), "behavior", "empty: KEDA's default")
		_, stderr, err := helmTemplate(t, helm, "-f", values, "--set", "keda.fallback.behavior=higher")
		require.Error(t, err)
		require.Contains(t, stderr, "/keda/fallback/behavior")
	})

	// The HPA's 10 % tolerance left small decisions undone at 10 replicas
	// and more; keda.hpaTolerance sets behavior's tolerance both ways.
	t.Run("keda.hpaTolerance", func(t *testing.T) {
		objs := mustTemplate(t, helm, "-f", values, "--set", "keda.hpaTolerance=0")
		behavior := get(t, objs["ScaledObject"][0].raw, "spec", "advanced", "horizontalPodAutoscalerConfig", "behavior")
		for _, dir := range []string{"scaleUp", "scaleDown"} {
			require.Equal(t, "0", get(t, behavior, dir, "tolerance"), dir)
		}
	})

	t.Run("token from the Secret, targets file from the ConfigMap, extra env", func(t *testing.T) {
		ss := objs["StatefulSet"][0]
		env := containerEnv(t, ss)
		require.Equal(t, objs["Secret"][0].Metadata.Name, get(t, env["PRESCALE_API_TOKEN"], "valueFrom", "secretKeyRef", "name"))
		require.Equal(t, "/etc/prescale/targets.yml", get(t, env["PRESCALE_TARGETS_FILE"], "value"))
		require.Equal(t, "tenant", get(t, env["PRESCALE_PROMETHEUS_HEADERS"], "valueFrom", "secretKeyRef", "name"), "controller.extraEnv")
		targets := get(t, objs["ConfigMap"][0].raw, "data", "targets.yml").(string)
		var tf struct {
			Targets []map[string]any `yaml:"targets"`
		}
		require.NoError(t, yaml.Unmarshal([]byte(targets), &tf))
		require.Len(t, tf.Targets, 1)
		require.Equal(t, "checkout", tf.Targets[0]["name"])
		require.NotContains(t, objs["ConfigMap"][0].raw["data"], "s3cret", "the token belongs in the Secret")
	})

	t.Run("without persistence the data directory is an emptyDir", func(t *testing.T) {
		objs := mustTemplate(t, helm, "--set", "controller.persistence.enabled=false")
		ss := objs["StatefulSet"][0]
		require.Nil(t, get(t, ss.raw, "spec", "volumeClaimTemplates"))
		require.Equal(t, "data", get(t, ss.raw, "spec", "template", "spec", "volumes", 0, "name"))
		require.NotNil(t, get(t, ss.raw, "spec", "template", "spec", "volumes", 0, "emptyDir"))
	})
}

// TestHelmRenderedConfigurationIsAccepted feeds the rendered environment of
// each workload (the ConfigMap and the container env) to the programs' own
// configuration loading and validation, and the rendered targets file to the
// controller's parser: the chart's defaults are a configuration the
// controller and the exporter start with.
func TestHelmRenderedConfigurationIsAccepted(t *testing.T) {
	helm := lookHelm(t)
	values := filepath.Join(t.TempDir(), "values.yaml")
	require.NoError(t, os.WriteFile(values, []byte(`
controller:
  # A number reaches the templates as a float64: toString wrote 1000000
  # as "1e+06", which the controller refused at start (want a whole number).
  env: {PRESCALE_TARGET_MAX_UNITS: 1000000}
  targets:
    - {name: checkout, query: 'sum(rate(http_requests_total{service="checkout"}[2m]))', capacity_per_unit: 20, lag: 90s}
exporter:
  env: {PRESCALE_APP_URL: "http://127.0.0.1:8080/healthz", PRESCALE_APP_PORT: 8080, PRESCALE_APP_MAX_CONNECTIONS: 2000000}
`), 0o644))
	for _, args := range [][]string{nil, {"-f", values}} {
		objs := mustTemplate(t, helm, args...)
		data, _ := get(t, objs["ConfigMap"][0].raw, "data").(map[string]any)
		cfg := requireControllerAccepts(t, data, objs["StatefulSet"][0])
		if tf, ok := data["targets.yml"].(string); ok {
			ts, err := config.ParseTargets([]byte(tf), cfg.EnvTarget(), cfg.UsageWindow)
			require.NoError(t, err, "the rendered targets file")
			require.Len(t, ts, 1)
			require.Equal(t, "checkout", ts[0].Name)
			require.InDelta(t, 20.0, ts[0].CapacityPerUnit, 0)
			require.Equal(t, 1000000, ts[0].MaxUnits, "a whole number from the values file, inherited by the entry")
		}
		requireExporterAccepts(t, objs["DaemonSet"][0])
	}
}

// setPrescaleEnv replaces the test's PRESCALE_* variables with env.
func setPrescaleEnv(t *testing.T, env map[string]string) {
	t.Helper()
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(name, "PRESCALE_") {
			t.Setenv(name, "")
			require.NoError(t, os.Unsetenv(name))
		}
	}
	for k, v := range env {
		t.Setenv(k, v)
	}
}

// workloadEnv is a workload's PRESCALE_* environment: the ConfigMap's data
// (nil for none) and its container's literal env values.
func workloadEnv(t *testing.T, data map[string]any, o k8sObject) map[string]string {
	t.Helper()
	env := map[string]string{}
	for k, v := range data {
		if s, ok := v.(string); ok && strings.HasPrefix(k, "PRESCALE_") {
			env[k] = s
		}
	}
	for name, e := range containerEnv(t, o) {
		if v, ok := get(t, e, "value").(string); ok && strings.HasPrefix(name, "PRESCALE_") {
			env[name] = v
		}
	}
	return env
}

// requireControllerAccepts loads and validates the controller's
// configuration from a rendered ConfigMap and StatefulSet.
func requireControllerAccepts(t *testing.T, data map[string]any, ss k8sObject) config.Config {
	t.Helper()
	env := workloadEnv(t, data, ss)
	env["PRESCALE_DATA_DIR"] = t.TempDir()
	// PRESCALE_SHARD_COUNT takes the shard from the pod name's ordinal;
	// this host is no pod: stand in for pod 0.
	if n, ok := env["PRESCALE_SHARD_COUNT"]; ok {
		delete(env, "PRESCALE_SHARD_COUNT")
		env["PRESCALE_SHARD"] = "0/" + n
	}
	setPrescaleEnv(t, env)
	var cfg config.Config
	require.NoError(t, clihelp.ProcessEnv(config.EnvPrefix, &cfg), "as prescale-controller reads it (Prometheus' durations too)")
	require.NoError(t, cfg.Validate(), "the %s %s's controller configuration", ss.Kind, ss.Metadata.Name)
	// Every setting is read: the controller warns of the others at start.
	require.Empty(t, cfg.Unused(), "the %s %s's controller configuration", ss.Kind, ss.Metadata.Name)
	return cfg
}

// requireExporterAccepts loads and validates the exporter's configuration
// from a rendered DaemonSet, as prescale-exporter reads it.
func requireExporterAccepts(t *testing.T, ds k8sObject) {
	t.Helper()
	setPrescaleEnv(t, workloadEnv(t, nil, ds))
	var ecfg exporter.Config
	require.NoError(t, clihelp.ProcessEnv(exporter.EnvPrefix, &ecfg), "as prescale-exporter reads it")
	require.NoError(t, ecfg.Validate(), "the %s %s's exporter configuration", ds.Kind, ds.Metadata.Name)
}

func selects(sel, labels map[string]any) bool {
	for k, v := range sel {
		if labels[k] != v {
			return false
		}
	}
	return len(sel) > 0
}

func TestHelmTemplateRejectsBadValues(t *testing.T) {
	helm := lookHelm(t)
	for _, tc := range []struct{ set, want string }{
		{"controller.env.PRESCALE_DATA_DIR=/tmp", "at '/controller/env/PRESCALE_DATA_DIR': value must be 'set by the chart (see values.yaml), not in controller.env'"},
		{"controller.env.HOME=/", "'HOME' does not match pattern '^PRESCALE_[A-Z0-9_]+$'"},
		{"controler.port=9111", "additional properties 'controler' not allowed"},
		{"exporter.port=0", "at '/exporter/port': minimum: got 0, want 1"},
		// Rendered replicas: -1 (and PRESCALE_SHARD_COUNT -1, which the controller refuses).
		{"controller.shards=-1", "at '/controller/shards': minimum: got -1, want 1"},
		{"controller.shards=1.5", "at '/controller/shards': got string, want integer"},
		{"controller.podManagementPolicy=Sometimes", "at '/controller/podManagementPolicy'"},
		{"controller.persistence.size=lots", "at '/controller/persistence/size'"},
		{"exporter.env.PRESCALE_EXPORTER_LISTEN=:1", "at '/exporter/env/PRESCALE_EXPORTER_LISTEN': value must be 'set by the chart from exporter.port, not in exporter.env'"},
		{"keda.enabled=true,controller.env.PRESCALE_PROMETHEUS_URL=", noKEDAServer},
		// KEDA read a series that never exists and held its fallback size.
		{"keda.enabled=true,keda.target=checkout", `keda.target: the controller has no target "checkout" (its targets: web)`},
		{"keda.enabled=true,controller.targets[0].name=a,controller.targets[0].query=up", `keda.target: the controller has no target "web" (its targets: a)`},
		// Replica bounds narrower than the target's units: the HPA never ran
		// what prescale decided outside them, and the decision alert stayed.
		{"keda.enabled=true,controller.env.PRESCALE_TARGET_MIN_UNITS=1", `keda.minReplicaCount (2) is above target "web"'s min_units (1)`},
		{"keda.enabled=true,controller.env.PRESCALE_TARGET_MIN_UNITS=", `keda.minReplicaCount (2) is above target "web"'s min_units (1)`},
		{"keda.enabled=true,controller.env.PRESCALE_TARGET_MAX_UNITS=100", `keda.maxReplicaCount (50) is below target "web"'s max_units (100)`},
		{"keda.enabled=true,controller.targets[0].name=web,controller.targets[0].query=up,controller.targets[0].max_units=60", `keda.maxReplicaCount (50) is below target "web"'s max_units (60)`},
		// controller.extraEnv's bounds, which the container sees over
		// controller.env's, were not read: these rendered.
		{"keda.enabled=true,controller.extraEnv[0].name=PRESCALE_TARGET_MAX_UNITS,controller.extraEnv[0].value=100", `keda.maxReplicaCount (50) is below target "web"'s max_units (100)`},
		{"keda.enabled=true,controller.extraEnv[0].name=PRESCALE_TARGET_MIN_UNITS,controller.extraEnv[0].value=3,controller.extraEnv[1].name=PRESCALE_TARGET_MIN_UNITS,controller.extraEnv[1].value=1", `keda.minReplicaCount (2) is above target "web"'s min_units (1)`},
	} {
		_, stderr, err := helmTemplate(t, helm, "--set", tc.set)
		require.Error(t, err, tc.set)
		require.Contains(t, stderr, tc.want, tc.set)
	}
	// Bounds that contain the target's units are taken: the entry's own
	// min_units over the variable's, a wider KEDA range, scale to zero.
	for _, set := range []string{
		"keda.enabled=true,controller.env.PRESCALE_TARGET_MIN_UNITS=1,controller.targets[0].name=web,controller.targets[0].query=up,controller.targets[0].min_units=3",
		"keda.enabled=true,keda.minReplicaCount=1,keda.maxReplicaCount=60",
		"keda.enabled=true,keda.minReplicaCount=0,controller.env.PRESCALE_TARGET_MIN_UNITS=0",
		// extraEnv's value wins over controller.env's, as in the container.
		"keda.enabled=true,controller.env.PRESCALE_TARGET_MIN_UNITS=1,controller.extraEnv[0].name=PRESCALE_TARGET_MIN_UNITS,controller.extraEnv[0].value=2",
		// From a Secret: not known when the chart renders, not checked.
		"keda.enabled=true,controller.env.PRESCALE_TARGET_MIN_UNITS=1,controller.extraEnv[0].name=PRESCALE_TARGET_MIN_UNITS,controller.extraEnv[0].valueFrom.secretKeyRef.name=s,controller.extraEnv[0].valueFrom.secretKeyRef.key=k",
	} {
		objs, stderr, err := helmTemplate(t, helm, "--set", set)
		require.NoError(t, err, "%s: %s", set, stderr)
		require.Len(t, objs["ScaledObject"], 1, set)
	}
}

// chartValues is the part of values.yaml the tests read.
type chartValues struct {
	Image struct {
		Repository string `yaml:"repository"`
		Tag        string `yaml:"tag"`
	} `yaml:"image"`
	Controller struct {
		Env map[string]any `yaml:"env"`
	} `yaml:"controller"`
	Exporter struct {
		Env map[string]any `yaml:"env"`
	} `yaml:"exporter"`
}

func readChartValues(t *testing.T) chartValues {
	t.Helper()
	var v chartValues
	require.NoError(t, yaml.Unmarshal(testkit.ReadFile(t, filepath.Join(chartDir, "values.yaml")), &v))
	return v
}

// chartImage is the image the chart runs by default: values.yaml's
// repository at the VERSION file's tag.
func chartImage(t *testing.T) string {
	t.Helper()
	v := readChartValues(t)
	require.Empty(t, v.Image.Tag, "the tag follows the chart's appVersion")
	return v.Image.Repository + ":" + prescale.Version()
}

// TestHelmChartVersionAndImage ties the chart to the build: Chart.yaml's
// versions are VERSION, and its image repository is the name `make image`
// tags deploy/Dockerfile's build with.
func TestHelmChartVersionAndImage(t *testing.T) {
	var chart struct {
		APIVersion string `yaml:"apiVersion"`
		Version    string `yaml:"version"`
		AppVersion string `yaml:"appVersion"`
	}
	require.NoError(t, yaml.Unmarshal(testkit.ReadFile(t, filepath.Join(chartDir, "Chart.yaml")), &chart))
	require.Equal(t, "v2", chart.APIVersion)
	require.Equal(t, prescale.Version(), chart.Version, "Chart.yaml version must follow VERSION")
	require.Equal(t, prescale.Version(), chart.AppVersion, "Chart.yaml appVersion must follow VERSION")

	m := regexp.MustCompile(`(?m)^IMAGE\s*\?=\s*(\S+)`).FindSubmatch(readRepoFile(t, "Makefile"))
	require.NotNil(t, m, "Makefile has no IMAGE ?= default")
	require.Equal(t, string(m[1]), readChartValues(t).Image.Repository, "the chart's image is not the one make image builds")
	require.Contains(t, string(readRepoFile(t, "Makefile")), "-f deploy/Dockerfile -t $(IMAGE):$(VERSION)")
}

// TestHelmValuesCoverEveryVariable requires values.yaml to list every
// PRESCALE_* variable of the programs (those the chart sets itself aside),
// so that a new setting cannot be forgotten in the chart.
func TestHelmValuesCoverEveryVariable(t *testing.T) {
	v := readChartValues(t)
	chartSet := []string{"PRESCALE_LISTEN", "PRESCALE_DATA_DIR", "PRESCALE_TARGETS_FILE", "PRESCALE_API_TOKEN", "PRESCALE_EXPORTER_LISTEN", "PRESCALE_SHARD", "PRESCALE_SHARD_COUNT"}
	for _, tc := range []struct {
		where string
		typ   reflect.Type
		env   map[string]any
	}{
		{"controller.env", reflect.TypeFor[config.Config](), v.Controller.Env},
		{"exporter.env", reflect.TypeFor[exporter.Config](), v.Exporter.Env},
	} {
		for _, name := range envVars(tc.typ) {
			if slices.Contains(chartSet, name) {
				require.NotContains(t, tc.env, name, "%s: %s is set by the chart", tc.where, name)
				continue
			}
			_, listed := tc.env[name]
			require.True(t, listed, "deploy/helm/prescale/values.yaml %s lacks %s: add it (an empty value keeps the program's default)", tc.where, name)
		}
		for name := range tc.env {
			requireKnownEnv(t, name, "values.yaml "+tc.where)
		}
	}
}
