package queryhttp

import (
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/require"
)

// vmAnswer is a VictoriaMetrics query_range answer, isPartial as given.
func vmAnswer(partial string) string {
	return `{"status":"success","isPartial":` + partial + `,"data":{"resultType":"matrix","result":[{"metric":{},"values":[[1773532800,"2"]]}]}}`
}

// TestPartialBodyAcrossReads: the marker is found when reads cut it
// anywhere (one byte at a time), with a space after the colon too, and
// not in a label value (where its quotes are escaped).
func TestPartialBodyAcrossReads(t *testing.T) {
	for _, tc := range []struct {
		body string
		want bool
	}{
		{vmAnswer("true"), true},
		{strings.Replace(vmAnswer("true"), `:true`, `: true`, 1), true},
		{vmAnswer("false"), false},
		{`{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"a":"\"isPartial\":true"},"values":[]}]}}`, false},
	} {
		ctx, flag := WithPartialFlag(t.Context())
		body := scanPartial(ctx, io.NopCloser(iotest.OneByteReader(strings.NewReader(tc.body))))
		got, err := io.ReadAll(body)
		require.NoError(t, err)
		require.Equal(t, tc.body, string(got), "passed through unchanged")
		require.Equal(t, tc.want, flag.Load(), tc.body)
	}
	// Two long reads cut inside the marker.
	body := vmAnswer("true")
	cut := strings.Index(body, "isPartial") + 4
	ctx, flag := WithPartialFlag(t.Context())
	r := scanPartial(ctx, io.NopCloser(io.MultiReader(strings.NewReader(body[:cut]), strings.NewReader(body[cut:]))))
	got, err := io.ReadAll(r)
	require.NoError(t, err)
	require.Equal(t, body, string(got))
	require.True(t, flag.Load(), "cut at %d", cut)
}
