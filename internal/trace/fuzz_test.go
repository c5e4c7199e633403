package trace

import (
	"bytes"
	"math"
	"testing"
)

// FuzzRead: any input either reads as a trace that keeps the reader's
// promises (equal lengths, strictly increasing seconds in range, values
// finite within ±MaxAbsValue, not negative, or NaN) and survives a write/read round trip,
// or fails with a short error; never a panic or a silent empty trace.
func FuzzRead(f *testing.F) {
	f.Add([]byte("timestamp,value\n1,2\n3,\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		// prescale detect (--nab too) reads unordered: any input, not
		// only what Read accepts.
		if un, err := ReadUnordered(bytes.NewReader(in)); err != nil {
			if err.Error() == "" || len(err.Error()) > 1000 {
				t.Fatalf("unordered: error %q: empty or echoing too much", err)
			}
		} else {
			checkTrace(t, un, false)
		}
		tr, err := Read(bytes.NewReader(in))
		if err != nil {
			if err.Error() == "" || len(err.Error()) > 1000 {
				t.Fatalf("error %q: empty or echoing too much", err)
			}
			return
		}
		checkTrace(t, tr, true)
		var out bytes.Buffer
		if err := Write(&out, tr); err != nil {
			t.Fatalf("write: %v", err)
		}
		back, err := Read(&out)
		if err != nil {
			t.Fatalf("round trip: %v", err)
		}
		if len(back.T) != len(tr.T) {
			t.Fatalf("round trip: %d rows, want %d", len(back.T), len(tr.T))
		}
		for i := range tr.T {
			same := back.V[i] == tr.V[i] || math.IsNaN(back.V[i]) && math.IsNaN(tr.V[i])
			if back.T[i] != tr.T[i] || !same {
				t.Fatalf("round trip row %d: (%d, %v), want (%d, %v)", i, back.T[i], back.V[i], tr.T[i], tr.V[i])
			}
		}
		un, err := ReadUnordered(bytes.NewReader(in))
		if err != nil {
			t.Fatalf("ReadUnordered refuses what Read accepts: %v", err)
		}
		checkTrace(t, un, false)
	})
}

func checkTrace(t *testing.T, tr *Trace, strict bool) {
	t.Helper()
	if len(tr.T) == 0 || len(tr.T) != len(tr.V) {
		t.Fatalf("%d timestamps, %d values", len(tr.T), len(tr.V))
	}
	if !strict && len(tr.Raw) != len(tr.T) {
		t.Fatalf("%d raw timestamps for %d rows", len(tr.Raw), len(tr.T))
	}
	for i, ts := range tr.T {
		if ts < 0 || ts > MaxUnixSeconds || strict && i > 0 && ts <= tr.T[i-1] {
			t.Fatalf("row %d: timestamp %d", i, ts)
		}
		if v := tr.V[i]; !math.IsNaN(v) && (!(math.Abs(v) <= MaxAbsValue) || strict && v < 0) {
			t.Fatalf("row %d: value %v", i, v)
		}
	}
}
