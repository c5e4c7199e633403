package state

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/prescale/prescale/controller/policy"
)

// FuzzResize: any state file's entries (as decoded, before Sanitize)
// converted to a valid target derived from the input: every count
// converted is within its documented bounds (the stabilisation window's,
// the outage hold and the units released within [min_units, max_units],
// the usage window's within [0, max_units], the calm hold's wanted units
// within [0, policy.MaxUnitsLimit]), the reactive part of a converted
// recommendation within [0, its units], a count not converted unchanged,
// a memory kept keyed as the engine resumes it (ShadowTarget), the
// forgone gain kept or reset, the scaling interval (drawn from the input
// too) recorded, and a second Resize to the same target changes nothing.
// Never a panic.
func FuzzResize(f *testing.F) {
	ts, old := resizeFixture()
	seed, err := json.Marshal(File{Version: Version, Targets: map[string]Target{"web": ts}})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed, old.CapacityPerUnit, old.TargetUtilization, uint32(1), uint32(20), uint16(5))
	f.Add(seed, 4.0, 0.5, uint32(1), uint32(20), uint16(5))
	f.Add(seed, 1e-9, 1.0, uint32(0), uint32(1_000_000), uint16(1))
	f.Add(seed, 1e15, 1e-300, uint32(3), uint32(3), uint16(0))
	f.Add([]byte(`{"version":1,"targets":{"web":{"capacity_per_unit":1e-300,"target_utilization":1e-300,"policy":{"recent":[{"units":-3,"reactive":9},{"units":7,"reactive":9}],"used":[{"units":-1}],"outage_hold":-2}}}}`),
		2.0, 0.7, uint32(1), uint32(10), uint16(1))
	// Forgone accrued at a one-minute interval, resized at 30 s.
	f.Add([]byte(`{"version":1,"targets":{"web":{"scaling_interval":"1m0s","policy":{"forgone":0.09}}}}`), 1.0, 1.0, uint32(1), uint32(20), uint16(29))
	// Forgone accrued over a 5-minute lag, without a memory, resized at 2.
	f.Add([]byte(`{"version":1,"targets":{"web":{"lag":"5m0s","policy":{"forgone":0.09}}}}`), 1.0, 1.0, uint32(1), uint32(20), uint16(2))
	f.Fuzz(func(t *testing.T, in []byte, capacity, utilization float64, lo, hi uint32, lag uint16) {
		var file File
		if json.Unmarshal(in, &file) != nil {
			return
		}
		target := policy.Target{Name: "web", CapacityPerUnit: capacity, TargetUtilization: utilization,
			MinUnits: int(lo % (policy.MaxUnitsLimit + 1)), MaxUnits: int(hi % (policy.MaxUnitsLimit + 1)), Lag: time.Duration(lag) * time.Minute}
		if target.Validate() != nil {
			return
		}
		for name, saved := range file.Targets {
			checkResize(t, name, saved, target, time.Duration(1+lag%600)*time.Second)
		}
	})
}

// checkResize fails t unless Resize(target) of saved converts every count
// within its bounds, and a second Resize changes nothing.
func checkResize(t *testing.T, name string, saved Target, target policy.Target, interval time.Duration) {
	t.Helper()
	from, ok := saved.SizedAt()
	if !ok {
		from = target.CapacityPerUnit
	}
	was := saved.utilizationWas(from, target.TargetUtilization)
	converted := from != target.CapacityPerUnit || was != target.TargetUtilization
	calmConverted := converted && saved.Calm != nil && isKey(saved.Calm.Target, MemoryKey{Capacity: from, Utilization: was, Lag: target.Lag}, was)
	got := saved
	got.Resize(target, interval)
	lo, hi := target.MinUnits, target.MaxUnits
	within := func(what string, before, after, lo, hi int) {
		t.Helper()
		if before > 0 && converted {
			if after < lo || after > hi {
				t.Fatalf("target %q: %s %d converted to %d, outside [%d, %d] (%+v)", name, what, before, after, lo, hi, target)
			}
		} else if after != before {
			t.Fatalf("target %q: %s %d not converted became %d (%+v)", name, what, before, after, target)
		}
	}
	for i, r := range got.Policy.Recent {
		within("stabilisation window's units", saved.Policy.Recent[i].Units, r.Units, lo, hi)
		if reactive := saved.Policy.Recent[i].Reactive; converted && (r.Reactive > r.Units || r.Units > 0 && r.Reactive < 0) ||
			!converted && r.Reactive != reactive {
			t.Fatalf("target %q: reactive %d of %d units, %d before", name, r.Reactive, r.Units, reactive)
		}
	}
	for i, r := range got.Policy.Used {
		within("usage window's units", saved.Policy.Used[i].Units, r.Units, 0, hi)
	}
	within("outage hold", saved.Policy.OutageHold, got.Policy.OutageHold, lo, hi)
	within("units released", saved.Policy.ReleasedFrom, got.Policy.ReleasedFrom, lo, hi)
	if calmConverted {
		for i, u := range got.Calm.Wanted {
			if saved.Calm.Wanted[i] > 0 && (u < 0 || u > policy.MaxUnitsLimit) {
				t.Fatalf("target %q: calm hold's wanted %d converted to %d", name, saved.Calm.Wanted[i], u)
			}
		}
	}
	if f := got.Policy.Forgone; f != saved.Policy.Forgone && f != 0 || got.Interval != interval.String() {
		t.Fatalf("target %q: forgone %v (saved %v), interval %q at %s", name, f, saved.Policy.Forgone, got.Interval, interval)
	}
	// The memories kept are keyed as the engine resumes them.
	if got.Calm != nil && got.Calm.Target != "" && got.Calm.Target != ShadowTarget(target) ||
		got.Shadow != nil && got.Shadow.Target != ShadowTarget(target) {
		t.Fatalf("target %q: memories kept under keys %q, %q, not %q", name, got.calmKey(), got.shadowKey(), ShadowTarget(target))
	}
	again := got
	if msgs := again.Resize(target, interval); len(msgs) > 0 || !reflect.DeepEqual(again, got) {
		t.Fatalf("target %q: a second Resize to %+v changed it: %q", name, target, msgs)
	}
}
