package deploy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/prescale/prescale/controller/actuator"
	"github.com/prescale/prescale/internal/testkit"
)

// The end-to-end test runs the whole chain on loopback: the built exporter
// and controller, a real Prometheus loading the repository's own
// prometheus.yml and rules, and a real Alertmanager loading the
// repository's alertmanager.yml, all rendered for free local ports, 1s
// intervals and short `for:` durations. The controller decides to scale,
// Prometheus raises the alert, Alertmanager delivers it to an httptest
// webhook receiver, and the test checks the v4 payload.

// renderOptions say how the repository's configuration is rendered for a
// test run. Zero values keep the repository's settings.
type renderOptions struct {
	// Addresses (host:port) of the servers.
	Prometheus, Alertmanager, Exporter, Controller string
	// Interval is the scrape and rule evaluation interval; 0 keeps the
	// repository's.
	Interval time.Duration
	// For overrides alerts' `for:` durations by alert name; the key "*"
	// applies to every alert not named. Alerts not covered keep theirs.
	For map[string]time.Duration
	// WebhookURL replaces the URL of every webhook receiver in
	// alertmanager.yml.
	WebhookURL string
	// Expr replaces text in alerts' expressions, by alert name, each old
	// text (which must occur) with its new: e.g. a rule's time constants
	// shortened for a test of seconds.
	Expr map[string][][2]string
}

// renderedStack are the paths of the rendered configuration files.
type renderedStack struct {
	PrometheusConfig, AlertmanagerConfig string
	RuleFiles                            []string
}

// renderStack writes prometheus.yml, its rule files and alertmanager.yml,
// rendered from the repository's files, into dir.
func renderStack(t *testing.T, dir string, o renderOptions) renderedStack {
	t.Helper()
	var out renderedStack

	var prom map[string]any
	require.NoError(t, yaml.Unmarshal(readRepoFile(t, "prometheus.yml"), &prom))
	if o.Interval > 0 {
		g := mapAt(t, prom, "global")
		g["scrape_interval"] = o.Interval.String()
		g["evaluation_interval"] = o.Interval.String()
		g["scrape_timeout"] = o.Interval.String()
	}
	var rules []any
	for _, rf := range listAt(t, prom, "rule_files") {
		rel, ok := rf.(string)
		require.True(t, ok, "prometheus.yml: rule_files entries must be paths")
		dst := filepath.Join(dir, "rules", filepath.Base(rel))
		renderRules(t, filepath.Join(repoRoot, filepath.FromSlash(rel)), dst, o)
		rules = append(rules, dst)
		out.RuleFiles = append(out.RuleFiles, dst)
	}
	prom["rule_files"] = rules
	ams := listAt(t, mapAt(t, prom, "alerting"), "alertmanagers")
	require.Len(t, ams, 1, "prometheus.yml: one Alertmanager configuration expected")
	setTargets(t, ams[0], []string{o.Alertmanager})
	addrs := map[string]string{"prometheus": o.Prometheus, "prescale-exporter": o.Exporter, "prescale-controller": o.Controller}
	for _, sc := range listAt(t, prom, "scrape_configs") {
		job, _ := sc.(map[string]any)["job_name"].(string)
		addr, ok := addrs[job]
		require.True(t, ok, "prometheus.yml: job %q is unknown to the end-to-end rendering", job)
		setTargets(t, sc, []string{addr})
	}
	out.PrometheusConfig = filepath.Join(dir, "prometheus.yml")
	writeYAML(t, out.PrometheusConfig, prom)

	var am map[string]any
	require.NoError(t, yaml.Unmarshal(testkit.ReadFile(t, "alertmanager.yml"), &am))
	var hooks int
	for _, r := range listAt(t, am, "receivers") {
		whs, _ := r.(map[string]any)["webhook_configs"].([]any)
		for _, wh := range whs {
			if o.WebhookURL != "" {
				wh.(map[string]any)["url"] = o.WebhookURL
			}
			hooks++
		}
	}
	require.Positive(t, hooks, "alertmanager.yml has no webhook receiver")
	out.AlertmanagerConfig = filepath.Join(dir, "alertmanager.yml")
	writeYAML(t, out.AlertmanagerConfig, am)
	return out
}

// renderRules copies a rule file, setting group intervals to o.Interval and
// `for:` durations as o.For says.
func renderRules(t *testing.T, src, dst string, o renderOptions) {
	t.Helper()
	var rf map[string]any
	require.NoError(t, yaml.Unmarshal(testkit.ReadFile(t, src), &rf), src)
	for _, g := range listAt(t, rf, "groups") {
		gm := g.(map[string]any)
		if _, ok := gm["interval"]; ok && o.Interval > 0 {
			gm["interval"] = o.Interval.String()
		}
		for _, r := range listAt(t, gm, "rules") {
			rm := r.(map[string]any)
			name, ok := rm["alert"].(string)
			if !ok {
				continue
			}
			for _, r := range o.Expr[name] {
				expr, _ := rm["expr"].(string)
				require.Contains(t, expr, r[0], "%s: the expression to render", name)
				rm["expr"] = strings.ReplaceAll(expr, r[0], r[1])
			}
			if d, ok := o.For[name]; ok {
				rm["for"] = d.String()
			} else if d, ok := o.For["*"]; ok {
				rm["for"] = d.String()
			}
		}
	}
	require.NoError(t, os.MkdirAll(filepath.Dir(dst), 0o755))
	writeYAML(t, dst, rf)
}

// setTargets replaces the static targets of a scrape or Alertmanager
// config.
func setTargets(t *testing.T, cfg any, targets []string) {
	t.Helper()
	m, ok := cfg.(map[string]any)
	require.True(t, ok)
	scs := listAt(t, m, "static_configs")
	require.Len(t, scs, 1, "one static_configs entry expected")
	sc := scs[0].(map[string]any)
	ts := make([]any, len(targets))
	for i, tg := range targets {
		ts[i] = tg
	}
	sc["targets"] = ts
}

func mapAt(t *testing.T, m map[string]any, key string) map[string]any {
	t.Helper()
	v, ok := m[key].(map[string]any)
	require.True(t, ok, "%s: mapping expected", key)
	return v
}

func listAt(t *testing.T, m map[string]any, key string) []any {
	t.Helper()
	v, ok := m[key].([]any)
	require.True(t, ok, "%s: list expected", key)
	return v
}

func writeYAML(t *testing.T, path string, v any) {
	t.Helper()
	b, err := yaml.Marshal(v)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, b, 0o644))
}

// TestRenderStack checks the rendering itself with promtool and amtool, so
// a change to the repository's configuration that the end-to-end test
// cannot render shows up in short mode too.
func TestRenderStack(t *testing.T) {
	promtool := lookTool(t, "promtool", "prometheus")
	amtool := lookTool(t, "amtool", "prometheus-alertmanager")
	dir := t.TempDir()
	st := renderStack(t, dir, renderOptions{
		Prometheus: "127.0.0.1:1", Alertmanager: "127.0.0.1:2", Exporter: "127.0.0.1:3", Controller: "127.0.0.1:4",
		Interval: time.Second, For: map[string]time.Duration{"PrescaleScalingDecisionPending": 2 * time.Second, "*": time.Minute},
		WebhookURL: "http://127.0.0.1:5/hook",
		Expr:       map[string][][2]string{"PrescaleScalingDecisionPending": {{"+ 300", "+ 1"}}},
	})
	for _, cmd := range [][]string{
		{promtool, "check", "config", st.PrometheusConfig},
		{amtool, "check-config", st.AlertmanagerConfig},
	} {
		out, err := exec.CommandContext(t.Context(), cmd[0], cmd[1:]...).CombinedOutput()
		require.NoError(t, err, "%v:\n%s", cmd, out)
	}

	var prom promConfig
	require.NoError(t, yaml.Unmarshal(testkit.ReadFile(t, st.PrometheusConfig), &prom))
	for _, sc := range prom.ScrapeConfigs {
		require.Len(t, sc.StaticConfigs, 1)
		require.Len(t, sc.StaticConfigs[0].Targets, 1)
		require.True(t, strings.HasPrefix(sc.StaticConfigs[0].Targets[0], "127.0.0.1:"), sc.JobName)
		require.Empty(t, sc.StaticConfigs[0].Labels, "%s: no target labels (the mode comes from prescale_controller_info)", sc.JobName)
	}
	require.Equal(t, []string{"127.0.0.1:2"}, prom.Alerting.Alertmanagers[0].StaticConfigs[0].Targets)

	fors := map[string]string{}
	for _, p := range st.RuleFiles {
		var rf ruleFile
		require.NoError(t, yaml.Unmarshal(testkit.ReadFile(t, p), &rf))
		for _, g := range rf.Groups {
			if g.Interval != "" {
				require.Equal(t, "1s", g.Interval, g.Name)
			}
			for _, r := range g.Rules {
				if r.Alert != "" {
					fors[r.Alert] = r.For
				}
				if r.Alert == "PrescaleScalingDecisionPending" {
					require.Contains(t, r.Expr, "+ 1\n")
					require.NotContains(t, r.Expr, "+ 300")
				}
			}
		}
	}
	require.Equal(t, "2s", fors["PrescaleScalingDecisionPending"])
	require.Equal(t, "1m0s", fors["PrescaleDiskPredictedFull"])
	require.NotContains(t, string(testkit.ReadFile(t, st.AlertmanagerConfig)), "127.0.0.1:5001", "the webhook URL must be replaced")
}

// requireServer finds a server binary: env names it (a path or a name on
// PATH), else the first of names on PATH. Missing, the test fails with how
// to install it (it never skips); shortSkips says whether the calling test
// is one `go test -short` skips, to say so.
func requireServer(t *testing.T, shortSkips bool, env, pkg string, names ...string) string {
	t.Helper()
	if v := os.Getenv(env); v != "" {
		names = []string{v}
	}
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	t.Fatal(serverMissing(shortSkips, env, pkg, names))
	return ""
}

// serverMissing is requireServer's failure: what was not found, how to
// install it, and `go test -short` as a way out only for a test it skips
// (the Alertmanager inhibition test runs in short mode too).
func serverMissing(shortSkips bool, env, pkg string, names []string) string {
	msg := fmt.Sprintf("the end-to-end test needs a real %s server (%s not found): install it with `sudo apt-get install %s` "+
		"or ./scripts/ensure-test-deps.sh, or set %s to its path", pkg, strings.Join(names, " or "), pkg, env)
	if shortSkips {
		msg += "; `go test -short` skips this test"
	}
	return msg
}

// goBuild builds ./cmd/<name> into dir.
func goBuild(t *testing.T, dir, name string) string {
	t.Helper()
	out := filepath.Join(dir, name)
	cmd := exec.CommandContext(t.Context(), "go", "build", "-o", out, "./cmd/"+name)
	cmd.Dir = repoRoot
	b, err := cmd.CombinedOutput()
	require.NoError(t, err, "go build ./cmd/%s:\n%s", name, b)
	return out
}

// startProcess starts bin with args and env (added to a clean
// environment) in dir, its output in dir/<name>.log; it is stopped when the
// test ends, and on failure the end of its log is printed.
func startProcess(t *testing.T, dir, name, bin string, args, env []string) *testkit.Process {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = testkit.CleanEnv(env...)
	return testkit.StartProcess(t, name, cmd, filepath.Join(dir, name+".log"))
}

// poll waits (testkit.Eventually) until f returns nil, and fails at once
// when one of procs has exited.
func poll(t *testing.T, timeout time.Duration, what string, procs []*testkit.Process, f func() error) {
	t.Helper()
	testkit.Eventually(t.Context(), t, timeout, what, func() error {
		for _, p := range procs {
			if p.Exited() {
				t.Fatalf("%s: %s exited early (%v) while waiting; see its log below", what, p.Name, p.Err())
			}
		}
		return f()
	})
}

// httpGet fetches url and returns the body of a 200 response.
func httpGet(t *testing.T, u string) ([]byte, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	client := &http.Client{Timeout: 5 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s: %s", u, resp.Status, bytes.TrimSpace(b))
	}
	return b, nil
}

// promSample is one element of an instant vector from the query API.
type promSample struct {
	Metric map[string]string `json:"metric"`
	Value  [2]any            `json:"value"`
}

// promQuery runs an instant query against Prometheus's HTTP API.
func promQuery(t *testing.T, addr, q string) ([]promSample, error) {
	t.Helper()
	b, err := httpGet(t, "http://"+addr+"/api/v1/query?"+url.Values{"query": {q}}.Encode())
	if err != nil {
		return nil, err
	}
	var resp struct {
		Status string `json:"status"`
		Data   struct {
			ResultType string       `json:"resultType"`
			Result     []promSample `json:"result"`
		} `json:"data"`
	}
	if err := json.Unmarshal(b, &resp); err != nil {
		return nil, err
	}
	if resp.Status != "success" || resp.Data.ResultType != "vector" {
		return nil, fmt.Errorf("query %q: status %s, result type %s", q, resp.Status, resp.Data.ResultType)
	}
	return resp.Data.Result, nil
}

// promValue runs an instant query that must give one series and returns
// its value.
func promValue(t *testing.T, addr, q string) (float64, error) {
	t.Helper()
	res, err := promQuery(t, addr, q)
	if err != nil {
		return math.NaN(), err
	}
	if len(res) != 1 {
		return math.NaN(), fmt.Errorf("%s: %d series", q, len(res))
	}
	v, ok := res[0].Value[1].(string)
	if !ok {
		return math.NaN(), fmt.Errorf("%s: sample value %v is not a string", q, res[0].Value[1])
	}
	return strconv.ParseFloat(v, 64)
}

// webhookMessage is Alertmanager's webhook payload, version 4: the type
// prescale's webhook actuator sends, which must be what Alertmanager sends
// too (https://prometheus.io/docs/alerting/latest/configuration/#webhook_config).
type webhookMessage = actuator.Message

// webhookReceiver records every payload posted to it.
type webhookReceiver struct {
	mu   sync.Mutex
	msgs []webhookMessage
	errs []error
	// refuse: payloads of this alert name are recorded, then answered
	// 500 (not carried out): their sender re-sends them.
	refuse string
}

func (w *webhookReceiver) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	var m webhookMessage
	err := json.NewDecoder(http.MaxBytesReader(rw, r.Body, 1<<20)).Decode(&m)
	w.mu.Lock()
	defer w.mu.Unlock()
	if err != nil {
		w.errs = append(w.errs, err)
		http.Error(rw, err.Error(), http.StatusBadRequest)
		return
	}
	w.msgs = append(w.msgs, m)
	if w.refuse != "" && m.GroupLabels["alertname"] == w.refuse {
		http.Error(rw, "not carried out", http.StatusInternalServerError)
	}
}

// find returns the first payload with the given alert name in its group.
func (w *webhookReceiver) find(alertname string) (webhookMessage, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.errs) > 0 {
		return webhookMessage{}, fmt.Errorf("undecodable webhook payload: %w", errors.Join(w.errs...))
	}
	for _, m := range w.msgs {
		if m.GroupLabels["alertname"] == alertname {
			return m, nil
		}
	}
	return webhookMessage{}, fmt.Errorf("no payload for %s among %d received", alertname, len(w.msgs))
}

func TestE2EScalingDecisionBecomesAlert(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: builds the binaries and starts real Prometheus and Alertmanager servers")
	}
	promBin := requireServer(t, true, "PRESCALE_PROMETHEUS_BIN", "prometheus", "prometheus")
	// Debian names Alertmanager's binary prometheus-alertmanager; upstream
	// releases call it alertmanager.
	amBin := requireServer(t, true, "PRESCALE_ALERTMANAGER_BIN", "prometheus-alertmanager", "prometheus-alertmanager", "alertmanager")
	dir := t.TempDir()
	exporterBin := goBuild(t, dir, "prescale-exporter")
	controllerBin := goBuild(t, dir, "prescale-controller")

	const alertname = "PrescaleScalingDecisionPending"
	// The controller's scaling is not carried out (its webhook answered
	// 500), so it stays pending: an acknowledged one is current at once.
	hook := &webhookReceiver{refuse: "PrescaleScalingDecision"}
	hookSrv := httptest.NewServer(hook)
	t.Cleanup(hookSrv.Close)
	o := renderOptions{
		Prometheus: testkit.FreeAddr(t), Alertmanager: testkit.FreeAddr(t), Exporter: testkit.FreeAddr(t), Controller: testkit.FreeAddr(t),
		Interval: time.Second,
		// The alert under test needs its condition for 2s (pending, then
		// firing); every other alert keeps its repository duration (minutes),
		// so nothing else fires during the test.
		For: map[string]time.Duration{alertname: 2 * time.Second},
		// It fires once the decision has been pending for twice the
		// target's lag (1s below) plus a margin: 1s here, 5 minutes in the
		// repository, counted from the controller's
		// prescale_scaling_pending_since_timestamp_seconds.
		Expr:       map[string][][2]string{alertname: {{"+ 300", "+ 1"}}},
		WebhookURL: hookSrv.URL + "/prescale",
	}
	st := renderStack(t, dir, o)

	am := startProcess(t, dir, "alertmanager", amBin, []string{
		"--config.file=" + st.AlertmanagerConfig,
		"--storage.path=" + filepath.Join(dir, "alertmanager-data"),
		"--web.listen-address=" + o.Alertmanager,
		"--web.external-url=http://" + o.Alertmanager,
		"--cluster.listen-address=", // no HA cluster: nothing listens on :9094
	}, nil)
	prom := startProcess(t, dir, "prometheus", promBin, []string{
		"--config.file=" + st.PrometheusConfig,
		"--storage.tsdb.path=" + filepath.Join(dir, "prometheus-data"),
		"--web.listen-address=" + o.Prometheus,
		"--web.external-url=http://" + o.Prometheus,
	}, nil)
	exp := startProcess(t, dir, "exporter", exporterBin, nil, []string{"PRESCALE_EXPORTER_LISTEN=" + o.Exporter})
	procs := []*testkit.Process{am, prom, exp}
	for _, u := range []string{"http://" + o.Alertmanager + "/-/ready", "http://" + o.Prometheus + "/-/ready", "http://" + o.Exporter + "/metrics"} {
		poll(t, 30*time.Second, "ready "+u, procs, func() error { _, err := httpGet(t, u); return err })
	}

	// The target's demand is the host's CPU count as the exporter reports
	// it: deterministic, so the decision is known. One unit serves 0.25 of
	// it at 100 %, so the controller must want 4 units per CPU, while the
	// target starts at its minimum of 1.
	const demandQuery = `sum(prescale_cpus{job="prescale-exporter"})`
	var cpus float64
	// The controller's first cycle reads the demand at now itself (instant
	// query semantics), so one scrape of the exporter is enough for it to
	// decide on data.
	poll(t, 30*time.Second, "Prometheus has scraped the exporter", procs, func() error {
		n, err := promValue(t, o.Prometheus, `count_over_time(prescale_cpus{job="prescale-exporter"}[1m])`)
		if err != nil {
			return fmt.Errorf("sample count: %w", err)
		}
		if n < 1 {
			return fmt.Errorf("%v samples", n)
		}
		cpus, err = promValue(t, o.Prometheus, demandQuery)
		return err
	})
	require.GreaterOrEqual(t, cpus, 1.0)
	wantUnits := int(math.Ceil(cpus / 0.25))

	// A scaling interval of an hour: the first cycle decides at start, and
	// its decision, never acknowledged, stays published (desired !=
	// current) for the whole test.
	// The controller's own webhook actuator posts the decision to the same
	// receiver Alertmanager delivers to: one receiver takes both.
	ctl := startProcess(t, dir, "controller", controllerBin, nil, []string{
		"PRESCALE_LISTEN=" + o.Controller,
		"PRESCALE_DATA_DIR=" + filepath.Join(dir, "controller-data"),
		"PRESCALE_PROMETHEUS_URL=http://" + o.Prometheus,
		"PRESCALE_SCALING_INTERVAL=1h",
		"PRESCALE_STEP=2s", // the lead window (1h interval + 1s lag) in at most 2016 steps
		"PRESCALE_TARGET_PROVISIONING_LAG=1s",
		"PRESCALE_HISTORY_WINDOW=1m",
		"PRESCALE_MODE=act",
		"PRESCALE_ACTUATOR=webhook",
		"PRESCALE_WEBHOOK_URL=" + hookSrv.URL + "/prescale",
		"PRESCALE_TARGET_NAME=web",
		"PRESCALE_TARGET_TIER=frontend",
		"PRESCALE_TARGET_KIND=instances",
		"PRESCALE_TARGET_QUERY=" + demandQuery,
		"PRESCALE_TARGET_CAPACITY_PER_UNIT=0.25",
		"PRESCALE_TARGET_UTILIZATION=1",
		"PRESCALE_TARGET_MIN_UNITS=1",
		"PRESCALE_TARGET_MAX_UNITS=10000",
	})
	procs = append(procs, ctl)

	// Prometheus sees the decision...
	poll(t, 60*time.Second, "Prometheus scrapes the controller's decision", procs, func() error {
		v, err := promValue(t, o.Prometheus, `prescale_desired_units{job="prescale-controller",target="web"}`)
		if err != nil {
			return err
		}
		if v != float64(wantUnits) {
			status, _ := httpGet(t, "http://"+o.Controller+"/api/scaling/status")
			return fmt.Errorf("prescale_desired_units = %v, want %d (%v CPUs / 0.25 per unit); controller status: %s", v, wantUnits, cpus, status)
		}
		return nil
	})

	// ...raises the alert...
	poll(t, 60*time.Second, alertname+" firing in Prometheus", procs, func() error {
		b, err := httpGet(t, "http://"+o.Prometheus+"/api/v1/alerts")
		if err != nil {
			return err
		}
		var resp struct {
			Data struct {
				Alerts []struct {
					Labels map[string]string `json:"labels"`
					State  string            `json:"state"`
				} `json:"alerts"`
			} `json:"data"`
		}
		if err := json.Unmarshal(b, &resp); err != nil {
			return err
		}
		for _, a := range resp.Data.Alerts {
			if a.Labels["alertname"] == alertname && a.Labels["target"] == "web" && a.State == "firing" {
				return nil
			}
		}
		return fmt.Errorf("not firing yet: %s", b)
	})

	// ...and Alertmanager delivers it to the webhook receiver.
	var msg webhookMessage
	poll(t, 60*time.Second, "Alertmanager delivers "+alertname+" to the webhook", procs, func() error {
		var err error
		msg, err = hook.find(alertname)
		return err
	})
	require.Equal(t, "4", msg.Version)
	require.Equal(t, "firing", msg.Status)
	require.Equal(t, "prescale-webhook", msg.Receiver)
	require.Equal(t, map[string]string{"alertname": alertname, "target": "web"}, msg.GroupLabels, "alertmanager.yml groups by alertname and target")
	require.Equal(t, "http://"+o.Alertmanager, strings.TrimSuffix(msg.ExternalURL, "/"))
	require.NotEmpty(t, msg.GroupKey)
	require.Len(t, msg.Alerts, 1)
	a := msg.Alerts[0]
	require.Equal(t, "firing", a.Status)
	for k, v := range map[string]string{
		"alertname": alertname, "target": "web", "tier": "frontend", "kind": "instances",
		"service": "prescale", "severity": "warning", "job": "prescale-controller", "instance": o.Controller,
	} {
		require.Equal(t, v, a.Labels[k], "label %s", k)
	}
	require.Equal(t, "Scaling of web pending", a.Annotations["summary"])
	require.Equal(t, strconv.Itoa(wantUnits), a.Annotations["desired_units"], "the decision for the actuator, as the controller's webhook sends it")
	require.Contains(t, a.Annotations["description"], fmt.Sprintf("prescale wants %d units for web (frontend/instances)", wantUnits))
	require.False(t, a.StartsAt.IsZero())
	require.NotEmpty(t, a.Fingerprint)
	require.Contains(t, a.GeneratorURL, o.Prometheus)

	// The controller's direct webhook: the same v4 format, the same
	// grouping labels, the decision in its annotations.
	var direct webhookMessage
	poll(t, 30*time.Second, "the controller's webhook arrives", procs, func() error {
		var err error
		direct, err = hook.find("PrescaleScalingDecision")
		return err
	})
	require.Equal(t, "4", direct.Version)
	require.Equal(t, "firing", direct.Status)
	require.Equal(t, map[string]string{"alertname": "PrescaleScalingDecision", "target": "web"}, direct.GroupLabels)
	require.Len(t, direct.Alerts, 1)
	require.Equal(t, "up", direct.Alerts[0].Labels["direction"])
	require.Equal(t, strconv.Itoa(wantUnits), direct.Alerts[0].Annotations["desired_units"])
	require.Equal(t, "1", direct.Alerts[0].Annotations["current_units"])
}
