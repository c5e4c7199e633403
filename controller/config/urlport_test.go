package config

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestURLPortInRange: a URL setting whose port is not in [1, 65535] exits 2
// at start naming the variable and the port, never the password: it was
// taken (PRESCALE_PROMETHEUS_URL=http://u:pw@prom:99999), and every query
// failed at every cycle with "dial tcp: address 99999: invalid port"
// (tried live), every webhook likewise.
func TestURLPortInRange(t *testing.T) {
	long := strings.Repeat("9", 5000)
	for _, tc := range []struct{ raw, want string }{
		{"http://u:SECRETpw@127.0.0.1:99999", `port "99999" is not in [1, 65535]`},
		{"https://prom:0/", `port "0" is not in [1, 65535]`},
		{"http://prom:" + long, `port "` + long[:100] + `..." is not in [1, 65535]`},
	} {
		err := CheckHTTPURL(tc.raw)
		require.Error(t, err, tc.raw)
		require.Contains(t, err.Error(), tc.want)
		require.NotContains(t, err.Error(), "SECRETpw")
		require.Less(t, len(err.Error()), 300)
	}
	for _, raw := range []string{"http://prom:9090", "https://prom/", "http://[::1]:65535/x", "http://prom:/"} {
		require.NoError(t, CheckHTTPURL(raw), raw)
	}
	c := validConfig(t)
	c.PrometheusURL, c.WebhookURL, c.Actuators = "http://prom:99999", []string{"http://hook:65536/x"}, []string{ActuatorWebhook}
	err := c.Validate()
	require.ErrorContains(t, err, `PRESCALE_PROMETHEUS_URL: port "99999" is not in [1, 65535]`)
	require.ErrorContains(t, err, `PRESCALE_WEBHOOK_URL: port "65536" is not in [1, 65535]`)
}
