package main

import (
	"bytes"
	"math"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/internal/testkit"
)

// helpFlag is a flag as `prescale CMD -h` prints it.
type helpFlag struct{ name, typ, usage string }

// helpEntries reads the flags, their value types and usage text from -h.
func helpEntries(t *testing.T, cmd string) []helpFlag {
	t.Helper()
	var out bytes.Buffer
	dispatch(t.Context(), []string{cmd, "-h"}, &out, &out)
	var flags []helpFlag
	head := regexp.MustCompile(`^  (--[a-z][a-z-]*)(?: (\S+))?$`)
	for line := range strings.SplitSeq(out.String(), "\n") {
		if m := head.FindStringSubmatch(line); m != nil {
			flags = append(flags, helpFlag{name: m[1], typ: m[2]})
		} else if n := len(flags); n > 0 && strings.HasPrefix(line, "      ") {
			flags[n-1].usage += " " + strings.TrimSpace(line)
		}
	}
	require.NotEmpty(t, flags, "prescale %s -h lists no flags", cmd)
	return flags
}

// TestFlagHelpBoundsAreEnforced: each bound a flag's -h states for
// `prescale backtest` and `prescale forecast` ("in [0, 1)", "at most ...")
// is the one the command enforces: a value on a closed end runs, one just
// outside or on an open end exits 2 naming the flag.
func TestFlagHelpBoundsAreEnforced(t *testing.T) {
	ts := make([]int64, 300)
	vs := make([]float64, 300)
	for i := range ts {
		// Small values, so that the least capacity (1e-9) needs fewer
		// than the 1,000,000 units a trace may need.
		ts[i], vs[i] = 1_400_000_000+int64(i)*300, 1e-4*(2+math.Sin(float64(i)/10))
	}
	tr := testkit.WriteTrace(t, filepath.Join(t.TempDir(), "trace.csv"), ts, vs)
	base := map[string][]string{
		"backtest": {"--trace", tr, "--capacity", "1e-5", "--decisions", filepath.Join(t.TempDir(), "d.csv")},
		"forecast": {"--trace", tr, "--horizon", "2", "--stride", "100", "--out", filepath.Join(t.TempDir(), "f.csv")},
	}
	// A forecast has an origin only where floor(n*eval-from) + H < n:
	// --horizon 10000 needs more than 10,000 samples from --eval-from 0.
	long := make([]int64, 10_050)
	for i := range long {
		long[i] = 1_400_000_000 + int64(i)*300
	}
	longTr := testkit.WriteTrace(t, filepath.Join(t.TempDir(), "long.csv"), long, make([]float64, len(long)))
	byFlag := map[string][]string{
		"forecast--horizon": {"--trace", longTr, "--eval-from", "0", "--stride", "5000", "--out", filepath.Join(t.TempDir(), "f.csv")},
	}
	checked := 0
	for cmd, cmdArgs := range base {
		for _, f := range helpEntries(t, cmd) {
			args := cmdArgs
			if a, ok := byFlag[cmd+f.name]; ok {
				args = a
			}
			kind := map[string]string{"int": "int", "float": "float", "duration": "duration", "string": "float"}[f.typ]
			for _, bc := range testkit.BoundCases(kind, f.usage) {
				checked++
				t.Run(cmd+f.name+"="+bc.Value, func(t *testing.T) {
					var stdout, stderr bytes.Buffer
					code := dispatch(t.Context(), append(append([]string{cmd}, args...), f.name, bc.Value), &stdout, &stderr)
					if bc.OK {
						require.Equal(t, 0, code, "prescale %s %s %s (help: %q): %s", cmd, f.name, bc.Value, f.usage, stderr.String())
						return
					}
					require.Equal(t, 2, code, "prescale %s %s %s (help: %q)", cmd, f.name, bc.Value, f.usage)
					require.Contains(t, stderr.String(), strings.TrimPrefix(f.name, "--"), "the error names the flag")
				})
			}
		}
	}
	require.GreaterOrEqual(t, checked, 20, "the flags' bounds are not read")
}
