package main

import (
	"bytes"
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale"
	"github.com/prescale/prescale/exporter"
	"github.com/prescale/prescale/internal/clihelp"
)

// clearPrescaleEnv unsets every PRESCALE_* variable for the test.
func clearPrescaleEnv(t *testing.T) {
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(name, "PRESCALE_") {
			t.Setenv(name, "")
			require.NoError(t, os.Unsetenv(name))
		}
	}
}

func TestRunExitCodes(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		env    map[string]string
		code   int
		stdout string
		stderr string
		// notStderr, when set, must not appear on stderr.
		notStderr string
	}{
		{name: "help", args: []string{"-h"}, code: 0, stdout: "PRESCALE_EXPORTER_LISTEN"},
		{name: "version", args: []string{"-version"}, code: 0, stdout: "prescale-exporter, version " + prescale.Version() + " (branch: unknown, revision: "},
		{name: "version, two dashes", args: []string{"--version"}, code: 0, stdout: "go version:       " + runtime.Version()},
		{name: "version subcommand", args: []string{"version"}, code: 0, stdout: "prescale-exporter, version " + prescale.Version()},
		{name: "version and more", args: []string{"version", "x"}, code: 2, stderr: `unexpected arguments ["version" "x"]`},
		{name: "unknown flag", args: []string{"-nope"}, code: 2, stderr: "flag provided but not defined: --nope"},
		{name: "positional argument", args: []string{"serve"}, code: 2, stderr: `unexpected arguments ["serve"]`},
		// A 5,000-byte flag, value or argument is repeated cut to
		// redact.MaxEchoed bytes; the flag package repeated it whole, and
		// the whole help after it (on stdout).
		{name: "long flag cut", args: []string{"-" + strings.Repeat("Z", 5000)}, code: 2,
			stderr: "flag provided but not defined: --" + strings.Repeat("Z", 98) + "...\nusage: prescale-exporter [-h]", notStderr: strings.Repeat("Z", 100)},
		{name: "long value cut", args: []string{"--version=" + strings.Repeat("Z", 5000)}, code: 2,
			stderr: `invalid boolean value "` + strings.Repeat("Z", 100) + `..."`, notStderr: strings.Repeat("Z", 101)},
		{name: "long argument cut", args: []string{strings.Repeat("Z", 5000)}, code: 2,
			stderr: `unexpected arguments ["` + strings.Repeat("Z", 100) + `..."]`, notStderr: strings.Repeat("Z", 101)},
		{name: "bad env value", env: map[string]string{"PRESCALE_APP_PORT": "eighty"}, code: 2, stderr: `PRESCALE_APP_PORT: want a whole number, got "eighty"`},
		{name: "bad log level", env: map[string]string{"PRESCALE_EXPORTER_LOG_LEVEL": "loud"}, code: 2, stderr: `PRESCALE_EXPORTER_LOG_LEVEL: want a log level: debug, info, warn or error, got "loud"`},
		{name: "bad duration", env: map[string]string{"PRESCALE_APP_PROBE_TIMEOUT": "0s"}, code: 2,
			stderr: "PRESCALE_APP_PROBE_TIMEOUT: must be in (0s, 1m0s], got 0s"},
		{name: "invalid listen address", env: map[string]string{"PRESCALE_EXPORTER_LISTEN": "nowhere"}, code: 2,
			stderr: `PRESCALE_EXPORTER_LISTEN: invalid listen address "nowhere": missing port in address`},
		{name: "misspelt variable warned about", env: map[string]string{"PRESCALE_EXPORTER_LISTN": ":1", "PRESCALE_EXPORTER_LISTEN": "nowhere"}, code: 2,
			stderr: "prescale-exporter: warning: PRESCALE_EXPORTER_LISTN is not a prescale setting and is ignored"},
		{name: "controller variable not warned about", env: map[string]string{"PRESCALE_STEP": "5m", "PRESCALE_EXPORTER_LISTEN": "nowhere"}, code: 2,
			stderr: "PRESCALE_EXPORTER_LISTEN: invalid listen address", notStderr: "warning"},
		// The listen address cannot be bound (not local): without the check
		// the exporter fails there, with another message, instead of serving.
		{name: "pid file with HOST_PROC but no HOST_ROOT", env: map[string]string{"PRESCALE_APP_PROCESS": "/run/app.pid", "HOST_PROC": "/host/proc", "HOST_ROOT": "",
			"PRESCALE_EXPORTER_LISTEN": "192.0.2.1:0"}, code: 2,
			stderr: "bad configuration: PRESCALE_APP_PROCESS=/run/app.pid is a pid file in the exporter's own file system, but HOST_PROC=/host/proc looks its pid up in another pid namespace: set HOST_ROOT"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clearPrescaleEnv(t)
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			var stdout, stderr bytes.Buffer
			code := run(t.Context(), tc.args, &stdout, &stderr)
			require.Equal(t, tc.code, code, "stderr: %s", stderr.String())
			require.Contains(t, stdout.String(), tc.stdout)
			require.Contains(t, stderr.String(), tc.stderr)
			if tc.notStderr != "" {
				require.NotContains(t, stderr.String(), tc.notStderr)
			}
		})
	}
}

func TestHelpFitsAndIsGrouped(t *testing.T) {
	var out, errb bytes.Buffer
	require.Equal(t, 0, run(t.Context(), []string{"-h"}, &out, &errb))
	help := out.String()
	require.Empty(t, clihelp.Problems(help, clihelp.Vars(exporter.EnvPrefix, exporter.Config{})))
}
