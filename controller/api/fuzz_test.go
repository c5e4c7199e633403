package api

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/internal/redact"
)

// FuzzRequestBodies posts any body to both POST endpoints: the answer is
// always JSON with a status from the documented set (never a 5xx: the
// backend here accepts everything), errors carry a message of at most
// 1000 bytes, and every value it echoes (a field's name or value, quoted
// or not) is cut to redact.MaxEchoed bytes.
func FuzzRequestBodies(f *testing.F) {
	f.Add([]byte(`{"target":"web","units":2}`), "application/json")
	s := New(&fakeBackend{health: "ok"}, Options{Token: "t", StressEnabled: true, StressMax: 1, MaxBody: 4 << 10})
	f.Cleanup(s.Close)
	f.Fuzz(func(t *testing.T, body []byte, ctype string) {
		s.fresh()
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
				msg, _ := m["error"].(string)
				if msg == "" || len(msg) > 1000 {
					t.Fatalf("%s: status %d with error %q", path, rec.Code, msg)
				}
				requireEchoesCut(t, path, msg)
			}
		}
	})
}

// FuzzQueryParams sends any query string and Accept-Encoding to every GET
// endpoint and to DELETE /api/scaling/execute: never a 5xx (the backend
// here answers everything), the answer is JSON (gunzipped when so
// encoded), and an error carries a message of at most 1000 bytes however
// long the parameter it quotes, every value it echoes cut to
// redact.MaxEchoed bytes.
func FuzzQueryParams(f *testing.F) {
	f.Add("points=10", "gzip")
	f.Add("target=t001&offset=1&limit=2", "gzip;q=0, identity")
	f.Add("target=a&target=b", "")
	s := New(&fakeBackend{health: "ok", targets: 3}, Options{Token: "t"})
	f.Cleanup(s.Close)
	f.Fuzz(func(t *testing.T, query, accept string) {
		s.fresh()
		for _, path := range []string{"/api/metrics", "/api/metrics/realtime", "/api/predictions", "/api/scaling/status",
			"/api/system/health", "/api/verification", "/api/scaling/execute"} {
			method := http.MethodGet
			if path == "/api/scaling/execute" {
				method = http.MethodDelete
			}
			req := httptest.NewRequest(method, "/", nil)
			req.URL.Path, req.URL.RawQuery = path, query
			req.Header.Set("Authorization", "Bearer t")
			req.Header.Set("Accept-Encoding", accept)
			rec := httptest.NewRecorder()
			s.Handler().ServeHTTP(rec, req)
			if rec.Code >= 500 {
				t.Fatalf("%s?%s: status %d: %.300s", path, query, rec.Code, rec.Body.String())
			}
			checkJSONAnswer(t, path, rec)
		}
	})
}

// checkJSONAnswer fails t unless rec holds a JSON answer, with an error
// message of at most 1000 bytes, every echo cut, when its status is not
// 2xx.
func checkJSONAnswer(t *testing.T, path string, rec *httptest.ResponseRecorder) {
	t.Helper()
	body := rec.Body.Bytes()
	if rec.Header().Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			t.Fatalf("%s: gzip: %v", path, err)
		}
		if body, err = io.ReadAll(zr); err != nil {
			t.Fatalf("%s: gunzip: %v", path, err)
		}
	}
	var m any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("%s: status %d, answer is not JSON: %v: %.300q", path, rec.Code, err, body)
	}
	if rec.Code < 300 {
		return
	}
	obj, _ := m.(map[string]any)
	msg, _ := obj["error"].(string)
	if msg == "" || len(msg) > 1000 {
		t.Fatalf("%s: status %d with error of %d bytes: %.300q", path, rec.Code, len(msg), msg)
	}
	requireEchoesCut(t, path, msg)
}

// requireEchoesCut fails t when msg repeats a value (a quoted string, or
// a run without white space) of more than redact.MaxEchoed bytes and the
// "..." of its cut: CutEchoes to that many bytes would cut it. (Not to
// MaxEchoed: a value cut before a rune it would split keeps 98 or 99
// bytes and "...", which a second cut to 100 bytes cuts again.)
func requireEchoesCut(t *testing.T, path, msg string) {
	t.Helper()
	if cut := redact.CutEchoes(msg, redact.MaxEchoed+len("...")); cut != msg {
		t.Fatalf("%s: error repeats more than %d bytes of a value: %.300q", path, redact.MaxEchoed, msg)
	}
}

// FuzzAuthorization sends any Authorization header to both kinds of
// authenticated endpoint: one not carrying the token as a bearer token
// (the scheme in any case, blanks around it) is refused 401 with a
// challenge, before the request is read. Never a panic.
func FuzzAuthorization(f *testing.F) {
	const token = "s3cret-token-0123"
	f.Add("Bearer " + token)
	f.Add("bearer  " + token + " ")
	f.Add("Basic czNjcmV0")
	s := New(&fakeBackend{health: "ok", targets: 1}, Options{Token: token})
	f.Cleanup(s.Close)
	f.Fuzz(func(t *testing.T, auth string) {
		s.fresh()
		a := strings.TrimSpace(auth)
		valid := len(a) > 7 && strings.EqualFold(a[:7], "Bearer ") && strings.TrimSpace(a[7:]) == token
		for _, req := range []*http.Request{
			httptest.NewRequest(http.MethodDelete, "/api/scaling/execute?target=t000", nil),
			httptest.NewRequest(http.MethodPost, "/api/scaling/execute", strings.NewReader(`{"target":"t000","units":1}`)),
		} {
			req.Header["Authorization"] = []string{auth}
			rec := httptest.NewRecorder()
			s.Handler().ServeHTTP(rec, req)
			if got := rec.Code == http.StatusUnauthorized; got == valid || got && rec.Header().Get("WWW-Authenticate") == "" {
				t.Fatalf("%s with Authorization %q: status %d", req.Method, auth, rec.Code)
			}
		}
	})
}

// fresh makes s as New left it for the next fuzz input: its answer cache
// emptied and no stress test started, the only state a request leaves in
// a Server (its router, built by New, never changes; the fake backends
// here keep none that an answer reads). Each input is checked alone, as
// on a new server, without building one: New (its router) per input was
// most of an input's work, each fuzzer running 1.4 (FuzzQueryParams) to
// 5 (FuzzAuthorization) times as many inputs per CPU second without it.
func (s *Server) fresh() {
	s.cacheMu.Lock()
	clear(s.cache)
	s.cacheMu.Unlock()
	s.mu.Lock()
	if s.stressStop != nil {
		s.stressStop()
	}
	s.stressUntil, s.stressStop = time.Time{}, nil
	s.mu.Unlock()
}

// TestFreshServerIsNew: after fresh, a request is answered as by a new
// server: rendered again (nothing cached from the inputs before), and
// no stress test running.
func TestFreshServerIsNew(t *testing.T) {
	b := &fakeBackend{health: "ok"}
	s := New(b, Options{Token: "t", StressEnabled: true, StressMax: time.Hour})
	defer s.Close()
	do := func(method, path, body string) int {
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer t")
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, req)
		return rec.Code
	}
	do(http.MethodGet, "/api/metrics", "")
	do(http.MethodGet, "/api/metrics", "")
	require.Equal(t, int32(1), b.renders.Load(), "the second answer is cached")
	require.Equal(t, http.StatusAccepted, do(http.MethodPost, "/api/stress-test", `{"seconds":600}`))
	s.fresh()
	do(http.MethodGet, "/api/metrics", "")
	require.Equal(t, int32(2), b.renders.Load(), "a fresh server has nothing cached")
	require.Equal(t, http.StatusAccepted, do(http.MethodPost, "/api/stress-test", `{"seconds":0.01}`), "nor a stress test running")
}
