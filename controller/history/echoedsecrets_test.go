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
	basic := base64.StdEncoding.EncodeToString([]byte("ops:" + pw))
	for _, tc := range []struct{ name, ctype, body string }{
		{"401 text", "text/plain", "denied: auth=%s key=%s"},
		{"400 bad_data", "application/json", `{"status":"error","errorType":"bad_data","error":"tenant %s %s refused"}`},
		{"200 warning", "application/json", `{"status":"success","data":{"resultType":"matrix","result":[]},"warnings":["store down for %s %s"]}`},
		{"200 not the API", "text/html", "<p>login as %s %s</p>"},
		{"400 internal", "application/json", `{"status":"error","errorType":"internal","error":"store for %s %s down"}`},
	} {
		for _, h := range [][]string{{"Authorization=Bearer " + token, "X-Api-Key=" + key}, {"X-Api-Key=" + key}} {
			t.Run(tc.name+fmt.Sprint(len(h)), func(t *testing.T) {
				echoedCredentials(t, tc.name, tc.ctype, tc.body, h, []string{token, key, pw, basic[:12]})
			})
		}
	}
}

// echoedCredentials queries a source answering ctype and body, body's
// %s the Authorization and X-Api-Key headers it got, then the Basic
// user:password, with headers, then checks that no secret shows.
func echoedCredentials(t *testing.T, name, ctype, body string, h, secrets []string) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", ctype)
		switch {
		case strings.HasPrefix(name, "401"):
			w.WriteHeader(http.StatusUnauthorized)
		case strings.HasPrefix(name, "400"):
			w.WriteHeader(http.StatusBadRequest)
		}
		u, p, _ := r.BasicAuth()
		fmt.Fprintf(w, body, r.Header.Get("Authorization")+" "+r.Header.Get("X-Api-Key"), u+":"+p)
	}))
	defer srv.Close()
	headers, err := ParseHeaders(h)
	require.NoError(t, err)
	addr := strings.Replace(srv.URL, "http://", "http://ops:pa%2Fss-w0rd%21@", 1)
	r, err := NewRemoteWith(addr, RemoteOptions{Timeout: 10 * time.Second, Headers: headers})
	require.NoError(t, err)
	end := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	_, err = r.QueryRange(t.Context(), "up", end.Add(-time.Hour), end, time.Minute)
	require.Error(t, err)
	for _, s := range secrets {
		require.NotContains(t, err.Error(), s)
	}
}

// TestHideSent: overlapping and repeated secrets are hidden whole, as one.
func TestHideSent(t *testing.T) {
	secrets := sentSecrets("http://ops:pa%2Fss-w0rd%21@prom:9090", http.Header{"X-A": {"abcdefgh1234"}, "X-B": {"12345678xyz"}, "X-Scope-Orgid": {"team"}})
	require.Equal(t, "x REDACTED y REDACTED team REDACTED REDACTED", hideSent("x abcdefgh12345678xyz y abcdefgh1234 team pa/ss-w0rd! pa%2Fss-w0rd%21", secrets))
	require.Equal(t, "nothing", hideSent("nothing", secrets))
}
