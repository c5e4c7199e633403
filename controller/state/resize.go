package state

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/prescale/prescale/controller/policy"
)

// A target's capacity_per_unit may change between two runs (bigger or
// smaller units; docs/controller-reference.md, "When the configuration
// changes between restarts"). What its entry remembers of the demand
// served, in units of the capacity it was saved at, is converted to the
// new one (Resize): the stabilisation and usage windows' units, the
// outage hold, the units a scale-down released and the calm hold's wanted
// units. The shadow runs' memory is dropped: their pools, costs and
// event weights were simulated at the old capacity and cannot be
// converted one number at a time. What the receiver runs (the last
// decision, the units each actuator acknowledged, a manual override) and
// the times (cooldowns, windows) stay: a unit is still a unit of the
// receiver. Before, all of it carried over: 15 units held at capacity 1
// stayed the stabilisation window's floor at capacity 4, where 5 served
// the demand.

// SizedAt is the capacity_per_unit t's remembered units were sized at,
// and whether it is known: t.Capacity, else (a file written before it was
// kept) the capacity the calm hold's or the shadow runs' memory names.
func (t *Target) SizedAt() (float64, bool) {
	if t.Capacity != 0 {
		return t.Capacity, goodCapacity(t.Capacity)
	}
	var keys []string
	if t.Calm != nil {
		keys = append(keys, t.Calm.Target)
	}
	if t.Shadow != nil {
		keys = append(keys, t.Shadow.Target)
	}
	for _, key := range keys {
		var c float64
		if _, err := fmt.Sscanf(key, "capacity %g,", &c); err == nil && goodCapacity(c) {
			return c, true
		}
	}
	return 0, false
}

// goodCapacity reports whether c is a capacity_per_unit a target may have.
func goodCapacity(c float64) bool {
	return c >= policy.MinCapacityPerUnit && c <= policy.MaxCapacityPerUnit
}

// ConvertUnits is u units sized for demand at capacity from, in units of
// capacity to: ceil(u × from / to) (a product a billionth or less above a
// whole number is that number: float rounding), within [lo, hi]. No units
// (u <= 0) stay as they are.
func ConvertUnits(u int, from, to float64, lo, hi int) int {
	if u <= 0 {
		return u
	}
	x := float64(u) * from / to
	n := math.Ceil(x)
	if x-(n-1) <= 1e-9*x {
		n--
	}
	return int(max(float64(lo), min(float64(hi), n)))
}

// Resize makes t's entry one of target (saved under another
// capacity_per_unit or lag, or the same): the units remembered of the
// demand served are converted to target's capacity (see above), and the
// memories sized at another capacity or lag that cannot be converted are
// dropped: the shadow runs' (they start afresh, as after an outage) and,
// when the lag changed, the calm hold's (its wanted units provisioned
// for another lead window; the hold waits its 12 hours again). It records
// target's capacity in t.Capacity and returns one message for each
// change (none without one).
func (t *Target) Resize(target policy.Target) []string {
	var msgs []string
	if from, ok := t.SizedAt(); ok && from != target.CapacityPerUnit {
		msgs = append(msgs, t.convert(from, target))
	}
	t.Capacity = target.CapacityPerUnit
	key := ShadowTarget(target)
	if t.Calm != nil && t.Calm.Target != "" && t.Calm.Target != key {
		msgs = append(msgs, fmt.Sprintf("calm hold's memory, sized at %s, dropped: the target now has %s; the hold starts afresh", t.Calm.Target, key))
		t.Calm = nil
	}
	if t.Shadow != nil && t.Shadow.Target != key {
		msgs = append(msgs, fmt.Sprintf("shadow runs' memory, simulated at %s, dropped: the target now has %s; they start afresh", t.Shadow.Target, key))
		t.Shadow = nil
	}
	return msgs
}

// convert converts t's remembered units from capacity from to target's
// and says what it converted.
func (t *Target) convert(from float64, target policy.Target) string {
	to, lo, hi := target.CapacityPerUnit, target.MinUnits, target.MaxUnits
	var done []string
	unit := func(what string, u *int) {
		if *u > 0 {
			before := *u
			*u = ConvertUnits(*u, from, to, lo, hi)
			done = append(done, fmt.Sprintf("%s %d → %d", what, before, *u))
		}
	}
	p := &t.Policy
	if len(p.Recent) > 0 {
		before := highest(p.Recent)
		p.Recent = slices.Clone(p.Recent)
		for i, r := range p.Recent {
			units, planned := ConvertUnits(r.Units, from, to, lo, hi), ConvertUnits(r.Units-r.Reactive, from, to, lo, hi)
			p.Recent[i].Units, p.Recent[i].Reactive = units, min(units, max(0, units-planned))
		}
		done = append(done, fmt.Sprintf("stabilisation window's highest %d → %d", before, highest(p.Recent)))
	}
	if len(p.Used) > 0 {
		before := highest(p.Used)
		p.Used = slices.Clone(p.Used)
		for i := range p.Used {
			p.Used[i].Units = ConvertUnits(p.Used[i].Units, from, to, min(lo, 0), hi)
		}
		done = append(done, fmt.Sprintf("usage window's highest %d → %d", before, highest(p.Used)))
	}
	unit("outage hold", &p.OutageHold)
	unit("units released", &p.ReleasedFrom)
	if c := t.Calm; c != nil && c.Target == ShadowTarget(policy.Target{CapacityPerUnit: from, Lag: target.Lag}) {
		m := *c
		m.Target, m.Wanted = ShadowTarget(target), make([]int, len(c.Wanted))
		for i, u := range c.Wanted { // not capped by min and max (docs/controller-reference.md)
			m.Wanted[i] = ConvertUnits(u, from, to, 0, policy.MaxUnitsLimit)
		}
		t.Calm = &m
		if len(m.Wanted) > 0 {
			done = append(done, fmt.Sprintf("calm hold's %d wanted units", len(m.Wanted)))
		}
	}
	what := "nothing remembered to convert"
	if len(done) > 0 {
		what = strings.Join(done, ", ")
	}
	return fmt.Sprintf("capacity_per_unit %g when saved, %g now: units remembered of the demand served converted to it "+
		"(ceil(units × %g / %g), within [%d, %d]): %s", from, to, from, to, lo, hi, what)
}

// highest is the most units of rs (0: none).
func highest(rs []policy.Recommendation) int {
	best := 0
	for _, r := range rs {
		best = max(best, r.Units)
	}
	return best
}
