package memlimit

// GCPercent is the garbage collector's target percentage (what GOGC sets)
// the controller starts with when GOGC is unset, below the Go runtime's
// 100: the heap may grow by this share of what was live after the last
// collection before the next one, so the peak is about (1 + GCPercent/100)
// times the heap that stays. Prometheus's own server defaults to 75 the
// same way (its runtime configuration, when GOGC is unset).
const GCPercent = 75

// DefaultGCPercent returns the GC percent to set, GCPercent, or 0 when
// GOGC is set: the operator's choice stands, "off" and values the runtime
// does not read included. getenv is os.Getenv in production.
func DefaultGCPercent(getenv func(string) string) int {
	if getenv("GOGC") != "" {
		return 0
	}
	return GCPercent
}
