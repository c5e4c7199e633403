package actuator

import (
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestWebhookGeneratorURLIsTheTarget: each alert's generatorURL is its
// target's own status (`/api/scaling/status?target=NAME`, the name
// query-escaped), not the whole status page, whose first page of 100
// misses most of 300 targets. PRESCALE_EXTERNAL_URL, "the URL of this
// controller", may be its base (with a path prefix behind a proxy) or its
// status page (the default); externalURL stays what was configured.
func TestWebhookGeneratorURLIsTheTarget(t *testing.T) {
	for _, tc := range []struct{ ext, target, want string }{
		{"http://ctl:9111/api/scaling/status", "web", "http://ctl:9111/api/scaling/status?target=web"},
		{"https://ops.example.com/prescale/", "db primary", "https://ops.example.com/prescale/api/scaling/status?target=db+primary"},
		{"https://ops.example.com", "a&b=c/d", "https://ops.example.com/api/scaling/status?target=a%26b%3Dc%2Fd"},
		{"http://ctl:9111/api/scaling/status?limit=1000", "web", "http://ctl:9111/api/scaling/status?target=web"},
	} {
		w, err := NewWebhook(WebhookConfig{URL: "http://example.invalid/hook", ExternalURL: tc.ext}, nil)
		require.NoError(t, err)
		a := testAction
		a.Target = tc.target
		msg := w.Payload(a)
		require.Equal(t, tc.want, msg.Alerts[0].GeneratorURL, "external URL %s", tc.ext)
		require.Equal(t, tc.ext, msg.ExternalURL)
		u, err := url.Parse(msg.Alerts[0].GeneratorURL)
		require.NoError(t, err)
		require.Equal(t, url.Values{"target": {tc.target}}, u.Query(), "one target query, the name as given")
	}
}
