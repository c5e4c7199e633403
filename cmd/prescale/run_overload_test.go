package main

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestE2EPrescaleRunAnswersOverload is issue 11's first report, through
// `prescale run`'s code on loopback: one target whose demand, vector(20),
// needs 20 units of capacity 1 (29 at the default 0.7 utilisation) while
// max_units is 10. The embedded store answers the query over the whole
// history window, so the forecaster is warm and confident from the first
// cycle; the decision must still reach max_units (reason max) within two
// cycles. Real server: the status is polled with a deadline.
func TestE2EPrescaleRunAnswersOverload(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test: skipped with -short")
	}
	dir := t.TempDir()
	targets := filepath.Join(dir, "targets.yml")
	require.NoError(t, os.WriteFile(targets, []byte(`targets:
  - name: flat20
    query: vector(20)
    capacity_per_unit: 1
    min_units: 1
    max_units: 10
`), 0o600))
	t.Setenv("PRESCALE_DATA_DIR", filepath.Join(dir, "data"))
	t.Setenv("PRESCALE_LISTEN", "127.0.0.1:0")
	t.Setenv("PRESCALE_TARGETS_FILE", targets)
	t.Setenv("PRESCALE_SCALING_INTERVAL", "5s")
	t.Setenv("PRESCALE_STEP", "15s")

	ctx, base, _, _ := startRun(t, nil)
	type decision struct {
		Desired int    `json:"desired"`
		Reason  string `json:"reason"`
	}
	var decisions []decision
	poll(ctx, t, "two decisions", func() error {
		var st struct {
			Targets []struct {
				Target    string     `json:"target"`
				Decisions []decision `json:"decisions"`
			} `json:"targets"`
		}
		if err := getJSON(ctx, base+"/api/scaling/status", &st); err != nil {
			return err
		}
		if len(st.Targets) != 1 || len(st.Targets[0].Decisions) < 2 {
			return fmt.Errorf("status so far: %+v", st)
		}
		decisions = st.Targets[0].Decisions
		return nil
	})
	reached := -1
	for i, d := range decisions[:2] {
		if d.Desired == 10 {
			reached = i
			break
		}
	}
	require.GreaterOrEqual(t, reached, 0, "desired_units did not reach 10 within 2 cycles: %+v", decisions)
	require.Equal(t, "max", decisions[reached].Reason)
}
