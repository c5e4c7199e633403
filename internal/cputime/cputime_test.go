package cputime

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// Work on the CPU raises Seconds: a loop runs until it does (bounded by a
// count of iterations, not by a clock), and the count must not run out.
func TestSecondsCountsWork(t *testing.T) {
	start := Seconds()
	require.Positive(t, start, "the test process has used some CPU already")
	x := uint64(1)
	for i := 0; i < 1e10; i++ {
		x = x*6364136223846793005 + 1442695040888963407
		if i%(1<<16) == 0 && Seconds() > start {
			require.NotZero(t, x|1)
			return
		}
	}
	t.Fatal("CPU time did not grow over 1e10 iterations")
}
