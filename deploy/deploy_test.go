package deploy

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/prometheus/prometheus/promql/parser"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/prescale/prescale/controller/config"
	"github.com/prescale/prescale/exporter"
	"github.com/prescale/prescale/internal/testkit"
)

// repoRoot is the repository, seen from this package's directory.
const repoRoot = ".."

func readRepoFile(t *testing.T, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, rel))
	require.NoError(t, err)
	return b
}

func requireRepoPath(t *testing.T, rel, what string) {
	t.Helper()
	_, err := os.Stat(filepath.Join(repoRoot, filepath.FromSlash(rel)))
	require.NoError(t, err, "%s: %s does not exist in the repository", what, rel)
}

// lookTool finds a command-line tool or fails the test with how to install it.
func lookTool(t *testing.T, name, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s not found on PATH: install it with `sudo apt-get install %s` (or run ./scripts/ensure-test-deps.sh)", name, pkg)
	}
	return p
}

// ruleFiles splits deploy/rules into rule files and promtool
// unit-test files (*_test.yml).
func ruleFiles(t *testing.T) (rules, tests []string) {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("rules", "*.yml"))
	require.NoError(t, err)
	for _, p := range paths {
		if strings.HasSuffix(p, "_test.yml") {
			tests = append(tests, p)
		} else {
			rules = append(rules, p)
		}
	}
	require.NotEmpty(t, rules, "no rule files in deploy/rules")
	require.NotEmpty(t, tests, "no promtool tests in deploy/rules")
	return rules, tests
}

// TestCheckConfig runs what scripts/checkconfig.sh runs, so `go test`
// covers it: promtool check config/check rules/test rules and amtool
// check-config. Every one must succeed.
func TestCheckConfig(t *testing.T) {
	promtool := lookTool(t, "promtool", "prometheus")
	amtool := lookTool(t, "amtool", "prometheus-alertmanager")
	rules, tests := ruleFiles(t)
	abs := func(ps []string) []string {
		out := make([]string, len(ps))
		for i, p := range ps {
			a, err := filepath.Abs(p)
			require.NoError(t, err)
			out[i] = a
		}
		return out
	}
	for _, tc := range []struct {
		name string
		dir  string // working directory: prometheus.yml's rule paths are relative to it
		cmd  []string
	}{
		{"promtool check config", repoRoot, []string{promtool, "check", "config", "prometheus.yml"}},
		{"promtool check rules", ".", append([]string{promtool, "check", "rules"}, abs(rules)...)},
		{"promtool test rules", ".", append([]string{promtool, "test", "rules"}, abs(tests)...)},
		{"amtool check-config", ".", []string{amtool, "check-config", "alertmanager.yml"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.CommandContext(t.Context(), tc.cmd[0], tc.cmd[1:]...)
			cmd.Dir = tc.dir
			out, err := cmd.CombinedOutput()
			require.NoError(t, err, "%s failed:\n%s", strings.Join(tc.cmd, " "), out)
		})
	}
}

// TestCheckConfigScript runs scripts/checkconfig.sh itself.
func TestCheckConfigScript(t *testing.T) {
	lookTool(t, "promtool", "prometheus")
	lookTool(t, "amtool", "prometheus-alertmanager")
	cmd := exec.CommandContext(t.Context(), "bash", filepath.Join("scripts", "checkconfig.sh"))
	cmd.Dir = repoRoot
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "scripts/checkconfig.sh failed:\n%s", out)
}

// ruleFile is a Prometheus rule file.
type ruleFile struct {
	Groups []struct {
		Name     string `yaml:"name"`
		Interval string `yaml:"interval"`
		Rules    []rule `yaml:"rules"`
	} `yaml:"groups"`
}

// rule is one alerting or recording rule of a ruleFile.
type rule struct {
	Alert       string            `yaml:"alert"`
	Record      string            `yaml:"record"`
	Expr        string            `yaml:"expr"`
	For         string            `yaml:"for"`
	Labels      map[string]string `yaml:"labels"`
	Annotations map[string]string `yaml:"annotations"`
}

// alertRules reads the alerting rules of the rule files, in file order.
func alertRules(t *testing.T, files []string) []rule {
	t.Helper()
	var alerts []rule
	for _, p := range files {
		var rf ruleFile
		require.NoError(t, yaml.Unmarshal(testkit.ReadFile(t, p), &rf), p)
		for _, g := range rf.Groups {
			for _, r := range g.Rules {
				if r.Alert != "" {
					alerts = append(alerts, r)
				}
			}
		}
	}
	return alerts
}

// testFile is the part of a promtool unit-test file that names alerts.
type testFile struct {
	RuleFiles []string `yaml:"rule_files"`
	Tests     []struct {
		AlertRuleTests []struct {
			Alertname string `yaml:"alertname"`
			ExpAlerts []any  `yaml:"exp_alerts"`
		} `yaml:"alert_rule_test"`
	} `yaml:"tests"`
}

// TestEveryAlertHasFiringAndQuietTests requires a promtool test case where
// each alert fires and one where it does not, and the labels Alertmanager's
// routing and grouping rely on.
func TestEveryAlertHasFiringAndQuietTests(t *testing.T) {
	rules, tests := ruleFiles(t)
	firing, quiet := map[string]bool{}, map[string]bool{}
	for _, p := range tests {
		var tf testFile
		require.NoError(t, yaml.Unmarshal(testkit.ReadFile(t, p), &tf), p)
		for _, tc := range tf.Tests {
			for _, a := range tc.AlertRuleTests {
				if len(a.ExpAlerts) > 0 {
					firing[a.Alertname] = true
				} else {
					quiet[a.Alertname] = true
				}
			}
		}
	}
	alerts := alertRules(t, rules)
	for _, r := range alerts {
		t.Run(r.Alert, func(t *testing.T) {
			require.True(t, firing[r.Alert], "no promtool test where %s fires", r.Alert)
			require.True(t, quiet[r.Alert], "no promtool test where %s stays quiet", r.Alert)
			require.Equal(t, "prescale", r.Labels["service"], "label service routes prescale alerts in alertmanager.yml")
			require.Contains(t, []string{"info", "warning", "critical"}, r.Labels["severity"])
			require.NotEmpty(t, r.Annotations["summary"])
			require.NotEmpty(t, r.Annotations["description"])
		})
	}
	require.GreaterOrEqual(t, len(alerts), 7, "alerts: decision pending, recommendation differs, budget, controller down/stale, anomaly, exporter down, disk full")
}

// composeFile is the part of docker-compose.yml the tests look at.
type composeFile struct {
	Services map[string]struct {
		Build *struct {
			Context    string `yaml:"context"`
			Dockerfile string `yaml:"dockerfile"`
		} `yaml:"build"`
		Image       string            `yaml:"image"`
		Entrypoint  []string          `yaml:"entrypoint"`
		Command     []string          `yaml:"command"`
		Ports       []string          `yaml:"ports"`
		Volumes     []string          `yaml:"volumes"`
		Environment map[string]string `yaml:"environment"`
		DependsOn   []string          `yaml:"depends_on"`
		Restart     string            `yaml:"restart"`
	} `yaml:"services"`
	Volumes map[string]any `yaml:"volumes"`
}

func TestDockerCompose(t *testing.T) {
	var c composeFile
	require.NoError(t, yaml.Unmarshal(readRepoFile(t, "docker-compose.yml"), &c))

	wantPorts := map[string]string{
		"prometheus": "9090", "alertmanager": "9093", "grafana": "3000",
		"exporter": "9110", "controller": "9111",
	}
	for name, port := range wantPorts {
		t.Run(name, func(t *testing.T) {
			s, ok := c.Services[name]
			require.True(t, ok, "service %s missing", name)
			require.Contains(t, s.Ports, port+":"+port)
			for _, d := range s.DependsOn {
				require.Contains(t, c.Services, d, "depends_on names an unknown service")
			}
			for _, v := range s.Volumes {
				src, dst, _ := strings.Cut(v, ":")
				dst, _, _ = strings.Cut(dst, ":")
				require.True(t, strings.HasPrefix(dst, "/"), "volume %q: container path must be absolute", v)
				switch {
				case strings.HasPrefix(src, "./"):
					requireRepoPath(t, src, "service "+name)
				case strings.HasPrefix(src, "/"):
					// a host path (/proc, /sys): not part of the repository
				default:
					require.Contains(t, c.Volumes, src, "volume %q is neither a path nor a named volume", v)
				}
			}
		})
	}

	// The exporter and the controller are built from deploy/Dockerfile.
	for _, name := range []string{"exporter", "controller"} {
		s := c.Services[name]
		require.NotNil(t, s.Build, "%s must be built", name)
		require.Equal(t, ".", s.Build.Context)
		require.Equal(t, "deploy/Dockerfile", s.Build.Dockerfile)
		requireRepoPath(t, s.Build.Dockerfile, name)
	}
	require.Equal(t, []string{"/usr/local/bin/prescale-exporter"}, c.Services["exporter"].Entrypoint)

	// Exit 2 is a configuration error: restarting cannot mend it, and an
	// unconditional policy (unless-stopped, always) restarted it forever.
	for _, name := range []string{"exporter", "controller"} {
		policy, n, _ := strings.Cut(c.Services[name].Restart, ":")
		require.Equal(t, "on-failure", policy, "service %s: a restart policy that gives up on exit 2", name)
		retries, err := strconv.Atoi(n)
		require.NoError(t, err, "service %s: on-failure needs a retry cap (on-failure:N)", name)
		require.True(t, retries >= 1 && retries <= 10, "service %s: %d retries", name, retries)
	}

	// Environment variables are real configuration fields.
	for _, name := range []string{"exporter", "controller"} {
		for k := range c.Services[name].Environment {
			requireKnownEnv(t, k, "docker-compose.yml service "+name)
		}
	}

	// The exporter sees the host's file systems mounted after it started
	// (rslave, the DaemonSet's HostToContainer); without it the mount point
	// of a volume the host mounted later was read (statfs) as the empty
	// directory beneath it: the root file system's figures under its name.
	require.Contains(t, c.Services["exporter"].Volumes, "/:/host/root:ro,rslave")

	// Prometheus, Alertmanager and Grafana read this repository's files.
	mounts := func(svc string) map[string]string {
		m := map[string]string{}
		for _, v := range c.Services[svc].Volumes {
			parts := strings.Split(v, ":")
			m[parts[1]] = parts[0]
		}
		return m
	}
	require.Equal(t, "./prometheus.yml", mounts("prometheus")["/etc/prometheus/prometheus.yml"])
	require.Equal(t, "./deploy/rules", mounts("prometheus")["/etc/prometheus/deploy/rules"], "prometheus.yml loads deploy/rules/... relative to itself")
	require.Equal(t, "./deploy/alertmanager.yml", mounts("alertmanager")["/etc/alertmanager/alertmanager.yml"])
	require.Equal(t, "./deploy/grafana/provisioning", mounts("grafana")["/etc/grafana/provisioning"])
	dashMount := ""
	for dst, src := range mounts("grafana") {
		if src == "./dashboards" {
			dashMount = dst
		}
	}
	require.NotEmpty(t, dashMount, "grafana must mount ./dashboards")

	// The dashboard provider reads where dashboards/ is mounted.
	var prov struct {
		Providers []struct {
			Options struct {
				Path string `yaml:"path"`
			} `yaml:"options"`
		} `yaml:"providers"`
	}
	require.NoError(t, yaml.Unmarshal(testkit.ReadFile(t, filepath.Join("grafana", "provisioning", "dashboards", "prescale.yml")), &prov))
	require.Len(t, prov.Providers, 1)
	require.Equal(t, dashMount, prov.Providers[0].Options.Path)

	// Every scrape and Alertmanager target in prometheus.yml is a compose
	// service exposing that port.
	var prom promConfig
	require.NoError(t, yaml.Unmarshal(readRepoFile(t, "prometheus.yml"), &prom))
	var targets []string
	for _, sc := range prom.ScrapeConfigs {
		for _, st := range sc.StaticConfigs {
			targets = append(targets, st.Targets...)
		}
	}
	for _, am := range prom.Alerting.Alertmanagers {
		for _, st := range am.StaticConfigs {
			targets = append(targets, st.Targets...)
		}
	}
	require.NotEmpty(t, targets)
	// The alerting rules read the controller's mode from
	// prescale_controller_info, not from a target label.
	for _, sc := range prom.ScrapeConfigs {
		for _, st := range sc.StaticConfigs {
			require.NotContains(t, st.Labels, "mode", "prometheus.yml: job %s: the mode comes from prescale_controller_info", sc.JobName)
		}
	}
	for _, tg := range targets {
		host, port, err := net.SplitHostPort(tg)
		require.NoError(t, err, tg)
		if host == "localhost" {
			continue
		}
		s, ok := c.Services[host]
		require.True(t, ok, "prometheus.yml target %s is not a docker-compose service", tg)
		require.Contains(t, s.Ports, port+":"+port, "prometheus.yml target %s", tg)
	}
}

// promConfig is the part of prometheus.yml the tests look at and render.
type promConfig struct {
	RuleFiles     []string `yaml:"rule_files"`
	ScrapeConfigs []struct {
		JobName       string `yaml:"job_name"`
		StaticConfigs []struct {
			Targets []string          `yaml:"targets"`
			Labels  map[string]string `yaml:"labels"`
		} `yaml:"static_configs"`
	} `yaml:"scrape_configs"`
	Alerting struct {
		Alertmanagers []struct {
			StaticConfigs []struct {
				Targets []string `yaml:"targets"`
			} `yaml:"static_configs"`
		} `yaml:"alertmanagers"`
	} `yaml:"alerting"`
}

func TestPrometheusConfig(t *testing.T) {
	var prom promConfig
	require.NoError(t, yaml.Unmarshal(readRepoFile(t, "prometheus.yml"), &prom))
	rules, _ := ruleFiles(t)
	var want []string
	for _, r := range rules {
		want = append(want, filepath.ToSlash(filepath.Join("deploy", r)))
	}
	got := slices.Clone(prom.RuleFiles)
	slices.Sort(got)
	require.Equal(t, want, got, "prometheus.yml must load every rule file of deploy/rules (and no *_test.yml)")
	var jobs []string
	for _, sc := range prom.ScrapeConfigs {
		jobs = append(jobs, sc.JobName)
	}
	// The alerting rules select these job names.
	require.Contains(t, jobs, "prescale-exporter")
	require.Contains(t, jobs, "prescale-controller")
	require.NotEmpty(t, prom.Alerting.Alertmanagers)
}

func TestDockerfile(t *testing.T) {
	df := string(testkit.ReadFile(t, "Dockerfile"))
	from := regexp.MustCompile(`(?m)^FROM\s+(\S+)`).FindAllStringSubmatch(df, -1)
	require.GreaterOrEqual(t, len(from), 2, "multi-stage: a build stage and a runtime stage")
	require.Contains(t, from[len(from)-1][1], "distroless/static", "the runtime stage holds only the static binaries")
	user := regexp.MustCompile(`(?m)^USER\s+(\S+)`).FindAllStringSubmatch(df, -1)
	require.NotEmpty(t, user, "no USER: the image would run as root")
	require.NotContains(t, []string{"0", "root", "0:0"}, user[len(user)-1][1])
	require.Contains(t, df, "CGO_ENABLED=0", "binaries must be static")
	for _, v := range []string{"Version", "Revision", "Branch", "BuildUser", "BuildDate"} {
		require.Contains(t, df, "-X ${vpkg}."+v+"=", "version ldflags for %s", v)
	}
	for _, b := range []string{"prescale", "prescale-exporter", "prescale-controller"} {
		require.Contains(t, df, "/out/"+b, "binary %s is not copied into the image", b)
		requireRepoPath(t, "cmd/"+b, "Dockerfile builds ./cmd/"+b)
	}
	require.Contains(t, df, "./cmd/$b")

	// The build context filter must keep what the build needs.
	for _, line := range strings.Split(string(testkit.ReadFile(t, "Dockerfile.dockerignore")), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		for _, keep := range []string{"go.mod", "go.sum", "VERSION", "version.go", "cmd", "controller", "exporter", "predictor", "internal"} {
			require.NotEqual(t, keep, strings.Trim(line, "/"), "Dockerfile.dockerignore excludes %s, which the build needs", keep)
		}
	}
}

// k8sObject is the part of a Kubernetes object every manifest must have.
type k8sObject struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Metadata   struct {
		Name      string `yaml:"name"`
		Namespace string `yaml:"namespace"`
	} `yaml:"metadata"`
	raw map[string]any
}

func loadManifests(t *testing.T) map[string][]k8sObject {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("kubernetes", "*.yaml"))
	require.NoError(t, err)
	require.NotEmpty(t, paths)
	out := map[string][]k8sObject{}
	for _, p := range paths {
		dec := yaml.NewDecoder(bytes.NewReader(testkit.ReadFile(t, p)))
		for {
			var node yaml.Node
			err := dec.Decode(&node)
			if errors.Is(err, io.EOF) {
				break
			}
			require.NoError(t, err, p)
			var o k8sObject
			require.NoError(t, node.Decode(&o), p)
			require.NoError(t, node.Decode(&o.raw), p)
			require.NotEmpty(t, o.APIVersion, "%s: object without apiVersion", p)
			require.NotEmpty(t, o.Kind, "%s: object without kind", p)
			if o.Kind != "Kustomization" {
				require.NotEmpty(t, o.Metadata.Name, "%s: %s without a name", p, o.Kind)
			}
			out[o.Kind] = append(out[o.Kind], o)
		}
	}
	return out
}

// get walks a decoded YAML document by keys and list indices.
func get(t *testing.T, v any, path ...any) any {
	t.Helper()
	for _, k := range path {
		switch k := k.(type) {
		case string:
			m, ok := v.(map[string]any)
			require.True(t, ok, "at %v: not a mapping", k)
			v = m[k]
		case int:
			l, ok := v.([]any)
			require.True(t, ok, "at %v: not a list", k)
			require.Greater(t, len(l), k, "at %v: list too short", k)
			v = l[k]
		}
	}
	return v
}

func TestKubernetesManifests(t *testing.T) {
	objs := loadManifests(t)
	for _, kind := range []string{"Namespace", "ServiceAccount", "ConfigMap", "StatefulSet", "Service", "DaemonSet", "ScaledObject", "HorizontalPodAutoscaler", "Kustomization"} {
		require.NotEmpty(t, objs[kind], "no %s in deploy/kubernetes", kind)
	}

	t.Run("workloads run the prescale binaries as non-root", func(t *testing.T) {
		want := map[string]string{"StatefulSet": "/usr/local/bin/prescale-controller", "DaemonSet": "/usr/local/bin/prescale-exporter"}
		for kind, bin := range want {
			o := objs[kind][0]
			spec := get(t, o.raw, "spec", "template", "spec")
			require.Equal(t, true, get(t, spec, "securityContext", "runAsNonRoot"), kind)
			require.Equal(t, bin, get(t, spec, "containers", 0, "command", 0), kind)
			require.Equal(t, false, get(t, spec, "containers", 0, "securityContext", "allowPrivilegeEscalation"), kind)
		}
	})

	t.Run("environment variables are configuration fields", func(t *testing.T) {
		for _, cm := range objs["ConfigMap"] {
			data, _ := get(t, cm.raw, "data").(map[string]any)
			for k := range data {
				if strings.HasPrefix(k, "PRESCALE_") {
					requireKnownEnv(t, k, "ConfigMap "+cm.Metadata.Name)
				}
			}
		}
		for _, kind := range []string{"StatefulSet", "DaemonSet"} {
			env, _ := get(t, objs[kind][0].raw, "spec", "template", "spec", "containers", 0, "env").([]any)
			for _, e := range env {
				requireKnownEnv(t, get(t, e, "name").(string), kind)
			}
		}
	})

	t.Run("the controller's data directory is a PersistentVolumeClaim", func(t *testing.T) {
		ss := objs["StatefulSet"][0]
		claim := get(t, ss.raw, "spec", "volumeClaimTemplates", 0)
		require.Equal(t, "data", get(t, claim, "metadata", "name"))
		require.NotNil(t, get(t, claim, "spec", "resources", "requests", "storage"))
		c := get(t, ss.raw, "spec", "template", "spec", "containers", 0)
		mount := get(t, c, "volumeMounts", 0)
		require.Equal(t, "data", get(t, mount, "name"))
		require.Equal(t, get(t, mount, "mountPath"), get(t, c, "env", 0, "value"), "PRESCALE_DATA_DIR is the claim's mount")
		require.Equal(t, "PRESCALE_DATA_DIR", get(t, c, "env", 0, "name"))
		require.Nil(t, get(t, ss.raw, "spec", "template", "spec", "volumes"), "no pod volume (emptyDir) may shadow the claim")
		var headless bool
		for _, svc := range objs["Service"] {
			if svc.Metadata.Name == get(t, ss.raw, "spec", "serviceName") {
				headless = get(t, svc.raw, "spec", "clusterIP") == "None"
			}
		}
		require.True(t, headless, "the StatefulSet's serviceName must be a headless Service")
		// OrderedReady (the default) started shard i+1 only once shard i
		// was ready: every shard waited behind one whose history source
		// did not answer.
		require.Equal(t, "Parallel", get(t, ss.raw, "spec", "podManagementPolicy"), "shards start together")
	})

	t.Run("the programs accept the configuration", func(t *testing.T) {
		var data map[string]any
		for _, cm := range objs["ConfigMap"] {
			if cm.Metadata.Name == "prescale-controller" {
				data, _ = get(t, cm.raw, "data").(map[string]any)
			}
		}
		require.NotNil(t, data, "no ConfigMap prescale-controller")
		requireControllerAccepts(t, data, objs["StatefulSet"][0])
		requireExporterAccepts(t, objs["DaemonSet"][0])
	})

	t.Run("the image is the one make image builds", func(t *testing.T) {
		for _, kind := range []string{"StatefulSet", "DaemonSet"} {
			require.Equal(t, chartImage(t), get(t, objs[kind][0].raw, "spec", "template", "spec", "containers", 0, "image"), kind)
		}
	})

	t.Run("KEDA scales on prescale_desired_units", func(t *testing.T) {
		so := objs["ScaledObject"][0]
		require.Equal(t, "keda.sh/v1alpha1", so.APIVersion)
		trig := get(t, so.raw, "spec", "triggers", 0)
		require.Equal(t, "prometheus", get(t, trig, "type"))
		require.Equal(t, "AverageValue", get(t, trig, "metricType"), "replicas = desired units / threshold")
		require.Equal(t, "1", get(t, trig, "metadata", "threshold"))
		q := get(t, trig, "metadata", "query").(string)
		requireSelects(t, q, "prescale_desired_units")
		// No series from the controller's first missed scrape: KEDA's
		// static fallback scaled the workload to 4 whatever it ran.
		require.Equal(t, "currentReplicasIfHigher", get(t, so.raw, "spec", "fallback", "behavior"))
		requireFollowsAtOnce(t, get(t, so.raw, "spec", "advanced", "horizontalPodAutoscalerConfig", "behavior"), get(t, so.raw, "spec", "maxReplicaCount"))
	})

	// kube_deployment_status_replicas counts a pod once it exists: the
	// observed provisioning lag ended before the new pods were ready.
	t.Run("the current units are the workload's available replicas", func(t *testing.T) {
		var q string
		for _, cm := range objs["ConfigMap"] {
			if cm.Metadata.Name == "prescale-controller" {
				q, _ = get(t, cm.raw, "data", "PRESCALE_TARGET_CURRENT_QUERY").(string)
			}
		}
		so := objs["ScaledObject"][0]
		require.Equal(t, map[string]string{"namespace": get(t, so.raw, "metadata", "namespace").(string), "deployment": get(t, so.raw, "spec", "scaleTargetRef", "name").(string)},
			selectorMatchers(t, q, "kube_deployment_status_replicas_available"), "the Deployment KEDA scales")
	})

	t.Run("HPA scales on the external metric prescale_desired_units", func(t *testing.T) {
		hpa := objs["HorizontalPodAutoscaler"][0]
		require.Equal(t, "autoscaling/v2", hpa.APIVersion)
		m := get(t, hpa.raw, "spec", "metrics", 0)
		require.Equal(t, "External", get(t, m, "type"))
		require.Equal(t, "prescale_desired_units", get(t, m, "external", "metric", "name"))
		require.Equal(t, "AverageValue", get(t, m, "external", "target", "type"))
		requireFollowsAtOnce(t, get(t, hpa.raw, "spec", "behavior"), get(t, hpa.raw, "spec", "maxReplicas"))
	})

	// Bounds narrower than the target's units leave what prescale decides
	// outside them undone, and PrescaleScalingDecisionPending firing (the
	// Helm chart refuses such values; these files are edited by hand).
	t.Run("KEDA's and the HPA's replica bounds contain the target's units", func(t *testing.T) {
		var data map[string]any
		for _, cm := range objs["ConfigMap"] {
			if cm.Metadata.Name == "prescale-controller" {
				data, _ = get(t, cm.raw, "data").(map[string]any)
			}
		}
		units := func(k string) int {
			n, err := strconv.Atoi(data[k].(string))
			require.NoError(t, err, k)
			return n
		}
		lo, hi := units("PRESCALE_TARGET_MIN_UNITS"), units("PRESCALE_TARGET_MAX_UNITS")
		so, hpa := objs["ScaledObject"][0].raw, objs["HorizontalPodAutoscaler"][0].raw
		require.LessOrEqual(t, get(t, so, "spec", "minReplicaCount"), lo, "ScaledObject minReplicaCount")
		require.GreaterOrEqual(t, get(t, so, "spec", "maxReplicaCount"), hi, "ScaledObject maxReplicaCount")
		require.LessOrEqual(t, get(t, hpa, "spec", "minReplicas"), lo, "HPA minReplicas")
		require.GreaterOrEqual(t, get(t, hpa, "spec", "maxReplicas"), hi, "HPA maxReplicas")
	})

	t.Run("kustomization lists existing files", func(t *testing.T) {
		res, _ := get(t, objs["Kustomization"][0].raw, "resources").([]any)
		require.NotEmpty(t, res)
		for _, r := range res {
			requireRepoPath(t, "deploy/kubernetes/"+r.(string), "kustomization.yaml")
		}
	})
}

// requireFollowsAtOnce requires an HPA behavior (KEDA's or a plain HPA's)
// to scale up to maxReplicas in one 15 s period without a stabilisation
// window: the HPA's default policies (4 pods or 100 % per 15 s) took five
// steps from 2 to 50 replicas after prescale decided 50.
func requireFollowsAtOnce(t *testing.T, behavior, maxReplicas any) {
	t.Helper()
	up := get(t, behavior, "scaleUp")
	require.EqualValues(t, 0, get(t, up, "stabilizationWindowSeconds"))
	require.NotContains(t, up, "selectPolicy", "Max, the default: any policy allows it")
	policies, _ := get(t, up, "policies").([]any)
	var ok bool
	for _, p := range policies {
		ok = ok || get(t, p, "type") == "Pods" && get(t, p, "value") == maxReplicas && get(t, p, "periodSeconds").(int) <= 15
	}
	require.True(t, ok, "no scale-up policy allows %v pods at once: %v", maxReplicas, policies)
}

// requireSelects parses a PromQL query and requires it to select metric.
func requireSelects(t *testing.T, query, metric string) {
	t.Helper()
	e, err := parser.NewParser(parser.Options{}).ParseExpr(query)
	require.NoError(t, err, query)
	var found bool
	parser.Inspect(e, func(n parser.Node, _ []parser.Node) error {
		if vs, ok := n.(*parser.VectorSelector); ok && vs.Name == metric {
			found = true
		}
		return nil
	})
	require.True(t, found, "query %q does not select %s", query, metric)
}

func TestSystemdUnits(t *testing.T) {
	for _, tc := range []struct{ unit, bin, env string }{
		{"prescale-exporter.service", "/usr/local/bin/prescale-exporter", "/etc/default/prescale-exporter"},
		{"prescale-controller.service", "/usr/local/bin/prescale-controller", "/etc/default/prescale-controller"},
	} {
		t.Run(tc.unit, func(t *testing.T) {
			unit := string(testkit.ReadFile(t, filepath.Join("systemd", tc.unit)))
			for _, s := range []string{"[Unit]", "[Service]", "[Install]", "ExecStart=" + tc.bin + "\n", "EnvironmentFile=-" + tc.env + "\n", "DynamicUser=yes", "RestartPreventExitStatus=2"} {
				require.Contains(t, unit, s)
			}
			envFile := filepath.Join("systemd", strings.TrimSuffix(tc.unit, ".service")+".env")
			f, err := os.Open(envFile)
			require.NoError(t, err)
			t.Cleanup(func() { _ = f.Close() })
			sc := bufio.NewScanner(f)
			var n int
			for sc.Scan() {
				line := strings.TrimSpace(sc.Text())
				if line == "" || strings.HasPrefix(line, "#") {
					continue
				}
				k, _, ok := strings.Cut(line, "=")
				require.True(t, ok, "%s: %q is not KEY=VALUE", envFile, line)
				requireKnownEnv(t, k, envFile)
				n++
			}
			require.NoError(t, sc.Err())
			require.Positive(t, n, "%s sets nothing", envFile)
			requireShellReadsAsSystemd(t, envFile)
			// Commented-out examples must name real variables too.
			for _, m := range regexp.MustCompile(`(?m)^#(PRESCALE_[A-Z0-9_]+)=`).FindAllStringSubmatch(string(testkit.ReadFile(t, envFile)), -1) {
				requireKnownEnv(t, m[1], envFile)
			}
		})
	}
}

// requireShellReadsAsSystemd: a shell reading envFile (set -a; . FILE, to
// run the program by hand as the unit does) gets every PRESCALE_* value
// systemd's EnvironmentFile does, where a value held in single quotes is
// read without them and any other as it is. An unquoted PromQL query was
// a syntax error to the shell: sum(...) opened a subshell.
func requireShellReadsAsSystemd(t *testing.T, envFile string) {
	t.Helper()
	out, err := exec.CommandContext(t.Context(), "sh", "-c", `set -a; . "./$1"; env`, "sh", envFile).CombinedOutput()
	require.NoError(t, err, "sh cannot read %s: %s", envFile, out)
	shell := map[string]string{}
	for line := range strings.Lines(string(out)) {
		if k, v, ok := strings.Cut(strings.TrimSuffix(line, "\n"), "="); ok && strings.HasPrefix(k, "PRESCALE_") {
			shell[k] = v
		}
	}
	for line := range strings.Lines(string(testkit.ReadFile(t, envFile))) {
		k, v, ok := strings.Cut(strings.TrimSpace(line), "=")
		if !ok || strings.HasPrefix(k, "#") {
			continue
		}
		if len(v) >= 2 && v[0] == '\'' && v[len(v)-1] == '\'' {
			v = v[1 : len(v)-1]
		}
		require.Equal(t, v, shell[k], "%s: %s as a shell reads it", envFile, k)
	}
}

// hostEnv are gopsutil's root overrides (HOST_PROC, ...), used by the
// containerised exporter.
var hostEnv = []string{"HOST_PROC", "HOST_SYS", "HOST_ROOT", "HOST_ETC", "HOST_VAR", "HOST_RUN", "HOST_DEV"}

// requireKnownEnv fails unless name is an environment variable the
// exporter's or the controller's configuration reads.
func requireKnownEnv(t *testing.T, name, where string) {
	t.Helper()
	if slices.Contains(hostEnv, name) {
		return
	}
	known := map[string]bool{}
	for _, v := range envVars(reflect.TypeFor[config.Config]()) {
		known[v] = true
	}
	for _, v := range envVars(reflect.TypeFor[exporter.Config]()) {
		known[v] = true
	}
	require.True(t, known[name], "%s: %s is not a configuration variable of the exporter or the controller", where, name)
}

// envVars lists the PRESCALE_* variables envconfig reads for a Config.
func envVars(typ reflect.Type) []string {
	var out []string
	for f := range typ.Fields() {
		if f.Type.Kind() == reflect.Struct && f.Anonymous {
			out = append(out, envVars(f.Type)...)
			continue
		}
		if tag := f.Tag.Get("envconfig"); tag != "" {
			out = append(out, config.EnvPrefix+"_"+tag)
		}
	}
	return out
}
