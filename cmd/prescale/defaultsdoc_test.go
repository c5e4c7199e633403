package main

import (
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/cmd/prescale/internal/backtestcmd"
	"github.com/prescale/prescale/internal/testkit"
)

// TestDefaultsTableFlags: each flag of prescale backtest that a row of
// docs/tuning.md's defaults table names defaults to the row's value (a
// duration, a number or a word, read as its kind), as the variable and
// the constant of the row do (TestDefaultsTableIsTheConfig and the
// packages' TestDefaultsTable); "lag" is --usage-window's 0, which takes
// the --lag. No test tied the flags: with --hold defaulting to false, every
// test of cmd/prescale and deploy passed while the table said true.
func TestDefaultsTableFlags(t *testing.T) {
	fs := backtestcmd.NewFlagSet()
	n := 0
	for _, row := range testkit.DefaultsTable(t) {
		for _, name := range row.Flags {
			f := fs.Lookup(name)
			require.NotNil(t, f, "docs/tuning.md's defaults table names --%s, which prescale backtest does not have", name)
			want := row.Value
			if want == "lag" {
				want = "0s"
			}
			require.True(t, sameFlagDefault(f.DefValue, want), "docs/tuning.md says --%s defaults to %q; prescale backtest's default is %q", name, row.Value, f.DefValue)
			n++
		}
	}
	require.GreaterOrEqual(t, n, 10, "the table's rows name the backtest flags that set them")
}

// sameFlagDefault reports whether a flag's default and a table's value
// read the same: as durations, else as numbers, else as words.
func sameFlagDefault(def, want string) bool {
	if d, err := time.ParseDuration(def); err == nil {
		w, err := time.ParseDuration(want)
		return err == nil && w == d
	}
	if x, err := strconv.ParseFloat(def, 64); err == nil {
		w, err := strconv.ParseFloat(want, 64)
		return err == nil && w == x
	}
	return def == want
}
