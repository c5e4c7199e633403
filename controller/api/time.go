package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"github.com/prescale/prescale/controller/actuator"
	"github.com/prescale/prescale/controller/policy"
)

// Time is a time in an API answer: an RFC 3339 string in UTC ("Z", with
// fractional seconds only when they are not zero), or null when there is
// none (the zero time). Never unix seconds, never the zero time.
type Time struct{ time.Time }

// TimeOf wraps t.
func TimeOf(t time.Time) Time { return Time{t} }

// Unix is the API time of a unix timestamp in seconds.
func Unix(sec int64) Time { return Time{time.Unix(sec, 0).UTC()} }

// MarshalJSON implements json.Marshaler.
func (t Time) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte("null"), nil
	}
	return []byte(`"` + t.UTC().Format(time.RFC3339Nano) + `"`), nil
}

// UnmarshalJSON implements json.Unmarshaler: null is the zero time.
func (t *Time) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) {
		t.Time = time.Time{}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("time: %w", err)
	}
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return err
	}
	t.Time = v.UTC()
	return nil
}

// Override is a manual scaling order as the API shows it; Until is null
// for an order without an end.
type Override struct {
	Units int  `json:"units"`
	Until Time `json:"until"`
}

// OverrideOf converts the policy's override; nil stays nil, and so does
// one an operator ended (cancelled), no longer in force.
func OverrideOf(o *policy.Override) *Override {
	if o == nil || !o.Cancelled.IsZero() {
		return nil
	}
	return &Override{Units: o.Units, Until: TimeOf(o.Until)}
}

// ended is an explanation's manual_ended as the API shows it: cancelled
// is null for an override that expired.
type ended struct {
	Units     int  `json:"units"`
	Until     Time `json:"until"`
	Cancelled Time `json:"cancelled"`
}

// Decision is a policy decision as the API shows it: the policy's JSON with
// its times as API times.
type Decision struct{ policy.Decision }

// DecisionsOf converts a list of decisions (never nil).
func DecisionsOf(ds []policy.Decision) []Decision {
	return listOf(ds, func(d policy.Decision) Decision { return Decision{d} })
}

// listOf converts every element of in with f; the result is never nil.
func listOf[T, U any](in []T, f func(T) U) []U {
	out := make([]U, len(in))
	for i, v := range in {
		out[i] = f(v)
	}
	return out
}

// MarshalJSON implements json.Marshaler. The outer fields shadow the
// embedded ones of the same JSON name (encoding/json takes the shallower).
func (d Decision) MarshalJSON() ([]byte, error) {
	type plainDecision policy.Decision
	type plainExplanation policy.Explanation
	type explanation struct {
		plainExplanation
		Now         Time   `json:"now"`
		WindowStart Time   `json:"window_start"`
		WindowEnd   Time   `json:"window_end"`
		ManualEnded *ended `json:"manual_ended,omitempty"`
	}
	e := d.Explanation
	var end *ended
	if m := e.ManualEnded; m != nil {
		end = &ended{Units: m.Units, Until: TimeOf(m.Until), Cancelled: TimeOf(m.Cancelled)}
	}
	return json.Marshal(struct {
		plainDecision
		Explanation explanation `json:"explanation"`
	}{
		plainDecision: plainDecision(d.Decision),
		Explanation: explanation{
			plainExplanation: plainExplanation(e),
			Now:              TimeOf(e.Now), WindowStart: TimeOf(e.WindowStart), WindowEnd: TimeOf(e.WindowEnd),
			ManualEnded: end,
		},
	})
}

// Actuation is an actuator's delivery state for one target as the API
// shows it.
type Actuation struct{ actuator.Status }

// ActuationsOf converts a list of delivery states (never nil).
func ActuationsOf(ss []actuator.Status) []Actuation {
	return listOf(ss, func(s actuator.Status) Actuation { return Actuation{s} })
}

// MarshalJSON implements json.Marshaler.
func (a Actuation) MarshalJSON() ([]byte, error) {
	type plainStatus actuator.Status
	return json.Marshal(struct {
		plainStatus
		FailingSince Time `json:"failing_since"`
		NextAttempt  Time `json:"next_attempt"`
	}{plainStatus(a.Status), TimeOf(a.FailingSince), TimeOf(a.NextAttempt)})
}
