package clihelp

import (
	"errors"
	"flag"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"gopkg.in/yaml.v3"
)

// WantDuration says what a duration variable or flag takes.
const WantDuration = "a duration such as 30s, 5m, 1h30m or 14d"

// ParseDuration reads a duration as every variable, flag and targets file
// field of prescale takes it: Go's syntax (90s, 1h30m, 1.5h, -5m),
// Prometheus' (14d, 2w, 1d12h, 1y, as in a range selector: a day is 24h,
// a week 7d, a year 365d; a leading - for a negative one) or a decimal
// number of days or weeks (1.5d). Nothing else: no white space, no
// exponent, no duration beyond int64 nanoseconds.
func ParseDuration(s string) (time.Duration, error) {
	if d, err := time.ParseDuration(s); err == nil {
		return d, nil
	}
	if d, err := model.ParseDurationAllowNegative(s); err == nil {
		return time.Duration(d), nil
	}
	for suffix, unit := range map[string]time.Duration{"d": 24 * time.Hour, "w": 7 * 24 * time.Hour} {
		num, ok := strings.CutSuffix(s, suffix)
		if !ok || !decimalFractionRE.MatchString(num) {
			continue
		}
		n, err := strconv.ParseFloat(num, 64)
		ns := n * float64(unit)
		// Beyond int64's nanoseconds, or under 1ns but not 0: no duration.
		if err != nil || math.Abs(ns) >= math.MaxInt64 || (n != 0 && math.Abs(ns) < 1) {
			break
		}
		return time.Duration(ns), nil
	}
	return 0, errNotDuration
}

// decimalFractionRE is a decimal number with a fraction: 1.5, .5, -2.
var decimalFractionRE = regexp.MustCompile(`^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$`)

var errNotDuration = errors.New("want " + WantDuration)

// durationValue is a time.Duration read as ParseDuration reads it: a
// duration flag (flag.Value), a duration variable (envconfig's Setter) and
// a targets file's duration field (yaml.Unmarshaler). A flag's bad value
// says what it takes: the flag package's own said only "parse error",
// `--lag 300` gave `invalid value "300" for flag -lag: parse error`.
type durationValue time.Duration

func (d *durationValue) Set(s string) error {
	v, err := ParseDuration(s)
	if err != nil {
		want := "want " + WantDuration
		if _, err := time.ParseDuration(s); err != nil && strings.Contains(err.Error(), "missing unit") {
			want += fmt.Sprintf(" (a unit is required: %ss or %sm)", s, s)
		}
		return fmt.Errorf("%s", want) // the flag package names the value
	}
	*d = durationValue(v)
	return nil
}

func (d *durationValue) String() string { return time.Duration(*d).String() }

// UnmarshalYAML reads a string as ParseDuration does; anything else (300,
// a list) is decoded as a time.Duration is, so that its error is the YAML
// decoder's own, naming the line, the value and time.Duration (line 2:
// cannot unmarshal !!int `300` into time.Duration).
func (d *durationValue) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!str" {
		if v, err := ParseDuration(n.Value); err == nil {
			*d = durationValue(v)
			return nil
		}
	}
	var g time.Duration
	if err := n.Decode(&g); err != nil {
		return err
	}
	*d = durationValue(g)
	return nil
}

// Duration defines a duration flag as fs.Duration does, with an error
// naming what it takes for a value that does not parse. -h shows it as
// "--name duration", as the flag package's.
func Duration(fs *flag.FlagSet, name string, value time.Duration, usage string) *time.Duration {
	p := new(time.Duration)
	*p = value
	fs.Var((*durationValue)(p), name, usage)
	return p
}
