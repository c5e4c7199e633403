package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestCLIRejectsBadTraces: forecast and backtest name the line of a
// duplicate or unsorted timestamp, a millisecond timestamp and an
// overflowing value (exit 2), and cut what they echo to 100 bytes.
func TestCLIRejectsBadTraces(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct{ name, rows, want string }{
		{"duplicate", "100,1\n400,2\n400,3\n", "line 4: timestamp 400 repeats line 3's"},
		{"unsorted", "100,1\n400,2\n300,3\n", "line 4: timestamp 300 before previous 400 (line 3)"},
		{"milliseconds", "1700000000000,1\n1700000300000,2\n", "line 2: timestamp \"1700000000000\" is in milliseconds?"},
		{"overflow", "100,1\n400,1e300\n", "line 3: value \"1e300\" is beyond ±1e+15"},
		{"huge field", "100,1\n400," + strings.Repeat("7", 20<<20) + "x\n", "line 3: value \"" + strings.Repeat("7", 100) + "\"... (20971521 bytes) is not a number"},
	} {
		path := filepath.Join(dir, tc.name+".csv")
		require.NoError(t, os.WriteFile(path, []byte("timestamp,value\n"+tc.rows), 0o644))
		for _, args := range [][]string{
			{"forecast", "--trace", path, "--out", filepath.Join(dir, "f.csv")},
			{"backtest", "--trace", path, "--capacity", "1", "--decisions", filepath.Join(dir, "d.csv")},
		} {
			var stdout, stderr bytes.Buffer
			code := dispatch(t.Context(), args, &stdout, &stderr)
			require.Equal(t, 2, code, "%s %s: %s", args[0], tc.name, stderr.String())
			require.Contains(t, stderr.String(), tc.want, args[0])
			require.Less(t, stderr.Len(), 500, "%s %s: echo cut", args[0], tc.name)
		}
	}
}
