package histenc

// The packed history's edges that no other test pinned (each found by a
// mutation that every test still passed).

import (
	"encoding/base64"
	"reflect"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/policy"
	"github.com/prescale/prescale/internal/testkit"
)

// goldenAt is the time of golden's decision.
var goldenAt = time.Date(2026, 12, 7, 14, 0, 0, 0, time.UTC)

// golden is a decision this version packs to goldenEnc, the packed
// history a state file it wrote holds: a change to the layout (or to the
// version it writes) that a state file written before cannot be read
// with fails here.
var golden = []policy.Decision{{Desired: 3, Reason: "forecast", Explanation: policy.Explanation{
	Now: goldenAt, DataPresent: true, Demand: 2.5, WindowEnd: goldenAt.Add(5 * time.Minute)}}}

const goldenEnc = "AQE1jguiaQEGGV6j+HMKAAhmb3JlY2FzdNoJJpF0CMDLxarcAwAAhoW4lGIBAfk9DTJmCYCAgICAgICCQPgjyCt0BNgEAAA"

// TestGoldenHistory: a history packed by this version reads back, and the
// same decisions pack to the same bytes.
func TestGoldenHistory(t *testing.T) {
	got, err := Read(goldenEnc)
	require.NoError(t, err)
	require.Equal(t, testkit.ViaJSON(t, golden), got)
	require.Equal(t, goldenEnc, pack(golden))
}

// TestEveryValueKind: a bool set and a nonzero number JSON omits when
// zero (omitempty: forgone) read back.
func TestEveryValueKind(t *testing.T) {
	ds := []policy.Decision{{Explanation: policy.Explanation{DataPresent: true, Anomaly: true, Forgone: 0.75}}}
	got, err := Read(pack(ds))
	require.NoError(t, err)
	require.Equal(t, ds, got)
}

// TestZonesOfSeconds: a zone offset of seconds (a local mean time before
// 1900) reads back as JSON reads it, whatever its seconds: +00:20:20
// (1,220 s, 61 s × 20) and +01:01:01 (3,661 s, 1 s past a minute).
func TestZonesOfSeconds(t *testing.T) {
	at := time.Date(1890, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, off := range []int{1220, 3661, -3661} {
		ds := []policy.Decision{{Explanation: policy.Explanation{Now: at, WindowStart: at.In(time.FixedZone("LMT", off))}}}
		got, err := Read(pack(ds))
		require.NoError(t, err, "offset %d s", off)
		require.Equal(t, testkit.ViaJSON(t, ds), got, "offset %d s", off)
	}
}

// TestYearsZeroAndNineThousand: times in years 0 and 9999, the first and
// last RFC 3339 writes, read back; one that is in year 10000 or -1 on
// its zone's wall clock (not in UTC) is refused, as JSON refuses it.
func TestYearsZeroAndNineThousand(t *testing.T) {
	first := time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC)
	last := time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)
	ds := []policy.Decision{{Explanation: policy.Explanation{Now: first}}, {Explanation: policy.Explanation{Now: last}}}
	got, err := Read(pack(ds))
	require.NoError(t, err)
	require.Equal(t, testkit.ViaJSON(t, ds), got)

	_, err = timeOf(last.Unix(), 0, 3600)
	require.EqualError(t, err, "year 10000 outside [0, 9999]")
	_, err = timeOf(first.Unix(), 0, -3600)
	require.EqualError(t, err, "year -1 outside [0, 9999]")
}

// TestByteAfterTheLastColumn: a packed history with a byte after its
// last column is refused (a column cut short), not read without it.
func TestByteAfterTheLastColumn(t *testing.T) {
	b, err := base64.RawStdEncoding.DecodeString(goldenEnc)
	require.NoError(t, err)
	ds, err := Read(base64.RawStdEncoding.EncodeToString(append(b, 0)))
	require.EqualError(t, err, "history: truncated")
	require.Nil(t, ds)
}

// TestColumnNames: a field without a JSON name has its Go name's column,
// as encoding/json names it; two names of one hash (FNV-1a: c693596 and
// c1170850) cannot be packed, the error naming both.
func TestColumnNames(t *testing.T) {
	cols, err := planOf(reflect.TypeFor[struct {
		A int
		B int `json:",omitempty"`
	}]())
	require.NoError(t, err)
	require.Len(t, cols, 2)
	require.Equal(t, "A", cols[0].name)
	require.Equal(t, "B", cols[1].name)
	require.True(t, cols[1].omitEmpty)

	_, err = planOf(reflect.TypeFor[struct {
		A int `json:"c693596"`
		B int `json:"c1170850"`
	}]())
	require.EqualError(t, err, "state: history: columns c693596 and c1170850 have one hash")
}
