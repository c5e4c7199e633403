package clihelp

import (
	"bytes"
	"flag"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// requireFits fails unless every line of help is at most Width columns and
// has no tab (a tab's width depends on the terminal).
func requireFits(t *testing.T, help string) {
	t.Helper()
	for i, l := range strings.Split(help, "\n") {
		require.NotContains(t, l, "\t", "line %d has a tab: %q", i+1, l)
		require.LessOrEqual(t, len([]rune(l)), Width, "line %d is %d columns: %q", i+1, len([]rune(l)), l)
	}
}

func TestFlagsAndEnv(t *testing.T) {
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	fs.String("trace", "", "trace CSV "+strings.Repeat("word ", 40))
	fs.Int("horizon", 12, "horizons")
	fs.Bool("quiet", false, "no progress")
	groups := []Group{G("Input", "trace"), G("Model", "horizon")}
	var b bytes.Buffer
	Flags(&b, fs, groups)
	out := b.String()
	requireFits(t, out)
	require.Less(t, strings.Index(out, "Input:"), strings.Index(out, "--trace string"))
	require.Less(t, strings.Index(out, "Model:"), strings.Index(out, "--horizon int"))
	require.Contains(t, out, "horizons (default 12)")
	require.Contains(t, out, "\nOther:\n  --quiet\n      no progress\n", "ungrouped flags come last")

	b.Reset()
	vars := []Var{{"PRESCALE_A_X", "^" + strings.Repeat("(a|b)", 40) + "$", "a long regexp default"}, {"PRESCALE_B", "", "b"}}
	Env(&b, vars, []Group{G("A things", "PRESCALE_A_*")})
	requireFits(t, b.String())
	require.Contains(t, b.String(), "A things:\n  PRESCALE_A_X\n      a long regexp default\n      default: ^(a|b)(a|b)",
		"a default too long for the head line comes after the description, broken after a |")
	require.Contains(t, b.String(), "(a|\n        b)")
	require.Contains(t, b.String(), "\nOther:\n  PRESCALE_B\n      b\n", "ungrouped variables come last")
}

func TestVars(t *testing.T) {
	type inner struct {
		Y string `envconfig:"Y" default:"y" desc:"why"`
	}
	type cfg struct {
		inner
		X       int `envconfig:"X" default:"1" desc:"ex"`
		Skipped int
	}
	require.Equal(t, []Var{{"P_Y", "y", "why"}, {"P_X", "1", "ex"}}, Vars("P", &cfg{}))
}

func TestProblems(t *testing.T) {
	vars := []Var{{Name: "PRESCALE_A"}, {Name: "PRESCALE_B"}}
	require.Empty(t, Problems("usage: x\n\nGroup:\n  PRESCALE_A\n  PRESCALE_B\n", vars))
	got := Problems("usage:\tx\n"+strings.Repeat("w", Width+1)+"\n\n"+Other+":\n  PRESCALE_A\n", vars)
	require.Equal(t, []string{
		`line 1 has a tab: "usage:\tx"`,
		"line 2 is 101 columns: \"" + strings.Repeat("w", Width+1) + "\"",
		"a variable is in no group: add it to internal/clihelp/groups.go",
		"PRESCALE_B is not listed",
	}, got)
}
