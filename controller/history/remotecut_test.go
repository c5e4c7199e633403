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

// TestRemote404BodyQuotedShort: a 4xx answer's body is quoted to 160
// bytes, fewer where quoting lengthens them (a byte that is not UTF-8 is
// written as 4, "\xde"): FuzzRemoteDecode's 404 with a binary body made
// an error of 1,001 bytes (its corpus entry c6d34c4941d200f7).
func TestRemote404BodyQuotedShort(t *testing.T) {
	binary := strings.Repeat("\xde", 300)
	for _, c := range []struct{ body, quoted string }{
		{"00000" + binary, `"00000` + strings.Repeat(`\xde`, 35) + `..."`},
		{strings.Repeat("b", 300), `"` + strings.Repeat("b", 160) + `..."`},
	} {
		cl, err := api.NewClient(api.Config{Address: "http://prometheus.invalid", Client: &http.Client{Transport: bodyTransport{404, []byte(c.body)}}})
		require.NoError(t, err)
		start := time.Unix(1_700_000_000, 0)
		_, err = NewRemoteAPI(v1.NewAPI(cl), "http://prometheus.invalid", time.Second).QueryRange(t.Context(), "up", start, start.Add(10*time.Minute), time.Minute)
		require.ErrorContains(t, err, "no Prometheus query API at this URL")
		require.True(t, strings.HasSuffix(err.Error(), "): "+c.quoted), "error %q", err)
		require.LessOrEqual(t, len(err.Error()), 1000)
	}
}
