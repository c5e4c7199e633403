package backtestcmd

import (
	"math"
	"strings"
	"testing"
)

// FuzzBacktestFlags feeds any --range and --targets text to their parsers:
// a range is a positive duration, targets are positive finite numbers, at
// most one per comma-separated field; an error quotes the value. Never a
// panic.
func FuzzBacktestFlags(f *testing.F) {
	for _, s := range []string{"14d", "1.5w", "1d12h", "36h", "1y", "0.5,1,2", " 3 , ,4"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if d, err := backtestParseRange(s); err == nil && d <= 0 {
			t.Fatalf("range %q read as %v", s, d)
		} else if err != nil && !strings.Contains(err.Error(), "not a positive duration") {
			t.Fatalf("range %q: %v", s, err)
		}
		vs, err := backtestParseTargets(s)
		if err != nil {
			return
		}
		if len(vs) == 0 || len(vs) > strings.Count(s, ",")+1 {
			t.Fatalf("%d targets from %q", len(vs), s)
		}
		for _, v := range vs {
			if !(v > 0) || math.IsInf(v, 0) {
				t.Fatalf("target %v from %q", v, s)
			}
		}
	})
}
