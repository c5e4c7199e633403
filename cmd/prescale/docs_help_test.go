package main

import (
	"bytes"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller"
	"github.com/prescale/prescale/controller/policy"
)

// TestREADMEControllerMetricsCarryTheirHelp: each controller metric's row
// in docs/metrics.md's table says what its HELP says (the text an operator
// reads in /metrics), read from the descriptors, so also for the metrics
// a new target has no series of yet (prescale_forecast_lower's row could
// say anything). prescale_current_units' row, copied from its HELP, left
// out the current_query that takes precedence over the actuator.
func TestREADMEControllerMetricsCarryTheirHelp(t *testing.T) {
	rows := readmeMetricRows(t)
	rec := &describedLabels{Registerer: prometheus.NewRegistry(), labels: map[string]string{}, help: map[string]string{}}
	controller.NewMetrics(rec, []policy.Target{{Name: "web", Tier: "frontend", Kind: policy.KindInstances, CurrentQuery: "up"}})
	require.Contains(t, rec.help, "prescale_forecast_lower", "the descriptors' help not read")
	for name, help := range rec.help {
		row, ok := rows[name]
		if !ok {
			continue // TestREADMEDocumentsConfigAndMetrics names the missing ones
		}
		require.Contains(t, row.line, "| "+help+" |", "docs/metrics.md's row of %s", name)
		if name == "prescale_current_units" {
			// controller.currentUnits: the query's value comes first.
			require.Contains(t, help, "what its current_query reads")
		}
	}
}

// helpFlags lists the flags `prescale cmd -h` prints.
func helpFlags(t *testing.T, cmd string) map[string]bool {
	t.Helper()
	var out bytes.Buffer
	dispatch(t.Context(), []string{cmd, "-h"}, &out, &out)
	help := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^\s+(--[a-z][a-z-]*)`).FindAllStringSubmatch(out.String(), -1) {
		help[m[1]] = true
	}
	require.NotEmpty(t, help, "prescale %s -h lists no flags:\n%s", cmd, out.String())
	return help
}

var docFlagRE = regexp.MustCompile(`(?:^|[\s\[])(--[a-z][a-z-]*)`)

// TestREADMECommandsUseRealFlags: every flag the README's Commands block
// gives a `prescale` command, and every flag of a `prescale CMD ...` the
// hand-written docs quote, is one its -h lists, so a renamed flag cannot
// stay in the first example a newcomer copies.
func TestREADMECommandsUseRealFlags(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	_, rest, ok := strings.Cut(string(readme), "\n## Commands\n\n```\n")
	require.True(t, ok, "README.md has no Commands block")
	block, _, ok := strings.Cut(rest, "\n```")
	require.True(t, ok)
	checked, cmd := 0, ""
	check := func(doc, cmd, code string) {
		help := helpFlags(t, cmd)
		for _, m := range docFlagRE.FindAllStringSubmatch(code, -1) {
			checked++
			require.True(t, help[m[1]], "%s gives prescale %s %s, which its -h does not list", doc, cmd, m[1])
		}
	}
	for line := range strings.SplitSeq(block, "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "prescale" {
			cmd = f[1]
		} else if !strings.HasPrefix(line, " ") {
			cmd = "" // another program's line (prescale-exporter)
		}
		code, _, _ := strings.Cut(line, "#") // the comment names flags in prose
		if cmd != "" && cmd != "version" {
			check("README.md's Commands block", cmd, code)
		}
	}
	require.Greater(t, checked, 15, "the Commands block's flags not read")
	span := regexp.MustCompile("`prescale (forecast|detect|backtest|run)\\b([^`]*)`")
	for _, doc := range []string{"README.md", "docs/api.md", "docs/architecture.md", "docs/commands.md", "docs/configuration.md", "docs/controller-reference.md", "docs/dashboards.md",
		"docs/deploy.md", "docs/development.md", "docs/metrics.md", "docs/reliability.md"} {
		b, err := os.ReadFile("../../" + doc)
		require.NoError(t, err)
		for _, m := range span.FindAllStringSubmatch(string(b), -1) {
			check(doc, m[1], m[2])
		}
	}
}
