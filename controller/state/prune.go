package state

import (
	"slices"
	"time"
)

// KeepUnconfigured is how long the entry of a target the controller no
// longer owns (removed from the targets file, or moved to another shard)
// is kept after it was last decided: a week, as long as the longest
// manual override (168h) and longer than the other windows an entry
// carries (cooldowns, stabilisation and usage windows are minutes to
// hours; event pacing's and the shadow HPAs' 72-hour memory is saved, but
// resumed only within 15 minutes, or two scaling intervals where longer,
// of its last decision), so a target that comes back within it (a shard
// count changed and changed back, a target commented out over a weekend)
// finds its cooldowns, last decision, acknowledged units and costs. After
// it, everything in the entry is out of date (another shard, or nobody,
// has decided since).
const KeepUnconfigured = 7 * 24 * time.Hour

// LastSeen is when the target was last decided: its cost accrual time
// (set at every decision), or its newest decision's in a file without one
// (written before it was kept); zero when the entry has neither. The
// decisions' times are history, which a clock step does not move (Shift)
// nor ClampPast: read before the cost accrual time, a file saved 30 days
// ahead kept an entry no longer configured 30 days more than a week.
func (t *Target) LastSeen() time.Time {
	if n := len(t.Decisions); t.CostAt.IsZero() && n > 0 {
		return t.Decisions[n-1].Explanation.Now
	}
	return t.CostAt
}

// Prune removes the entries of targets that owned reports false for and
// that were last seen KeepUnconfigured or more before now, except those
// with a manual override still in force, and returns their names in
// order. The file kept every such entry forever.
func (f *File) Prune(owned func(name string) bool, now time.Time) []string {
	var gone []string
	for name, t := range f.Targets {
		if owned(name) || now.Sub(t.LastSeen()) < KeepUnconfigured {
			continue
		}
		if m := t.Policy.Manual; m != nil && m.Cancelled.IsZero() && m.Until.After(now) {
			continue
		}
		gone = append(gone, name)
	}
	for _, name := range gone {
		delete(f.Targets, name)
	}
	slices.Sort(gone)
	return gone
}
