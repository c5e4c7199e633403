package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kelseyhightower/envconfig"
	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/config"
	"github.com/prescale/prescale/controller/policy"
	"github.com/prescale/prescale/internal/clihelp"
	"github.com/prescale/prescale/internal/redact"
)

// requireHelpFits fails unless every line is at most 100 columns without
// tabs, and every flag and variable is in a group (none under "Other").
func requireHelpFits(t *testing.T, name, help string) {
	t.Helper()
	require.NotEmpty(t, strings.TrimSpace(help), name)
	require.Empty(t, clihelp.Problems(help, nil), "%s (flag groups: cmd/prescale/help.go)", name)
}

func TestHelpFitsAndIsGrouped(t *testing.T) {
	helps := map[string][]string{"prescale -h": {"-h"}}
	for _, c := range commands() {
		helps["prescale "+c.name+" -h"] = []string{c.name, "-h"}
	}
	for name, args := range helps {
		var out, errb bytes.Buffer
		code := dispatch(t.Context(), args, &out, &errb)
		require.Equal(t, 0, code, "%s: %s", name, errb.String())
		requireHelpFits(t, name, out.String()+errb.String())
	}
}

// TestRunHelpShowsRunDefaults: prescale run -h shows run's own defaults
// (not the controller's), and they are the ones runDefaults applies.
func TestRunHelpShowsRunDefaults(t *testing.T) {
	var out, errb bytes.Buffer
	require.Equal(t, 0, dispatch(t.Context(), []string{"run", "-h"}, &out, &errb))
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

// TestHelpCommandEqualsDashH: "prescale help X" prints what "prescale X -h"
// prints, on the same streams, for every command (it printed the
// top-level usage).
func TestHelpCommandEqualsDashH(t *testing.T) {
	for _, c := range commands() {
		var out1, err1, out2, err2 bytes.Buffer
		code1 := dispatch(t.Context(), []string{"help", c.name}, &out1, &err1)
		code2 := dispatch(t.Context(), []string{c.name, "-h"}, &out2, &err2)
		require.Equal(t, code2, code1, c.name)
		require.Equal(t, out2.String(), out1.String(), c.name)
		require.Equal(t, err2.String(), err1.String(), c.name)
		require.Contains(t, out1.String()+err1.String(), "usage: prescale "+c.name, c.name)
	}
	var out, errb bytes.Buffer
	require.Equal(t, 2, dispatch(t.Context(), []string{"help", "nosuch"}, &out, &errb))
	require.Contains(t, errb.String(), `prescale help: unknown command "nosuch"`)
}

// TestBadFlagReportedOnce: a flag no command defines is reported once,
// with the command's usage, and exits 2 (forecast printed it twice).
func TestBadFlagReportedOnce(t *testing.T) {
	for _, c := range commands() {
		if c.name == "version" { // takes no flags: an argument
			continue
		}
		var out, errb bytes.Buffer
		require.Equal(t, 2, dispatch(t.Context(), []string{c.name, "--no-such-flag"}, &out, &errb), c.name)
		require.Equal(t, 1, strings.Count(errb.String(), "no-such-flag"), "%s:\n%s", c.name, errb.String())
		require.Contains(t, errb.String(), "usage: prescale "+c.name, c.name)
	}
}

// TestHelpOnStdout: every command's -h goes to stdout, nothing to stderr,
// as prescale -h, prescale-exporter -h and prescale-controller -h do
// (`prescale backtest -h | less` showed nothing: it went to stderr).
func TestHelpOnStdout(t *testing.T) {
	for _, c := range commands() {
		var out, errb bytes.Buffer
		require.Equal(t, 0, dispatch(t.Context(), []string{c.name, "-h"}, &out, &errb), c.name)
		require.Contains(t, out.String(), "usage: prescale "+c.name, c.name)
		require.Empty(t, errb.String(), c.name)
	}
}

// TestEchoesCut: a bad command line repeats at most redact.MaxEchoed bytes
// of a 5,000-byte value, whether the flag package refuses it (a number, an
// unknown flag) or a command's own check does (--model, --floor,
// --prometheus, --range, an argument, a command); a bad flag is followed by
// the usage line and how to see every flag, not by the whole help (90
// lines for backtest, the error scrolled away).
func TestEchoesCut(t *testing.T) {
	long := strings.Repeat("Z", 5000)
	tr := filepath.Join("..", "..", "predictor", "forecast", "testdata", "hourly_3weeks.csv")
	d := filepath.Join(t.TempDir(), "d.csv")
	for _, args := range [][]string{
		{"forecast", "--trace", tr, "--out", "-", "--horizon", long},
		{"forecast", "--" + long},
		{"forecast", "--trace", tr, "--out", "-", "--model", long},
		{"forecast", "--trace", tr, "--out", "-", "--eval-from", long},
		{"detect", "--trace", tr, "--out", "-", "--detector", long},
		{"backtest", "--trace", tr, "--decisions", d, "--capacity", long},
		{"backtest", "--trace", tr, "--decisions", d, "--capacity", "1", "--lag", long},
		{"backtest", "--trace", tr, "--decisions", d, "--capacity", "1", "--floor", long},
		{"backtest", "--prometheus", long, "--query", "up", "--capacity", "1", "--decisions", d},
		{"backtest", "--prometheus", "http://127.0.0.1:1", "--query", "up", "--range", long, "--capacity", "1", "--decisions", d},
		{"backtest", "--trace", "/" + long + "/t.csv", "--capacity", "1", "--decisions", d},
		{"run", "--capacity", long},
		{"forecast", long},
		{long},
		{"help", long},
		{"version", long},
	} {
		var out, errb bytes.Buffer
		name := strings.ReplaceAll(strings.Join(args, " "), long, "LONG")
		require.Equal(t, 2, dispatch(t.Context(), args, &out, &errb), name)
		runs := regexp.MustCompile("Z+").FindAllString(errb.String(), -1)
		require.NotEmpty(t, runs, "%s: the value is not named:\n%s", name, errb.String())
		for _, r := range runs {
			require.LessOrEqual(t, len(r), redact.MaxEchoed, "%s:\n%s", name, errb.String())
		}
		require.Less(t, errb.Len(), 1000, "%s:\n%s", name, errb.String())
	}
}

// TestCapacityHelpNamesTheBounds: backtest's and run's --capacity help
// gives the range the policy accepts (backtest said "> 0", and 1e-19 or
// 1e16 were then refused).
func TestCapacityHelpNamesTheBounds(t *testing.T) {
	bounds := "in [" + strconv.FormatFloat(policy.MinCapacityPerUnit, 'g', -1, 64) + ", " +
		strconv.FormatFloat(float64(policy.MaxCapacityPerUnit), 'g', -1, 64) + "]"
	require.Equal(t, "in [1e-09, 1e+15]", bounds)
	for _, name := range []string{"backtest", "run"} {
		var out, errb bytes.Buffer
		require.Equal(t, 0, dispatch(t.Context(), []string{name, "-h"}, &out, &errb), name)
		help := strings.Join(strings.Fields(out.String()+errb.String()), " ")
		require.Contains(t, help, "in [1e-9, 1e15]", "prescale %s -h, --capacity", name)
		require.NotContains(t, help, "(required, > 0)", name)
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
