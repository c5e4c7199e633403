package exporter

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestAppURLPortInRange: PRESCALE_APP_URL on a port outside [1, 65535]
// exits 2 at start naming the variable and the port, never the password:
// it was taken, and every scrape's probe failed ("dial tcp: address
// 99999: invalid port"), counted as the application at full load.
func TestAppURLPortInRange(t *testing.T) {
	for raw, want := range map[string]string{
		"http://u:SECRETpw@127.0.0.1:99999/health": `PRESCALE_APP_URL: port "99999" of the URL is not in [1, 65535]`,
		"https://app:0/": `PRESCALE_APP_URL: port "0" of the URL is not in [1, 65535]`,
	} {
		cfg := DefaultConfig()
		cfg.AppURL = raw
		require.EqualError(t, cfg.Validate(), want)
	}
	cfg := DefaultConfig()
	cfg.AppURL = "http://app:65535/health"
	require.NoError(t, cfg.Validate())
}
