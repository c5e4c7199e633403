package history

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/api"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/stretchr/testify/require"
)

// TestRemoteCutsServerMessages: a server's error message, and the
// decoder's quoting a bad answer, are repeated to 500 bytes (found by
// FuzzRemoteDecode: 5,000 bytes were logged whole every cycle).
func TestRemoteCutsServerMessages(t *testing.T) {
	long := strings.Repeat("x", 5000)
	for _, c := range []struct {
		code       int
		body, want string
	}{
		{400, `{"status":"error","errorType":"bad_data","error":"` + long + `"}`,
			"history: the store could not evaluate the query: " + long[:500] + "..."},
		{200, `{"status":"success","data":{"resultType":"` + long + `","result":[]}}`,
			`is PRESCALE_PROMETHEUS_URL the API's base URL?): unknown value type "` + long[:480] + "..."},
	} {
		cl, err := api.NewClient(api.Config{Address: "http://prometheus.invalid", Client: &http.Client{Transport: bodyTransport{c.code, []byte(c.body)}}})
		require.NoError(t, err)
		start := time.Unix(1_700_000_000, 0)
		_, err = NewRemoteAPI(v1.NewAPI(cl), "http://prometheus.invalid", time.Second).QueryRange(t.Context(), "up", start, start.Add(10*time.Minute), time.Minute)
		require.ErrorContains(t, err, c.want)
		require.Less(t, len(err.Error()), 800)
	}
}
