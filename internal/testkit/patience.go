package testkit

import (
	"context"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// RaceEnabled reports whether the test binary runs under the race
// detector (which allocates on its own: allocation counts differ).
func RaceEnabled() bool { return raceEnabled }

// Patience returns d, how long a test waits for a real server or process
// on an idle machine, stretched for the machine the test runs on: times
// raceSlowdown under the race detector and times the 1-minute load average
// per core when it is above 1 (at most maxLoadFactor). On two shared cores
// at load 25, `prescale run` under -race took 49 s to decide what it
// decides in 12 s idle, so a fixed 60 s failed tests that were not broken.
// A condition that never holds still fails, later.
func Patience(d time.Duration) time.Duration {
	return stretch(d, raceEnabled, loadAverage(), runtime.NumCPU())
}

// Deadline is now + Patience(d), but no later than 30 s before the test
// binary's own -timeout, so a test that waits in vain reports what it
// waited for instead of the binary panicking.
func Deadline(t testing.TB, d time.Duration) time.Time {
	t.Helper()
	end := time.Now().Add(Patience(d))
	if tt, ok := t.(interface{ Deadline() (time.Time, bool) }); ok {
		if limit, ok := tt.Deadline(); ok && end.After(limit.Add(-30*time.Second)) {
			end = limit.Add(-30 * time.Second)
		}
	}
	return end
}

// raceSlowdown: the race detector slows programs by 2-20x (the Go
// documentation); tests starting real servers measure about 4x.
const (
	raceSlowdown  = 4
	maxLoadFactor = 8
)

func stretch(d time.Duration, race bool, load float64, cpus int) time.Duration {
	f := 1.0
	if race {
		f = raceSlowdown
	}
	if cpus > 0 && load > float64(cpus) {
		f *= min(load/float64(cpus), maxLoadFactor)
	}
	return time.Duration(float64(d) * f)
}

// loadAverage is the 1-minute load average (Linux), 0 when unknown.
func loadAverage() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	fields := strings.Fields(string(b))
	if len(fields) == 0 {
		return 0
	}
	l, err := strconv.ParseFloat(fields[0], 64)
	if err != nil {
		return 0
	}
	return l
}

// Eventually re-checks cond every 100 ms until it returns nil, for tests
// that wait on a real server or process (in-process tests synchronise
// instead). It fails the test, naming what and with cond's last error,
// once Deadline(t, within) has passed or ctx has ended.
func Eventually(ctx context.Context, t testing.TB, within time.Duration, what string, cond func() error) {
	t.Helper()
	start := time.Now()
	deadline := Deadline(t, within)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		err := cond()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s: %v", what, time.Since(start).Round(time.Second), err)
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s: %v; last: %v", what, ctx.Err(), err)
		case <-tick.C:
		}
	}
}
