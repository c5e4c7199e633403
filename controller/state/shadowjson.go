package state

import (
	"math"
	"strconv"
)

// appendShadow appends m's JSON, byte for byte what encoding/json writes
// for it (field order, omitempty, numbers), with fcPolicy, the JSON of
// m.FcPolicy, in its place; ok is false when m holds a number JSON
// cannot write or a string that is not plain (the caller then uses
// encoding/json, which reports or escapes it). The shadow runs' memory
// is most of a target's state (9-15 KB of JSON at 15-second cycles: 12
// windows of 20 recommendations, up to a day of the wobble's
// differences): encoded by encoding/json's reflection over its hundreds
// of small values it made the persist phase of the 1,000-target fleet
// benchmark's steady cycle 34-46 ms longer, of which this takes back
// 8-25 ms (docs/benchmarks-fleet.md).
func appendShadow(b []byte, m *Shadow, fcPolicy []byte) ([]byte, bool) {
	e := jsonAppender{b: b, ok: true}
	e.raw(`{"version":`).int(int64(m.Version))
	e.raw(`,"target":`).str(m.Target)
	e.raw(`,"at":`).int(m.At)
	e.raw(`,"started":`).int(m.Started)
	if m.Demand != 0 {
		e.raw(`,"demand":`).float(m.Demand)
	}
	if m.Missing {
		e.raw(`,"missing":true`)
	}
	e.raw(`,"pick":`).int(int64(m.Pick))
	e.raw(`,"forecaster":`)
	e.run(&m.Forecaster, true)
	e.raw(`,"forecaster_policy":`)
	e.b = append(e.b, fcPolicy...)
	e.raw(`,"own":`)
	e.run(&m.Own, true)
	e.raw(`,"hpas":`)
	if m.HPAs == nil {
		e.raw("null")
	} else {
		e.raw("[")
		for i := range m.HPAs {
			if i > 0 {
				e.raw(",")
			}
			e.hpa(&m.HPAs[i])
		}
		e.raw("]")
	}
	e.raw(`,"pace":{"cost":`).float(m.Pace.Cost)
	e.raw(`,"events":`).float(m.Pace.Events)
	e.raw(`,"counted":`).int(m.Pace.Counted)
	e.raw(`},"steps":`).steps(&m.Steps)
	e.raw("}")
	return e.b, e.ok
}

// jsonAppender appends JSON values as encoding/json writes them.
type jsonAppender struct {
	b  []byte
	ok bool // false once a number JSON cannot hold was met
}

func (e *jsonAppender) raw(s string) *jsonAppender {
	e.b = append(e.b, s...)
	return e
}

// str writes v quoted when it is plain (printable ASCII that JSON and
// encoding/json's HTML escaping leave as it is: no quote, backslash, <, >
// or &); otherwise it leaves it to encoding/json.
func (e *jsonAppender) str(v string) {
	for i := range len(v) {
		if c := v[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			e.ok = false
			return
		}
	}
	e.b = append(append(append(e.b, '"'), v...), '"')
}

func (e *jsonAppender) int(v int64) *jsonAppender {
	e.b = strconv.AppendInt(e.b, v, 10)
	return e
}

// float writes v as encoding/json does (ECMAScript's number format):
// the shortest decimal that reads back as v, in exponent form below 1e-6
// and from 1e21 on, with the exponent's leading zero dropped (1e-07 ->
// 1e-7).
func (e *jsonAppender) float(v float64) {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		e.ok = false
		return
	}
	format := byte('f')
	if a := math.Abs(v); a != 0 && (a < 1e-6 || a >= 1e21) {
		format = 'e'
	}
	e.b = strconv.AppendFloat(e.b, v, format, -1, 64)
	if n := len(e.b); format == 'e' && n >= 4 && e.b[n-4] == 'e' && e.b[n-3] == '-' && e.b[n-2] == '0' {
		e.b[n-2] = e.b[n-1]
		e.b = e.b[:n-1]
	}
}

func (e *jsonAppender) floats(vs []float64) {
	e.raw("[")
	for i, v := range vs {
		if i > 0 {
			e.raw(",")
		}
		e.float(v)
	}
	e.raw("]")
}

// run writes r's fields, as an object of its own when whole (an HPARun
// embeds them).
func (e *jsonAppender) run(r *Run, whole bool) {
	if whole {
		e.raw("{")
	}
	e.raw(`"ready":`).int(int64(r.Ready))
	if len(r.Pending) > 0 {
		e.raw(`,"pending":`).floats(r.Pending)
	}
	e.raw(`,"cost":`).float(r.Cost)
	e.raw(`,"viol":`).float(r.Viol)
	if whole {
		e.raw("}")
	}
}

func (e *jsonAppender) hpa(h *HPARun) {
	e.raw("{")
	e.run(&h.Run, false)
	e.raw(`,"last":`).int(int64(h.Last))
	e.raw(`,"events":`).float(h.Events)
	if h.LastEvent != 0 {
		e.raw(`,"last_event":`).int(h.LastEvent)
	}
	if len(h.Window) > 0 {
		e.raw(`,"window":[`)
		for i, r := range h.Window {
			if i > 0 {
				e.raw(",")
			}
			e.raw(`{"at":`).int(r.At).raw(`,"raw":`).int(int64(r.Raw)).raw("}")
		}
		e.raw("]")
	}
	e.raw("}")
}

// steps writes s; every field is omitempty, so each but the first written
// is preceded by a comma.
func (e *jsonAppender) steps(s *Steps) {
	sep := byte('{')
	field := func(name string) {
		e.b = append(append(e.b, sep, '"'), name...)
		e.b = append(e.b, '"', ':')
		sep = ','
	}
	if s.At != 0 {
		field("at")
		e.int(s.At)
	}
	if s.Last != 0 {
		field("last")
		e.float(s.Last)
	}
	if s.Has {
		field("has")
		e.raw("true")
	}
	if s.LastDiff != 0 {
		field("last_diff")
		e.float(s.LastDiff)
	}
	if s.HasDiff {
		field("has_diff")
		e.raw("true")
	}
	if len(s.Wobble) > 0 {
		field("wobble")
		e.floats(s.Wobble)
	}
	if len(s.Climb) > 0 {
		field("climb")
		e.floats(s.Climb)
	}
	if sep == '{' {
		e.raw("{")
	}
	e.raw("}")
}
