package app

import (
	"net"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/actuator"
	"github.com/prescale/prescale/controller/config"
)

// TestExecHidesConfiguredSecrets: the exec actuator the app builds hides
// in a failed command's quoted output (the log, the unauthenticated
// /api/system/health) the PRESCALE_PROMETHEUS_HEADERS values, a bearer
// token alone too, and the API token prescale run generated, which is in
// no variable: each was quoted as the command printed it. A secret-named
// header's value under 8 bytes (X-Api-Key's k3y) is hidden too, another
// header's (X-Scope-OrgID's tenant1) shown, as before.
func TestExecHidesConfiguredSecrets(t *testing.T) {
	cfg := config.Config{
		Actuators:         []string{config.ActuatorExec},
		ExecCommand:       config.Command{"/bin/sh", "-c", `echo "refused hdr-token-0123, gen-api-token-4567, k3y for tenant1" >&2; exit 3`},
		PrometheusHeaders: []string{"Authorization=Bearer hdr-token-0123", "X-Api-Key=k3y", "X-Scope-OrgID=tenant1"},
		APIToken:          "gen-api-token-4567",
	}
	a := &App{}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = ln.Close() })
	_, err = a.buildActuators(cfg, Options{Registry: prometheus.NewRegistry()}, ln)
	require.NoError(t, err)
	require.Len(t, a.levels, 1)
	err = a.levels[0].Deliverer().Deliver(t.Context(), actuator.Action{Target: "web"})
	require.ErrorContains(t, err, `(output: "refused REDACTED, REDACTED, REDACTED for tenant1\n")`)
}
