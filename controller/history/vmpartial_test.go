package history

import (
	"net/http"
	"net/http/httptest"
	"testing"
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
