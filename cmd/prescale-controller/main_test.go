package main

import (
	"bytes"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale"
)

func TestRunUsageAndBadConfig(t *testing.T) {
	for _, tc := range []struct {
		name     string
		args     []string
		env      map[string]string
		code     int
		contains string
	}{
		{"help", []string{"-h"}, nil, 0, "PRESCALE_SCALING_INTERVAL"},
		{"version", []string{"--version"}, nil, 0, "prescale-controller, version " + prescale.Version() + " (branch: unknown, revision: "},
		{"version, one dash", []string{"-version"}, nil, 0, "go version:       " + runtime.Version()},
		{"unknown argument", []string{"--listen=:1"}, nil, 2, `unknown argument "--listen=:1"`},
		{"no query", nil, nil, 2, "PRESCALE_TARGET_QUERY: must be set"},
		{"bad query", nil, map[string]string{"PRESCALE_TARGET_QUERY": "sum("}, 2, `PRESCALE_TARGET_QUERY: invalid PromQL "sum("`},
		{"bad duration", nil, map[string]string{"PRESCALE_SCALING_INTERVAL": "soon"}, 2, "PRESCALE_SCALING_INTERVAL"},
		{"bad mode", nil, map[string]string{"PRESCALE_TARGET_QUERY": "up", "PRESCALE_MODE": "maybe"}, 2, `PRESCALE_MODE: must be "act" or "forecast-only"`},
		{"webhook without URL", nil, map[string]string{"PRESCALE_TARGET_QUERY": "up", "PRESCALE_ACTUATOR": "webhook"}, 2, "PRESCALE_WEBHOOK_URL: must be set"},
		{"bad Prometheus URL", nil, map[string]string{"PRESCALE_TARGET_QUERY": "up", "PRESCALE_PROMETHEUS_URL": "localhost", "PRESCALE_LISTEN": "127.0.0.1:0"}, 2, "PRESCALE_PROMETHEUS_URL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("PRESCALE_DATA_DIR", t.TempDir())
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			var out, errb bytes.Buffer
			code := run(t.Context(), tc.args, &out, &errb)
			require.Equal(t, tc.code, code, "stderr: %s", errb.String())
			require.Contains(t, out.String()+errb.String(), tc.contains)
		})
	}
}
