package actuator

import (
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestWebhookAnswerHidesTheBasicCredentials: a receiver whose refusal
// echoes the Authorization header it was sent (a proxy's "denied: auth=Basic
// ...") shows REDACTED for it in the error (the log, the unauthenticated
// /api/system/health): net/http sends the URL's user info as a Basic
// credential, base64 of user:password, which the scrubbing of the URL's
// user info as written missed, and anyone could decode.
func TestWebhookAnswerHidesTheBasicCredentials(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "denied: auth="+r.Header.Get("Authorization"), http.StatusForbidden)
	}))
	defer srv.Close()
	u := strings.Replace(srv.URL, "http://", "http://hook%40ops:pa%2F55word@", 1) + "/hook"
	w, err := NewWebhook(WebhookConfig{URL: u, MaxAttempts: 1, Wait: noWait}, nil)
	require.NoError(t, err)
	err = w.Send(t.Context(), testAction)
	require.ErrorContains(t, err, `HTTP 403 (answered "denied: auth=Basic REDACTED")`)
	basic := base64.StdEncoding.EncodeToString([]byte("hook@ops:pa/55word"))
	require.NotContains(t, err.Error(), basic[:8])
}

// TestWebhookLinksCarryNoCredentials: the payload's links (externalURL,
// each alert's generatorURL) leave out PRESCALE_EXTERNAL_URL's user info:
// whoever reads the alert (the chat channel or mail Alertmanager forwards
// it to) read the password, which every log and API answer hides.
func TestWebhookLinksCarryNoCredentials(t *testing.T) {
	w, err := NewWebhook(WebhookConfig{URL: "http://example.invalid/hook", ExternalURL: "https://ops:pa55word@ctl.example:9111/prefix?org=1"}, nil)
	require.NoError(t, err)
	m := w.Payload(testAction)
	require.Equal(t, "https://ctl.example:9111/prefix?org=1", m.ExternalURL)
	require.Equal(t, "https://ctl.example:9111/prefix/api/scaling/status?target="+testAction.Target, m.Alerts[0].GeneratorURL)
}
