package state

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/prescale/prescale/controller/internal/simpool"
	"github.com/prescale/prescale/controller/policy"
)

// ShadowVersion is the version of Shadow's format (shadowbin.go), the
// one written. A memory of version 1 (the same fields, each a JSON
// value) is read and resumed as well; one of another version (or an
// inconsistent one) is dropped by Sanitize, not the file: the shadow runs
// then start afresh from the target's units.
const ShadowVersion = 2

// Shadow is the engine's memory of its shadow runs at a target's last
// decision (controller/engine: shadow.go, pace.go, spare.go, and
// internal/demand):
// the target they ran for (MemoryKey: its capacity, utilisation and lag), the time of the last decision they stepped (At, unix seconds) and its
// demand (Missing: none), of the first (Started: the calm hold watches
// the HPA curve from it), the shadow HPA whose recommendation is the
// floor (Pick, -1: none), the forecaster's own run with its policy
// state, the target's own decisions' run, one run per shadow HPA (in
// engine.ShadowTargets' order), event pacing's record and the demand's
// one-step changes the release band and the climb ahead read. Without
// it a restart starts them afresh: the scores and events are weighted
// over 72 hours, and the calm and paced flat series of the restart test
// made up to 2.4 times the events of the engine that ran on
// (docs/tuning.md, "What a restart costs").
type Shadow struct {
	Version    int          `json:"version"`
	Target     string       `json:"target"`
	At         int64        `json:"at"`
	Started    int64        `json:"started"`
	Demand     float64      `json:"demand,omitempty"`
	Missing    bool         `json:"missing,omitempty"`
	Pick       int          `json:"pick"`
	Forecaster Run          `json:"forecaster"`
	FcPolicy   policy.State `json:"forecaster_policy"`
	Own        Run          `json:"own"`
	HPAs       []HPARun     `json:"hpas"`
	Pace       Pace         `json:"pace"`
	Steps      Steps        `json:"steps"`

	// bad says why the packed runs of a memory read from a file could
	// not be read (problem's answer); badFc and badRuns are its
	// forecaster's policy state and runs as read, written back as they
	// were.
	bad     string
	badFc   json.RawMessage
	badRuns string
}

// Run is one simulated run: its pool's ready units and the ready times of
// its pending ones (oldest request first), and its weighted unit-seconds
// paid for and seconds in violation.
type Run struct {
	Ready   int       `json:"ready"`
	Pending []float64 `json:"pending,omitempty"`
	Cost    float64   `json:"cost"`
	Viol    float64   `json:"viol"`
}

// HPARun is one shadow HPA's run: its last recommendation, its weighted
// scale events and the time of its last one (0: none), and the raw
// recommendations its window keeps.
type HPARun struct {
	Run
	Last      int     `json:"last"`
	Events    float64 `json:"events"`
	LastEvent int64   `json:"last_event,omitempty"`
	Window    []Rec   `json:"window,omitempty"`
}

// Rec is one raw recommendation of a shadow HPA's window.
type Rec = simpool.Recommendation

// Pace is event pacing's record: the target's weighted unit-seconds and
// scale events, and the last decision time counted.
type Pace struct {
	Cost    float64 `json:"cost"`
	Events  float64 `json:"events"`
	Counted int64   `json:"counted"`
}

// Steps is the demand's one-step changes in units at the decisions: the
// last demand taken and its time (Has: one was), the last change (HasDiff),
// the wobble's absolute second differences and the climb's changes,
// oldest first.
type Steps struct {
	At       int64     `json:"at,omitempty"`
	Last     float64   `json:"last,omitempty"`
	Has      bool      `json:"has,omitempty"`
	LastDiff float64   `json:"last_diff,omitempty"`
	HasDiff  bool      `json:"has_diff,omitempty"`
	Wobble   []float64 `json:"wobble,omitempty"`
	Climb    []float64 `json:"climb,omitempty"`
}

// problem says why s cannot be resumed for a target with units in
// [lo, hi] ("" when it can): another version (1 and ShadowVersion are
// read), runs that could not be read, a number not finite or negative, times out of order or after its time, units outside the
// bounds (the runs were of a target whose bounds have changed since), a
// pick that is no shadow HPA, a forecaster's policy state the target's
// Sanitize would change. The engine checks the count of shadow HPAs and
// the time since At when it resumes it.
func (s *Shadow) problem(lo, hi int) string {
	switch {
	case s.Version != ShadowVersion && s.Version != 1:
		return fmt.Sprintf("version %d, want %d", s.Version, ShadowVersion)
	case s.bad != "":
		return s.bad
	case !s.finite():
		return "a number not finite or negative"
	case !s.ordered():
		return "times out of order"
	case s.Pick < -1 || s.Pick >= len(s.HPAs):
		return fmt.Sprintf("pick %d of %d shadow HPAs", s.Pick, len(s.HPAs))
	}
	in := func(u int) bool { return u >= lo && u <= hi }
	runs := []Run{s.Forecaster, s.Own}
	for _, h := range s.HPAs {
		if !in(h.Last) {
			return fmt.Sprintf("units outside [%d, %d]", lo, hi)
		}
		runs = append(runs, h.Run)
	}
	for _, r := range runs {
		if !in(r.Ready + len(r.Pending)) {
			return fmt.Sprintf("units outside [%d, %d]", lo, hi)
		}
	}
	fc := s.fcTarget()
	if s.FcPolicy.Manual != nil || len(fc.Sanitize(lo, hi)) > 0 {
		return "forecaster's policy state out of bounds"
	}
	return ""
}

// finite reports whether every number of s is finite and every count and
// weighted sum >= 0.
func (s *Shadow) finite() bool {
	ok := func(xs ...float64) bool {
		return !slices.ContainsFunc(xs, func(x float64) bool { return math.IsNaN(x) || math.IsInf(x, 0) })
	}
	pos := func(xs ...float64) bool {
		return ok(xs...) && !slices.ContainsFunc(xs, func(x float64) bool { return x < 0 })
	}
	run := func(r Run) bool { return r.Ready >= 0 && ok(r.Pending...) && pos(r.Cost, r.Viol) }
	good := ok(s.Demand) && run(s.Forecaster) && run(s.Own) && pos(s.Pace.Cost, s.Pace.Events) &&
		ok(s.Steps.Last, s.Steps.LastDiff) && pos(s.Steps.Wobble...) && ok(s.Steps.Climb...)
	for _, h := range s.HPAs {
		good = good && run(h.Run) && pos(h.Events) &&
			!slices.ContainsFunc(h.Window, func(r Rec) bool { return r.Raw < 0 })
	}
	return good
}

// ordered reports whether the pending units are in request order, the
// windows in time order and no time after At.
func (s *Shadow) ordered() bool {
	good := slices.IsSorted(s.Forecaster.Pending) && slices.IsSorted(s.Own.Pending) &&
		s.Pace.Counted <= s.At && s.Steps.At <= s.At && s.Started <= s.At
	for _, h := range s.HPAs {
		good = good && slices.IsSorted(h.Pending) && h.LastEvent <= s.At &&
			slices.IsSortedFunc(h.Window, func(a, b Rec) int { return int(min(1, max(-1, a.At-b.At))) }) &&
			(len(h.Window) == 0 || h.Window[len(h.Window)-1].At <= s.At)
	}
	return good
}

// fcTarget is a target holding a copy of the forecaster's policy state,
// for Target's Sanitize and Shift.
func (s *Shadow) fcTarget() Target {
	p := s.FcPolicy
	p.Recent, p.Used = slices.Clone(p.Recent), slices.Clone(p.Used)
	return Target{Policy: p}
}

// shift is the memory with its times moved by d: a copy (the file's may
// be shared).
func (s *Shadow) shift(d time.Duration) *Shadow {
	sec := int64(d / time.Second)
	m := *s
	m.At += sec
	m.Started += sec
	m.Pace.Counted += sec
	if m.Steps.Has {
		m.Steps.At += sec
	}
	fc := s.fcTarget()
	fc.Shift(d)
	m.FcPolicy = fc.Policy
	pending := func(r Run) Run {
		r.Pending = slices.Clone(r.Pending)
		for i := range r.Pending {
			r.Pending[i] += float64(sec)
		}
		return r
	}
	m.Forecaster, m.Own = pending(s.Forecaster), pending(s.Own)
	m.HPAs = make([]HPARun, len(s.HPAs))
	for i, h := range s.HPAs {
		h.Run = pending(h.Run)
		if h.LastEvent != 0 {
			h.LastEvent += sec
		}
		h.Window = slices.Clone(h.Window)
		for k := range h.Window {
			h.Window[k].At += sec
		}
		m.HPAs[i] = h
	}
	return &m
}
