package loadscore

import (
	"sync"
	"time"
)

// minCPUWindow is the shortest wall-clock interval over which the app's cpu
// use is measured; cpu seconds tick at 10 ms, so shorter windows (two
// Prometheus servers scraping back to back) would mostly measure the tick.
const minCPUWindow = time.Second

// CPUWindow keeps, across scrapes, the last cpu reading of the application
// process so its cpu use can be measured without sleeping in the scrape.
// Its zero value is ready; it is safe for concurrent use (scrapes may
// overlap).
type CPUWindow struct {
	mu      sync.Mutex
	prevPID int32
	prevAt  time.Time
	prevCPU float64
	lastCPU float64
	hasLast bool
}

// AppCPU updates the window with this scrape's reading and returns the
// application's cpu use as a fraction of the cpus it may use (the host's,
// or its cgroups' limit where lower), if known.
func (s *CPUWindow) AppCPU(in Inputs, now time.Time) (float64, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cpus := in.appCPUs()
	if !in.HasProcess || cpus <= 0 {
		return 0, false
	}
	if in.ProcessPID != s.prevPID || in.ProcessCPUSeconds < s.prevCPU {
		// New process (or counter reset): start a new window.
		s.prevPID, s.prevAt, s.prevCPU, s.hasLast = in.ProcessPID, now, in.ProcessCPUSeconds, false
		return 0, false
	}
	wall := now.Sub(s.prevAt)
	if wall >= minCPUWindow {
		s.lastCPU = (in.ProcessCPUSeconds - s.prevCPU) / (wall.Seconds() * cpus)
		s.hasLast = true
		s.prevAt, s.prevCPU = now, in.ProcessCPUSeconds
	}
	return s.lastCPU, s.hasLast
}
