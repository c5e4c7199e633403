package clihelp

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/internal/redact"
)

// newTestFlags is a flag set with a flag of each kind the programs use.
func newTestFlags() *flag.FlagSet {
	fs := flag.NewFlagSet("prog sub", flag.ContinueOnError)
	fs.Int("n", 1, "a count")
	fs.Float64("f", 1, "a number")
	fs.Bool("b", false, "a switch")
	fs.String("s", "", "a text")
	Duration(fs, "d", time.Second, "a duration")
	fs.Func("kv", "`NAME=VALUE`", func(s string) error {
		if !strings.Contains(s, "=") {
			return errors.New("want NAME=VALUE, got " + s) // repeats it unquoted
		}
		return nil
	})
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "usage: prog sub [-n N]\n\nThe rest of the help.\n")
	}
	return fs
}

// TestParseFlags: -h prints the help on stdout; a bad flag prints on
// stderr the flag package's message (once), the usage line and how to see
// every flag, never the rest of the help.
func TestParseFlags(t *testing.T) {
	var out, errb bytes.Buffer
	require.ErrorIs(t, ParseFlags(newTestFlags(), []string{"-h"}, &out, &errb), flag.ErrHelp)
	require.Equal(t, "usage: prog sub [-n N]\n\nThe rest of the help.\n", out.String())
	require.Empty(t, errb.String())

	out.Reset()
	require.ErrorIs(t, ParseFlags(newTestFlags(), []string{"-n", "x"}, &out, &errb), ErrReported)
	require.Empty(t, out.String())
	require.Equal(t, "prog sub: invalid value \"x\" for flag --n: want a whole number in decimal\nusage: prog sub [-n N]\nRun 'prog sub -h' for every flag.\n", errb.String())

	fs := newTestFlags()
	require.NoError(t, ParseFlags(fs, []string{"-n", "3", "rest"}, &out, &errb))
	require.Equal(t, []string{"rest"}, fs.Args())
}

// TestParseFlagsCutsEchoes: a 5,000-byte value or flag name is repeated
// cut to redact.MaxEchoed bytes (the flag package repeated it whole, and
// a Value's error may repeat it again, unquoted).
func TestParseFlagsCutsEchoes(t *testing.T) {
	long := strings.Repeat("Z", 5000)
	for _, args := range [][]string{{"-n", long}, {"-f=" + long}, {"-b=" + long}, {"-d", long}, {"-kv", long}, {"-" + long}, {"--" + long + "=1"}} {
		var out, errb bytes.Buffer
		require.ErrorIs(t, ParseFlags(newTestFlags(), args, &out, &errb), ErrReported)
		requireCut(t, errb.String())
		require.Contains(t, errb.String(), strings.Repeat("Z", redact.MaxEchoed-2)) // still named
	}
}

// requireCut fails when msg repeats a value (a quoted string, or a run
// without white space) of more than redact.MaxEchoed bytes and the "..."
// of its cut: CutEchoes would cut it again.
func requireCut(t *testing.T, msg string) {
	t.Helper()
	require.Equal(t, msg, redact.CutEchoes(msg, redact.MaxEchoed), "an echo is not cut")
}

// FuzzParseFlags parses any two arguments: never a panic; a refusal is
// reported once on stderr with every value it repeats cut to
// redact.MaxEchoed bytes, nothing on stdout; -h alone prints the help.
func FuzzParseFlags(f *testing.F) {
	for _, s := range [][2]string{{"-n", "3"}, {"-d", "300"}, {"-kv", "a=b"}, {"--b=maybe", ""}, {"-h", ""}, {"-" + strings.Repeat("q", 200), "x"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		var out, errb bytes.Buffer
		err := ParseFlags(newTestFlags(), []string{a, b}, &out, &errb)
		switch {
		case err == nil:
			require.Empty(t, out.String()+errb.String())
		case errors.Is(err, flag.ErrHelp):
			require.Contains(t, out.String(), "The rest of the help.")
			require.Empty(t, errb.String())
		default:
			require.ErrorIs(t, err, ErrReported)
			require.Empty(t, out.String())
			require.True(t, strings.HasSuffix(errb.String(), "\nRun 'prog sub -h' for every flag.\n"), errb.String())
			requireCut(t, errb.String())
		}
	})
}

// TestParseFlagsCutsSpacedEchoes: a 5,000-byte flag name or argument
// holding spaces, which the flag package repeats unquoted (an undefined
// flag, a bad flag syntax), is repeated to at most redact.MaxEchoed bytes:
// CutEchoes alone left it whole (no run of it is long).
func TestParseFlagsCutsSpacedEchoes(t *testing.T) {
	spaced := strings.Repeat("Z ", 2500)
	for _, args := range [][]string{{"--" + spaced}, {"-" + spaced + "=1"}, {"---" + spaced}, {"-n", spaced}} {
		var out, errb bytes.Buffer
		require.ErrorIs(t, ParseFlags(newTestFlags(), args, &out, &errb), ErrReported)
		require.Contains(t, errb.String(), spaced[:50]) // still named
		require.Less(t, errb.Len(), 600, errb.String())
	}
}

// TestParseFlagsWholeNumbersInDecimal: a whole-number flag takes decimal
// only, as the variables do. The flag package reads Go's syntax: backtest
// --max 010 ran with 8 units (octal), 0x10 with 16, without a word. The
// flags are put back after parsing (the help names their types).
func TestParseFlagsWholeNumbersInDecimal(t *testing.T) {
	for _, tc := range []struct {
		args []string
		n    int
		f    float64
		err  string
	}{
		{[]string{"-n", "10"}, 10, 1, ""},
		{[]string{"-n=+5"}, 5, 1, ""},
		{[]string{"-n", "0"}, 0, 1, ""},
		{[]string{"-n", "-3"}, -3, 1, ""},
		{[]string{"-f", "010"}, 1, 10, ""},
		{[]string{"-n", "010"}, 0, 0, `invalid value "010" for flag --n: want a whole number in decimal, without a leading 0, 0x, 0o, 0b or _ (010 would read as octal 8)`},
		{[]string{"--n=0x10"}, 0, 0, `invalid value "0x10" for flag --n: want a whole number in decimal`},
		{[]string{"-n", "1_0"}, 0, 0, `invalid value "1_0" for flag --n: want a whole number in decimal`},
		{[]string{"-n", "08"}, 0, 0, `invalid value "08" for flag --n: want a whole number in decimal`},
		{[]string{"-n", "x"}, 0, 0, `invalid value "x" for flag --n: want a whole number in decimal`},
		{[]string{"-n", "1e3"}, 0, 0, `invalid value "1e3" for flag --n: want a whole number in decimal`},
		{[]string{"-n", "99999999999999999999"}, 0, 0, `invalid value "99999999999999999999" for flag --n: value out of range`},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			fs := newTestFlags()
			var out, errb bytes.Buffer
			err := ParseFlags(fs, tc.args, &out, &errb)
			_, wrapped := fs.Lookup("n").Value.(decimalFlag)
			require.False(t, wrapped, "the flag is put back")
			if tc.err != "" {
				require.ErrorIs(t, err, ErrReported)
				require.Contains(t, errb.String(), tc.err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.n, fs.Lookup("n").Value.(flag.Getter).Get())
			require.InDelta(t, tc.f, fs.Lookup("f").Value.(flag.Getter).Get(), 0)
		})
	}
}

// TestParseFlagsSayWhatNumbersAndSwitchesTake: a number or switch flag's
// bad value is answered with what it takes, where the flag package said
// only "parse error" (backtest --capacity 50rps, --hold=maybe); a switch
// still takes no value, and the flags are put back after parsing.
func TestParseFlagsSayWhatNumbersAndSwitchesTake(t *testing.T) {
	for _, tc := range []struct {
		args []string
		f    float64
		b    bool
		err  string
	}{
		{[]string{"-f", "0.7", "-b"}, 0.7, true, ""},
		{[]string{"-f", "1e-3", "-b=false"}, 1e-3, false, ""},
		{[]string{"-f", ".5", "-b=1"}, 0.5, true, ""},
		{[]string{"-f", "50rps"}, 0, false, `invalid value "50rps" for flag --f: want a number, such as 50, 0.7 or 1e-3`},
		{[]string{"-f", "1e999"}, 0, false, `invalid value "1e999" for flag --f: value out of range`},
		{[]string{"-b=maybe"}, 0, false, `invalid boolean value "maybe" for --b: want true or false`},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			fs := newTestFlags()
			var out, errb bytes.Buffer
			err := ParseFlags(fs, tc.args, &out, &errb)
			_, wrapped := fs.Lookup("f").Value.(numberFlag)
			require.False(t, wrapped, "the flag is put back")
			if tc.err != "" {
				require.ErrorIs(t, err, ErrReported)
				require.Contains(t, errb.String(), tc.err)
				return
			}
			require.NoError(t, err)
			require.InDelta(t, tc.f, fs.Lookup("f").Value.(flag.Getter).Get(), 0)
			require.Equal(t, tc.b, fs.Lookup("b").Value.(flag.Getter).Get())
		})
	}
}

// TestParseFlagsNameFlagsAsTheHelp: every error of the flag package that
// names a flag names it with two dashes, as the help and docs/commands.md
// do, however it was given; the flag package wrote one (`for flag
// -capacity`), or none (`invalid boolean flag b`). A value holding the
// same words is repeated as given.
func TestParseFlagsNameFlagsAsTheHelp(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-nope"}, "prog sub: flag provided but not defined: --nope\n"},
		{[]string{"--nope=1"}, "prog sub: flag provided but not defined: --nope\n"},
		{[]string{"-n"}, "prog sub: flag needs an argument: --n\n"},
		{[]string{"--f", "50rps"}, `prog sub: invalid value "50rps" for flag --f: want a number`},
		{[]string{"-d", "300"}, `prog sub: invalid value "300" for flag --d: want a duration`},
		{[]string{"--kv", `x" for flag -n:`}, `prog sub: invalid value "x\" for flag -n:" for flag --kv: want NAME=VALUE`},
		{[]string{"-b=maybe"}, `prog sub: invalid boolean value "maybe" for --b: want true or false`},
		{[]string{"---b"}, "prog sub: bad flag syntax: ---b\n"},
	} {
		var out, errb bytes.Buffer
		require.ErrorIs(t, ParseFlags(newTestFlags(), tc.args, &out, &errb), ErrReported, tc.args)
		require.Contains(t, errb.String(), tc.want, tc.args)
	}
	require.Equal(t, "invalid boolean flag --hold: x", doubleDashed("invalid boolean flag hold: x"))
	require.Equal(t, "other -x", doubleDashed("other -x"))
	require.Equal(t, `invalid value "x for flag -n: y`, doubleDashed(`invalid value "x for flag -n: y`))
}
