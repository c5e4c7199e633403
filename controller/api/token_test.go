package api

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestAuthTokens: the right token is accepted; a wrong one of the same
// length, a prefix of it, it followed by more, a much longer one, an
// empty one and none are refused. (That the refusals take as long for a
// token of any length, the point of comparing digests in tokenMatches,
// is by construction and not tested: no deterministic test can see it.)
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
		{"much longer", "Bearer " + strings.Repeat(tok, 300), http.StatusUnauthorized},
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
