package actuator

import (
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestWebhookAnswerHidesARawQueryValue: a receiver quoting one value of
// the URL's query as it was sent (%-escaped: "token=s3cret%2Bvalue-0123"),
// not the whole query, has it hidden as it has the value decoded: only
// the whole query and the decoded values were hidden, and the escaped
// value's start differed from the decoded one's after 6 bytes, so none of
// it was.
func TestWebhookAnswerHidesARawQueryValue(t *testing.T) {
	u, err := url.Parse("https://hooks.example/notify?team=ops&token=s3cret%2Bvalue-0123")
	require.NoError(t, err)
	w := &Webhook{secrets: urlSecrets(u)}
	require.Equal(t, ` (answered "bad token=REDACTED, try again")`, w.answered([]byte("bad token=s3cret%2Bvalue-0123, try again")))
	require.Equal(t, ` (answered "bad token REDACTED")`, w.answered([]byte("bad token s3cret+value-0123")))
}
