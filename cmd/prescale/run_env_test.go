package main

import (
	"bytes"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

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
