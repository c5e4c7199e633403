package state

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/policy"
)

// TestPrune: an entry of a target not owned goes once it was last decided
// a week or more ago (its cost time, set at every decision; its newest
// decision's in a file without one; never, for an entry with neither: a
// decision after the cost time, as a clock step that moved the cost time
// back leaves it, does not count), unless a manual override is
// still in force; owned targets' entries and younger ones stay. Every such
// entry was kept forever.
func TestPrune(t *testing.T) {
	now := time.Date(2026, 3, 9, 12, 0, 0, 0, time.UTC)
	ago := func(d time.Duration) time.Time { return now.Add(-d) }
	day := 24 * time.Hour
	decided := func(at time.Time) []policy.Decision {
		return []policy.Decision{{Desired: 3, Explanation: policy.Explanation{Now: at}}}
	}
	f := File{Targets: map[string]Target{
		"web":       {CostAt: ago(30 * day)}, // owned
		"moved":     {CostAt: ago(6 * day)},  // another shard's for six days
		"removed":   {CostAt: ago(7 * day)},  // gone a week
		"decided":   {CostAt: ago(6 * day), Decisions: decided(ago(6 * day))},
		"ahead":     {CostAt: ago(9 * day), Decisions: decided(now.Add(time.Hour))}, // history a clock step left ahead
		"old":       {Decisions: decided(ago(8 * day))},                             // no cost time
		"recent":    {Decisions: decided(ago(6 * day))},                             // no cost time, one decision
		"empty":     {},                                                             // never decided
		"overrides": {CostAt: ago(8 * day), Policy: policy.State{Manual: &policy.Override{Units: 4, Until: now.Add(time.Hour)}}},
		"expired":   {CostAt: ago(8 * day), Policy: policy.State{Manual: &policy.Override{Units: 4, Until: ago(time.Hour)}}},
		// Ended early by an operator: no longer in force, whatever its until.
		"cancelled": {CostAt: ago(8 * day), Policy: policy.State{Manual: &policy.Override{Units: 4, Until: now.Add(time.Hour), Cancelled: ago(time.Hour)}}},
	}}
	gone := f.Prune(func(name string) bool { return name == "web" }, now)
	require.Equal(t, []string{"ahead", "cancelled", "empty", "expired", "old", "removed"}, gone)
	require.ElementsMatch(t, []string{"web", "moved", "decided", "recent", "overrides"}, keys(f.Targets))
	require.Empty(t, f.Prune(func(string) bool { return true }, now.Add(365*day)), "owned entries are never pruned")
}

func keys(m map[string]Target) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
