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
// capacity_per_unit, target_utilization and lag. The engine resumes a
// memory only for a target with the same key; Resize reads the old one to
// convert or drop what the memories and the policy state remember, and
// writes the target's. String builds it and ParseMemoryKey reads it,
// nothing else.
type MemoryKey struct {
	Capacity float64
	// Utilization is 0 in a key that does not name it: written before it
	// was named (Resize takes the entry's, and writes the key anew).
	Utilization float64
	Lag         time.Duration
}

// KeyOf is target t's memory key.
func KeyOf(t policy.Target) MemoryKey {
	return MemoryKey{Capacity: t.CapacityPerUnit, Utilization: t.TargetUtilization, Lag: t.Lag}
}

// ShadowTarget is target t's memory key as the state file holds it
// (KeyOf(t).String()).
func ShadowTarget(t policy.Target) string { return KeyOf(t).String() }

// String is k as the state file holds it: "capacity 4,
// target_utilization 0.5, lag 5m0s"; without a utilisation (0) "capacity
// 4, lag 5m0s", the format written before it was named. The lag stays
// last: the release before reads the capacity (up to the first comma) and
// the lag (after ", lag ") of either.
func (k MemoryKey) String() string {
	if k.Utilization == 0 {
		return fmt.Sprintf("capacity %g, lag %s", k.Capacity, k.Lag)
	}
	return fmt.Sprintf("capacity %g, target_utilization %g, lag %s", k.Capacity, k.Utilization, k.Lag)
}

// ParseMemoryKey reads a key String wrote, of either format. Any other
// string (empty, edited by hand, a number written otherwise or not
// finite) is not a key: ok is false, and nothing of it is taken.
func ParseMemoryKey(s string) (k MemoryKey, ok bool) {
	rest, ok := strings.CutPrefix(s, "capacity ")
	if !ok {
		return MemoryKey{}, false
	}
	c, rest, ok := strings.Cut(rest, ", ")
	if !ok {
		return MemoryKey{}, false
	}
	if k.Capacity, ok = finite(c); !ok {
		return MemoryKey{}, false
	}
	if u, after, named := strings.Cut(rest, ", "); named {
		if u, ok = strings.CutPrefix(u, "target_utilization "); !ok {
			return MemoryKey{}, false
		}
		if k.Utilization, ok = finite(u); !ok {
			return MemoryKey{}, false
		}
		rest = after
	}
	lag, ok := strings.CutPrefix(rest, "lag ")
	if !ok {
		return MemoryKey{}, false
	}
	var err error
	if k.Lag, err = time.ParseDuration(lag); err != nil || k.String() != s { // as String writes it, nothing else
		return MemoryKey{}, false
	}
	return k, true
}

// finite is the number s, if it is one and finite.
func finite(s string) (float64, bool) {
	x, err := strconv.ParseFloat(s, 64)
	return x, err == nil && !math.IsNaN(x) && !math.IsInf(x, 0)
}
