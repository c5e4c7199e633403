package app

import (
	"net"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/actuator"
	"github.com/prescale/prescale/controller/config"
)

// TestExecTimedOnTheControllersClock: the exec actuator the app builds
// reads a delivery's duration on the controller's clock (Options.Now), as
// the webhook does: the clock moves 20 s at each read, so 20 s pass on it
// during the command, observed as 20 s (on the real clock: the command's
// few milliseconds).
func TestExecTimedOnTheControllersClock(t *testing.T) {
	now := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { now = now.Add(20 * time.Second); return now }
	reg := prometheus.NewRegistry()
	a := &App{}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = ln.Close() })
	_, err = a.buildActuators(config.Config{Actuators: []string{config.ActuatorExec}, ExecCommand: config.Command{"true"}},
		Options{Registry: reg, Now: clock}, ln)
	require.NoError(t, err)
	require.NoError(t, a.levels[0].Deliverer().Deliver(t.Context(), actuator.Action{Target: "web"}))
	require.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(`
# HELP prescale_actuator_delivery_duration_seconds Time to deliver one action, retries included.
# TYPE prescale_actuator_delivery_duration_seconds histogram
prescale_actuator_delivery_duration_seconds_bucket{receiver="exec",le="0.005"} 0
prescale_actuator_delivery_duration_seconds_bucket{receiver="exec",le="0.01"} 0
prescale_actuator_delivery_duration_seconds_bucket{receiver="exec",le="0.05"} 0
prescale_actuator_delivery_duration_seconds_bucket{receiver="exec",le="0.1"} 0
prescale_actuator_delivery_duration_seconds_bucket{receiver="exec",le="0.5"} 0
prescale_actuator_delivery_duration_seconds_bucket{receiver="exec",le="1"} 0
prescale_actuator_delivery_duration_seconds_bucket{receiver="exec",le="5"} 0
prescale_actuator_delivery_duration_seconds_bucket{receiver="exec",le="30"} 1
prescale_actuator_delivery_duration_seconds_bucket{receiver="exec",le="+Inf"} 1
prescale_actuator_delivery_duration_seconds_sum{receiver="exec"} 20
prescale_actuator_delivery_duration_seconds_count{receiver="exec"} 1
`), "prescale_actuator_delivery_duration_seconds"))
}
