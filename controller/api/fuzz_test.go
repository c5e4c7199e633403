package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzRequestBodies posts any body to both POST endpoints: the answer is
// always JSON with a status from the documented set (never a 5xx: the
// backend here accepts everything), errors carry a message, and what is
// echoed stays short.
func FuzzRequestBodies(f *testing.F) {
	f.Add([]byte(`{"target":"web","units":2}`), "application/json")
	f.Fuzz(func(t *testing.T, body []byte, ctype string) {
		s := New(&fakeBackend{health: "ok"}, Options{Token: "t", StressEnabled: true, StressMax: 1, MaxBody: 4 << 10})
		defer s.Close()
		for path, codes := range map[string][]int{
			"/api/scaling/execute": {200, 400, 413, 415, 422},
			"/api/stress-test":     {400, 413, 415, 422}, // StressMax 1 ns: no test is ever started
		} {
			req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(string(body)))
			req.Header.Set("Authorization", "Bearer t")
			if ctype != "" {
				req.Header.Set("Content-Type", ctype)
			}
			rec := httptest.NewRecorder()
			s.Handler().ServeHTTP(rec, req)
			ok := false
			for _, c := range codes {
				ok = ok || rec.Code == c
			}
			if !ok {
				t.Fatalf("%s: status %d: %s", path, rec.Code, rec.Body.String())
			}
			var m map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
				t.Fatalf("%s: answer is not JSON: %v: %q", path, err, rec.Body.String())
			}
			if rec.Code != 200 {
				if msg, _ := m["error"].(string); msg == "" || len(msg) > 1000 {
					t.Fatalf("%s: status %d with error %q", path, rec.Code, msg)
				}
			}
		}
	})
}
