package state

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/prescale/prescale/controller/policy"
	"github.com/prescale/prescale/internal/redact"
)

// A target's capacity_per_unit or target_utilization may change between
// two runs (bigger or smaller units; docs/controller-reference.md, "When
// the configuration changes between restarts"). A unit is sized for
// capacity × utilisation of demand (policy.Target.UnitsFor). What its
// entry remembers of the demand served, in units of the size it was saved
// at, is converted to the new one (Resize): the stabilisation and usage
// windows' units, the outage hold, the units a scale-down released and
// the calm hold's wanted units. The shadow runs' memory is dropped: their
// pools, costs and event weights were simulated at the old capacity (the
// forecaster's own run at the old utilisation too) and cannot be
// converted one number at a time. So is a held scale-down's forgone gain
// (policy.State.Forgone, the change cost's account): the expected loss its
// holds kept paying weighs units of the old size (risk per unit) beside a
// probability of violation, no ratio converts it, and kept it released
// the hold at the new size on gains measured for other units; the next
// hold starts the account afresh (a release waits at most as long again;
// the floors never wait). What the receiver runs (the last
// decision, the units each actuator acknowledged, a manual override) and
// the times (cooldowns, windows) stay: a unit is still a unit of the
// receiver. Before, all of it carried over: 15 units held at capacity 1
// stayed the stabilisation window's floor at capacity 4, where 5 served
// the demand. The memories' keys (MemoryKey) name the capacity,
// utilisation and lag they were sized at; a key written before the
// utilisation was named is of the entry's (Target.Utilization).

// SizedAt is the capacity_per_unit t's remembered units were sized at,
// and whether it is known: t.Capacity, else (a file written before it was
// kept) the capacity the calm hold's or the shadow runs' memory names.
func (t *Target) SizedAt() (float64, bool) {
	if t.Capacity != 0 {
		return t.Capacity, goodCapacity(t.Capacity)
	}
	for _, key := range t.memoryKeys() {
		if goodCapacity(key.Capacity) {
			return key.Capacity, true
		}
	}
	return 0, false
}

// memoryKeys are the keys the calm hold's and the shadow runs' memories
// were sized at (MemoryKey), those t has that are keys.
func (t *Target) memoryKeys() []MemoryKey {
	var keys []MemoryKey
	for _, s := range []string{t.calmKey(), t.shadowKey()} {
		if k, ok := ParseMemoryKey(s); ok {
			keys = append(keys, k)
		}
	}
	return keys
}

// calmKey and shadowKey are the calm hold's and the shadow runs' memory
// keys as the file holds them ("": no memory).
func (t *Target) calmKey() string {
	if t.Calm == nil {
		return ""
	}
	return t.Calm.Target
}

func (t *Target) shadowKey() string {
	if t.Shadow == nil {
		return ""
	}
	return t.Shadow.Target
}

// goodCapacity reports whether c is a capacity_per_unit a target may have.
func goodCapacity(c float64) bool {
	return c >= policy.MinCapacityPerUnit && c <= policy.MaxCapacityPerUnit
}

// ConvertUnits is u units sized for demand at capacity from, in units of
// capacity to: ceil(u × from / to), within [lo, hi]. A product above a
// whole number by a billionth of itself or less is that number (float
// rounding: 0.1 × 3 / 0.3): relative, so at most a thousandth of a unit
// below policy.MaxUnitsLimit, never a whole one. No units (u <= 0) stay as
// they are.
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

// utilizationWas is the target_utilization t's remembered units were
// sized at, at capacity from: t.Utilization, else the one the calm hold's
// or the shadow runs' memory names, or now where neither is one a target
// of capacity from may have (0 in a file written before it was kept:
// taken as unchanged, and the capacity alone converts, as it did; one
// that sizes a unit below policy.MinCapacityPerUnit of demand, as
// configuration validation refuses), or now is not (a target without
// one: nothing to convert to).
func (t *Target) utilizationWas(from, now float64) float64 {
	if !goodUtilization(now) {
		return now
	}
	saved := []float64{t.Utilization}
	for _, k := range t.memoryKeys() {
		saved = append(saved, k.Utilization)
	}
	for _, u := range saved {
		if goodUtilization(u) && from*u >= policy.MinCapacityPerUnit {
			return u
		}
	}
	return now
}

// goodUtilization reports whether u is a target_utilization a target may
// have.
func goodUtilization(u float64) bool { return u > 0 && u <= 1 }

// lagWas is the lag t's forgone gain and memories were accrued and sized
// over, and whether it is known: the one t saved (t.Lag), else (a file
// written before it was kept, or edited by hand) the one the calm hold's
// or the shadow runs' memory names. An entry with neither a saved lag nor
// a memory does not know it.
func (t *Target) lagWas() (time.Duration, bool) {
	if lag, err := time.ParseDuration(t.Lag); err == nil && lag >= 0 {
		return lag, true
	}
	if keys := t.memoryKeys(); len(keys) > 0 {
		return keys[0].Lag, true
	}
	return 0, false
}

// Resize makes t's entry one of target (saved under another
// capacity_per_unit, target_utilization or lag, or the same): the units
// remembered of the demand served are converted to target's unit size,
// capacity × utilisation (see above), and the memories sized at another
// capacity, utilisation or lag that cannot be converted are dropped: the
// shadow runs' (they start afresh, as after an outage; their forecaster's
// run decided at the utilisation) and, when the lag changed, the calm
// hold's (its wanted units provisioned for another lead window; the hold
// waits its 12 hours again) and a held scale-down's forgone gain (each
// hold added its gain over the old lead window, a probability of
// violation over it beside risk per unit, which no ratio converts; known
// where the entry saved its lag or a calm or shadow memory names it). The
// memories kept are keyed as target's (rekey: an upgrade keeps those keyed
// before the utilisation was named). It records target's capacity,
// utilisation and lag in t and returns one message for each change (none
// without one).
func (t *Target) Resize(target policy.Target, interval time.Duration) []string {
	var msgs []string
	from, ok := t.SizedAt()
	if !ok { // not known: nothing to convert it from
		from = target.CapacityPerUnit
	}
	was := t.utilizationWas(from, target.TargetUtilization)
	lag, lagKnown := t.lagWas()
	if from != target.CapacityPerUnit || was != target.TargetUtilization {
		msgs = append(msgs, t.convert(from, was, target))
	}
	if p := &t.Policy; lagKnown && lag != target.Lag && p.Forgone > 0 { // gains per lead window of the old lag
		msgs = append(msgs, fmt.Sprintf("lag %s when saved, %s now: held scale-down's forgone gain %.3g reset", lag, target.Lag, p.Forgone))
		p.Forgone = 0
	}
	msgs = append(msgs, t.reinterval(interval)...)
	t.Capacity, t.Utilization, t.Lag = target.CapacityPerUnit, target.TargetUtilization, target.Lag.String()
	return append(msgs, t.rekey(KeyOf(target), was)...)
}

// reinterval resets the forgone gains accrued at a scaling interval other
// than interval (t.Interval): the held scale-down's, with one message,
// and the shadow runs' forecaster's run's. Each hold added its gain over
// the lead window, lag + interval, times interval / (lag + interval)
// (policy's holdSmallChange): both the window the gain is measured over
// (a probability of violation beside risk per unit, which no ratio
// converts) and each hold's share of it change with the interval, as
// with the lag. Not known (a file written before it was kept, or edited
// by hand): kept, as it was. It records interval in t (nothing where
// interval <= 0).
func (t *Target) reinterval(interval time.Duration) []string {
	if interval <= 0 {
		return nil
	}
	saved, err := time.ParseDuration(t.Interval)
	t.Interval = interval.String()
	if err != nil || saved <= 0 || saved == interval {
		return nil
	}
	var msgs []string
	if p := &t.Policy; p.Forgone > 0 {
		msgs = append(msgs, fmt.Sprintf("scaling interval %s when saved, %s now: held scale-down's forgone gain %.3g reset", saved, interval, p.Forgone))
		p.Forgone = 0
	}
	if sh := t.Shadow; sh != nil && sh.FcPolicy.Forgone > 0 {
		m := *sh
		m.FcPolicy.Forgone = 0
		t.Shadow = &m
	}
	return msgs
}

// rekey keeps the calm hold's and the shadow runs' memories sized at key,
// their keys written as key (a key written before the utilisation was
// named is of the utilisation t's units were sized at, was: an upgrade
// keeps them), and drops the others, one message each. A calm memory
// without a key is kept (the engine does not resume it), as before.
func (t *Target) rekey(key MemoryKey, was float64) []string {
	var msgs []string
	if c := t.Calm; c != nil && c.Target != "" {
		if !isKey(c.Target, key, was) {
			msgs = append(msgs, fmt.Sprintf("calm hold's memory, sized at %s, dropped: the target now has %s; the hold starts afresh",
				savedAs(c.Target, was), key))
			t.Calm = nil
		} else if s := key.String(); s != c.Target {
			m := *c
			m.Target = s
			t.Calm = &m
		}
	}
	if sh := t.Shadow; sh != nil {
		if !isKey(sh.Target, key, was) {
			msgs = append(msgs, fmt.Sprintf("shadow runs' memory, simulated at %s, dropped: the target now has %s; they start afresh",
				savedAs(sh.Target, was), key))
			t.Shadow = nil
		} else if s := key.String(); s != sh.Target {
			m := *sh
			m.Target = s
			t.Shadow = &m
		}
	}
	return msgs
}

// savedKey is the memory key s, and whether it is one; a key that names
// no utilisation (written before it was named) is of was.
func savedKey(s string, was float64) (MemoryKey, bool) {
	k, ok := ParseMemoryKey(s)
	if ok && k.Utilization == 0 {
		k.Utilization = was
	}
	return k, ok
}

// isKey reports whether the memory key s is key (savedKey).
func isKey(s string, key MemoryKey, was float64) bool {
	k, ok := savedKey(s, was)
	return ok && k == key
}

// savedAs is what a message says of the memory key s: the key (savedKey),
// else the file's string, cut.
func savedAs(s string, was float64) string {
	if k, ok := savedKey(s, was); ok {
		return k.String()
	}
	return redact.Cut(s, redact.MaxEchoed)
}

// convert converts t's remembered units from capacity from at
// utilisation was to target's unit size and says what it converted.
func (t *Target) convert(from, was float64, target policy.Target) string {
	// A unit is capacity × utilisation of demand (policy.Target.UnitsFor);
	// the same utilisation converts by the capacities alone, as before.
	size, to := from, target.CapacityPerUnit
	if was != target.TargetUtilization {
		size, to = from*was, to*target.TargetUtilization
	}
	lo, hi := target.MinUnits, target.MaxUnits
	var done []string
	unit := func(what string, u *int) {
		if *u > 0 {
			before := *u
			*u = ConvertUnits(*u, size, to, lo, hi)
			done = append(done, fmt.Sprintf("%s %d → %d", what, before, *u))
		}
	}
	p := &t.Policy
	if len(p.Recent) > 0 {
		before := highest(p.Recent)
		p.Recent = slices.Clone(p.Recent)
		for i, r := range p.Recent {
			units, planned := ConvertUnits(r.Units, size, to, lo, hi), ConvertUnits(r.Units-r.Reactive, size, to, lo, hi)
			p.Recent[i].Units, p.Recent[i].Reactive = units, min(units, max(0, units-planned))
		}
		done = append(done, fmt.Sprintf("stabilisation window's highest %d → %d", before, highest(p.Recent)))
	}
	if len(p.Used) > 0 {
		before := highest(p.Used)
		p.Used = slices.Clone(p.Used)
		for i := range p.Used {
			p.Used[i].Units = ConvertUnits(p.Used[i].Units, size, to, 0, hi)
		}
		done = append(done, fmt.Sprintf("usage window's highest %d → %d", before, highest(p.Used)))
	}
	unit("outage hold", &p.OutageHold)
	unit("units released", &p.ReleasedFrom)
	if p.Forgone > 0 { // expected loss weighing units of the old size
		done = append(done, fmt.Sprintf("held scale-down's forgone gain %.3g reset", p.Forgone))
		p.Forgone = 0
	}
	if c := t.Calm; c != nil && isKey(c.Target, MemoryKey{Capacity: from, Utilization: was, Lag: target.Lag}, was) {
		m := *c
		m.Target, m.Wanted = ShadowTarget(target), make([]int, len(c.Wanted))
		for i, u := range c.Wanted { // not capped by min and max (docs/controller-reference.md)
			m.Wanted[i] = ConvertUnits(u, size, to, 0, policy.MaxUnitsLimit)
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
	return resizeMessage(from, was, target) + what
}

// resizeMessage is convert's message up to what it converted: what
// changed (capacity_per_unit, target_utilization or both) and the ratio
// its units are converted by.
func resizeMessage(from, was float64, target policy.Target) string {
	cu, tu := target.CapacityPerUnit, target.TargetUtilization
	ratio := fmt.Sprintf("%g / %g", from, cu)
	if was != tu {
		ratio = fmt.Sprintf("%g × %g / (%g × %g)", from, was, cu, tu)
	}
	var changed string
	switch {
	case was == tu:
		changed = fmt.Sprintf("capacity_per_unit %g when saved, %g now: units remembered of the demand served converted to it", from, cu)
	case from == cu:
		changed = fmt.Sprintf("target_utilization %g when saved, %g now: units remembered of the demand served converted to it", was, tu)
	default:
		changed = fmt.Sprintf("capacity_per_unit %g and target_utilization %g when saved, %g and %g now: "+
			"units remembered of the demand served converted to them", from, was, cu, tu)
	}
	return fmt.Sprintf("%s (ceil(units × %s), within [%d, %d]): ", changed, ratio, target.MinUnits, target.MaxUnits)
}

// highest is the most units of rs (0: none).
func highest(rs []policy.Recommendation) int {
	best := 0
	for _, r := range rs {
		best = max(best, r.Units)
	}
	return best
}
