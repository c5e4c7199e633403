package clihelp

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/prescale/prescale/internal/redact"
)

// ErrReported is a bad command line ParseFlags has reported on stderr:
// exit 2 without saying it again.
var ErrReported = errors.New("bad usage (reported)")

// ParseFlags parses args into fs (made with flag.ContinueOnError), whose
// Usage writes the program's -h text to fs.Output(). -h writes that text
// to stdout and returns flag.ErrHelp. A bad flag writes to stderr the flag
// package's message with every value it repeats cut to redact.MaxEchoed
// (it repeated a 5,000-byte value whole, and the whole help after it;
// redact.CutGiven, given the arguments: one holding spaces too),
// the help's first paragraph (its usage line) and how to see every flag,
// and returns ErrReported. The message names a flag with two dashes, as
// the help and docs/commands.md do (doubleDashed): the flag package wrote
// one (`for flag -capacity`).
func ParseFlags(fs *flag.FlagSet, args []string, stdout, stderr io.Writer) error {
	help := fs.Usage
	if help == nil {
		help = func() {
			fmt.Fprintf(fs.Output(), "usage: %s [flags]\n\n", fs.Name())
			fs.PrintDefaults()
		}
	}
	fs.Usage = func() {} // the flag package calls it after every error
	fs.SetOutput(io.Discard)
	restore := decimalIntFlags(fs)
	err := fs.Parse(args)
	restore()
	fs.Usage = help
	switch {
	case err == nil:
		return nil
	case errors.Is(err, flag.ErrHelp):
		fs.SetOutput(stdout)
		help()
		return flag.ErrHelp
	}
	var text strings.Builder
	fs.SetOutput(&text)
	help()
	fs.SetOutput(stderr)
	synopsis, _, _ := strings.Cut(text.String(), "\n\n")
	fmt.Fprintf(stderr, "%s: %s\n%s\nRun '%s -h' for every flag.\n",
		fs.Name(), redact.CutGiven(doubleDashed(err.Error()), redact.MaxEchoed, flagParts(args)...), strings.TrimRight(synopsis, "\n"), fs.Name())
	return ErrReported
}

// doubleDashed is the flag package's error msg naming its flag with two
// dashes (--capacity), as the help does, where it wrote one (-capacity) or
// none (invalid boolean flag hold). It finds the name by the error's
// wording, after the value it quotes (which may hold the same words), and
// leaves any other message as it is (bad flag syntax repeats the argument
// as given).
func doubleDashed(msg string) string {
	for _, p := range []string{"flag provided but not defined: -", "flag needs an argument: -", "invalid boolean flag "} {
		if rest, ok := strings.CutPrefix(msg, p); ok {
			return strings.TrimSuffix(p, "-") + "--" + rest
		}
	}
	for _, p := range [][2]string{{"invalid value ", " for flag -"}, {"invalid boolean value ", " for -"}} {
		rest, ok := strings.CutPrefix(msg, p[0])
		if !ok {
			continue
		}
		value, err := strconv.QuotedPrefix(rest)
		if err != nil {
			continue
		}
		if tail, ok := strings.CutPrefix(rest[len(value):], p[1]); ok {
			return p[0] + value + p[1] + "-" + tail
		}
	}
	return msg
}

// flagParts is what the flag package's errors may repeat of args
// unquoted: an argument, and its name without its dashes up to its '='
// (an undefined flag). redact.CutEchoes alone left one holding spaces
// whole.
func flagParts(args []string) []string {
	out := slices.Clone(args)
	for _, a := range args {
		name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
		out = append(out, name)
	}
	return out
}

// decimalIntFlags makes fs's whole-number flags (flag.Int, Int64, Uint,
// Uint64) take decimal only, as the variables do (ProcessEnv): the flag
// package reads Go's syntax, so backtest --max 010 ran with 8 units
// (octal) and 0x10 with 16. It also makes the number and switch flags
// (flag.Float64, flag.Bool) say what they take where the flag package said
// only "parse error" (backtest --capacity 50rps, --max ten, --hold=maybe).
// It returns what puts the flags back, so that the help, which names each
// flag's type from its value, is unchanged.
func decimalIntFlags(fs *flag.FlagSet) (restore func()) {
	saved := map[*flag.Flag]flag.Value{}
	fs.VisitAll(func(f *flag.Flag) {
		g, ok := f.Value.(flag.Getter)
		if !ok {
			return
		}
		switch g.Get().(type) {
		case int, int64, uint, uint64:
			saved[f] = f.Value
			f.Value = decimalFlag{g}
		case float64:
			saved[f] = f.Value
			f.Value = numberFlag{g}
		case bool:
			saved[f] = f.Value
			f.Value = switchFlag{g}
		}
	})
	return func() {
		for f, v := range saved {
			f.Value = v
		}
	}
}

// decimalFlag is a whole-number flag that refuses a value not written in
// decimal.
type decimalFlag struct{ flag.Getter }

func (d decimalFlag) Set(v string) error {
	if goIntNotDecimal(v) {
		return errors.New("want " + errNotDecimal{}.Want())
	}
	if !IsDecimal(v) {
		return errors.New("want a whole number in decimal")
	}
	return d.Getter.Set(v)
}

// numberFlag is a flag.Float64 that says what it takes.
type numberFlag struct{ flag.Getter }

func (n numberFlag) Set(v string) error {
	if _, err := strconv.ParseFloat(v, 64); errors.Is(err, strconv.ErrSyntax) {
		return errors.New("want a number, such as 50, 0.7 or 1e-3")
	}
	return n.Getter.Set(v)
}

// switchFlag is a flag.Bool that says what it takes; it still takes no
// value (--hold alone is --hold=true).
type switchFlag struct{ flag.Getter }

func (b switchFlag) Set(v string) error {
	if _, err := strconv.ParseBool(v); err != nil {
		return errors.New("want true or false")
	}
	return b.Getter.Set(v)
}

func (switchFlag) IsBoolFlag() bool { return true }
