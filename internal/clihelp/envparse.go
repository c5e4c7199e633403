package clihelp

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"strconv"
	"strings"

	"github.com/kelseyhightower/envconfig"

	"github.com/prescale/prescale/internal/redact"
)

// ProcessEnv is envconfig.Process reading each field of spec (a pointer
// to a struct) from prefix_TAG only. envconfig falls back to TAG alone
// when prefix_TAG is unset, so a PROMETHEUS_URL, LOG_LEVEL, MODE or STEP
// set for another program in the same environment configured prescale (a
// PROMETHEUS_URL made prescale-controller read its history from that
// server, not its embedded store). Such variables are unset while
// envconfig reads, and set back as they were.
func ProcessEnv(prefix string, spec any) error {
	t := reflect.TypeOf(spec).Elem()
	for i := range t.NumField() {
		bare := strings.ToUpper(t.Field(i).Tag.Get("envconfig"))
		if _, set := os.LookupEnv(prefix + "_" + bare); bare == "" || set {
			continue
		}
		if v, set := os.LookupEnv(bare); set {
			if err := os.Unsetenv(bare); err != nil {
				return fmt.Errorf("%s: %w", bare, err)
			}
			defer func() { _ = os.Setenv(bare, v) }()
		}
	}
	return envconfig.Process(prefix, spec)
}

// wanter is a decoding error (an envconfig.Decoder's) that says what the
// variable takes.
type wanter interface{ Want() string }

// EnvError rewrites envconfig's error for a value that does not parse
// ("envconfig.Process: assigning PRESCALE_STEP to Step: converting 'x' to
// type time.Duration. details: ...", which names a Go field and type) as
// the other configuration errors read: the variable, what it wants and
// the value it got, cut to 100 bytes. Other errors are returned as they
// are.
func EnvError(err error) error {
	var pe *envconfig.ParseError
	if !errors.As(err, &pe) {
		return err
	}
	want := "a value of type " + pe.TypeName
	switch pe.TypeName {
	case "time.Duration":
		want = "a duration such as 30s, 5m or 1h30m"
	case "int", "int64":
		want = "a whole number"
	case "float64":
		want = "a number"
	case "bool":
		want = "true or false"
	case "slog.Level":
		want = "a log level: debug, info, warn or error"
	}
	var w wanter
	if errors.As(pe.Err, &w) {
		want = w.Want()
	}
	if errors.Is(pe.Err, strconv.ErrRange) {
		want += " in range"
	}
	return fmt.Errorf("%s: want %s, got %q", pe.KeyName, want, redact.Cut(pe.Value, redact.MaxEchoed))
}
