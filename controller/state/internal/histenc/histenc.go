// Package histenc packs a target's older decisions for the state file
// (its "history" field; controller/state): a column a field of
// policy.Decision, each value written compactly and read back as its
// JSON did, and reads them back.
package histenc

import (
	"cmp"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/prescale/prescale/controller/policy"
	"github.com/prescale/prescale/controller/state/internal/packed"
)

// A target's decisions are written as its newest decision in JSON
// ("decisions", a list of one, as every version read it) and the older
// ones packed in "history", a base64 string (no padding) of
//
//	version (1), the number of decisions, then columns, each
//	its name's FNV-1a hash (4 bytes; the name is the field's JSON path:
//	"desired", "explanation.now", "explanation.peak.p50"), its kind,
//	its bytes' length and its bytes
//
// with one value a decision in each column, oldest first: ints as
// varints, numbers as the varint of their float64's bits XOR the
// previous value's (an unchanged one is 1 byte), bools and the presence
// of an optional object (explanation.peak, manual_ended) as a byte,
// strings as 0 and the string or 1 + the index of the column's earlier
// equal one, times as the differences of their seconds and nanoseconds
// from a reference (the decision's explanation.now; for that column,
// the decision before's) and their zone's offset. Every value reads
// back as its JSON did (what JSON omits or rounds is written so: asJSON,
// and the -0 of an omitempty number as 0).
// A column whose values are all zero is not written (but the first:
// the count of decisions is bounded by its bytes), and a column of a
// name or kind this version does not know is skipped: a field without a
// column is zero, as JSON's unknown and missing fields. A field of
// policy.Decision gets its column from its type (plan), without
// a new version. In JSON the decisions were two thirds of the state
// file (15.5 KB a target of the 22.5 at 1,000 targets); now the 20
// decisions, the newest in JSON, take 3.7 KB.

// historyVersion is the version of the packed history; one of another
// version (a newer controller's) is not read: the newest decision, in
// JSON, is.
const historyVersion = 1

// column kinds.
const (
	kindInt     = 'i'
	kindFloat   = 'f'
	kindBool    = 'b'
	kindString  = 's'
	kindTime    = 't'
	kindPresent = 'p' // a pointer to an object: set or nil
)

// refColumn is the times' reference column.
const refColumn = "explanation.now"

// column is one field of policy.Decision: its JSON path, its hash (id),
// kind, the field indexes that lead to it (through pointers) and, for a
// time, its reference column's index in the plan (-1: the value before).
type column struct {
	name string
	id   uint32
	kind byte
	path []int
	ref  int
	// The JSON of the field omits a zero number (omitempty: -0 too) or a
	// zero time in any zone (omitzero): read back as 0 and the zero time.
	omitEmpty, omitZero bool
}

var timeType = reflect.TypeFor[time.Time]()

// plan is the columns of policy.Decision (or why it cannot be
// packed: a field of a kind the history has no column for, two names of
// one hash; the decisions are then written in JSON, as before).
var plan = sync.OnceValues(func() ([]column, error) {
	return planOf(reflect.TypeFor[policy.Decision]())
})

// planOf is the columns of struct type t, with their ids and references.
func planOf(t reflect.Type) ([]column, error) {
	cols, err := planColumns(t, "", nil)
	if err != nil {
		return nil, err
	}
	ref := slices.IndexFunc(cols, func(c column) bool { return c.name == refColumn && c.kind == kindTime })
	ids := map[uint32]string{}
	for k := range cols {
		c := &cols[k]
		h := fnv.New32a()
		_, _ = h.Write([]byte(c.name))
		c.id, c.ref = h.Sum32(), -1
		if other, dup := ids[c.id]; dup {
			return nil, fmt.Errorf("state: history: columns %s and %s have one hash", other, c.name)
		}
		ids[c.id] = c.name
		if c.kind == kindTime && k != ref {
			c.ref = ref
		}
	}
	return cols, nil
}

// planColumns appends the columns of struct type t's fields.
func planColumns(t reflect.Type, prefix string, path []int) ([]column, error) {
	var cols []column
	for i := range t.NumField() {
		f := t.Field(i)
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if !f.IsExported() || name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		c := column{name: prefix + name, path: append(path[:len(path):len(path)], i)}
		for o := range strings.SplitSeq(opts, ",") {
			c.omitEmpty = c.omitEmpty || o == "omitempty"
			c.omitZero = c.omitZero || o == "omitzero"
		}
		ft := f.Type
		var sub reflect.Type
		switch k := ft.Kind(); {
		case ft == timeType:
			c.kind = kindTime
		case k == reflect.Pointer && ft.Elem().Kind() == reflect.Struct && ft.Elem() != timeType:
			c.kind, sub = kindPresent, ft.Elem()
		case k == reflect.Struct:
			sub = ft
		case k == reflect.Int || k == reflect.Int64 || k == reflect.Int32:
			c.kind = kindInt
		case k == reflect.Float64:
			c.kind = kindFloat
		case k == reflect.Bool:
			c.kind = kindBool
		case k == reflect.String:
			c.kind = kindString
		default:
			return nil, fmt.Errorf("state: history: field %s is a %s, which has no column", c.name, ft)
		}
		if c.kind != 0 {
			cols = append(cols, c)
		}
		if sub != nil {
			more, err := planColumns(sub, c.name+".", c.path)
			if err != nil {
				return nil, err
			}
			cols = append(cols, more...)
		}
	}
	return cols, nil
}

// field is decision v's field at path; ok is false when a pointer on
// the way is nil.
func field(v reflect.Value, path []int) (f reflect.Value, ok bool) {
	for k, i := range path {
		v = v.Field(i)
		if v.Kind() == reflect.Pointer && k < len(path)-1 {
			if v.IsNil() {
				return v, false
			}
			v = v.Elem()
		}
	}
	return v, true
}

// timeAt is the time of field v (zero when not ok).
func timeAt(v reflect.Value, ok bool) time.Time {
	if !ok {
		return time.Time{}
	}
	return *v.Addr().Interface().(*time.Time)
}

// Packable is nil when the decisions can be packed, else why not (see
// plan): the caller then writes them in JSON.
func Packable() error {
	_, err := plan()
	return err
}

// Append appends the packed history of ds (the layout above) to b,
// using col as scratch (returned for reuse). Unless Packable, it
// appends nothing.
func Append(b, col []byte, ds []policy.Decision) (out, scratch []byte) {
	cols, err := plan()
	if err != nil {
		return b, col
	}
	b = append(b, historyVersion)
	b = binary.AppendUvarint(b, uint64(len(ds)))
	var seen []string
	for k, c := range cols {
		var nonzero bool
		col, seen, nonzero = appendColumn(col[:0], seen[:0], cols, c, ds)
		if !nonzero && k > 0 { // the first written always: a byte a decision at least
			continue
		}
		b = binary.LittleEndian.AppendUint32(b, c.id)
		b = append(b, c.kind)
		b = binary.AppendUvarint(b, uint64(len(col)))
		b = append(b, col...)
	}
	return b, col
}

// appendColumn appends column c's value of every decision of ds, and
// whether one is not zero.
func appendColumn(b []byte, seen []string, cols []column, c column, ds []policy.Decision) ([]byte, []string, bool) {
	var prevBits uint64
	var prev time.Time
	nonzero := false
	for i := range ds {
		d := reflect.ValueOf(&ds[i]).Elem()
		v, ok := field(d, c.path)
		switch c.kind {
		case kindPresent:
			set := !v.IsNil()
			b, nonzero = append(b, boolByte(set)), nonzero || set
		case kindInt:
			x := intOf(v, ok)
			b, nonzero = binary.AppendVarint(b, x), nonzero || x != 0
		case kindFloat:
			bits := math.Float64bits(floatOf(v, ok))
			if x := math.Float64frombits(bits); c.omitEmpty && x == 0 || c.omitZero && bits == 0 {
				bits = 0
			}
			b, nonzero = binary.AppendUvarint(b, bits^prevBits), nonzero || bits != 0
			prevBits = bits
		case kindBool:
			x := ok && v.Bool()
			b, nonzero = append(b, boolByte(x)), nonzero || x
		case kindString:
			x := stringOf(v, ok)
			b, seen = appendString(b, seen, x)
			nonzero = nonzero || x != ""
		case kindTime:
			t := asJSON(c, timeAt(v, ok))
			if c.ref >= 0 {
				rc := cols[c.ref]
				prev = asJSON(rc, timeAt(field(d, rc.path)))
			}
			b, nonzero = appendTime(b, t, prev), nonzero || !t.IsZero()
			prev = t
		}
	}
	return b, seen, nonzero
}

// asJSON is t as encoding/json reads back its text in column c: the
// zero time for a zero time in any zone when c omits it (omitzero), and
// a zone offset of seconds (the local mean time of some zones before
// 1900) as the minutes RFC 3339 writes, the wall clock kept.
func asJSON(c column, t time.Time) time.Time {
	if c.omitZero && t.IsZero() {
		return time.Time{}
	}
	if _, off := t.Zone(); off%60 != 0 {
		return t.Add(time.Duration(off%60) * time.Second).In(time.FixedZone("", off-off%60))
	}
	return t
}

// appendTime appends t as its differences from ref and its zone offset.
func appendTime(b []byte, t, ref time.Time) []byte {
	_, off := t.Zone()
	b = binary.AppendVarint(b, t.Unix()-ref.Unix())
	b = binary.AppendVarint(b, int64(t.Nanosecond()-ref.Nanosecond()))
	return binary.AppendVarint(b, int64(off))
}

func boolByte(v bool) byte {
	if v {
		return 1
	}
	return 0
}

func intOf(v reflect.Value, ok bool) int64 {
	if !ok {
		return 0
	}
	return v.Int()
}

func floatOf(v reflect.Value, ok bool) float64 {
	if !ok {
		return 0
	}
	return v.Float()
}

func stringOf(v reflect.Value, ok bool) string {
	if !ok {
		return ""
	}
	return v.String()
}

// appendString appends s as 1 + its index in seen when there, else as
// 0 and s (added to seen).
func appendString(b []byte, seen []string, s string) ([]byte, []string) {
	for k, x := range seen {
		if x == s {
			return binary.AppendUvarint(b, uint64(k+1)), seen
		}
	}
	b = append(b, 0)
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...), append(seen, s)
}

// ErrVersion: a packed history of another version, not read.
var ErrVersion = errors.New("another version")

// Read reads a packed history (base64).
func Read(enc string) ([]policy.Decision, error) {
	raw, err := base64.RawStdEncoding.DecodeString(enc)
	if err != nil {
		return nil, errors.New("history: not base64")
	}
	cols, err := plan()
	if err != nil {
		return nil, err
	}
	if len(raw) == 0 || raw[0] != historyVersion {
		return nil, ErrVersion
	}
	r := reader{packed.Reader{B: raw[1:]}}
	n := r.Uint()
	if r.Err != nil || n > uint64(len(r.B)) { // the first column takes a byte a decision at least
		return nil, fmt.Errorf("history: %d decisions in %d bytes", n, len(raw))
	}
	ds := make([]policy.Decision, n)
	later, err := readColumns(&r, cols, ds)
	if err != nil {
		return nil, err
	}
	// The references before the times that refer to them.
	slices.SortStableFunc(later, func(a, b stored) int { return cmp.Compare(a.c.ref, b.c.ref) })
	for _, p := range later {
		if err := readColumn(p.b, cols, p.c, ds); err != nil {
			return nil, fmt.Errorf("history: column %s: %w", p.c.name, err)
		}
	}
	return ds, nil
}

// stored is a column's bytes as read, to be read after the presence
// columns (which allocate what the others' values go to).
type stored struct {
	c column
	b []byte
}

// readColumns reads the columns of r: the presence columns into ds at
// once, the other known ones returned to be read after them; unknown
// ones (an id or kind this version has no field for) are skipped.
func readColumns(r *reader, cols []column, ds []policy.Decision) ([]stored, error) {
	var later []stored
	for len(r.B) > 0 {
		id := r.Uint32()
		kind := r.Byte()
		b := r.bytes()
		if r.Err != nil {
			return nil, fmt.Errorf("history: %w", r.Err)
		}
		k := slices.IndexFunc(cols, func(c column) bool { return c.id == id && c.kind == kind })
		switch {
		case k < 0:
			continue
		case kind == kindPresent:
			if err := readColumn(b, cols, cols[k], ds); err != nil {
				return nil, fmt.Errorf("history: column %s: %w", cols[k].name, err)
			}
		default:
			later = append(later, stored{cols[k], b})
		}
	}
	return later, nil
}

// readColumn reads column c's values (b) into ds. A value whose object
// is absent (its presence 0) is read and dropped.
func readColumn(b []byte, cols []column, c column, ds []policy.Decision) error {
	r := reader{packed.Reader{B: b}}
	var prevBits uint64
	var prev time.Time
	var seen []string
	for i := range ds {
		d := reflect.ValueOf(&ds[i]).Elem()
		v, ok := field(d, c.path)
		switch c.kind {
		case kindPresent:
			if r.flag() && r.Err == nil && ok {
				v.Set(reflect.New(v.Type().Elem()))
			}
		case kindInt:
			if x := r.Int(); ok && v.OverflowInt(x) {
				return fmt.Errorf("%d out of range", x)
			} else if ok {
				v.SetInt(x)
			}
		case kindFloat:
			prevBits ^= r.Uint()
			x := math.Float64frombits(prevBits)
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return fmt.Errorf("%v: not a finite number", x)
			}
			if ok {
				v.SetFloat(x)
			}
		case kindBool:
			if x := r.flag(); ok {
				v.SetBool(x)
			}
		case kindString:
			var s string
			if s, seen = r.str(seen); !utf8.ValidString(s) {
				return errors.New("a string not UTF-8")
			}
			if ok {
				v.SetString(s)
			}
		case kindTime:
			if c.ref >= 0 {
				prev = timeAt(field(d, cols[c.ref].path))
			}
			var err error
			if prev, err = r.time(prev); err != nil {
				return err
			}
			if ok {
				*v.Addr().Interface().(*time.Time) = prev
			}
		}
	}
	return r.end()
}

// end is the first error, or one if bytes are left.
func (r *reader) end() error {
	if r.Err == nil && len(r.B) > 0 {
		return fmt.Errorf("%d bytes after the last value", len(r.B))
	}
	return r.Err
}

// time reads a time written by appendTime with reference ref.
func (r *reader) time(ref time.Time) (time.Time, error) {
	t, err := timeOf(ref.Unix()+r.Int(), int64(ref.Nanosecond())+r.Int(), r.Int())
	if r.Err != nil {
		return t, nil // reported as truncated
	}
	return t, err
}

// timeOf is the time of unix seconds sec, nanoseconds nsec and zone
// offset off (seconds east of UTC) as encoding/json reads its RFC 3339
// text: in UTC for offset 0, in the local zone when it has that offset
// then, else in a zone of that offset without a name. A time JSON
// cannot hold (a year outside [0, 9999], an offset of a day or more) is
// an error, as it is in JSON.
func timeOf(sec, nsec, off int64) (time.Time, error) {
	t := time.Unix(sec, nsec)
	if off <= -86400 || off >= 86400 {
		return t, fmt.Errorf("zone offset %d s: a day or more", off)
	}
	if off%60 != 0 { // appendTime writes asJSON's whole minutes
		return t, fmt.Errorf("zone offset %d s: not whole minutes", off)
	}
	if y := t.Add(time.Duration(off) * time.Second).UTC().Year(); y < 0 || y > 9999 {
		return t, fmt.Errorf("year %d outside [0, 9999]", y)
	}
	if off == 0 { // the zero time too
		return t.UTC(), nil
	}
	if _, local := t.In(time.Local).Zone(); int64(local) == off {
		return t.In(time.Local), nil
	}
	return t.In(time.FixedZone("", int(off))), nil
}

// reader reads the packed values; after the first error (Err) every
// value reads 0.
type reader struct{ packed.Reader }

// flag reads a bool's byte, 0 or 1.
func (r *reader) flag() bool {
	switch v := r.Byte(); v {
	case 0, 1:
		return v == 1
	default:
		r.Fail(fmt.Errorf("a flag of %d", v))
		return false
	}
}

// bytes reads a length and that many bytes.
func (r *reader) bytes() []byte { return r.Bytes(r.Uint()) }

// str reads a string written by appendString, seen the column's
// strings so far (returned with this one added when new).
func (r *reader) str(seen []string) (string, []string) {
	k := r.Uint()
	switch {
	case k == 0:
		s := string(r.bytes())
		return s, append(seen, s)
	case k > uint64(len(seen)):
		r.Fail(fmt.Errorf("string %d of %d", k, len(seen)))
		return "", seen
	}
	return seen[k-1], seen
}
