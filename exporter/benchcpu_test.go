//go:build unix

package exporter

import (
	"syscall"
	"testing"
	"time"
)

// cpuTime is the process's user + system cpu time so far (getrusage).
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU adds cpu-ns/op: the cpu time of the whole process (every
// goroutine, the test server answering the probe included) per iteration,
// which other work on a shared machine does not inflate as it does ns/op.
func reportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric(float64(cpuTime(b)-start)/float64(b.N), "cpu-ns/op")
}
