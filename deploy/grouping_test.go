package deploy

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// alertGroups reads Alertmanager's notification groups: per receiver, the
// sorted group labels of each group.
func alertGroups(t *testing.T, addr string) (map[string][]string, error) {
	t.Helper()
	b, err := httpGet(t, "http://"+addr+"/api/v2/alerts/groups")
	if err != nil {
		return nil, err
	}
	var got []struct {
		Labels   map[string]string `json:"labels"`
		Receiver struct {
			Name string `json:"name"`
		} `json:"receiver"`
	}
	if err := json.Unmarshal(b, &got); err != nil {
		return nil, err
	}
	out := map[string][]string{}
	for _, g := range got {
		out[g.Receiver.Name] = append(out[g.Receiver.Name], fmt.Sprint(g.Labels))
	}
	for _, gs := range out {
		slices.Sort(gs)
	}
	return out, nil
}

// TestOperatorsGetOneNotificationPerAlertAndTier starts a real
// Alertmanager on the repository's alertmanager.yml and gives it what a
// receiver down under 40 targets of two tiers raises: 40
// PrescaleActuationPending alerts, and as many decision alerts. The
// operators' receiver groups them by alert and tier, two notifications
// each; grouped by target as the webhook's route is, it sent 40 of each,
// an alert storm for one cause (a trial with 302 targets had 250
// PrescaleMaxUnitsReached pending at once). The actuator's webhook still
// gets a group per target: a decision for one is never held back by
// another's.
func TestOperatorsGetOneNotificationPerAlertAndTier(t *testing.T) {
	addr, procs := startRepoAlertmanager(t, &webhookReceiver{})

	now := time.Now()
	var alerts []amAlert
	for i := range 40 {
		tier := []string{"web", "worker"}[i%2]
		for _, name := range []string{"PrescaleActuationPending", "PrescaleScalingDecisionPending"} {
			alerts = append(alerts, amAlert{Labels: map[string]string{
				"alertname": name, "job": "prescale-controller", "instance": "10.0.0.1:9111", "service": "prescale",
				"severity": "warning", "target": fmt.Sprintf("t%02d", i), "tier": tier, "kind": "instances",
			}, StartsAt: now.Add(-time.Minute), EndsAt: now.Add(time.Hour)})
		}
	}
	postAlerts(t, addr, alerts...)
	poll(t, 30*time.Second, "Alertmanager groups the alerts", procs, func() error {
		got, err := alertGroups(t, addr)
		if err != nil {
			return err
		}
		ops := strings.Join(got["prescale-operators"], " ")
		want := "map[alertname:PrescaleActuationPending tier:web] map[alertname:PrescaleActuationPending tier:worker] " +
			"map[alertname:PrescaleScalingDecisionPending tier:web] map[alertname:PrescaleScalingDecisionPending tier:worker]"
		if ops != want || len(got["prescale-webhook"]) != 40 {
			return fmt.Errorf("operators' groups %d (%.300s), want 4 (%s); webhook's %d, want 40",
				len(got["prescale-operators"]), ops, want, len(got["prescale-webhook"]))
		}
		return nil
	})
}
