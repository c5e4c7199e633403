package clihelp

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"github.com/kelseyhightower/envconfig"

	"github.com/prescale/prescale/internal/redact"
)

// decimalInts refuses a whole-number variable written other than in
// decimal: envconfig reads ints in Go's syntax (strconv base 0), so
// PRESCALE_TARGET_MAX_UNITS=010 was 8 units (octal), 0x10 was 16 and 1_0
// was 10, while 08 was refused as no whole number. The error is
// envconfig's, for EnvError to word.
func decimalInts(prefix string, t reflect.Type) error {
	for i := range t.NumField() {
		f := t.Field(i)
		tag := strings.ToUpper(f.Tag.Get("envconfig"))
		if tag == "" || f.Type.PkgPath() != "" || !isIntKind(f.Type.Kind()) {
			continue // a named type (time.Duration, slog.Level) parses itself
		}
		key := prefix + "_" + tag
		if v, set := os.LookupEnv(key); set && goIntNotDecimal(v) {
			return &envconfig.ParseError{KeyName: key, FieldName: f.Name, TypeName: f.Type.String(), Value: v, Err: errNotDecimal{}}
		}
	}
	return nil
}

// goIntNotDecimal reports whether v is a whole number in another form
// than decimal: one Go's syntax reads (0x10, 0o7, 0b11, 010, 1_0), or
// digits with a leading 0 it refuses as octal (08). Anything else (1.5,
// ten) is left to envconfig's own error.
func goIntNotDecimal(v string) bool {
	if IsDecimal(v) {
		return false
	}
	_, err := strconv.ParseInt(v, 0, 64)
	return err == nil || errors.Is(err, strconv.ErrRange) || LeadingZero(v)
}

// IsDecimal reports whether v is a whole number in decimal: a sign, then
// 0 or digits without a leading 0 (what the variables, the flags and the
// targets file take).
func IsDecimal(v string) bool { return decimalRE.MatchString(v) }

// LeadingZero reports whether v is digits after a 0 (010, 08): octal in
// Go's syntax and YAML 1.1's, or refused by them.
func LeadingZero(v string) bool { return leadingZeroRE.MatchString(v) }

// decimalRE is a whole number in decimal: a sign, then 0 or digits
// without a leading 0; leadingZeroRE digits after a 0.
var (
	decimalRE     = regexp.MustCompile(`^[+-]?(0|[1-9][0-9]*)$`)
	leadingZeroRE = regexp.MustCompile(`^[+-]?0[0-9]+$`)
)

func isIntKind(k reflect.Kind) bool {
	switch k {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return true
	}
	return false
}

// errNotDecimal is a whole number not written in decimal.
type errNotDecimal struct{}

func (errNotDecimal) Error() string { return "not a decimal whole number" }

// Want says what the variable takes (EnvError reads it).
func (errNotDecimal) Want() string {
	return "a whole number in decimal, without a leading 0, 0x, 0o, 0b or _ (010 would read as octal 8)"
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
		want = WantDuration
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
