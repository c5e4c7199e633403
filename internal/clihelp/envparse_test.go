package clihelp

import (
	"errors"
	"log/slog"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kelseyhightower/envconfig"
	"github.com/stretchr/testify/require"
)

// TestEnvError: a value envconfig cannot parse is reported as the variable,
// what it wants and the value, without envconfig's Go field and type names.
func TestEnvError(t *testing.T) {
	type cfg struct {
		Wait  time.Duration `envconfig:"WAIT"`
		Count int           `envconfig:"COUNT"`
		Rate  float64       `envconfig:"RATE"`
		On    bool          `envconfig:"ON"`
		Small int8          `envconfig:"SMALL"`
		Level slog.Level    `envconfig:"LEVEL"`
	}
	for _, tc := range []struct {
		name, env, value, want string
	}{
		{"duration", "P_WAIT", "soon", `P_WAIT: want a duration such as 30s, 5m, 1h30m or 14d, got "soon"`},
		{"whole number", "P_COUNT", "1.5", `P_COUNT: want a whole number, got "1.5"`},
		{"out of range", "P_COUNT", "99999999999999999999", `P_COUNT: want a whole number in range, got "99999999999999999999"`},
		{"number", "P_RATE", "high", `P_RATE: want a number, got "high"`},
		{"bool", "P_ON", "yes please", `P_ON: want true or false, got "yes please"`},
		{"log level", "P_LEVEL", "loud", `P_LEVEL: want a log level: debug, info, warn or error, got "loud"`},
		{"other type", "P_SMALL", "x", `P_SMALL: want a value of type int8, got "x"`},
		{"long value cut", "P_WAIT", strings.Repeat("y", 150), `P_WAIT: want a duration such as 30s, 5m, 1h30m or 14d, got "` + strings.Repeat("y", 100) + `..."`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(tc.env, tc.value)
			var c cfg
			err := envconfig.Process("P", &c)
			require.Error(t, err)
			require.EqualError(t, EnvError(err), tc.want)
		})
	}
	other := errors.New("not a parse error")
	require.Equal(t, other, EnvError(other))
}

// TestProcessEnvReadsPrefixedOnly: a field is read from PREFIX_TAG only,
// never from TAG alone (envconfig's fallback when PREFIX_TAG is unset: a
// STEP or PROMETHEUS_URL set for another program configured prescale);
// the bare variable is left set as it was. A PREFIX_TAG is read as ever.
func TestProcessEnvReadsPrefixedOnly(t *testing.T) {
	type spec struct {
		Step time.Duration `envconfig:"STEP" default:"1m"`
		URL  string        `envconfig:"PROMETHEUS_URL"`
		Mode string        `envconfig:"MODE" default:"act"`
	}
	t.Setenv("STEP", "15s")
	t.Setenv("PROMETHEUS_URL", "http://other:9090")
	t.Setenv("MODE", "")
	t.Setenv("PRESCALE_MODE", "forecast-only")
	s := spec{URL: "preset"}
	require.NoError(t, ProcessEnv("PRESCALE", &s))
	require.Equal(t, spec{Step: time.Minute, URL: "preset", Mode: "forecast-only"}, s)
	for name, want := range map[string]string{"STEP": "15s", "PROMETHEUS_URL": "http://other:9090", "MODE": ""} {
		v, set := os.LookupEnv(name)
		require.True(t, set, name)
		require.Equal(t, want, v, name)
	}
	var bad spec
	t.Setenv("STEP", "soon")
	require.NoError(t, ProcessEnv("PRESCALE", &bad), "a bare STEP that does not parse is not read either")
}

// TestProcessEnvPrometheusDurations: a duration variable takes what
// ParseDuration does, as `prescale backtest --range` and the other flags:
// PRESCALE_HISTORY_WINDOW=14d was refused (want a duration such as 30s, 5m
// or 1h30m) while --range 14d was taken. The variable is left as it was
// set; a value neither syntax reads is refused as before, naming it.
func TestProcessEnvPrometheusDurations(t *testing.T) {
	type spec struct {
		Window time.Duration `envconfig:"HISTORY_WINDOW" default:"336h"`
		Step   time.Duration `envconfig:"STEP" default:"1m"`
		Name   string        `envconfig:"NAME" default:"14d"`
	}
	for in, want := range map[string]time.Duration{"14d": 336 * time.Hour, "2w": 336 * time.Hour, "1d12h": 36 * time.Hour, "1.5d": 36 * time.Hour, "90h": 90 * time.Hour} {
		t.Setenv("PRESCALE_HISTORY_WINDOW", in)
		var c spec
		require.NoError(t, ProcessEnv("PRESCALE", &c), in)
		require.Equal(t, spec{Window: want, Step: time.Minute, Name: "14d"}, c, in)
		require.Equal(t, in, os.Getenv("PRESCALE_HISTORY_WINDOW"), "left as set")
	}
	t.Setenv("PRESCALE_HISTORY_WINDOW", "14x")
	var c spec
	err := ProcessEnv("PRESCALE", &c)
	require.Error(t, err)
	require.EqualError(t, EnvError(err), `PRESCALE_HISTORY_WINDOW: want a duration such as 30s, 5m, 1h30m or 14d, got "14x"`)
	require.Equal(t, "14x", os.Getenv("PRESCALE_HISTORY_WINDOW"))
}

// TestProcessEnvWholeNumbersInDecimal: a whole-number variable is read in
// decimal only. envconfig reads Go's syntax (base 0): MAX_UNITS=010 was 8
// units, 0x10 16 and 1_0 10, with no word, while 08 was refused as no
// whole number. Such values now exit naming the variable and the form
// wanted; durations and log levels parse as before.
func TestProcessEnvWholeNumbersInDecimal(t *testing.T) {
	type spec struct {
		MaxUnits int           `envconfig:"MAX_UNITS" default:"10"`
		Port     uint16        `envconfig:"PORT"`
		Wait     time.Duration `envconfig:"WAIT" default:"1m"`
		Level    slog.Level    `envconfig:"LEVEL" default:"info"`
	}
	const wantDecimal = "want a whole number in decimal, without a leading 0, 0x, 0o, 0b or _ (010 would read as octal 8)"
	for _, tc := range []struct {
		env, value string
		want       int
		err        string
	}{
		{"P_MAX_UNITS", "10", 10, ""},
		{"P_MAX_UNITS", "+5", 5, ""},
		{"P_MAX_UNITS", "0", 0, ""},
		{"P_MAX_UNITS", "-3", -3, ""},
		{"P_MAX_UNITS", "010", 0, `P_MAX_UNITS: ` + wantDecimal + `, got "010"`},
		{"P_MAX_UNITS", "08", 0, `P_MAX_UNITS: ` + wantDecimal + `, got "08"`},
		{"P_MAX_UNITS", "0x10", 0, `P_MAX_UNITS: ` + wantDecimal + `, got "0x10"`},
		{"P_MAX_UNITS", "0o7", 0, `P_MAX_UNITS: ` + wantDecimal + `, got "0o7"`},
		{"P_MAX_UNITS", "0b11", 0, `P_MAX_UNITS: ` + wantDecimal + `, got "0b11"`},
		{"P_MAX_UNITS", "1_0", 0, `P_MAX_UNITS: ` + wantDecimal + `, got "1_0"`},
		{"P_PORT", "0x50", 0, `P_PORT: ` + wantDecimal + `, got "0x50"`},
		{"P_MAX_UNITS", "1.5", 0, `P_MAX_UNITS: want a whole number, got "1.5"`},
		{"P_WAIT", "010s", 10, ""},
		{"P_LEVEL", "warn", 10, ""},
	} {
		t.Run(tc.env+"="+tc.value, func(t *testing.T) {
			t.Setenv(tc.env, tc.value)
			var s spec
			err := ProcessEnv("P", &s)
			if tc.err != "" {
				require.Error(t, err)
				require.EqualError(t, EnvError(err), tc.err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, s.MaxUnits)
		})
	}
}

// environProbe records the environment when envconfig decodes it: a
// field of this type, last in a spec, sees the environment as it is
// while ProcessEnv's decoder reads it.
type environProbe []string

func (p *environProbe) Decode(string) error {
	*p = os.Environ()
	return nil
}

// TestProcessEnvOnlyReadsTheEnvironment: the environment stays as set
// while the configuration is read, not only after: a duration variable in
// Prometheus' syntax was set to its Go form (PRESCALE_HISTORY_WINDOW=14d
// read 336h0m0s) and a bare name another program reads was unset (STEP)
// until envconfig had read them, for a child process started or a
// variable read meanwhile to see.
func TestProcessEnvOnlyReadsTheEnvironment(t *testing.T) {
	type spec struct {
		Window time.Duration `envconfig:"HISTORY_WINDOW" default:"336h"`
		Step   time.Duration `envconfig:"STEP" default:"1m"`
		Probe  environProbe  `envconfig:"PROBE" default:"x"`
	}
	t.Setenv("PRESCALE_HISTORY_WINDOW", "14d")
	t.Setenv("STEP", "15s")
	before := os.Environ()
	var s spec
	require.NoError(t, ProcessEnv("PRESCALE", &s))
	require.Equal(t, [2]time.Duration{336 * time.Hour, time.Minute}, [2]time.Duration{s.Window, s.Step})
	require.Empty(t, envChanges(before, s.Probe), "the environment while envconfig reads it")
	require.Empty(t, envChanges(before, os.Environ()), "after")
}

// envChanges is the variables of before and after that are not in both,
// sorted.
func envChanges(before, after []string) []string {
	var out []string
	for _, e := range before {
		if !slices.Contains(after, e) {
			out = append(out, "-"+e)
		}
	}
	for _, e := range after {
		if !slices.Contains(before, e) {
			out = append(out, "+"+e)
		}
	}
	slices.Sort(out)
	return out
}
