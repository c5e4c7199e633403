// Package demand is the engine's record of the demand's one-step changes
// at the decisions, and what event pacing sizes from them: the release
// band (band.go) and the climb ahead (climb.go) (controller/engine,
// policy.Input.ReleaseBand and ClimbUnits).
package demand

import (
	"math"
	"time"

	"github.com/prescale/prescale/controller/policy"
	"github.com/prescale/prescale/controller/state"
)

// Steps follows the demand's one-step changes in units at the decisions
// (a repeated or older decision time and a missing demand are skipped;
// the next change spans the gap) and feeds each change to the release
// band's wobble and the climb ahead, which read the same changes. The
// zero value has seen no demand.
type Steps struct {
	lastAt  int64
	last    float64
	hasLast bool
	wob     wobble
	clb     climb
}

// Observe takes the demand v at now, with units of per demand each, and
// hands its change since the last demand taken to the wobble and the
// climb (nothing when v is skipped or is the first).
func (s *Steps) Observe(now int64, v, per float64) {
	if math.IsNaN(v) || math.IsInf(v, 0) || !(per > 0) || (s.hasLast && now <= s.lastAt) {
		return
	}
	d, ok := (v-s.last)/per, s.hasLast
	s.last, s.lastAt, s.hasLast = v, now, true
	if ok {
		s.wob.add(d)
		s.clb.add(d)
	}
}

// ReleaseBand is the release band in units for a scale-down at event
// price price for target t deciding every interval (band.go).
func (s *Steps) ReleaseBand(price float64, t policy.Target, interval time.Duration) int {
	return s.wob.releaseBand(price, t, interval)
}

// ClimbUnits is how many units beyond those it wants a scale-up at event
// price price takes for target t deciding every interval (climb.go).
func (s *Steps) ClimbUnits(price float64, t policy.Target, interval time.Duration) int {
	return s.clb.extraUnits(price, t, interval)
}

// Memory is the demand's steps for the state file.
func (s *Steps) Memory() state.Steps {
	return state.Steps{At: s.lastAt, Last: s.last, Has: s.hasLast, LastDiff: s.wob.lastDiff, HasDiff: s.wob.hasDif,
		Wobble: s.wob.OldestFirst(), Climb: s.clb.OldestFirst()}
}

// Resume restores the demand's steps from m (the last wobbleWindow and
// climbWindow of its changes).
func (s *Steps) Resume(m state.Steps) {
	*s = Steps{lastAt: m.At, last: m.Last, hasLast: m.Has}
	s.wob.lastDiff, s.wob.hasDif = m.LastDiff, m.HasDiff
	for _, x := range m.Wobble[max(0, len(m.Wobble)-wobbleWindow):] {
		s.wob.Push(x, wobbleWindow)
	}
	for _, x := range m.Climb[max(0, len(m.Climb)-climbWindow):] {
		s.clb.Push(x, climbWindow)
	}
}
