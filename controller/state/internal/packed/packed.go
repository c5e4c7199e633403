// Package packed reads the values the state file packs into base64
// strings: the decision history's columns (controller/state/internal/histenc)
// and the shadow runs' memory (controller/state): signed and unsigned
// varints, bytes and little-endian fixed-width numbers.
//
// A Reader keeps the first error and, after it, reads every value as 0,
// so a decoder reads a whole record and checks Err once, as
// encoding/binary's readers and Prometheus' tsdb/encoding.Decbuf do.
package packed

import (
	"encoding/binary"
	"errors"
	"math"
)

// ErrTruncated is the error of a read past the end of the bytes.
var ErrTruncated = errors.New("truncated")

// Reader reads packed values from B, the bytes not read yet.
type Reader struct {
	B   []byte
	Err error // the first error; nil while every read succeeded
}

// Fail records err unless an error is recorded already, and drops the
// bytes left, so that every later read is 0.
func (r *Reader) Fail(err error) {
	if r.Err == nil {
		r.Err = err
	}
	r.B = nil
}

// Int reads a signed varint.
func (r *Reader) Int() int64 {
	v, n := binary.Varint(r.B)
	if n <= 0 {
		r.Fail(ErrTruncated)
		return 0
	}
	r.B = r.B[n:]
	return v
}

// Uint reads an unsigned varint.
func (r *Reader) Uint() uint64 {
	v, n := binary.Uvarint(r.B)
	if n <= 0 {
		r.Fail(ErrTruncated)
		return 0
	}
	r.B = r.B[n:]
	return v
}

// Byte reads one byte.
func (r *Reader) Byte() byte {
	b := r.Bytes(1)
	if b == nil {
		return 0
	}
	return b[0]
}

// Uint32 reads a little-endian uint32.
func (r *Reader) Uint32() uint32 {
	b := r.Bytes(4)
	if b == nil {
		return 0
	}
	return binary.LittleEndian.Uint32(b)
}

// Float64 reads a float64 as the little-endian uint64 of its bits.
func (r *Reader) Float64() float64 {
	b := r.Bytes(8)
	if b == nil {
		return 0
	}
	return math.Float64frombits(binary.LittleEndian.Uint64(b))
}

// Bytes reads n bytes (nil if fewer are left, or after an error; an
// empty, non-nil slice for n = 0). The slice shares B's array.
func (r *Reader) Bytes(n uint64) []byte {
	if r.Err != nil || n > uint64(len(r.B)) {
		r.Fail(ErrTruncated)
		return nil
	}
	v := r.B[:n:n]
	r.B = r.B[n:]
	return v
}
