package main

import (
	"os"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller"
	"github.com/prescale/prescale/controller/policy"
)

// TestREADMEControllerMetricsCarryTheirHelp: each controller metric's row
// in the README's table says what its HELP says (the text an operator
// reads in /metrics). prescale_current_units' row, copied from its HELP,
// left out the current_query that takes precedence over the actuator.
func TestREADMEControllerMetricsCarryTheirHelp(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	rows := map[string]string{}
	for line := range strings.SplitSeq(string(readme), "\n") {
		if name, ok := strings.CutPrefix(line, "| `prescale_"); ok {
			name, _, _ = strings.Cut(name, "`")
			rows["prescale_"+name] = line
		}
	}
	reg := prometheus.NewRegistry()
	controller.NewMetrics(reg, []policy.Target{{Name: "web", Tier: "frontend", Kind: policy.KindInstances, CurrentQuery: "up"}})
	mfs, err := reg.Gather()
	require.NoError(t, err)
	require.NotEmpty(t, mfs)
	for _, mf := range mfs {
		row, ok := rows[mf.GetName()]
		if !ok {
			continue // TestREADMEDocumentsConfigAndMetrics names the missing ones
		}
		require.Contains(t, row, "| "+mf.GetHelp()+" |", "README.md's row of %s", mf.GetName())
		if mf.GetName() == "prescale_current_units" {
			// controller.currentUnits: the query's value comes first.
			require.Contains(t, mf.GetHelp(), "what its current_query reads")
		}
	}
}
