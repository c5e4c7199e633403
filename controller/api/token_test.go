package api

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestTokenComparedAsDigests: the API token and a request's bearer token
// are compared as digests of one length whatever the tokens' lengths
// (raw, subtle.ConstantTimeCompare answered a token of another length at
// once, which timing the refusals could tell). What is checked is the
// behaviour and the inputs' lengths; the timing itself is by
// construction, not measured.
func TestTokenComparedAsDigests(t *testing.T) {
	const want = "correct-horse-42"
	for _, got := range []string{"", "c", want[:8], want, want + "x", strings.Repeat("t", 5000)} {
		g, w := tokenDigest(got), tokenDigest(want)
		require.Len(t, g[:], len(w[:]), "digest of a %d-byte token", len(got))
		require.Equal(t, got == want, tokenMatches(got, want), "%q", got)
	}
}

// TestAuthTokens: the right token is accepted; a wrong one of the same
// length, a prefix of it, it followed by more, and none are refused.
func TestAuthTokens(t *testing.T) {
	const tok = "correct-horse-42"
	for _, tc := range []struct {
		name, auth string
		code       int
	}{
		{"right", "Bearer " + tok, http.StatusOK},
		{"same length", "Bearer correct-horse-43", http.StatusUnauthorized},
		{"prefix", "Bearer " + tok[:15], http.StatusUnauthorized},
		{"longer", "Bearer " + tok + "0", http.StatusUnauthorized},
		{"empty", "Bearer ", http.StatusUnauthorized},
		{"none", "", http.StatusUnauthorized},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := New(&fakeBackend{health: "ok"}, Options{Token: tok})
			req := httptest.NewRequest(http.MethodPost, "/api/scaling/execute", strings.NewReader(`{"target":"web","units":1}`))
			req.Header.Set("Authorization", tc.auth)
			rec := httptest.NewRecorder()
			s.Handler().ServeHTTP(rec, req)
			require.Equal(t, tc.code, rec.Code, rec.Body.String())
		})
	}
}
