package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestDeleteExecute: DELETE /api/scaling/execute?target=NAME ends a manual
// override behind the same bearer token as POST, answering the target's
// status (200), 404 for an unknown target and 409 when no override is in
// force; the index and a 405's Allow list it.
func TestDeleteExecute(t *testing.T) {
	for _, tc := range []struct {
		name, token, auth, path string
		endErr                  error
		code                    int
		errText                 string
	}{
		{"ended", "t", "Bearer t", "/api/scaling/execute?target=web", nil, 200, ""},
		{"token unset: off", "", "Bearer t", "/api/scaling/execute?target=web", nil, 403, "POST and DELETE endpoints are off"},
		{"no token", "t", "", "/api/scaling/execute?target=web", nil, 401, "missing bearer token"},
		{"wrong token", "t", "Bearer u", "/api/scaling/execute?target=web", nil, 401, "invalid bearer token"},
		{"no target", "t", "Bearer t", "/api/scaling/execute", nil, 400, `query parameter "target" is required`},
		{"empty target", "t", "Bearer t", "/api/scaling/execute?target=", nil, 400, `query parameter "target" is required`},
		{"two targets", "t", "Bearer t", "/api/scaling/execute?target=web&target=db", nil, 400, `query parameter "target" given more than once`},
		{"unknown target", "t", "Bearer t", "/api/scaling/execute?target=nope", errors.Join(errors.New("x"), ErrUnknownTarget), 404, "unknown target"},
		{"no override", "t", "Bearer t", "/api/scaling/execute?target=web", ErrNoOverride, 409, "no manual override in force"},
		{"backend failure", "t", "Bearer t", "/api/scaling/execute?target=web", errors.New("disk full"), 500, "disk full"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := New(&fakeBackend{health: "ok", endErr: tc.endErr}, Options{Token: tc.token})
			req := httptest.NewRequest(http.MethodDelete, tc.path, nil)
			if tc.auth != "" {
				req.Header.Set("Authorization", tc.auth)
			}
			rec := httptest.NewRecorder()
			s.Handler().ServeHTTP(rec, req)
			require.Equal(t, tc.code, rec.Code, rec.Body.String())
			var m map[string]any
			require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &m))
			if tc.errText != "" {
				require.Contains(t, m["error"], tc.errText)
				return
			}
			require.Equal(t, "web", m["target"], "the target's status, as POST answers it")
		})
	}

	s := New(&fakeBackend{health: "ok"}, Options{Token: "t"})
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/scaling/execute", nil))
	require.Equal(t, http.StatusMethodNotAllowed, rec.Code)
	require.Equal(t, "POST, DELETE", rec.Header().Get("Allow"))
	rec = httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	require.Contains(t, rec.Body.String(), `"DELETE /api/scaling/execute"`)
}
