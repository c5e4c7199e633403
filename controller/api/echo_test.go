package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestQueryErrorsCutEchoes: a bad query parameter's value is quoted to 100
// bytes, not whole (found by FuzzQueryParams: ?offset= followed by a
// megabyte was answered whole).
func TestQueryErrorsCutEchoes(t *testing.T) {
	s := New(&fakeBackend{health: "ok", targets: 2}, Options{})
	defer s.Close()
	long := strings.Repeat("7x", 1000)
	for _, c := range []struct{ path, want string }{
		{"/api/scaling/status?offset=" + long, `offset must be an integer >= 0, got "` + long[:100] + `..."`},
		{"/api/predictions?limit=" + long, `limit must be an integer in [1, 1000], got "` + long[:100] + `..."`},
		{"/api/metrics?points=" + long, `points must be an integer in [1, 10000], got "` + long[:100] + `..."`},
		{"/api/scaling/status?target=" + long, `unknown target "` + long[:100] + `..."`},
	} {
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, c.path, nil))
		var m struct{ Error string }
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &m))
		require.Equal(t, c.want, m.Error, c.path[:30])
	}
}
