package runcmd

import (
	"bytes"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestRunSaysItFitsTheHistoryWindow: prescale run with PRESCALE_STEP=15s
// and PRESCALE_HISTORY_WINDOW unset fits the window to 20160 steps (84h)
// and says so in one INFO line, as prescale-controller does; it fitted it
// without a word. At a 1m step the default fits and nothing is said.
func TestRunSaysItFitsTheHistoryWindow(t *testing.T) {
	for _, tc := range []struct {
		step, window string
		lines        int
	}{{"15s", "84h0m0s", 1}, {"1m", "336h0m0s", 0}} {
		t.Run(tc.step, func(t *testing.T) {
			t.Setenv("PRESCALE_DATA_DIR", filepath.Join(t.TempDir(), "data"))
			t.Setenv("PRESCALE_STEP", tc.step)
			var logs bytes.Buffer
			p := &runProc{}
			p.log = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: &p.level}))
			require.NoError(t, p.configure())
			require.Equal(t, tc.window, p.cfg.HistoryWindow.String())
			require.Equal(t, tc.lines, strings.Count(logs.String(), "PRESCALE_HISTORY_WINDOW unset"), logs.String())
			if tc.lines == 1 {
				require.Contains(t, logs.String(), "window=84h0m0s step=15s default=336h0m0s max_points=20160")
			}
		})
	}
}

// TestRunReadsPrefixedVariablesOnly: prescale run reads PRESCALE_* names
// only: a PROMETHEUS_URL set for another program stopped it (exit 2,
// "PRESCALE_PROMETHEUS_URL is set"), read by envconfig in its stead; the
// exporter's variables alike (a bare APP_PORT).
func TestRunReadsPrefixedVariablesOnly(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	t.Setenv("PRESCALE_DATA_DIR", dir)
	t.Setenv("PROMETHEUS_URL", "http://other.example:9090")
	t.Setenv("APP_PORT", "8080")
	var logs bytes.Buffer
	p := &runProc{}
	p.log = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: &p.level}))
	require.NoError(t, p.configure(), logs.String())
	require.Empty(t, p.cfg.PrometheusURL)
	require.Equal(t, dir, p.cfg.DataDir)
	ecfg, err := runExporterConfig()
	require.NoError(t, err)
	require.Zero(t, ecfg.AppPort)
}
