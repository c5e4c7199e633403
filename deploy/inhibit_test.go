package deploy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/internal/testkit"
)

// amAlert is an alert as Alertmanager's v2 API takes and answers it.
type amAlert struct {
	Labels   map[string]string `json:"labels"`
	StartsAt time.Time         `json:"startsAt,omitzero"`
	EndsAt   time.Time         `json:"endsAt,omitzero"`
	Status   *struct {
		State       string   `json:"state"`
		InhibitedBy []string `json:"inhibitedBy"`
	} `json:"status,omitempty"`
}

// postAlerts sends alerts to Alertmanager as Prometheus does.
func postAlerts(t *testing.T, addr string, alerts ...amAlert) {
	t.Helper()
	b, err := json.Marshal(alerts)
	require.NoError(t, err)
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, "http://"+addr+"/api/v2/alerts", bytes.NewReader(b))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	resp, err := (&http.Client{Timeout: 5 * time.Second}).Do(req)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	require.Equal(t, http.StatusOK, resp.StatusCode, "POST /api/v2/alerts")
}

// alertStates reads every alert's state from Alertmanager, keyed by
// alertname/instance.
func alertStates(t *testing.T, addr string) (map[string]string, error) {
	t.Helper()
	b, err := httpGet(t, "http://"+addr+"/api/v2/alerts")
	if err != nil {
		return nil, err
	}
	var got []amAlert
	if err := json.Unmarshal(b, &got); err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, a := range got {
		if a.Status == nil {
			return nil, fmt.Errorf("alert %v without a status", a.Labels)
		}
		out[a.Labels["alertname"]+"/"+a.Labels["instance"]] = a.Status.State
	}
	return out, nil
}

// TestInhibitionPerController starts a real Alertmanager on the
// repository's alertmanager.yml and gives it the alerts of an HA pair whose
// member a is down: a's decision alerts are inhibited, b's are not (an
// inhibition equal on job alone silenced both). With no controller scraped
// at all (PrescaleControllerAbsent, which has no instance) every decision
// alert of the job is inhibited.
func TestInhibitionPerController(t *testing.T) {
	addr, procs := startRepoAlertmanager(t, &webhookReceiver{})

	now := time.Now()
	alert := func(name, instance string, extra ...string) amAlert {
		l := map[string]string{"alertname": name, "job": "prescale-controller", "service": "prescale", "severity": "warning"}
		if instance != "" {
			l["instance"] = instance
		}
		for i := 0; i+1 < len(extra); i += 2 {
			l[extra[i]] = extra[i+1]
		}
		return amAlert{Labels: l, StartsAt: now.Add(-time.Minute), EndsAt: now.Add(time.Hour)}
	}
	const a, b = "10.0.0.1:8080", "10.0.0.2:8080"
	postAlerts(t, addr,
		alert("PrescaleControllerDown", a),
		alert("PrescaleScalingDecisionPending", a, "target", "web"),
		alert("PrescaleScalingDecisionPending", b, "target", "web"),
		alert("PrescaleRecommendationDiffers", b, "target", "db"),
	)
	want := map[string]string{
		"PrescaleControllerDown/" + a:         "active",
		"PrescaleScalingDecisionPending/" + a: "suppressed",
		"PrescaleScalingDecisionPending/" + b: "active",
		"PrescaleRecommendationDiffers/" + b:  "active",
	}
	requireStates(t, addr, procs, want)

	postAlerts(t, addr, alert("PrescaleControllerAbsent", ""))
	want["PrescaleControllerAbsent/"] = "active"
	want["PrescaleScalingDecisionPending/"+b] = "suppressed"
	want["PrescaleRecommendationDiffers/"+b] = "suppressed"
	requireStates(t, addr, procs, want)
}

// requireStates polls Alertmanager until it holds exactly the alerts of
// want in their states, and fails with the last answer at the deadline.
// The states are polled too: the inhibitor learns a source alert from its
// own subscription, after the API already lists it, so an answer can show
// the alerts with the inhibition not yet applied (a fresh clone's CI saw
// a's pending alert still active).
func requireStates(t *testing.T, addr string, procs []*testkit.Process, want map[string]string) {
	t.Helper()
	var got map[string]string
	poll(t, 30*time.Second, "Alertmanager holds the alerts", procs, func() error {
		var err error
		if got, err = alertStates(t, addr); err != nil {
			return err
		}
		keys := func(m map[string]string) []string {
			var ks []string
			for k := range m {
				ks = append(ks, k)
			}
			slices.Sort(ks)
			return ks
		}
		if !slices.Equal(keys(got), keys(want)) {
			return fmt.Errorf("alerts %v, want %v", keys(got), keys(want))
		}
		if !maps.Equal(got, want) {
			return fmt.Errorf("states %v, want %v", got, want)
		}
		return nil
	})
	require.Equal(t, want, got)
}
