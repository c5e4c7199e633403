package main

import (
	"bytes"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/policy"
	"github.com/prescale/prescale/internal/clihelp"
	"github.com/prescale/prescale/internal/redact"
)

// requireHelpFits fails unless every line is at most 100 columns without
// tabs, and every flag and variable is in a group (none under "Other").
func requireHelpFits(t *testing.T, name, help string) {
	t.Helper()
	require.NotEmpty(t, strings.TrimSpace(help), name)
	require.Empty(t, clihelp.Problems(help, nil), "%s (flag groups: cmd/prescale/help.go, internal/backtestcmd/backtest.go, internal/runcmd/run.go)", name)
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
// with the command's usage, and exits 2 (forecast printed it twice); it
// is named with two dashes, as the help names the flags.
func TestBadFlagReportedOnce(t *testing.T) {
	for _, c := range commands() {
		if c.name == "version" { // takes no flags: an argument
			continue
		}
		var out, errb bytes.Buffer
		require.Equal(t, 2, dispatch(t.Context(), []string{c.name, "--no-such-flag"}, &out, &errb), c.name)
		require.Equal(t, 1, strings.Count(errb.String(), "no-such-flag"), "%s:\n%s", c.name, errb.String())
		require.Contains(t, errb.String(), "flag provided but not defined: --no-such-flag\n", c.name)
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

// TestPathsWithSpacesCut: a path of 5,000 bytes holding spaces (so that
// no run of it without white space is longer than redact.MaxEchoed) is
// repeated to at most redact.MaxEchoed bytes too, given as a flag's next
// argument or after its '=': a trace that does not open, an output whose
// directory does not exist. It was repeated whole.
func TestPathsWithSpacesCut(t *testing.T) {
	spaced := "/" + strings.Repeat("Z ", 2500)
	tr := filepath.Join("..", "..", "predictor", "forecast", "testdata", "hourly_3weeks.csv")
	d := filepath.Join(t.TempDir(), "d.csv")
	for _, args := range [][]string{
		{"backtest", "--trace", spaced + "/t.csv", "--capacity", "1", "--decisions", d},
		{"backtest", "--trace=" + spaced + "/t.csv", "--capacity", "1", "--decisions", d},
		{"forecast", "--trace", tr, "--out", spaced + "/f.csv"},
		{"detect", "--trace", spaced + "/t.csv", "--out", "-"},
	} {
		var out, errb bytes.Buffer
		name := strings.ReplaceAll(strings.Join(args, " "), spaced, "SPACED")
		require.NotEqual(t, 0, dispatch(t.Context(), args, &out, &errb), name)
		require.Contains(t, errb.String(), spaced[:50], "%s: the path is not named:\n%s", name, errb.String())
		require.Less(t, errb.Len(), 1000, "%s:\n%s", name, errb.String())
	}
}
