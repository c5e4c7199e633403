package history

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/internal/redact"
)

// TestRemoteHidesEchoedCredentials: a history source (or the proxy before
// it) whose answer echoes the credentials it was sent, the values of
// PRESCALE_PROMETHEUS_HEADERS and the Basic credential of the URL's user
// info, has them shown as REDACTED in the error, which goes to the log
// and to the unauthenticated /api/system/health, /readyz and
// /api/scaling/status: a refusal, a query the API refuses, a warning and
// an answer that is not the API's, an
// error of another type. They were quoted as answered
// (`denied: auth=Bearer T tenant=K`, tried live against a loopback
// server).
func TestRemoteHidesEchoedCredentials(t *testing.T) {
	const token, key, pw = "bearer-T0KEN-value", "api-key-value-42", "pa/ss-w0rd!"
	const long, longKey = "0123456789abcdefghij0123456789ABCDEFGHIJ", "key-0123456789-abcdefghij-0123456789-xyz"
	basic := base64.StdEncoding.EncodeToString([]byte("ops:" + pw))
	whole, cut := []string{token, key, pw, basic[:12]}, []string{long[:16], longKey[:16], pw, basic[:12]}
	for _, tc := range []struct{ name, ctype, body string }{
		{"401 text", "text/plain", "denied: auth=%s key=%s"},
		{"400 bad_data", "application/json", `{"status":"error","errorType":"bad_data","error":"tenant %s %s refused"}`},
		{"200 warning", "application/json", `{"status":"success","data":{"resultType":"matrix","result":[]},"warnings":["store down for %s %s"]}`},
		{"200 not the API", "text/html", "<p>login as %s %s</p>"},
		{"400 internal", "application/json", `{"status":"error","errorType":"internal","error":"store for %s %s down"}`},
	} {
		for _, e := range []echo{
			{h: []string{"Authorization=Bearer " + token, "X-Api-Key=" + key}, secrets: whole},
			{h: []string{"X-Api-Key=" + key}, secrets: whole},
			// Cut short by the source, then more text: the first 20
			// bytes of a 40-byte bearer token, each value's first 32
			// bytes. Only whole values were hidden.
			{h: []string{"Authorization=Bearer " + long, "X-Api-Key=" + longKey}, cut: len("Bearer ") + 20, secrets: cut},
			{h: []string{"Authorization=Bearer " + long, "X-Api-Key=" + longKey}, cut: 32, secrets: cut},
		} {
			t.Run(fmt.Sprintf("%s/%d headers cut at %d", tc.name, len(e.h), e.cut), func(t *testing.T) {
				echoedCredentials(t, tc.name, tc.ctype, tc.body, e)
			})
		}
	}
}

// echo is what a test source is sent and echoes: the headers h, each
// value's first cut bytes (0: whole), and the secrets that must not show.
type echo struct {
	h       []string
	cut     int
	secrets []string
}

// echoedCredentials queries a source answering ctype and body, body's
// %s the Authorization and X-Api-Key headers it got (as e cuts them),
// then the Basic user:password, with e's headers, then checks that none
// of e's secrets shows.
func echoedCredentials(t *testing.T, name, ctype, body string, e echo) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", ctype)
		switch {
		case strings.HasPrefix(name, "401"):
			w.WriteHeader(http.StatusUnauthorized)
		case strings.HasPrefix(name, "400"):
			w.WriteHeader(http.StatusBadRequest)
		}
		get := func(name string) string {
			v := r.Header.Get(name)
			if e.cut > 0 {
				v = v[:min(e.cut, len(v))]
			}
			return v
		}
		u, p, _ := r.BasicAuth()
		fmt.Fprintf(w, body, get("Authorization")+" "+get("X-Api-Key"), u+":"+p)
	}))
	defer srv.Close()
	headers, err := ParseHeaders(e.h)
	require.NoError(t, err)
	addr := strings.Replace(srv.URL, "http://", "http://ops:pa%2Fss-w0rd%21@", 1)
	r, err := NewRemoteWith(addr, RemoteOptions{Timeout: 10 * time.Second, Headers: headers})
	require.NoError(t, err)
	end := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	_, err = r.QueryRange(t.Context(), "up", end.Add(-time.Hour), end, time.Minute)
	require.Error(t, err)
	for _, s := range e.secrets {
		require.NotContains(t, err.Error(), s)
	}
}

// TestHideSent: overlapping and repeated secrets are hidden whole, as one
// (redact.HideEchoed of the secrets sent).
func TestHideSent(t *testing.T) {
	secrets := sentSecrets("http://ops:pa%2Fss-w0rd%21@prom:9090", http.Header{"X-A": {"abcdefgh1234"}, "X-B": {"12345678xyz"}, "X-Scope-Orgid": {"team"}})
	require.Equal(t, "x REDACTED y REDACTED team REDACTED REDACTED", redact.HideEchoed("x abcdefgh12345678xyz y abcdefgh1234 team pa/ss-w0rd! pa%2Fss-w0rd%21", secrets))
	require.Equal(t, "nothing", redact.HideEchoed("nothing", secrets))
}

// TestRemoteHidesEchoedQueryToken: a history source (or the proxy before
// it) whose refusal echoes the request's URL has the token of
// PRESCALE_PROMETHEUS_URL's query (sent with every query_range, which
// POSTs to the URL with its query) shown as REDACTED, as written and
// decoded, and the whole query too: only the headers and the user info
// were hidden, so `no route for POST /api/v1/query_range?api_key=T`
// quoted T in the log and the unauthenticated /api/system/health.
func TestRemoteHidesEchoedQueryToken(t *testing.T) {
	const token = "qt0ken-value%2Bplus-0123456789"
	for _, echoed := range []func(*http.Request) string{
		func(r *http.Request) string { return r.URL.RequestURI() },
		func(r *http.Request) string { return r.URL.Query().Get("api_key") },
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprintf(w, "no route for %s %s", r.Method, echoed(r))
		}))
		r, err := NewRemoteWith(srv.URL+"/?tenant=ops&api_key="+token, RemoteOptions{Timeout: 10 * time.Second})
		require.NoError(t, err)
		end := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
		_, err = r.QueryRange(t.Context(), "up", end.Add(-time.Hour), end, time.Minute)
		srv.Close()
		require.ErrorContains(t, err, "no route for POST ")
		require.ErrorContains(t, err, redact.Mark)
		require.NotContains(t, err.Error(), "qt0ken-value")
	}
}
