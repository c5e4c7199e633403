package actuator

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestWebhookAnswerHidesTokenCutByReceiver: a receiver that echoes a
// query token cut to its own limit, followed by a newline (http.Error's)
// or more text (its JSON), has that start hidden too, as a body cut at
// the 512 bytes kept does: 100 bytes of the token were quoted.
func TestWebhookAnswerHidesTokenCutByReceiver(t *testing.T) {
	tok := strings.Repeat("eyJhbGciOi", 60)
	for _, c := range []struct{ format, want string }{
		{"bad token %s", `HTTP 400 (answered "bad token REDACTED")`},
		{`{"error":"bad token %s..."}`, `HTTP 400 (answered "{\"error\":\"bad token REDACTED...\"}")`},
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, fmt.Sprintf(c.format, r.URL.Query().Get("token")[:100]), http.StatusBadRequest)
		}))
		w, err := NewWebhook(WebhookConfig{URL: srv.URL + "/hook?token=" + tok, MaxAttempts: 1, Wait: noWait}, nil)
		require.NoError(t, err)
		err = w.Send(t.Context(), testAction)
		srv.Close()
		require.ErrorContains(t, err, c.want)
		require.NotContains(t, err.Error(), "eyJhbGci")
	}
}
