package histenc

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"hash/fnv"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/policy"
	"github.com/prescale/prescale/internal/testkit"
)

// pack is ds packed (Append), in base64 as the state file holds it.
func pack(ds []policy.Decision) string {
	b, _ := Append(nil, nil, ds)
	return base64.RawStdEncoding.EncodeToString(b)
}

// history is a packed history written by hand, in base64: the version,
// n decisions and cols (col).
func history(n uint64, cols ...[]byte) string {
	b := binary.AppendUvarint([]byte{historyVersion}, n)
	for _, c := range cols {
		b = append(b, c...)
	}
	return base64.RawStdEncoding.EncodeToString(b)
}

// col is a column written by hand: its name's FNV-1a hash, its kind, the
// length of its values and its values.
func col(name string, kind byte, values ...byte) []byte {
	h := fnv.New32a()
	_, _ = h.Write([]byte(name))
	b := binary.LittleEndian.AppendUint32(nil, h.Sum32())
	b = append(b, kind)
	b = binary.AppendUvarint(b, uint64(len(values)))
	return append(b, values...)
}

// varints is vs as signed varints; uvarint is v as an unsigned one.
func varints(vs ...int64) []byte {
	var b []byte
	for _, v := range vs {
		b = binary.AppendVarint(b, v)
	}
	return b
}

func uvarint(v uint64) []byte { return binary.AppendUvarint(nil, v) }

// zeroUnix is the zero time's Unix seconds: the first explanation.now is
// written as its difference from it.
var zeroUnix = time.Time{}.Unix()

// TestReadsBackAsJSON: what Append packs, Read gives back as encoding/json
// reads its JSON, down to the bytes the JSON has.
func TestReadsBackAsJSON(t *testing.T) {
	at := time.Date(2026, 12, 7, 14, 0, 0, 123456789, time.UTC)
	long := strings.Repeat("history source down ", 10)
	for _, tc := range []struct {
		name string
		ds   []policy.Decision
	}{
		{"none", []policy.Decision{}},
		{"one zero decision", []policy.Decision{{}}},
		{"one", []policy.Decision{{Desired: 3, Reason: "forecast", Explanation: policy.Explanation{Now: at, Demand: 2.5}}}},
		{"a string repeated and another", []policy.Decision{
			{Explanation: policy.Explanation{Problem: long, Model: "seasonal"}},
			{Explanation: policy.Explanation{Problem: long, Model: "seasonal"}},
			{Explanation: policy.Explanation{Problem: "other", Model: "seasonal"}},
		}},
		{"-0, in a number JSON omits when zero and in one it keeps", []policy.Decision{
			{Explanation: policy.Explanation{Forgone: math.Copysign(0, -1), Demand: math.Copysign(0, -1)}},
		}},
		{"negative and extreme numbers", []policy.Decision{
			{Desired: -1, Explanation: policy.Explanation{AffordableUnits: -1, Demand: math.MaxFloat64, MeanUsed: math.SmallestNonzeroFloat64}},
			{Desired: math.MaxInt64, Explanation: policy.Explanation{Demand: -math.MaxFloat64}},
		}},
		{"times in zones, one of seconds, the zero time", []policy.Decision{
			{Explanation: policy.Explanation{Now: at, WindowStart: at.In(time.FixedZone("", 5*3600+1800))}},
			{Explanation: policy.Explanation{Now: at.Add(time.Minute), WindowStart: at.In(time.FixedZone("LMT", 3600+7))}},
			{Explanation: policy.Explanation{Now: at.Add(-time.Hour).In(time.FixedZone("", -3*3600))}},
		}},
		{"an object set, then nil", []policy.Decision{
			{Explanation: policy.Explanation{Peak: &policy.Peak{P50: 1, P90: 2, P99: 3}}},
			{Explanation: policy.Explanation{Now: at}},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Read(pack(tc.ds))
			require.NoError(t, err)
			require.Equal(t, testkit.ViaJSON(t, tc.ds), got)
			want, err := json.Marshal(tc.ds)
			require.NoError(t, err)
			js, err := json.Marshal(got)
			require.NoError(t, err)
			require.Equal(t, string(want), string(js), "the same JSON (-0 where it had -0)")
		})
	}
}

// TestAppendIsCompact: a decision with every value zero takes its first
// column's byte alone; a decision like the one before takes one byte a
// column (a string written once, a number as the XOR of the one before).
func TestAppendIsCompact(t *testing.T) {
	one, _ := Append(nil, nil, []policy.Decision{{}})
	// version, count, the first column's id (4), kind, length and value.
	require.Len(t, one, 1+1+4+1+1+1)

	d := policy.Decision{Desired: 3, Explanation: policy.Explanation{Problem: strings.Repeat("x", 200), Demand: 1234.5678}}
	once, _ := Append(nil, nil, []policy.Decision{d})
	twice, _ := Append(nil, nil, []policy.Decision{d, d})
	// desired, explanation.problem and explanation.demand: a byte each.
	require.Equal(t, 3, len(twice)-len(once))

	again, col := Append(nil, nil, []policy.Decision{d, d})
	again, _ = Append(again[:0], col, []policy.Decision{d, d})
	require.Equal(t, twice, again, "the scratch of an earlier call changes nothing")
}

// TestNegativeZero: -0 reads back as JSON reads it: 0 in a number JSON
// omits when zero (omitempty), -0 in one it writes.
func TestNegativeZero(t *testing.T) {
	negZero := math.Copysign(0, -1)
	got, err := Read(pack([]policy.Decision{{Explanation: policy.Explanation{Forgone: negZero, Demand: negZero}}}))
	require.NoError(t, err)
	require.False(t, math.Signbit(got[0].Explanation.Forgone), "forgone,omitempty: 0")
	require.True(t, math.Signbit(got[0].Explanation.Demand), "demand: -0")
}

// TestReadRefuses: a packed history that cannot be read is an error
// naming the history (the state file then refuses to load), one of
// another version ErrVersion.
func TestReadRefuses(t *testing.T) {
	yearMinus1 := zeroUnix - 366*86400 - 1 // year 0 has 366 days: its last second before
	for _, tc := range []struct{ name, enc, err string }{
		{"not base64", "!!", "history: not base64"},
		{"empty", "", "another version"},
		{"another version", base64.RawStdEncoding.EncodeToString([]byte{historyVersion + 1, 0}), "another version"},
		{"no count", base64.RawStdEncoding.EncodeToString([]byte{historyVersion}), "history: 0 decisions in 1 bytes"},
		{"more decisions than bytes", history(5, []byte{1, 2, 3, 4}), "history: 5 decisions in 6 bytes"},
		{"a column cut short", history(1, col("desired", kindInt, 6)[:5]), "history: truncated"},
		{"a column's length past the end", history(1, append(col("desired", kindInt)[:5], 5, 6)), "history: truncated"},
		{"too few values", history(2, col("desired", kindInt, 6)), "history: column desired: truncated"},
		{"bytes after the last value", history(1, col("desired", kindInt, 6, 8)), "history: column desired: 1 bytes after the last value"},
		{"a bool's flag of 2", history(1, col("explanation.data_present", kindBool, 2)), "column explanation.data_present: a flag of 2"},
		{"an object's flag of 2", history(1, col("explanation.peak", kindPresent, 2)), "column explanation.peak: a flag of 2"},
		{"NaN", history(1, col("explanation.demand", kindFloat, uvarint(math.Float64bits(math.NaN()))...)), "NaN: not a finite number"},
		{"-Inf", history(1, col("explanation.demand", kindFloat, uvarint(math.Float64bits(math.Inf(-1)))...)), "-Inf: not a finite number"},
		{"a string before any", history(1, col("reason", kindString, 1)), "column reason: string 1 of 0"},
		{"a string not UTF-8", history(1, col("reason", kindString, 0, 1, 0xff)), "column reason: a string not UTF-8"},
		{"a zone offset of a day", history(1, col("explanation.now", kindTime, varints(0, 0, 86400)...)), "zone offset 86400 s: a day or more"},
		{"a zone offset of -1 day", history(1, col("explanation.now", kindTime, varints(0, 0, -86400)...)), "zone offset -86400 s: a day or more"},
		{"a zone offset of seconds", history(1, col("explanation.now", kindTime, varints(0, 0, 30)...)), "zone offset 30 s: not whole minutes"},
		{"a year before 0", history(1, col("explanation.now", kindTime, varints(yearMinus1-zeroUnix, 0, 0)...)), "year -1 outside [0, 9999]"},
		{"a year after 9999", history(1, col("explanation.now", kindTime, varints(253402300800-zeroUnix, 0, 0)...)), "year 10000 outside [0, 9999]"},
		{"a time cut short", history(1, col("explanation.now", kindTime, varints(0, 0)...)), "column explanation.now: truncated"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ds, err := Read(tc.enc)
			require.ErrorContains(t, err, tc.err)
			if tc.err == "another version" {
				require.ErrorIs(t, err, ErrVersion)
			} else {
				require.ErrorContains(t, err, "history")
			}
			require.Nil(t, ds)
		})
	}
}

// TestReadSkipsAndOrders: a column of a name or kind Read does not know
// is skipped and a field without a column is zero; a value whose object
// is absent is dropped; times read after their reference, whatever the
// order of their columns.
func TestReadSkipsAndOrders(t *testing.T) {
	at := time.Date(2026, 12, 7, 14, 0, 0, 5, time.UTC)
	now := col("explanation.now", kindTime, varints(at.Unix()-zeroUnix, 5, 0)...)
	for _, tc := range []struct {
		name string
		enc  string
		want []policy.Decision
	}{
		{"a column of no field", history(1, col("desired", kindInt, 6), col("no.such.field", kindInt, 2)),
			[]policy.Decision{{Desired: 3}}}, // the varint 6 is 3
		{"a field's name of another kind", history(1, col("desired", kindInt, 6), col("desired", kindString, 0, 1, 'x')),
			[]policy.Decision{{Desired: 3}}},
		{"a field without a column", history(2, col("raw", kindInt, 2, 4)),
			[]policy.Decision{{Raw: 1}, {Raw: 2}}},
		{"an absent object's value", history(1, col("explanation.peak", kindPresent, 0), col("explanation.peak.p50", kindFloat, uvarint(math.Float64bits(2.5))...)),
			[]policy.Decision{{}}},
		{"an object's value before its presence", history(1, col("explanation.peak.p50", kindFloat, uvarint(math.Float64bits(2.5))...), col("explanation.peak", kindPresent, 1)),
			[]policy.Decision{{Explanation: policy.Explanation{Peak: &policy.Peak{P50: 2.5}}}}},
		{"a time before its reference", history(1, col("explanation.window_start", kindTime, varints(60, -5, 49500)...), now),
			[]policy.Decision{{Explanation: policy.Explanation{Now: at, WindowStart: at.Add(time.Minute - 5).In(time.FixedZone("", 49500))}}}}, // +13:45, a zone of no machine's
		{"the reference, each from the one before", history(2, col("explanation.now", kindTime, append(varints(at.Unix()-zeroUnix, 5, 0), varints(15, 0, 0)...)...)),
			[]policy.Decision{{Explanation: policy.Explanation{Now: at}}, {Explanation: policy.Explanation{Now: at.Add(15 * time.Second)}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Read(tc.enc)
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}

// TestPackable: policy.Decision packs; a struct with a field of a kind
// the history has no column for does not, the error naming the field;
// unexported fields and fields JSON leaves out have no column.
func TestPackable(t *testing.T) {
	require.NoError(t, Packable())
	_, err := planOf(reflect.TypeFor[struct {
		A int            `json:"a"`
		B map[string]int `json:"b"`
	}]())
	require.ErrorContains(t, err, "field b is a map[string]int, which has no column")

	cols, err := planOf(reflect.TypeFor[struct {
		A int `json:"a,omitempty"`
		b int
		C int `json:"-"`
		D struct {
			E time.Time `json:"e,omitzero"`
		} `json:"d"`
	}]())
	require.NoError(t, err)
	var names []string
	for _, c := range cols {
		names = append(names, c.name)
	}
	require.Equal(t, []string{"a", "d.e"}, names)
	require.True(t, cols[0].omitEmpty)
	require.True(t, cols[1].omitZero)
}
