package state

import (
	"fmt"
	"time"
)

// ClampPast moves to saved (the file's saved_at) every time of a past
// event the entry holds after it: the last scale-up and scale-down, the
// end of an outage, the stabilisation and usage windows' recommendations,
// the time an operator ended a manual override, when cost last accrued
// and the pending time. No such time can be after the file was saved; a
// hand-edited or corrupt one was (a last_scale_up ten years on held every
// scale-up for ten years). The calm hold's and the shadow runs' memories
// with a time after it are dropped (they start afresh). A manual
// override's end (until) and the time the previous forecast was for are
// future times by design and stay; so do the decisions, history the
// controller only shows. A zero saved checks nothing. It returns one
// message per change, as Sanitize.
func (t *Target) ClampPast(saved time.Time) []string {
	if saved.IsZero() {
		return nil
	}
	var msgs []string
	t.eachTime(func(field string, x *time.Time, ahead bool) {
		if !ahead && x.After(saved) {
			msgs = append(msgs, fmt.Sprintf("%s %s after saved_at %s: %s", field, stamp(*x), stamp(saved), stamp(saved)))
			*x = saved
		}
	})
	sec := saved.Unix()
	if t.Calm != nil && t.Calm.At > sec { // its other times are not after At (Calm.problem)
		msgs = append(msgs, fmt.Sprintf("calm memory at %s after saved_at %s: dropped (the calm hold starts afresh)", stamp(time.Unix(t.Calm.At, 0)), stamp(saved)))
		t.Calm = nil
	}
	if s := t.Shadow; s != nil {
		fc := s.fcTarget()
		if s.At > sec || len(fc.ClampPast(saved)) > 0 { // its other times are not after At (Shadow.ordered)
			msgs = append(msgs, fmt.Sprintf("shadow memory at %s after saved_at %s: dropped (the shadow runs start afresh)", stamp(time.Unix(s.At, 0)), stamp(saved)))
			t.Shadow = nil
		}
	}
	return msgs
}

// stamp is x as the messages of ClampPast write it: RFC 3339, UTC.
func stamp(x time.Time) string { return x.UTC().Format(time.RFC3339Nano) }
