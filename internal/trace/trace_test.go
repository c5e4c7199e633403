package trace

import (
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestRead(t *testing.T) {
	in := "timestamp,value\n2014-04-01 00:00:00,1.5\n2014-04-01 00:05:00,\n1396311000,nan\n\n1396311300,2\n"
	tr, err := Read(strings.NewReader(in))
	require.NoError(t, err)
	require.Equal(t, []int64{1396310400, 1396310700, 1396311000, 1396311300}, tr.T)
	require.InDelta(t, 1.5, tr.V[0], 0)
	require.True(t, math.IsNaN(tr.V[1]))
	require.True(t, math.IsNaN(tr.V[2]))
	require.Nil(t, tr.Raw, "the strict reader keeps no raw timestamps")
	tr, err = ReadUnordered(strings.NewReader(in))
	require.NoError(t, err)
	require.Equal(t, "2014-04-01 00:00:00", tr.Raw[0])
	require.Equal(t, "1396311000", tr.Raw[2])
}

// TestReadSpreadsheetExport: a header with a byte-order mark and its
// names in any case (a spreadsheet's CSV export), and the missing-value
// markers of R, pandas and JSON, read as gaps.
func TestReadSpreadsheetExport(t *testing.T) {
	in := "\ufeffTimestamp, Value\n60,NA\n120,n/a\n180,null\n240,None\n300,3\n"
	tr, err := Read(strings.NewReader(in))
	require.NoError(t, err)
	require.Equal(t, []int64{60, 120, 180, 240, 300}, tr.T)
	for i, v := range tr.V[:4] {
		require.True(t, math.IsNaN(v), "row %d: %v", i, v)
	}
	require.InDelta(t, 3, tr.V[4], 0)
}

func TestReadUnordered(t *testing.T) {
	in := "timestamp,value\n5,1\n4,2\n6,3\n"
	_, err := Read(strings.NewReader(in))
	require.ErrorContains(t, err, "before previous")
	tr, err := ReadUnordered(strings.NewReader(in))
	require.NoError(t, err)
	require.Equal(t, []int64{5, 4, 6}, tr.T, "rows kept in file order")
	require.Equal(t, []float64{1, 2, 3}, tr.V)
	_, err = ReadUnordered(strings.NewReader("timestamp,value\n1,x\n"))
	require.ErrorContains(t, err, `line 2: value "x" is not a number`, "the other checks still apply")
	// A detector scores any signal (NAB's art_daily_flatmiddle goes below 0).
	tr, err = ReadUnordered(strings.NewReader("timestamp,value\n1,-5\n"))
	require.NoError(t, err)
	require.Equal(t, []float64{-5}, tr.V)
}

func TestReadErrors(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"empty", "", "empty file"},
		{"header", "time,v\n1,2\n", "bad header"},
		{"no rows", "timestamp,value\n", "no data rows"},
		{"bad value", "timestamp,value\n1,x\n", `line 2: value "x" is not a number`},
		{"inf", "timestamp,value\n1,inf\n", "infinite"},
		{"bad time", "timestamp,value\nyesterday,1\n", `timestamp "yesterday"`},
		{"decreasing", "timestamp,value\n5,1\n4,1\n", "line 3: timestamp 4 before previous 5 (line 2): rows must be sorted by time"},
		{"fractional", "timestamp,value\n5.5,1\n", "not whole seconds"},
		// Issue 12: each of these was accepted silently or echoed whole.
		{"duplicate", "timestamp,value\n5,1\n\n5,2\n", "line 4: timestamp 5 repeats line 2's: each timestamp once"},
		{"milliseconds", "timestamp,value\n1700000000000,1\n", `line 2: timestamp "1700000000000" is in milliseconds? Unix seconds are expected (divide by 1000)`},
		{"microseconds", "timestamp,value\n1700000000000000,1\n", "beyond the year 5000"},
		{"negative time", "timestamp,value\n-5,1\n", "before 1970"},
		{"a second before 1970", "timestamp,value\n-1,1\n", `timestamp "-1" is before 1970`},
		{"huge float time", "timestamp,value\n1e300,1\n", "not whole seconds"},
		{"overflow value", "timestamp,value\n1,1e300\n", `line 2: value "1e300" is beyond ±1e+15`},
		{"out of float range", "timestamp,value\n1,1e999\n", "infinite"},
		{"negative overflow", "timestamp,value\n1,-2e15\n", "beyond"},
		// A demand is never negative: it was read as a demand of -5.
		{"negative value", "timestamp,value\n1,2\n2, -5 \n", `line 3: value "-5" is negative: a demand (a request rate, a utilisation, a queue length) never is; check how the trace was made (a deriv(), a subtraction)`},
		{"long value cut", "timestamp,value\n1," + strings.Repeat("9x", 10<<20) + "\n", `line 2: value "` + strings.Repeat("9x", 50) + `"... (20971520 bytes) is not a number`},
		{"long header cut", strings.Repeat("h", 1000) + "\n1,2\n", `bad header "` + strings.Repeat("h", 100) + `"... (1000 bytes)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Read(strings.NewReader(tc.in))
			require.ErrorContains(t, err, tc.want)
			require.Less(t, len(err.Error()), 400, "echoed input is cut")
		})
	}
}

func TestWrite(t *testing.T) {
	var b strings.Builder
	require.NoError(t, Write(&b, &Trace{T: []int64{5, 65, 125}, V: []float64{1.5, math.NaN(), 1e-7}}))
	require.Equal(t, "timestamp,value\n5,1.5\n65,\n125,1e-07\n", b.String())
	require.ErrorContains(t, Write(&b, &Trace{T: []int64{5}}), "1 timestamps but 0 values")
}
