package history

import (
	"bytes"
	"context"
	"io"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/api"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
)

// bodyTransport answers every request with one status and body, in
// process: the decoder is fuzzed without a server.
type bodyTransport struct {
	code int
	body []byte
}

func (b bodyTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: b.code, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(bytes.NewReader(b.body)), Request: r}, nil
}

// FuzzRemoteDecode feeds any answer of a Prometheus-compatible server
// through client_golang's decoder and Remote's checks: either an error
// with a message of at most 1000 bytes, or a series on the query's grid whose values are finite
// or NaN (NaN and ±Inf samples counted as dropped), the error never
// quoting the credential the source was sent (a header's value), however
// the answer echoes it. Never a panic.
func FuzzRemoteDecode(f *testing.F) {
	f.Add(200, []byte(`{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1700000000,"1"]]}]}}`))
	f.Add(400, []byte(`{"status":"error","errorType":"bad_data","error":"tenant 0123abcd4567ef89 refused"}`))
	f.Add(401, []byte("denied: Bearer 0123abcd4567ef89\n"))
	start := time.Unix(1_700_000_000, 0)
	end := start.Add(10 * time.Minute)
	const step = time.Minute
	f.Fuzz(func(t *testing.T, code int, body []byte) {
		if code < 100 || code > 599 {
			code = 200
		}
		c, err := api.NewClient(api.Config{Address: "http://prometheus.invalid", Client: &http.Client{Transport: bodyTransport{code, body}}})
		if err != nil {
			t.Fatal(err)
		}
		r := NewRemoteAPI(v1.NewAPI(c), "http://prometheus.invalid", time.Second)
		const secret = "0123abcd4567ef89" // no REDACTED in it: hiding cannot make it up again
		r.secrets = sentSecrets("http://prometheus.invalid", http.Header{"Authorization": {"Bearer " + secret}})
		s, err := r.QueryRange(context.Background(), "up", start, end, step)
		if err != nil {
			if err.Error() == "" || len(err.Error()) > 1000 {
				t.Fatalf("error of %d bytes: %.300q", len(err.Error()), err)
			}
			if strings.Contains(err.Error(), secret) {
				t.Fatalf("the header's value quoted: %.300q", err)
			}
			return
		}
		if len(s.T) != 11 || len(s.V) != 11 {
			t.Fatalf("%d timestamps, %d values on an 11-point grid", len(s.T), len(s.V))
		}
		for i, ts := range s.T {
			if ts != start.Unix()+int64(i)*60 {
				t.Fatalf("point %d at %d: off the grid", i, ts)
			}
			if math.IsInf(s.V[i], 0) || s.V[i] < 0 {
				t.Fatalf("point %d: value %v passed on", i, s.V[i])
			}
		}
		if s.Dropped()+s.Negative() > len(s.V) {
			t.Fatalf("dropped %d and %d negative of %d", s.Dropped(), s.Negative(), len(s.V))
		}
	})
}
