package clihelp

import (
	"flag"
	"fmt"
	"strings"
	"time"
)

// durationValue is a time.Duration flag whose bad value says what it
// takes. The flag package's own said only "parse error": `--lag 300` gave
// `invalid value "300" for flag -lag: parse error`.
type durationValue time.Duration

func (d *durationValue) Set(s string) error {
	v, err := time.ParseDuration(s)
	if err != nil {
		want := "want a duration such as 30s, 5m or 1h30m"
		if strings.Contains(err.Error(), "missing unit") {
			want += fmt.Sprintf(" (a unit is required: %ss or %sm)", s, s)
		}
		return fmt.Errorf("%s", want) // the flag package names the value
	}
	*d = durationValue(v)
	return nil
}

func (d *durationValue) String() string { return time.Duration(*d).String() }

// Duration defines a duration flag as fs.Duration does, with an error
// naming what it takes for a value that does not parse. -h shows it as
// "--name duration", as the flag package's.
func Duration(fs *flag.FlagSet, name string, value time.Duration, usage string) *time.Duration {
	p := new(time.Duration)
	*p = value
	fs.Var((*durationValue)(p), name, usage)
	return p
}
