package apitoken

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestUsable: a token is printable ASCII (0x21 to 0x7e) without white
// space, as an Authorization header's bearer token (RFC 6750 section 2.1:
// b64token, whose characters are among them); a space inside, a no-break
// space, a character beyond ASCII or a control character is refused.
func TestUsable(t *testing.T) {
	for b := range 256 {
		tok := "0123456789" + string([]byte{byte(b)})
		require.Equal(t, b >= 0x21 && b <= 0x7e, Usable(tok), "byte %#x", b)
	}
	for _, tok := range []string{"aZ09-._~+/=", `!"#$%&'()*,:;<>?@[\]^` + "`{|}"} {
		require.True(t, Usable(tok), tok)
	}
	for _, tok := range []string{"", "abc def", "abc\u00a0def", "abcédef", "abc\tdef", "abcdef\n", " abcdef"} {
		require.False(t, Usable(tok), "%q", tok)
	}
}
