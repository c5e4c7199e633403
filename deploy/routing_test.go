package deploy

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/prescale/prescale/internal/testkit"
)

// decisionAlerts are the alerts that carry a scaling decision for the
// actuator (docs/deploy.md): the only ones alertmanager.yml sends to the
// webhook receiver.
var decisionAlerts = []string{"PrescaleScalingDecisionPending"}

// amConfig is the part of alertmanager.yml the routing tests look at.
type amConfig struct {
	Route struct {
		Routes []struct {
			Receiver  string   `yaml:"receiver"`
			Matchers  []string `yaml:"matchers"`
			GroupBy   []string `yaml:"group_by"`
			GroupWait string   `yaml:"group_wait"`
		} `yaml:"routes"`
	} `yaml:"route"`
	Receivers []struct {
		Name           string `yaml:"name"`
		WebhookConfigs []struct {
			URL string `yaml:"url"`
		} `yaml:"webhook_configs"`
	} `yaml:"receivers"`
}

// TestAlertmanagerRouting checks prescale's routes group per alert and
// target (the webhook's, with a short group_wait) or tier (the operators'), and that the webhook
// receiver is one webhook and the operators' receiver ships without an
// integration (nothing sent until the operator adds theirs).
func TestAlertmanagerRouting(t *testing.T) {
	var am amConfig
	require.NoError(t, yaml.Unmarshal(testkit.ReadFile(t, "alertmanager.yml"), &am))
	var found int
	for _, r := range am.Route.Routes {
		if !slices.Contains(r.Matchers, `service="prescale"`) {
			continue
		}
		found++
		want := []string{"alertname", "tier"} // people: one notification per alert and tier
		if r.Receiver == "prescale-webhook" {
			want = []string{"alertname", "target"} // decisions: none waits for another target's
		}
		require.Equal(t, want, r.GroupBy, r.Receiver)
		if r.Receiver == "prescale-webhook" {
			require.Contains(t, []string{"1s", "5s", "10s"}, r.GroupWait, "scaling alerts need a short group_wait")
		}
	}
	require.Equal(t, 2, found, `two routes match service="prescale": the webhook's and the operators'`)
	hooks := map[string]int{}
	for _, r := range am.Receivers {
		hooks[r.Name] = len(r.WebhookConfigs)
	}
	require.Equal(t, map[string]int{"null": 0, "prescale-webhook": 1, "prescale-operators": 0}, hooks)
}

// TestAlertmanagerRoutesEveryAlert asks amtool where each of the rules'
// alerts goes: a decision alert to the actuator's webhook and the
// operators, every other (controller down or absent, budget, actuation,
// exporter, disk ...) to the operators only, never to the actuator.
func TestAlertmanagerRoutesEveryAlert(t *testing.T) {
	amtool := lookTool(t, "amtool", "prometheus-alertmanager")
	rules, _ := ruleFiles(t)
	alerts := alertRules(t, rules)
	require.NotEmpty(t, alerts)
	for _, r := range alerts {
		want := "prescale-operators"
		if slices.Contains(decisionAlerts, r.Alert) {
			want = "prescale-webhook,prescale-operators"
		}
		args := []string{"config", "routes", "test", "--config.file=alertmanager.yml",
			"alertname=" + r.Alert, "service=" + r.Labels["service"], "severity=" + r.Labels["severity"],
			"job=prescale-controller", "instance=10.0.0.1:9111", "target=web"}
		cmd := exec.CommandContext(t.Context(), amtool, args...)
		var stdout, stderr strings.Builder
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		require.NoError(t, cmd.Run(), "%s: amtool %v:\n%s", r.Alert, args, stderr.String())
		require.Equal(t, want, strings.TrimSpace(stdout.String()), r.Alert)
	}
}

// TestAlertmanagerDeliversOnlyDecisionsToWebhook gives a real Alertmanager
// on the repository's alertmanager.yml a controller outage and a decision
// alert: the webhook receives the decision and never the outage, which is
// the operators' (Alertmanager's API names each alert's receivers).
func TestAlertmanagerDeliversOnlyDecisionsToWebhook(t *testing.T) {
	hook := &webhookReceiver{}
	addr, procs := startRepoAlertmanager(t, hook)

	now := time.Now()
	labels := func(name, instance, severity string, extra ...string) map[string]string {
		l := map[string]string{"alertname": name, "job": "prescale-controller", "instance": instance, "service": "prescale", "severity": severity}
		for i := 0; i+1 < len(extra); i += 2 {
			l[extra[i]] = extra[i+1]
		}
		return l
	}
	// The outage is posted first: on a route to the webhook its group
	// would be flushed first.
	postAlerts(t, addr, amAlert{Labels: labels("PrescaleControllerDown", "10.0.0.1:9111", "critical"), StartsAt: now.Add(-time.Minute), EndsAt: now.Add(time.Hour)})
	postAlerts(t, addr, amAlert{Labels: labels("PrescaleScalingDecisionPending", "10.0.0.2:9111", "warning", "target", "web"), StartsAt: now.Add(-time.Minute), EndsAt: now.Add(time.Hour)})

	poll(t, 30*time.Second, "Alertmanager names each alert's receivers", procs, func() error {
		got, err := alertReceivers(t, addr)
		if err != nil {
			return err
		}
		want := map[string][]string{
			"PrescaleControllerDown":         {"prescale-operators"},
			"PrescaleScalingDecisionPending": {"prescale-operators", "prescale-webhook"},
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			return fmt.Errorf("receivers %v, want %v", got, want)
		}
		return nil
	})
	poll(t, 30*time.Second, "the decision reaches the webhook", procs, func() error {
		_, err := hook.find("PrescaleScalingDecisionPending")
		return err
	})
	_, err := hook.find("PrescaleControllerDown")
	require.Error(t, err, "the controller outage reached the actuator's webhook")
}

// alertReceivers reads Alertmanager's alerts: the sorted receivers of
// each, by alertname.
func alertReceivers(t *testing.T, addr string) (map[string][]string, error) {
	t.Helper()
	b, err := httpGet(t, "http://"+addr+"/api/v2/alerts")
	if err != nil {
		return nil, err
	}
	var got []struct {
		Labels    map[string]string `json:"labels"`
		Receivers []struct {
			Name string `json:"name"`
		} `json:"receivers"`
	}
	if err := json.Unmarshal(b, &got); err != nil {
		return nil, err
	}
	out := map[string][]string{}
	for _, a := range got {
		var names []string
		for _, r := range a.Receivers {
			names = append(names, r.Name)
		}
		slices.Sort(names)
		out[a.Labels["alertname"]] = names
	}
	return out, nil
}

// startRepoAlertmanager starts a real Alertmanager on the repository's
// alertmanager.yml, its actuator webhook served by h, and waits until it
// is ready: the Alertmanager's address and the processes to watch.
func startRepoAlertmanager(t *testing.T, h http.Handler) (string, []*testkit.Process) {
	t.Helper()
	amBin := requireServer(t, false, "PRESCALE_ALERTMANAGER_BIN", "prometheus-alertmanager", "prometheus-alertmanager", "alertmanager")
	dir := t.TempDir()
	hookSrv := httptest.NewServer(h)
	t.Cleanup(hookSrv.Close)
	addr := testkit.FreeAddr(t)
	st := renderStack(t, dir, renderOptions{
		Prometheus: "127.0.0.1:1", Alertmanager: addr, Exporter: "127.0.0.1:3", Controller: "127.0.0.1:4",
		WebhookURL: hookSrv.URL + "/prescale",
	})
	am := startProcess(t, dir, "alertmanager", amBin, []string{
		"--config.file=" + st.AlertmanagerConfig,
		"--storage.path=" + filepath.Join(dir, "alertmanager-data"),
		"--web.listen-address=" + addr,
		"--cluster.listen-address=",
	}, nil)
	procs := []*testkit.Process{am}
	poll(t, 30*time.Second, "Alertmanager ready", procs, func() error { _, err := httpGet(t, "http://"+addr+"/-/ready"); return err })
	return addr, procs
}
