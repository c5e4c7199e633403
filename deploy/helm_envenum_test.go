package deploy

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/kelseyhightower/envconfig"
	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller"
	"github.com/prescale/prescale/controller/config"
	"github.com/prescale/prescale/controller/policy"
	"github.com/prescale/prescale/internal/testkit"
	"github.com/prescale/prescale/predictor/anomaly"
)

// envSchema is the part of values.schema.json's $defs the env tests read.
type envSchema struct {
	Defs map[string]struct {
		Pattern    string                     `json:"pattern"`
		Enum       []any                      `json:"enum"`
		Properties map[string]json.RawMessage `json:"properties"`
	} `json:"$defs"`
}

// envRule is one enumerated variable's schema: its enum, or its pattern,
// after following a $ref into $defs.
type envRule struct {
	Enum    []any  `json:"enum"`
	Pattern string `json:"pattern"`
	Ref     string `json:"$ref"`
}

func readEnvSchema(t *testing.T) envSchema {
	t.Helper()
	var s envSchema
	require.NoError(t, json.Unmarshal(testkit.ReadFile(t, filepath.Join(chartDir, "values.schema.json")), &s))
	return s
}

// rule is the schema of variable name in $defs.<def>.properties.
func (s envSchema) rule(t *testing.T, def, name string) envRule {
	t.Helper()
	raw, ok := s.Defs[def].Properties[name]
	require.True(t, ok, "values.schema.json $defs.%s: no rule for %s", def, name)
	var r envRule
	require.NoError(t, json.Unmarshal(raw, &r), name)
	if r.Ref != "" {
		d := s.Defs[filepath.Base(r.Ref)]
		r = envRule{Enum: d.Enum, Pattern: d.Pattern}
	}
	return r
}

// TestHelmSchemaEnvEnums: controller.env's and exporter.env's variables
// that take one of a few values are checked at install. They took any
// string, so "PRESCALE_MODE: forecastonly" rendered and the pod exited 2
// at every start (CrashLoopBackOff). Each list is exactly what the
// program takes (a new value in the code fails here until it is added),
// each value listed is one the program's configuration accepts, and a
// misspelt one fails helm template naming the value's path.
func TestHelmSchemaEnvEnums(t *testing.T) {
	s := readEnvSchema(t)
	want := map[string][]string{
		"PRESCALE_MODE":              {controller.ModeAct, controller.ModeForecastOnly},
		"PRESCALE_ANOMALY_DETECTOR":  anomaly.DetectorNames(),
		"PRESCALE_TARGET_KIND":       enumStrings(policy.Kinds()),
		"PRESCALE_TARGET_FLOOR_MODE": enumStrings(policy.FloorModes()),
	}
	for name, values := range want {
		r := s.rule(t, "controllerEnv", name)
		require.Equal(t, append([]any{""}, anySlice(values)...), r.Enum, "values.schema.json controller.env %s: \"\" (the default) and what the controller takes", name)
	}
	for _, name := range []string{"PRESCALE_TARGET_HOLD_UNTIL_READY", "PRESCALE_STRESS_TEST_ENABLED"} {
		r := s.rule(t, "controllerEnv", name)
		for _, spelling := range []string{"1", "t", "T", "TRUE", "true", "True", "0", "f", "F", "FALSE", "false", "False"} {
			require.Contains(t, r.Enum, spelling, "%s: strconv.ParseBool takes %q", name, spelling)
		}
		for _, v := range r.Enum {
			if v != "" {
				_, err := strconv.ParseBool(fmt.Sprint(v))
				require.NoError(t, err, "%s: %v is listed", name, v)
			}
		}
	}
	requireActuatorPattern(t, s.rule(t, "controllerEnv", "PRESCALE_ACTUATOR").Pattern)
	requireControllerTakesEnums(t, s)
	requireLogLevelPattern(t, s.rule(t, "controllerEnv", "PRESCALE_LOG_LEVEL").Pattern)
	requireLogLevelPattern(t, s.rule(t, "exporterEnv", "PRESCALE_EXPORTER_LOG_LEVEL").Pattern)

	helm := lookHelm(t)
	for _, set := range []string{
		"controller.env.PRESCALE_MODE=forecastonly",
		"controller.env.PRESCALE_ACTUATOR=webhooks",
		"controller.env.PRESCALE_ANOMALY_DETECTOR=mad",
		"controller.env.PRESCALE_TARGET_KIND=cpus",
		"controller.env.PRESCALE_TARGET_FLOOR_MODE=scale-up",
		"controller.env.PRESCALE_TARGET_HOLD_UNTIL_READY=yes",
		"controller.env.PRESCALE_LOG_LEVEL=verbose",
		"exporter.env.PRESCALE_EXPORTER_LOG_LEVEL=trace",
	} {
		_, stderr, err := helmTemplate(t, helm, "--set", set)
		require.Error(t, err, set)
		path, _, _ := strings.Cut(set, "=")
		require.Contains(t, stderr, "at '/"+strings.ReplaceAll(path, ".", "/")+"'", set)
	}
	_, stderr, err := helmTemplate(t, helm, "--set", "controller.env.PRESCALE_MODE=forecast-only,controller.env.PRESCALE_LOG_LEVEL=DEBUG,controller.env.PRESCALE_TARGET_HOLD_UNTIL_READY=false,exporter.env.PRESCALE_EXPORTER_LOG_LEVEL=warn")
	require.NoError(t, err, stderr)
}

// requireControllerTakesEnums sets each listed value of each enumerated
// variable, one at a time, and loads and validates the controller's
// configuration with it.
func requireControllerTakesEnums(t *testing.T, s envSchema) {
	t.Helper()
	for name := range s.Defs["controllerEnv"].Properties {
		for _, v := range s.rule(t, "controllerEnv", name).Enum {
			if v == "" {
				continue
			}
			env := map[string]string{"PRESCALE_TARGET_QUERY": "up", "PRESCALE_DATA_DIR": t.TempDir(), name: fmt.Sprint(v)}
			setPrescaleEnv(t, env)
			var cfg config.Config
			require.NoError(t, envconfig.Process(config.EnvPrefix, &cfg), "%s=%v", name, v)
			require.NoError(t, cfg.Validate(), "%s=%v", name, v)
		}
	}
}

// requireActuatorPattern: the pattern matches a comma-separated list of
// the controller's actuators, without spaces (" none" is refused at
// start: unknown actuator), and nothing else. Listing one twice is
// refused by the controller, not by the pattern.
func requireActuatorPattern(t *testing.T, pattern string) {
	t.Helper()
	re := regexp.MustCompile(pattern)
	names := []string{config.ActuatorNone, config.ActuatorWebhook, config.ActuatorExec, config.ActuatorSimulated}
	for _, v := range append(names, "", strings.Join(names[1:], ","), "simulated,webhook") {
		require.True(t, re.MatchString(v), "PRESCALE_ACTUATOR=%q: the controller takes it", v)
	}
	for _, v := range []string{"webhooks", "simulated, none", "none,", ",none", "kubernetes"} {
		require.False(t, re.MatchString(v), "PRESCALE_ACTUATOR=%q: the controller refuses it", v)
		setPrescaleEnv(t, map[string]string{"PRESCALE_TARGET_QUERY": "up", "PRESCALE_DATA_DIR": t.TempDir(), "PRESCALE_ACTUATOR": v})
		var cfg config.Config
		if envconfig.Process(config.EnvPrefix, &cfg) == nil {
			require.Error(t, cfg.Validate(), "PRESCALE_ACTUATOR=%q", v)
		}
	}
}

// requireLogLevelPattern: the pattern matches a level name exactly when
// slog takes it (the programs parse PRESCALE_*LOG_LEVEL with slog.Level).
func requireLogLevelPattern(t *testing.T, pattern string) {
	t.Helper()
	re := regexp.MustCompile(pattern)
	for _, v := range []string{"debug", "info", "warn", "error", "DEBUG", "Info", "WARN", "info+2", "error-4", "verbose", "trace", "fatal", "warning", "info+", "info 2"} {
		var l slog.Level
		takes := l.UnmarshalText([]byte(v)) == nil
		require.Equal(t, takes, re.MatchString(v), "log level %q: slog takes it %v, the schema's pattern %q", v, takes, pattern)
	}
	require.True(t, re.MatchString(""), "empty: the default")
}

func anySlice(values []string) []any {
	out := make([]any, len(values))
	for i, v := range values {
		out[i] = v
	}
	return out
}
