// Package cputime reads the CPU time this process has used, which the
// benchmarks report beside wall time: unlike wall time it does not grow
// with the load of the other processes sharing the machine.
package cputime

import (
	"syscall"
	"time"
)

// Seconds is the user and system CPU time this process used so far (0 if
// getrusage(2) fails).
func Seconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}
