package main

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// writeDailyTrace writes n 5-minute samples of
// level + amp·sin(2πi/288) + ripple·sin(i·freq) (a daily cycle with a
// deterministic ripple), sample missing left empty, and returns the path.
func writeDailyTrace(t *testing.T, n int, level, amp, ripple, freq float64, missing int) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("timestamp,value\n")
	for i := range n {
		v := strconv.FormatFloat(level+amp*math.Sin(2*math.Pi*float64(i)/288)+ripple*math.Sin(float64(i)*freq), 'f', 3, 64)
		if i == missing {
			v = ""
		}
		fmt.Fprintf(&b, "%d,%s\n", 1_400_000_000+i*300, v)
	}
	path := filepath.Join(t.TempDir(), "trace.csv")
	require.NoError(t, os.WriteFile(path, []byte(b.String()), 0o644))
	return path
}
