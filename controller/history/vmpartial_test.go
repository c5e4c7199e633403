package history

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/stretchr/testify/require"
)

// vmAnswer is a VictoriaMetrics query_range answer, isPartial as given.
func vmAnswer(partial string) string {
	return `{"status":"success","isPartial":` + partial + `,"data":{"resultType":"matrix","result":[{"metric":{},"values":[[1773532800,"2"]]}]}}`
}

// TestRemoteRefusesVictoriaMetricsPartial: vmselect answers with the data
// of the vmstorage nodes that answered, flagged "isPartial":true (its
// default, -search.denyPartialResponse=false), which client_golang does
// not read: a sum over part of the nodes was decided on. It is refused as
// the source's problem; "isPartial":false is used.
func TestRemoteRefusesVictoriaMetricsPartial(t *testing.T) {
	start := time.Unix(1773532800, 0)
	for _, partial := range []string{"false", "true"} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(vmAnswer(partial)))
		}))
		r, err := NewRemote(srv.URL, 5*time.Second)
		require.NoError(t, err)
		s, err := r.QueryRange(t.Context(), "q", start, start, time.Minute)
		srv.Close()
		if partial == "false" {
			require.NoError(t, err)
			require.InDelta(t, 2.0, s.V[0], 0)
			continue
		}
		require.ErrorIs(t, err, ErrPartial)
		require.ErrorContains(t, err, "isPartial: a VictoriaMetrics vmstorage node did not answer")
		require.False(t, IsQueryError(err))
	}
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
		ctx, flag := withPartialFlag(t.Context())
		body := scanPartial(ctx, io.NopCloser(iotest.OneByteReader(strings.NewReader(tc.body))))
		got, err := io.ReadAll(body)
		require.NoError(t, err)
		require.Equal(t, tc.body, string(got), "passed through unchanged")
		require.Equal(t, tc.want, flag.Load(), tc.body)
	}
	// Two long reads cut inside the marker.
	body := vmAnswer("true")
	cut := strings.Index(body, "isPartial") + 4
	ctx, flag := withPartialFlag(t.Context())
	r := scanPartial(ctx, io.NopCloser(io.MultiReader(strings.NewReader(body[:cut]), strings.NewReader(body[cut:]))))
	got, err := io.ReadAll(r)
	require.NoError(t, err)
	require.Equal(t, body, string(got))
	require.True(t, flag.Load(), "cut at %d", cut)
}
