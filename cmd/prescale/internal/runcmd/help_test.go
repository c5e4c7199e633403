package runcmd

import (
	"bytes"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kelseyhightower/envconfig"
	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/config"
)

// TestRunHelpShowsRunDefaults: prescale run -h shows run's own defaults
// (not the controller's), and they are the ones runDefaults applies.
func TestRunHelpShowsRunDefaults(t *testing.T) {
	var out, errb bytes.Buffer
	require.Equal(t, 0, Run(t.Context(), []string{"-h"}, &out, &errb))
	help := out.String()
	for _, want := range []string{"PRESCALE_ACTUATOR (default simulated, none when PRESCALE_MODE is forecast-only)", "PRESCALE_SCALING_INTERVAL (default 30s)",
		"PRESCALE_TARGET_NAME (default host-cpu)", "PRESCALE_APP_URL", "--backfill FILE",
		"random, written to $PRESCALE_DATA_DIR/api-token (mode 0600, reused), never printed"} {
		require.Contains(t, help, want)
	}
	// The token is never printed (issue 12); the help said it was.
	for _, notWant := range []string{"PRESCALE_ACTUATOR (default none)", "PRESCALE_SCALING_INTERVAL (default 60s)", "PRESCALE_EXPORTER_LISTEN (default",
		"printed at start", "PRESCALE_EXPORTER_MAX_IN_FLIGHT (default"} {
		require.NotContains(t, help, notWant)
	}

	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(name, "PRESCALE_") {
			t.Setenv(name, "")
			require.NoError(t, os.Unsetenv(name))
		}
	}
	var cfg config.Config
	require.NoError(t, envconfig.Process(config.EnvPrefix, &cfg))
	runDefaults(&cfg)
	defs := runHelpDefaults()
	first := func(name string) string { return strings.TrimRight(strings.Fields(defs[name])[0], ",:") }
	require.Equal(t, first("PRESCALE_ACTUATOR"), strings.Join(cfg.Actuators, ","))
	require.Equal(t, first("PRESCALE_TARGET_QUERY"), strings.Fields(cfg.TargetQuery)[0])
	require.Equal(t, defs["PRESCALE_TARGET_NAME"], cfg.TargetName)
	require.Equal(t, defs["PRESCALE_TARGET_TIER"], cfg.TargetTier)
	require.Equal(t, defs["PRESCALE_TARGET_KIND"], string(cfg.TargetKind))
	require.Equal(t, first("PRESCALE_TARGET_MAX_UNITS"), strconv.Itoa(cfg.MaxUnits))
	require.Equal(t, defs["PRESCALE_TARGET_COST_PER_UNIT_HOUR"], strconv.FormatFloat(cfg.CostPerUnitHour, 'g', -1, 64))
	for name, got := range map[string]time.Duration{"PRESCALE_SCALING_INTERVAL": cfg.ScalingInterval, "PRESCALE_STEP": cfg.Step} {
		want, err := time.ParseDuration(first(name))
		require.NoError(t, err, name)
		require.Equal(t, want, got, name)
	}
}

// TestRunForecastOnlyDefaultsToNoActuator: with PRESCALE_MODE=forecast-only
// and PRESCALE_ACTUATOR unset, prescale run builds no simulated pool (nothing
// is handed to it in that mode), so it does not warn of a variable the user
// never set; in act mode the pool stays the default.
func TestRunForecastOnlyDefaultsToNoActuator(t *testing.T) {
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(name, "PRESCALE_") {
			t.Setenv(name, "")
			require.NoError(t, os.Unsetenv(name))
		}
	}
	for mode, want := range map[string]string{"forecast-only": config.ActuatorNone, "act": config.ActuatorSimulated} {
		t.Setenv("PRESCALE_MODE", mode)
		var cfg config.Config
		require.NoError(t, envconfig.Process(config.EnvPrefix, &cfg))
		runDefaults(&cfg)
		require.Equal(t, []string{want}, cfg.Actuators, mode)
		for _, w := range cfg.Unused() {
			require.NotContains(t, w, "PRESCALE_ACTUATOR", mode)
		}
	}
}
