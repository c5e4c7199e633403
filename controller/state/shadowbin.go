package state

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"

	"github.com/prescale/prescale/controller/state/internal/packed"
)

// The shadow runs' memory of ShadowVersion 2 is JSON with its version,
// target, time and forecaster's policy state as version 1 wrote them and
// every other field packed into "runs", a base64 string (no padding) of
//
//	at-started, demand, flags (1: missing), pick,
//	the forecaster's run, the target's own run,
//	the shadow HPAs (each: run, last, events, at-last_event, window),
//	pace (cost, events, at-counted),
//	steps (at-at, last, flags (1: has, 2: has_diff), last_diff, wobble, climb)
//
// where a run is ready, pending, cost, viol and a window its
// recommendations' at (the first as at-time, each next as the change from
// the one before) and raw. Integers are varints (times as differences:
// a few bytes), numbers the 8 bytes of their float64 (every value read
// back exactly, without the shortest decimal's formatting, which was most
// of the state file's encoding), a list its length + 1 (0: null) then its
// values. Version 1 wrote every field as a JSON number: 9-15 KB a target
// at 15-second cycles, most of the state file.

// shadowHead is the JSON fields of a memory of version 2.
type shadowHead struct {
	Version  int             `json:"version"`
	Target   string          `json:"target"`
	At       int64           `json:"at"`
	FcPolicy json.RawMessage `json:"forecaster_policy"`
	Runs     string          `json:"runs"`
}

// shadowV1 is Shadow without its methods: version 1's JSON.
type shadowV1 Shadow

// MarshalJSON writes a memory of ShadowVersion in its packed form, one of
// another version (read from a file, not resumed) as it was read.
func (s Shadow) MarshalJSON() ([]byte, error) {
	if s.Version != ShadowVersion {
		return json.Marshal((*shadowV1)(&s))
	}
	if s.bad != "" {
		return json.Marshal(shadowHead{s.Version, s.Target, s.At, s.badFc, s.badRuns})
	}
	target, err := json.Marshal(s.Target)
	if err != nil {
		return nil, err
	}
	fc, err := json.Marshal(s.FcPolicy)
	if err != nil {
		return nil, err
	}
	b, _ := appendShadow(nil, nil, &s, target, fc)
	return b, nil
}

// UnmarshalJSON reads a memory of either version. Runs that cannot be
// read (truncated, not base64) leave the memory unresumable, not the
// file unreadable: problem reports them, and they are written back as
// read until Sanitize drops them.
func (s *Shadow) UnmarshalJSON(b []byte) error {
	var v struct {
		Version int `json:"version"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	if v.Version != ShadowVersion {
		*s = Shadow{}
		return json.Unmarshal(b, (*shadowV1)(s))
	}
	var h shadowHead
	if err := json.Unmarshal(b, &h); err != nil {
		return err
	}
	*s = Shadow{Version: h.Version, Target: h.Target, At: h.At}
	if len(h.FcPolicy) > 0 && string(h.FcPolicy) != "null" {
		if err := json.Unmarshal(h.FcPolicy, &s.FcPolicy); err != nil {
			return err
		}
	}
	if err := s.unpack(h.Runs); err != nil {
		fc := h.FcPolicy
		if len(fc) == 0 {
			fc = json.RawMessage("null")
		}
		*s = Shadow{Version: h.Version, Target: h.Target, At: h.At, bad: err.Error(), badFc: fc, badRuns: h.Runs}
	}
	return nil
}

// appendShadow appends m's JSON (version 2), with target and fcPolicy
// the JSON of m.Target and m.FcPolicy: MarshalJSON's bytes. The runs are
// packed into scratch (reused: returned).
func appendShadow(b, scratch []byte, m *Shadow, target, fcPolicy []byte) (out, runs []byte) {
	b = append(b, `{"version":`...)
	b = strconv.AppendInt(b, int64(m.Version), 10)
	b = append(append(b, `,"target":`...), target...)
	b = append(b, `,"at":`...)
	b = strconv.AppendInt(b, m.At, 10)
	b = append(append(b, `,"forecaster_policy":`...), fcPolicy...)
	b = append(b, `,"runs":"`...)
	scratch = m.pack(scratch[:0])
	b = base64.RawStdEncoding.AppendEncode(b, scratch)
	return append(b, `"}`...), scratch
}

// pack appends the packed runs of s (the layout above).
func (s *Shadow) pack(b []byte) []byte {
	w := packer{b: b}
	w.int(s.At - s.Started)
	w.float(s.Demand)
	w.flags(s.Missing, false)
	w.int(int64(s.Pick))
	w.run(&s.Forecaster)
	w.run(&s.Own)
	w.count(s.HPAs == nil, len(s.HPAs))
	for i := range s.HPAs {
		h := &s.HPAs[i]
		w.run(&h.Run)
		w.int(int64(h.Last))
		w.float(h.Events)
		w.int(s.At - h.LastEvent)
		w.count(h.Window == nil, len(h.Window))
		prev := s.At
		for k, r := range h.Window {
			if k == 0 {
				w.int(s.At - r.At)
			} else {
				w.int(r.At - prev)
			}
			prev = r.At
			w.int(int64(r.Raw))
		}
	}
	w.float(s.Pace.Cost)
	w.float(s.Pace.Events)
	w.int(s.At - s.Pace.Counted)
	st := &s.Steps
	w.int(s.At - st.At)
	w.float(st.Last)
	w.flags(st.Has, st.HasDiff)
	w.float(st.LastDiff)
	w.floats(st.Wobble)
	w.floats(st.Climb)
	return w.b
}

// unpack reads the packed runs (base64) into s, whose At is read.
func (s *Shadow) unpack(runs string) error {
	raw, err := base64.RawStdEncoding.DecodeString(runs)
	if err != nil {
		return errors.New("runs not base64")
	}
	r := unpacker{packed.Reader{B: raw}}
	s.Started = s.At - r.Int()
	s.Demand = r.Float64()
	s.Missing, _ = r.flags()
	s.Pick = int(r.Int())
	s.Forecaster, s.Own = r.run(), r.run()
	if n, null := r.count(16); !null {
		s.HPAs = make([]HPARun, n)
		for i := range s.HPAs {
			s.HPAs[i] = r.hpa(s.At)
		}
	}
	s.Pace = Pace{Cost: r.Float64(), Events: r.Float64(), Counted: s.At - r.Int()}
	s.Steps.At = s.At - r.Int()
	s.Steps.Last = r.Float64()
	s.Steps.Has, s.Steps.HasDiff = r.flags()
	s.Steps.LastDiff = r.Float64()
	s.Steps.Wobble, s.Steps.Climb = r.floats(), r.floats()
	switch {
	case r.Err != nil:
		return fmt.Errorf("runs: %w", r.Err)
	case len(r.B) > 0:
		return fmt.Errorf("runs: %d bytes after the last field", len(r.B))
	}
	return nil
}

// packer appends the packed runs' values.
type packer struct{ b []byte }

func (w *packer) int(v int64)     { w.b = binary.AppendVarint(w.b, v) }
func (w *packer) float(v float64) { w.b = binary.LittleEndian.AppendUint64(w.b, math.Float64bits(v)) }

// count writes a list's length + 1, 0 for null.
func (w *packer) count(null bool, n int) {
	if null {
		w.b = append(w.b, 0)
		return
	}
	w.b = binary.AppendUvarint(w.b, uint64(n)+1)
}

func (w *packer) flags(a, b bool) {
	var f byte
	if a {
		f |= 1
	}
	if b {
		f |= 2
	}
	w.b = append(w.b, f)
}

func (w *packer) floats(vs []float64) {
	w.count(vs == nil, len(vs))
	for _, v := range vs {
		w.float(v)
	}
}

func (w *packer) run(r *Run) {
	w.int(int64(r.Ready))
	w.floats(r.Pending)
	w.float(r.Cost)
	w.float(r.Viol)
}

// unpacker reads the packed runs' values; after the first error (Err)
// every value reads 0.
type unpacker struct{ packed.Reader }

func (r *unpacker) flags() (a, b bool) {
	f := r.Byte()
	if f > 3 {
		r.Fail(fmt.Errorf("flags %d", f))
	}
	return f&1 != 0, f&2 != 0
}

// count reads a list's length (null: 0 written), refusing one longer
// than the bytes left could hold at least bytes each.
func (r *unpacker) count(least int) (n int, null bool) {
	v, k := binary.Uvarint(r.B)
	switch {
	case k <= 0:
		r.Fail(packed.ErrTruncated)
		return 0, true
	case v == 0:
		r.B = r.B[k:]
		return 0, true
	case v-1 > uint64(len(r.B)-k)/uint64(least):
		r.Fail(fmt.Errorf("a list of %d values in %d bytes", v-1, len(r.B)-k))
		return 0, true
	}
	r.B = r.B[k:]
	return int(v - 1), false
}

func (r *unpacker) floats() []float64 {
	n, null := r.count(8)
	if null {
		return nil
	}
	vs := make([]float64, n)
	for i := range vs {
		vs[i] = r.Float64()
	}
	return vs
}

func (r *unpacker) run() Run {
	return Run{Ready: int(r.Int()), Pending: r.floats(), Cost: r.Float64(), Viol: r.Float64()}
}

// hpa reads one shadow HPA's run of a memory at at.
func (r *unpacker) hpa(at int64) HPARun {
	h := HPARun{Run: r.run(), Last: int(r.Int()), Events: r.Float64(), LastEvent: at - r.Int()}
	n, null := r.count(2)
	if null {
		return h
	}
	h.Window = make([]Rec, n)
	prev := at
	for k := range h.Window {
		d := r.Int()
		if k == 0 {
			prev = at - d
		} else {
			prev += d
		}
		h.Window[k] = Rec{At: prev, Raw: int(r.Int())}
	}
	return h
}
