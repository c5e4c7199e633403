package state

import (
	"bytes"
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prescale/prescale/controller/policy"
)

// FuzzLoad: any state file either loads (version 1, a target map) and
// round-trips through Save and Load unchanged, and Sanitize (as loaded,
// and after Resize to another capacity and utilisation) leaves every
// unit count inside the bounds (an acknowledgement any count a target may have) and no calm or shadow memory it cannot resume; or it is refused with an error naming the
// file, without Go's type names, quoting at most 100 bytes of a value or
// key, saying to move it aside. Never a panic.
func FuzzLoad(f *testing.F) {
	f.Add([]byte(`{"version":1,"targets":{}}`))
	f.Add([]byte(`{"version":1,"targets":{"web":{"shadow":{"version":1,"at":1000,"started":400,"demand":35,"pick":0,"forecaster":{"ready":3,"pending":[1200],"cost":10,"viol":1},"forecaster_policy":{"last_desired":4,"has_last":true},"own":{"ready":4,"cost":12,"viol":0},"hpas":[{"ready":5,"cost":15,"viol":0,"last":5,"events":1.5,"last_event":900,"window":[{"at":900,"raw":5},{"at":1000,"raw":4}]}],"pace":{"cost":12,"events":2,"counted":1000},"steps":{"at":1000,"last":35,"has":true,"last_diff":0.5,"has_diff":true,"wobble":[0.1,0.2],"climb":[0.5,-0.5]}}}}}`))
	f.Add([]byte(`{"version":1,"targets":{"web":{"calm":{"version":1,"at":1000,"on":true,"since":400,"events":[500,900],"wanted":[3,4]}}}}`))
	// A long plain key at fault (repeated whole before: jsonfault's keyPath).
	f.Add([]byte(`{"version":1,"targets":{"web":{"acked":{"` + strings.Repeat("k", 300) + `":2.5}}}}`))
	// An acknowledgement no receiver may run: Sanitize forgets it.
	f.Add([]byte(`{"version":1,"targets":{"web":{"acked":{"pool":-3}}}}`))
	// The unit size the demand's units were saved at (Resize).
	f.Add([]byte(`{"version":1,"targets":{"web":{"capacity_per_unit":4,"target_utilization":0.7,"policy":{"last_desired":5,"has_last":true,"recent":[{"at":"2026-03-02T12:00:00Z","units":5,"reactive":2}],"outage_hold":3}}}}`))
	// The scaling interval the forgone gain was accrued at (Resize).
	f.Add([]byte(`{"version":1,"targets":{"web":{"scaling_interval":"30s","policy":{"forgone":0.09}}}}`))
	g := goodShadow() // format 2, packed
	packed, err := json.Marshal(File{Version: Version, Targets: map[string]Target{"web": {Shadow: &g}}})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(packed)
	// Decisions: the newest in JSON, the older ones packed ("history").
	history, err := json.Marshal(File{Version: Version, Targets: map[string]Target{"web": {Decisions: fixtureFile().Targets["web"].Decisions}}})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(history)
	// One store per fuzzing process (each runs the function serially).
	// Load's bytes are decoded as read, without the file: writing it for
	// every input (twice) cost 0.7 ms each on ext4, most of an input's time.
	s, err := New(f.TempDir())
	if err != nil {
		f.Fatal(err)
	}
	var out bytes.Buffer
	f.Fuzz(func(t *testing.T, in []byte) {
		file, err := s.decode(in)
		if err != nil {
			// In the file's terms (jsonfault.Describe), never Go's.
			if msg := err.Error(); !strings.Contains(msg, FileName+": ") || !strings.HasSuffix(msg, MoveAside) ||
				strings.Contains(msg, "Go struct") || strings.Contains(msg, "Go value") || strings.Contains(msg, "plainTarget") {
				t.Fatalf("error %q", msg)
			}
			for _, w := range strings.FieldsFunc(string(in), func(r rune) bool { return r < '!' || r > '~' || strings.ContainsRune("\"\\,:{}[]", r) }) {
				if len(w) >= 120 && strings.Contains(err.Error(), w[:120]) {
					t.Fatalf("error quotes %d bytes of the file: %.300s", len(w), err)
				}
			}
			return
		}
		if file.Version != Version || file.Targets == nil {
			t.Fatalf("loaded version %d, targets %v", file.Version, file.Targets)
		}
		// Save's encoding, without its fsync (which would make fuzzing
		// crawl): json.Marshal's bytes, and what was loaded must load
		// back unchanged.
		out.Reset()
		s.w.Reset(&out)
		if err := s.encode(s.w, file); err != nil {
			t.Fatalf("encode what was loaded: %v", err)
		}
		saved := out.Bytes()
		a, _ := json.Marshal(file)
		if !bytes.Equal(a, saved) {
			t.Fatalf("encoded:\n%s\njson.Marshal:\n%s", saved, a)
		}
		again, err := s.decode(saved)
		if err != nil {
			t.Fatalf("load what was saved: %v", err)
		}
		b, _ := json.Marshal(again)
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("round trip changed the state:\n%s\n%s", a, b)
		}
		for name, saved := range file.Targets {
			// As loaded, and converted to another unit size first (a
			// restart under another capacity and utilisation).
			resized := saved
			resized.Resize(resizedTo, time.Minute)
			if resized.Capacity != resizedTo.CapacityPerUnit || resized.Utilization != resizedTo.TargetUtilization {
				t.Fatalf("target %q: resized to capacity %v, utilisation %v", name, resized.Capacity, resized.Utilization)
			}
			for _, tg := range []Target{saved, resized} {
				checkSanitized(t, name, tg)
			}
			// No time of a past event after saved_at once clamped: a
			// second ClampPast changes nothing.
			clamped := saved
			clamped.Policy.Recent, clamped.Policy.Used = slices.Clone(saved.Policy.Recent), slices.Clone(saved.Policy.Used)
			clamped.ClampPast(file.SavedAt)
			if msgs := clamped.ClampPast(file.SavedAt); len(msgs) > 0 {
				t.Fatalf("target %q: a time after saved_at once clamped: %q", name, msgs)
			}
		}
	})
}

// resizedTo is the target FuzzLoad converts every entry to.
var resizedTo = policy.Target{CapacityPerUnit: 2, TargetUtilization: 0.5, MinUnits: 1, MaxUnits: 10, Lag: time.Minute}

// checkSanitized fails t unless Sanitize(1, 10) leaves every unit count of
// tg inside the bounds and no calm or shadow memory it cannot resume.
func checkSanitized(t *testing.T, name string, tg Target) {
	t.Helper()
	tg.Sanitize(1, 10)
	p := tg.Policy
	var units []int
	if p.HasLast {
		units = append(units, p.LastDesired)
	}
	if p.OutageHold != 0 {
		units = append(units, p.OutageHold)
	}
	for _, r := range p.Recent {
		units = append(units, r.Units)
	}
	for _, r := range p.Used {
		if r.Units < 0 || r.Units > 10 {
			t.Fatalf("target %q: used units %d outside [0, 10] after Sanitize", name, r.Units)
		}
	}
	for actuator, u := range tg.Acked { // what a receiver runs: any count a target may have
		if u < 0 || u > policy.MaxUnitsLimit {
			t.Fatalf("target %q: units %d acknowledged by %s outside [0, %d] after Sanitize", name, u, actuator, policy.MaxUnitsLimit)
		}
	}
	for _, u := range units {
		if u < 1 || u > 10 {
			t.Fatalf("target %q: units %d outside [1, 10] after Sanitize", name, u)
		}
	}
	if p.Manual != nil && (p.Manual.Units < 0 || p.Manual.Units > policy.MaxUnitsLimit) {
		t.Fatalf("target %q: manual override %d kept", name, p.Manual.Units)
	}
	if c := tg.Calm; c != nil && c.problem() != "" {
		t.Fatalf("target %q: calm memory kept: %s", name, c.problem())
	}
	if sh := tg.Shadow; sh != nil && sh.problem(1, 10) != "" {
		t.Fatalf("target %q: shadow memory kept: %s", name, sh.problem(1, 10))
	}
	if !(tg.CostToday >= 0) || !(tg.CostTotal >= 0) {
		t.Fatalf("target %q: costs %v, %v", name, tg.CostToday, tg.CostTotal)
	}
	// A start-up hold marked from the decisions (a file of an older
	// version) changes the hold's name only.
	marked := tg
	marked.MarkStartup(resizedTo, 20)
	marked.Policy.Startup = tg.Policy.Startup
	if !reflect.DeepEqual(marked, tg) {
		t.Fatalf("target %q: MarkStartup changed more than startup", name)
	}
}
