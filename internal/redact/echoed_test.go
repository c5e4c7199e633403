package redact

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestHideEchoedCutShort: a secret echoed cut short is hidden from
// MinEchoedRun bytes of its start on, followed by more text or not, as
// is the end of an answer that is a secret's start from 4 bytes (the
// answer kept to its first bytes); a shorter start elsewhere is shown
// (it would blank ordinary words).
func TestHideEchoedCutShort(t *testing.T) {
	const tok = "0123456789abcdefghij0123456789ABCDEFGHIJ" // 40 bytes
	secrets := []string{tok}
	for _, c := range []struct{ in, want string }{
		{"auth=Bearer " + tok + " refused", "auth=Bearer REDACTED refused"},
		{"auth=Bearer " + tok[:20] + " refused", "auth=Bearer REDACTED refused"},
		{"auth=" + tok[:16] + "\nmore", "auth=REDACTED\nmore"},
		{"auth=" + tok[:15] + " more", "auth=" + tok[:15] + " more"},
		{"kept to its start: " + tok[:4], "kept to its start: REDACTED"},
		{"x" + tok[:20] + tok[:20] + "y", "xREDACTEDy"},
		{"nothing", "nothing"},
	} {
		require.Equal(t, c.want, HideEchoed(c.in, secrets), c.in)
	}
}

// TestHideEchoedRunBeforeEnd: a token whose start repeats ("012345678"
// twice) echoed cut, then one more byte: the answer's end is also a start
// of the token, and hiding that end first left the run's start quoted
// (found by FuzzWebhookAnswer in CI). Both are hidden, as one.
func TestHideEchoedRunBeforeEnd(t *testing.T) {
	tok := "0123456780123456789ab"
	b := "0" + tok[:18] + "0"
	require.Equal(t, "0REDACTED", HideEchoed(b, []string{tok})) // the end, "0123456780", is a start too
}

// TestHideSpans: spans that overlap are hidden as one, shown as the
// replacement of the one ending last; spans that only touch are not.
func TestHideSpans(t *testing.T) {
	require.Equal(t, "aXb", HideSpans("a0123b", []Span{{1, 4, "Y"}, {2, 5, "X"}}))
	require.Equal(t, "aYXb", HideSpans("a0123b", []Span{{3, 5, "X"}, {1, 3, "Y"}}))
	require.Equal(t, "a0123b", HideSpans("a0123b", nil))
}
