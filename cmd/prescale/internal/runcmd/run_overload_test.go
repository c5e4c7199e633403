package runcmd

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/api"
	"github.com/prescale/prescale/controller/policy"
	"github.com/prescale/prescale/internal/testkit"
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
	setRunTargets(t, []byte(`targets:
  - name: flat20
    query: vector(20)
    capacity_per_unit: 1
    min_units: 1
    max_units: 10
`))

	ctx, base, _, _ := startRun(t, nil)
	var decisions []api.Decision
	var desired int
	testkit.Eventually(ctx, t, time.Minute, "two decisions", func() error {
		targets, err := scalingStatus(ctx, base)
		if err != nil {
			return err
		}
		if len(targets) != 1 || len(targets[0].Decisions) < 2 || targets[0].Desired == nil {
			return fmt.Errorf("status so far: %+v", targets)
		}
		decisions, desired = targets[0].Decisions, *targets[0].Desired
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
	require.Equal(t, policy.ReasonMax, decisions[reached].Reason)
	// What the issue saw: the status's desired_units (still 1 after 120 s).
	require.Equal(t, 10, desired, "/api/scaling/status desired_units")
}
