package state

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/prescale/prescale/controller/policy"
)

// MemoryKey is what the calm hold's and the shadow runs' memories were
// sized and simulated at (Calm.Target, Shadow.Target): the target's
// capacity_per_unit and lag. The engine resumes a memory only for a
// target with the same key; Resize reads the old one to convert or drop
// what the memories and the policy state remember. String builds it and
// ParseMemoryKey reads it, nothing else.
type MemoryKey struct {
	Capacity float64
	Lag      time.Duration
}

// KeyOf is target t's memory key.
func KeyOf(t policy.Target) MemoryKey {
	return MemoryKey{Capacity: t.CapacityPerUnit, Lag: t.Lag}
}

// ShadowTarget is target t's memory key as the state file holds it
// (KeyOf(t).String()).
func ShadowTarget(t policy.Target) string { return KeyOf(t).String() }

// String is k as the state file holds it: "capacity 4, lag 5m0s".
func (k MemoryKey) String() string {
	return fmt.Sprintf("capacity %g, lag %s", k.Capacity, k.Lag)
}

// ParseMemoryKey reads a key String wrote. Any other string (empty, edited
// by hand, a number written otherwise, a capacity not finite) is not a
// key: ok is false, and nothing of it is taken.
func ParseMemoryKey(s string) (k MemoryKey, ok bool) {
	rest, ok := strings.CutPrefix(s, "capacity ")
	if !ok {
		return MemoryKey{}, false
	}
	c, rest, ok := strings.Cut(rest, ", ")
	if !ok {
		return MemoryKey{}, false
	}
	var err error
	if k.Capacity, err = strconv.ParseFloat(c, 64); err != nil || math.IsNaN(k.Capacity) || math.IsInf(k.Capacity, 0) {
		return MemoryKey{}, false
	}
	lag, ok := strings.CutPrefix(rest, "lag ")
	if !ok {
		return MemoryKey{}, false
	}
	if k.Lag, err = time.ParseDuration(lag); err != nil || k.String() != s { // as String writes it, nothing else
		return MemoryKey{}, false
	}
	return k, true
}
