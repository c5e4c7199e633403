package packed

import (
	"encoding/binary"
	"errors"
	"math"
	"testing"
)

func TestReaderReadsWhatWasAppended(t *testing.T) {
	var b []byte
	b = binary.AppendVarint(b, -300)
	b = binary.AppendUvarint(b, 1<<40)
	b = append(b, 7)
	b = binary.LittleEndian.AppendUint32(b, 0xdeadbeef)
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(-2.5))
	b = append(b, "abc"...)
	r := Reader{B: b}
	if got := r.Int(); got != -300 {
		t.Errorf("Int = %d, want -300", got)
	}
	if got := r.Uint(); got != 1<<40 {
		t.Errorf("Uint = %d, want %d", got, uint64(1)<<40)
	}
	if got := r.Byte(); got != 7 {
		t.Errorf("Byte = %d, want 7", got)
	}
	if got := r.Uint32(); got != 0xdeadbeef {
		t.Errorf("Uint32 = %#x, want 0xdeadbeef", got)
	}
	if got := r.Float64(); got != -2.5 {
		t.Errorf("Float64 = %g, want -2.5", got)
	}
	if got := r.Bytes(0); got == nil || len(got) != 0 {
		t.Errorf("Bytes(0) = %#v, want an empty slice", got)
	}
	if got := string(r.Bytes(3)); got != "abc" {
		t.Errorf("Bytes(3) = %q, want abc", got)
	}
	if r.Err != nil || len(r.B) != 0 {
		t.Errorf("after every value: Err %v, %d bytes left; want nil, 0", r.Err, len(r.B))
	}
}

// Each read past the end fails with ErrTruncated, drops the bytes left
// and reads every later value as 0, the first error kept.
func TestReaderTruncated(t *testing.T) {
	reads := map[string]func(*Reader) any{
		"Int":      func(r *Reader) any { return r.Int() },
		"Uint":     func(r *Reader) any { return r.Uint() },
		"Byte":     func(r *Reader) any { return r.Byte() },
		"Uint32":   func(r *Reader) any { return r.Uint32() },
		"Float64":  func(r *Reader) any { return r.Float64() },
		"Bytes(4)": func(r *Reader) any { return r.Bytes(4) },
	}
	short := []byte{0x80, 0x80, 0x80} // a varint cut short; 3 bytes for the fixed widths
	for name, read := range reads {
		t.Run(name, func(t *testing.T) {
			r := Reader{B: short}
			if name == "Byte" {
				r.B = nil
			}
			if got := read(&r); !isZero(got) {
				t.Errorf("the failing read = %v, want 0", got)
			}
			if !errors.Is(r.Err, ErrTruncated) {
				t.Fatalf("Err = %v, want %v", r.Err, ErrTruncated)
			}
			if r.B != nil {
				t.Errorf("after the error %d bytes are left, want none", len(r.B))
			}
			for later, read := range reads {
				if got := read(&r); !isZero(got) {
					t.Errorf("after the error: %s = %v, want 0", later, got)
				}
			}
			if got := r.Bytes(0); got != nil {
				t.Errorf("after the error: Bytes(0) = %#v, want nil", got)
			}
			if !errors.Is(r.Err, ErrTruncated) {
				t.Errorf("Err after more reads = %v, want %v", r.Err, ErrTruncated)
			}
		})
	}
}

// isZero says whether a read's value is 0 (nil for Bytes).
func isZero(v any) bool {
	switch v := v.(type) {
	case []byte:
		return v == nil
	case int64:
		return v == 0
	case uint64:
		return v == 0
	case byte:
		return v == 0
	case uint32:
		return v == 0
	case float64:
		return v == 0
	}
	return false
}

// TestOneByteVarints: varints of one byte (the most common: small counts
// and deltas) read as themselves.
func TestOneByteVarints(t *testing.T) {
	for _, v := range []int64{0, 1, -1, 63, -64} {
		r := Reader{B: binary.AppendVarint(nil, v)}
		if got := r.Int(); got != v || r.Err != nil || len(r.B) != 0 {
			t.Errorf("Int of %d = %d, Err %v, %d bytes left", v, got, r.Err, len(r.B))
		}
	}
	for _, v := range []uint64{0, 1, 127} {
		r := Reader{B: binary.AppendUvarint(nil, v)}
		if got := r.Uint(); got != v || r.Err != nil || len(r.B) != 0 {
			t.Errorf("Uint of %d = %d, Err %v, %d bytes left", v, got, r.Err, len(r.B))
		}
	}
}

func TestFailKeepsTheFirstError(t *testing.T) {
	first, second := errors.New("first"), errors.New("second")
	r := Reader{B: []byte{1, 2}}
	r.Fail(first)
	r.Fail(second)
	if !errors.Is(r.Err, first) || errors.Is(r.Err, second) || r.B != nil {
		t.Errorf("Err %v, %d bytes left; want first, none", r.Err, len(r.B))
	}
}
