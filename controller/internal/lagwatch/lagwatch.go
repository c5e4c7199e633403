// Package lagwatch measures the provisioning lag a controller observes:
// from a scale-up being delivered to the target's current_query showing
// at least its units (prescale_observed_provisioning_lag_seconds), and
// the units of a delivered scale-up still starting, which are paid for
// before the current_query shows them.
package lagwatch

import "time"

// Watch follows one target's last delivered scale-up until its
// current_query shows the units. The zero Watch watches nothing.
type Watch struct {
	ackAt    time.Time // the last delivery seen
	units    int       // units of the scale-up being watched
	since    time.Time // when it was delivered; zero: none watched
	prevObs  int       // units current_query showed at the previous cycle
	havePrev bool
	pubUnits int       // without actuators: the last published decision
	pubAt    time.Time // and when it changed
}

// Published is the delivery without actuators (KEDA or an HPA reads
// prescale_desired_units): the published decision, delivered when it
// changed; decided is false when the cycle published none (the last one
// stands). It returns the units last delivered, when, and whether any
// was.
func (w *Watch) Published(units int, at time.Time, decided bool) (int, time.Time, bool) {
	if decided && (w.pubAt.IsZero() || units != w.pubUnits) {
		w.pubUnits, w.pubAt = units, at
	}
	return w.pubUnits, w.pubAt, !w.pubAt.IsZero()
}

// See takes one decision cycle's reading at now: the units the target's
// current_query showed (observed) and the last delivery (units at at, ok
// when there was one: what the first actuator acknowledged, or
// Published's). A delivery not seen before starts the watch of its units
// when they are more than the target showed before it (a scale-up; a
// scale-down or a newer scale-up ends the watch of an older one). Once
// observed reaches the watched units, See returns them and the lag since
// their delivery (never negative), with done true, and the watch ends.
func (w *Watch) See(now time.Time, observed, units int, at time.Time, ok bool) (watched int, lag time.Duration, done bool) {
	before := observed
	if w.havePrev {
		before = w.prevObs
	}
	if ok && !at.IsZero() && !at.Equal(w.ackAt) {
		w.ackAt = at
		w.since = time.Time{}
		if units > before { // a scale-up the target did not show before its delivery
			w.units, w.since = units, at
		}
	}
	w.prevObs, w.havePrev = observed, true
	if w.since.IsZero() || observed < w.units {
		return 0, 0, false
	}
	since := w.since
	w.since = time.Time{}
	return w.units, max(0, now.Sub(since)), true
}

// Starting is the units of the watched scale-up while it was delivered at
// most lag (the target's configured lag) before now, 0 otherwise: pods
// starting are paid for, but a current_query of available replicas
// leaves them out. Beyond the lag the units read back stand (a scale-up
// the HPA caps, or that never gets a node, is not paid for).
func (w *Watch) Starting(now time.Time, lag time.Duration) int {
	if w.since.IsZero() || now.Sub(w.since) > lag {
		return 0
	}
	return w.units
}
