package policy

import (
	"slices"
	"time"
)

// The stabilisation window (State.Recent) and the usage window (State.Used)
// are read only for their highest value (stabilised, reactiveFloor), so a
// recommendation that a newer one dominates can never be that value again:
// the newer one stays in the window longer and is at least as high at every
// moment. Dropping the dominated ones when a recommendation is recorded
// keeps each window a queue of decreasing values (the sliding-window
// maximum's monotone queue): its length is bounded by the distinct unit
// values, not by window/interval. Before, a 1-hour window decided every
// second held 3,600 recommendations per target, copied at every decision
// and written to the state file every cycle. The decisions are the same
// (TestWindowsBounded) while the clock does not step back past a
// recommendation's time.

// madeSince is a copy of the recommendations of rs made at or after from,
// with room for the one a decision adds (Record).
func madeSince(rs []Recommendation, from time.Time) []Recommendation {
	out := make([]Recommendation, 0, len(rs)+1)
	for _, r := range rs {
		if !r.At.Before(from) {
			out = append(out, r)
		}
	}
	return out
}

// pushUsed appends r to the usage window, dropping the older entries whose
// units are not above r's (reactiveFloor reads min(units, current)).
func pushUsed(rs []Recommendation, r Recommendation) []Recommendation {
	rs = slices.DeleteFunc(rs, func(e Recommendation) bool {
		return !e.At.After(r.At) && e.Units <= r.Units
	})
	return append(rs, r)
}

// pushRecent appends r to the stabilisation window, dropping the older
// entries r dominates both while pending (units) and once ready (units
// less the reactive part), the two values stabilised reads; an older entry
// is ready no later than r.
func pushRecent(rs []Recommendation, r Recommendation) []Recommendation {
	rs = slices.DeleteFunc(rs, func(e Recommendation) bool {
		return !e.At.After(r.At) && e.Units <= r.Units && e.Units-e.Reactive <= r.Units-r.Reactive
	})
	return append(rs, r)
}
