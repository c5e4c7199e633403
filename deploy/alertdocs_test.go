package deploy

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/prescale/prescale/internal/testkit"
)

// alertRows reads docs/deploy.md's table of alerts: alert name to its
// cells (fires when, for, severity, what to do).
func alertRows(t *testing.T) map[string][]string {
	t.Helper()
	doc := string(readRepoFile(t, "docs/deploy.md"))
	const header = "\n| alert | fires when | for | severity | what to do |\n|---|---|---|---|---|\n"
	start := strings.Index(doc, header)
	require.GreaterOrEqual(t, start, 0, "docs/deploy.md has no alerts table with a 'what to do' column")
	rows := map[string][]string{}
	for _, line := range strings.Split(doc[start+len(header):], "\n") {
		if !strings.HasPrefix(line, "| `") {
			break
		}
		cells := strings.Split(strings.Trim(line, "| "), " | ")
		require.Len(t, cells, 5, "docs/deploy.md alerts row: %s", line)
		rows[strings.Trim(cells[0], "`")] = cells[1:]
	}
	return rows
}

// TestDeployDocListsEveryAlert: every alert of deploy/rules has a row in
// docs/deploy.md with its for duration, its severity and what to do, and
// the table has no alert the rules do not define.
func TestDeployDocListsEveryAlert(t *testing.T) {
	rows := alertRows(t)
	rules, _ := ruleFiles(t)
	seen := map[string]bool{}
	for _, r := range alertRules(t, rules) {
		seen[r.Alert] = true
		row, ok := rows[r.Alert]
		require.True(t, ok, "docs/deploy.md's alerts table has no row for %s", r.Alert)
		forCell := r.For
		if forCell == "" {
			forCell = "0"
		}
		require.Equal(t, forCell, row[1], "%s: for", r.Alert)
		require.Equal(t, r.Labels["severity"], row[2], "%s: severity", r.Alert)
		require.NotEmpty(t, strings.TrimSpace(row[3]), "%s: what to do", r.Alert)
	}
	for name := range rows {
		require.True(t, seen[name], "docs/deploy.md lists %s, which deploy/rules does not define", name)
	}
}

// TestLagAlertWhereOperatorLooks: the alerts that say a target's
// configured lag is wrong (too short, too long) are named where an
// operator reads about the observed lag: the metric's row in docs/metrics.md (its
// help text), and the description of every dashboard panel drawing it.
func TestLagAlertWhereOperatorLooks(t *testing.T) {
	for _, alert := range []string{"PrescaleProvisioningLagUnderestimated", "PrescaleProvisioningLagOverestimated"} {
		t.Run(alert, func(t *testing.T) { requireNamedWithMetric(t, alert, "prescale_observed_provisioning_lag_seconds") })
	}
}

// requireNamedWithMetric requires the alert to be defined on metric and
// named in the metric's docs/metrics.md row and the dashboard panels drawing it.
func requireNamedWithMetric(t *testing.T, alert, metric string) {
	t.Helper()
	rules, _ := ruleFiles(t)
	found := false
	for _, r := range alertRules(t, rules) {
		found = found || r.Alert == alert && strings.Contains(r.Expr, metric)
	}
	require.True(t, found, "deploy/rules has no %s on %s", alert, metric)
	row := ""
	for _, line := range strings.Split(string(readRepoFile(t, "docs/metrics.md")), "\n") {
		if strings.HasPrefix(line, "| `"+metric+"` |") {
			row = line
		}
	}
	require.Contains(t, row, alert, "docs/metrics.md's metrics table row of %s", metric)
	var dash struct {
		Panels []struct {
			Title, Description string
			Targets            []struct{ Expr string }
		}
	}
	require.NoError(t, json.Unmarshal(readRepoFile(t, "dashboards/prescale.json"), &dash))
	panels := 0
	for _, p := range dash.Panels {
		for _, q := range p.Targets {
			if strings.Contains(q.Expr, metric) {
				panels++
				require.Contains(t, p.Description, alert, "dashboard panel %q", p.Title)
				break
			}
		}
	}
	require.Positive(t, panels, "no dashboard panel draws %s", metric)
}

// TestAlertDescriptionsSayWhatToDo: every alert's description ends with
// what to do, as docs/deploy.md's table says it (the runbook), so the
// notification an operator reads tells them; a description that only said
// what happened (most did) or an action the docs no longer give fails.
// Compared without Markdown's backticks, white space collapsed, ignoring
// case and the final period.
func TestAlertDescriptionsSayWhatToDo(t *testing.T) {
	norm := func(s string) string {
		s = strings.Join(strings.Fields(strings.ReplaceAll(s, "`", "")), " ")
		return strings.TrimSuffix(strings.ToLower(s), ".")
	}
	rows := alertRows(t)
	rules, _ := ruleFiles(t)
	for _, r := range alertRules(t, rules) {
		t.Run(r.Alert, func(t *testing.T) {
			row, ok := rows[r.Alert]
			require.True(t, ok, "docs/deploy.md's alerts table has no row for %s", r.Alert)
			desc, action := norm(r.Annotations["description"]), norm(row[3])
			require.True(t, strings.HasSuffix(desc, " "+action),
				"%s: the description must end with docs/deploy.md's 'what to do' (%q), got %q", r.Alert, action, desc)
		})
	}
}

// TestDocsNameRealAlerts: every Prescale* alert name README.md, the
// hand-written docs and the dashboards give is an alert of deploy/rules,
// or the webhook actuator's own alertname, so a renamed alert cannot stay
// in the text an operator follows.
func TestDocsNameRealAlerts(t *testing.T) {
	rules, _ := ruleFiles(t)
	known := map[string]bool{"PrescaleScalingDecision": true} // controller/actuator's webhook alerts
	for _, r := range alertRules(t, rules) {
		known[r.Alert] = true
	}
	name := regexp.MustCompile(`\bPrescale[A-Z][A-Za-z]+`)
	found := 0
	for _, doc := range []string{"README.md", "docs/api.md", "docs/architecture.md", "docs/configuration.md", "docs/controller-reference.md", "docs/dashboards.md",
		"docs/deploy.md", "docs/development.md", "docs/metrics.md", "docs/reliability.md", "dashboards/prescale.json", "dashboards/host-overview.json"} {
		for _, n := range name.FindAllString(string(readRepoFile(t, doc)), -1) {
			found++
			require.True(t, known[n], "%s names the alert %s, which deploy/rules does not define", doc, n)
		}
	}
	require.Greater(t, found, 20, "no alert names found in the docs")
}

// TestTargetAlertsCarryTierAndKind: every alert about a target, as its
// promtool tests expect it (which `promtool test rules` holds the rules
// to), carries the target's tier and kind, as docs/deploy.md says, so
// that an Alertmanager route on tier or kind takes all of them.
// PrescaleActuationPending had target alone: prescale_actuation_pending
// has no tier or kind.
func TestTargetAlertsCarryTierAndKind(t *testing.T) {
	_, tests := ruleFiles(t)
	checked := 0
	for _, p := range tests {
		var tf testFile
		require.NoError(t, yaml.Unmarshal(testkit.ReadFile(t, p), &tf), p)
		for _, tc := range tf.Tests {
			for _, a := range tc.AlertRuleTests {
				for _, e := range a.ExpAlerts {
					labels, _ := e.(map[string]any)["exp_labels"].(map[string]any)
					if _, ok := labels["target"]; !ok {
						continue
					}
					checked++
					require.Contains(t, labels, "tier", "%s: %s fires with a target but no tier", p, a.Alertname)
					require.Contains(t, labels, "kind", "%s: %s fires with a target but no kind", p, a.Alertname)
				}
			}
		}
	}
	require.Positive(t, checked, "no promtool test expects an alert about a target")
}
