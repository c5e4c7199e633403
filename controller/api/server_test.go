package api

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/internal/redact"
	"github.com/prescale/prescale/internal/testkit"
)

// fakeBackend counts renders and answers fixed data.
type fakeBackend struct {
	targets  int // Status and Predictions answer t000, t001, ...
	gen      atomic.Uint64
	renders  atomic.Int32
	health   string
	execErr  error
	endErr   error
	notReady error
	// manualUntil, when set, is the end of t000's manual override in
	// Status; statusRenders counts Status's calls.
	manualUntil   time.Time
	statusRenders atomic.Int32
}

func (f *fakeBackend) Metrics(points int) MetricsResponse {
	f.renders.Add(1)
	tm := TargetMetrics{Target: "web", History: []Point{}}
	for i := range points {
		tm.History = append(tm.History, Point{T: Unix(int64(i)), V: float64(i)})
	}
	return MetricsResponse{Targets: []TargetMetrics{tm}}
}
func (f *fakeBackend) Latest() []Sample {
	one := 1.0
	return []Sample{{Target: "web", OK: true, Value: &one}}
}
func (f *fakeBackend) Predictions() []Prediction {
	out := []Prediction{}
	for i := range f.targets {
		out = append(out, Prediction{Target: fmt.Sprintf("t%03d", i)})
	}
	return out
}
func (f *fakeBackend) Status() []TargetStatus {
	f.statusRenders.Add(1)
	out := []TargetStatus{}
	for i := range f.targets {
		out = append(out, TargetStatus{Target: fmt.Sprintf("t%03d", i)})
	}
	if len(out) > 0 && !f.manualUntil.IsZero() {
		out[0].Manual = &Override{Units: 3, Until: TimeOf(f.manualUntil)}
	}
	return out
}
func (f *fakeBackend) Execute(context.Context, ExecuteRequest) (TargetStatus, error) {
	return TargetStatus{Target: "web"}, f.execErr
}
func (f *fakeBackend) EndOverride(_ context.Context, target string) (TargetStatus, error) {
	return TargetStatus{Target: target}, f.endErr
}
func (f *fakeBackend) Health() Health             { return Health{Status: f.health} }
func (f *fakeBackend) Verification() Verification { return Verification{} }
func (f *fakeBackend) Ready() error               { return f.notReady }
func (f *fakeBackend) Generation() uint64         { return f.gen.Load() }

var _ Backend = (*fakeBackend)(nil)

func TestCachePerGeneration(t *testing.T) {
	b := &fakeBackend{health: "ok"}
	now := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	s := New(b, Options{Now: func() time.Time { return now }})
	get := func() {
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/metrics", nil))
		require.Equal(t, http.StatusOK, rec.Code)
	}
	get()
	get()
	require.Equal(t, int32(1), b.renders.Load(), "same generation and second: served from the cache")
	b.gen.Add(1)
	get()
	require.Equal(t, int32(2), b.renders.Load(), "new generation: rendered again")
	now = now.Add(time.Second)
	get()
	require.Equal(t, int32(2), b.renders.Load(), "no clock in this answer: a new second changes nothing")
}

// TestStatusOverrideEnds: GET /api/scaling/status is made once per
// cycle, and showed a manual override whose until had passed as in force
// until the next cycle dropped it, while DELETE /api/scaling/execute
// already answered 409 (expired). From its until on it is null, the
// answer made again once, not per request.
func TestStatusOverrideEnds(t *testing.T) {
	now := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	b := &fakeBackend{targets: 2, manualUntil: now.Add(time.Minute)}
	s := New(b, Options{Now: func() time.Time { return now }})
	manual := func(path string) *Override {
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		require.Equal(t, http.StatusOK, rec.Code)
		var got struct{ Targets []TargetStatus }
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &got))
		return got.Targets[0].Manual
	}
	require.Equal(t, 3, manual("/api/scaling/status").Units)
	now = now.Add(59 * time.Second)
	require.NotNil(t, manual("/api/scaling/status"), "before its until: in force")
	require.Equal(t, int32(1), b.statusRenders.Load(), "served from the cache")
	now = now.Add(time.Second)
	require.Nil(t, manual("/api/scaling/status"), "at its until: no longer in force")
	require.Nil(t, manual("/api/scaling/status?target=t000"))
	require.Nil(t, manual("/api/scaling/status"))
	require.Equal(t, int32(3), b.statusRenders.Load(), "made again once per selection, then cached")
}

func TestGzipWhenAsked(t *testing.T) {
	s := New(&fakeBackend{health: "ok"}, Options{})
	req := httptest.NewRequest(http.MethodGet, "/api/metrics?points=2000", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, req)
	require.Equal(t, "gzip", rec.Header().Get("Content-Encoding"))
	zr, err := gzip.NewReader(rec.Body)
	require.NoError(t, err)
	b, err := io.ReadAll(zr)
	require.NoError(t, err)
	var m MetricsResponse
	require.NoError(t, json.Unmarshal(b, &m))
	require.Len(t, m.Targets[0].History, 2000)

	rec = httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/metrics?points=2000", nil))
	require.Empty(t, rec.Header().Get("Content-Encoding"), "plain when not asked")
}

func TestErrorAnswers(t *testing.T) {
	for _, tc := range []struct {
		name    string
		b       *fakeBackend
		method  string
		path    string
		body    string
		code    int
		errText string
	}{
		{"missing units is 400", &fakeBackend{health: "ok"}, "POST", "/api/scaling/execute", `{"target":"web"}`, 400, `field "units" is required`},
		// These named encoding/json's view: "json: cannot unmarshal string
		// into Go struct field .units of type int".
		{"units as a string", &fakeBackend{health: "ok"}, "POST", "/api/scaling/execute", `{"target":"web","units":"3"}`, 400, `field "units": want a whole number, got a JSON string`},
		{"fractional units", &fakeBackend{health: "ok"}, "POST", "/api/scaling/execute", `{"target":"web","units":1.5}`, 400, `field "units": want a whole number, got a JSON number 1.5`},
		{"target as a number", &fakeBackend{health: "ok"}, "POST", "/api/scaling/execute", `{"target":7,"units":1}`, 400, `field "target": want a string, got a JSON number`},
		// It answered the Go type: `json: cannot unmarshal array into Go
		// value of type struct { Target string "json:\"target\""; ...`.
		{"array body", &fakeBackend{health: "ok"}, "POST", "/api/scaling/execute", `[{"target":"web","units":1}]`, 400, `bad JSON: want an object, got a JSON array`},
		{"string body", &fakeBackend{health: "ok"}, "POST", "/api/scaling/execute", `"web"`, 400, `bad JSON: want an object, got a JSON string`},
		// It answered `field "target" is required`, as if the object
		// lacked it.
		{"null body", &fakeBackend{health: "ok"}, "POST", "/api/scaling/execute", " null\n", 400, `bad JSON: want an object, got a JSON null`},
		{"null field", &fakeBackend{health: "ok"}, "POST", "/api/scaling/execute", `{"target":null,"units":1}`, 400, `field "target" is required`},
		// A stray closing bracket after the object was accepted
		// (Decoder.More does not count one as more).
		{"stray closing bracket", &fakeBackend{health: "ok"}, "POST", "/api/scaling/execute", `{"target":"web","units":1}}`, 400, `bad JSON: trailing data after the object`},
		{"second object", &fakeBackend{health: "ok"}, "POST", "/api/scaling/execute", `{"target":"web","units":1} {}`, 400, `bad JSON: trailing data after the object`},
		{"trailing data before an unknown field's error", &fakeBackend{health: "ok"}, "POST", "/api/scaling/execute", `{"target":"web","units":1,"unit":2} x`, 400, `bad JSON: trailing data after the object`},
		{"unknown field", &fakeBackend{health: "ok"}, "POST", "/api/scaling/execute", `{"target":"web","units":1,"unit":2}`, 400, `bad JSON: json: unknown field "unit"`},
		{"cut off", &fakeBackend{health: "ok"}, "POST", "/api/scaling/execute", `{"target":"web"`, 400, `bad JSON: unexpected EOF`},
		{"syntax error", &fakeBackend{health: "ok"}, "POST", "/api/scaling/execute", `{"target" "web"}`, 400, `bad JSON: invalid character '"' after object key`},
		{"empty body", &fakeBackend{health: "ok"}, "POST", "/api/scaling/execute", "", 400, `empty body: expected a JSON object`},
		{"blank body", &fakeBackend{health: "ok"}, "POST", "/api/scaling/execute", " \n", 400, `empty body: expected a JSON object`},
		{"backend failure is 500", &fakeBackend{health: "ok", execErr: errors.New("disk full")}, "POST", "/api/scaling/execute", `{"target":"web","units":1}`, 500, "disk full"},
		{"wrapped unknown target is 404", &fakeBackend{health: "ok", execErr: errors.Join(errors.New("x"), ErrUnknownTarget)}, "POST", "/api/scaling/execute", `{"target":"web","units":1}`, 404, "unknown target"},
		{"wrapped out of range is 422", &fakeBackend{health: "ok", execErr: ErrOutOfRange}, "POST", "/api/scaling/execute", `{"target":"web","units":1}`, 422, "min/max"},
		{"degraded health is 503", &fakeBackend{health: "degraded"}, "GET", "/api/system/health", "", 503, ""},
		{"not ready is 503", &fakeBackend{health: "ok", notReady: errors.New("no cycle yet")}, "GET", "/readyz", "", 503, "no cycle yet"},
		// It did not say what came, as offset and limit do.
		{"bad points", &fakeBackend{health: "ok"}, "GET", "/api/metrics?points=0", "", 400, `points must be an integer in [1, 10000], got "0"`},
		// ?target=$NAME with NAME unset answered every target.
		{"empty target", &fakeBackend{health: "ok", targets: 2}, "GET", "/api/scaling/status?target=", "", 400, "target must name a target, got an empty value"},
		{"empty target in predictions", &fakeBackend{health: "ok", targets: 2}, "GET", "/api/predictions?target=", "", 400, "target must name a target"},
		// The first was answered alone, as if the second did not exist.
		{"two targets", &fakeBackend{health: "ok", targets: 2}, "GET", "/api/scaling/status?target=t0&target=t1", "", 400, `query parameter "target" given more than once: one target per request`},
		{"two targets in predictions", &fakeBackend{health: "ok", targets: 2}, "GET", "/api/predictions?target=t0&target=t1", "", 400, `query parameter "target" given more than once`},
		// The last was taken, in any case: the override went to db.
		{"target twice", &fakeBackend{health: "ok"}, "POST", "/api/scaling/execute", `{"target":"web","units":2,"target":"db"}`, 400, `bad JSON: field "target" given more than once`},
		{"target twice in another case", &fakeBackend{health: "ok"}, "POST", "/api/scaling/execute", `{"target":"web","units":2,"TARGET":"db"}`, 400, `bad JSON: field "TARGET" given more than once`},
		{"units twice", &fakeBackend{health: "ok"}, "POST", "/api/scaling/execute", `{"units":2,"target":"web","units":20}`, 400, `bad JSON: field "units" given more than once`},
		// The first of each was taken: ?limit=1&limit=500 answered one target, ?points=5&points=500 five points.
		{"two limits", &fakeBackend{health: "ok", targets: 2}, "GET", "/api/scaling/status?limit=1&limit=500", "", 400, `query parameter "limit" given more than once`},
		{"two offsets in predictions", &fakeBackend{health: "ok", targets: 2}, "GET", "/api/predictions?offset=0&offset=1", "", 400, `query parameter "offset" given more than once`},
		{"two points", &fakeBackend{health: "ok"}, "GET", "/api/metrics?points=5&points=500", "", 400, `query parameter "points" given more than once`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := New(tc.b, Options{Token: "t"})
			req := httptest.NewRequest(tc.method, tc.path, strings.NewReader(tc.body))
			req.Header.Set("Authorization", "Bearer t")
			rec := httptest.NewRecorder()
			s.Handler().ServeHTTP(rec, req)
			require.Equal(t, tc.code, rec.Code)
			require.Equal(t, "application/json", rec.Header().Get("Content-Type"))
			var m map[string]any
			require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &m))
			if tc.errText != "" {
				require.Contains(t, m["error"], tc.errText)
			}
		})
	}
}

// TestBodyEchoesCut: a body's unknown field name or a number too long for
// its field, which encoding/json's errors repeat whole (quoted or not),
// is repeated to redact.MaxEchoed bytes, within the default 64 KiB body.
func TestBodyEchoesCut(t *testing.T) {
	long := strings.Repeat("9", 60_000)
	for _, body := range []string{
		`{"target":"web","units":1,"` + long + `":2}`,
		`{"target":"web","units":` + long + `}`,
		`{"target":"web","units":1,"` + strings.Repeat("a b ", 15_000) + `":2}`,
	} {
		s := New(&fakeBackend{health: "ok"}, Options{Token: "t"})
		req := httptest.NewRequest(http.MethodPost, "/api/scaling/execute", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer t")
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, req)
		require.Equal(t, http.StatusBadRequest, rec.Code)
		var m map[string]string
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &m))
		require.Less(t, len(m["error"]), 200, m["error"])
		require.Contains(t, m["error"], body[27:27+90], "names what it refuses")
	}
}

// TestBodyBound: a body over Options.MaxBody is refused with 413, also
// when what is over the bound follows a complete object (it was accepted).
func TestBodyBound(t *testing.T) {
	obj := `{"target":"web","units":1}`
	for _, tc := range []struct {
		name, body string
		code       int
	}{
		{"at the bound", obj + strings.Repeat(" ", 64-len(obj)), 200},
		{"object over the bound", `{"target":"` + strings.Repeat("w", 64) + `","units":1}`, 413},
		{"blanks over the bound", obj + strings.Repeat(" ", 65-len(obj)), 413},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := New(&fakeBackend{health: "ok"}, Options{Token: "t", MaxBody: 64})
			req := httptest.NewRequest(http.MethodPost, "/api/scaling/execute", strings.NewReader(tc.body))
			req.Header.Set("Authorization", "Bearer t")
			rec := httptest.NewRecorder()
			s.Handler().ServeHTTP(rec, req)
			require.Equal(t, tc.code, rec.Code, rec.Body.String())
			if tc.code == 413 {
				require.Contains(t, rec.Body.String(), "body larger than 64 bytes")
			}
		})
	}
}

func TestHTTPServerTimeouts(t *testing.T) {
	srv := New(&fakeBackend{}, Options{}).HTTPServer(":0")
	require.Positive(t, srv.ReadHeaderTimeout)
	require.Positive(t, srv.ReadTimeout)
	require.Positive(t, srv.WriteTimeout)
	require.Positive(t, srv.IdleTimeout)
	require.Positive(t, srv.MaxHeaderBytes)
}

// TestPostHeaders: a body that is not JSON by its Content-Type is refused
// with 415 (it was accepted), and the Authorization scheme is matched
// without regard to case (RFC 7235; "bearer x" was refused with 401).
func TestPostHeaders(t *testing.T) {
	long := strings.Repeat("x", 5000)
	for _, tc := range []struct {
		name, auth, ctype string
		code              int
		errText           string
	}{
		{"json", "Bearer t", "application/json", 200, ""},
		{"json with charset", "Bearer t", "application/json; charset=utf-8", 200, ""},
		{"no content type", "Bearer t", "", 200, ""},
		{"lower-case scheme", "bearer t", "application/json", 200, ""},
		{"upper-case scheme, extra spaces", "BEARER   t ", "application/json", 200, ""},
		{"form", "Bearer t", "application/x-www-form-urlencoded", 415, `Content-Type "application/x-www-form-urlencoded": the body must be application/json`},
		{"text", "Bearer t", "text/plain", 415, "must be application/json"},
		{"bad media type", "Bearer t", "json;;", 415, "must be application/json"},
		{"long media type is cut", "Bearer t", "text/" + long, 415, `Content-Type "text/` + long[:95] + `..."`},
		{"basic scheme", "Basic dDp0", "application/json", 401, "missing bearer token"},
		{"scheme only", "Bearer", "application/json", 401, "missing bearer token"},
		{"wrong token", "bearer u", "application/json", 401, "invalid bearer token"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := New(&fakeBackend{health: "ok"}, Options{Token: "t"})
			req := httptest.NewRequest(http.MethodPost, "/api/scaling/execute", strings.NewReader(`{"target":"web","units":1}`))
			req.Header.Set("Authorization", tc.auth)
			if tc.ctype != "" {
				req.Header.Set("Content-Type", tc.ctype)
			}
			rec := httptest.NewRecorder()
			s.Handler().ServeHTTP(rec, req)
			require.Equal(t, tc.code, rec.Code, rec.Body.String())
			if tc.errText != "" {
				var m map[string]any
				require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &m))
				require.Contains(t, m["error"], tc.errText)
				require.Less(t, len(rec.Body.String()), 300, "echoed values are cut")
			}
		})
	}
}

// TestManualDurationBounded: an override's duration is at most
// policy.MaxManualDuration (it was unbounded), read as every duration
// variable and flag reads one (1d, 2w: Go's syntax alone refused them
// with 400); a refusal names the field and echoes the value cut short.
func TestManualDurationBounded(t *testing.T) {
	for _, tc := range []struct {
		duration string
		code     int
		errText  string
	}{
		{"168h", 200, ""},
		{"1d", 200, ""},
		{"1d12h", 200, ""},
		{"1.5d", 200, ""},
		{"7d", 200, ""},
		{"1w", 200, ""},
		{"168h1s", 422, `field "duration" must be at most 168h0m0s, got 168h0m1s`},
		{"7d1s", 422, `field "duration" must be at most 168h0m0s, got 168h0m1s`},
		{"2w", 422, `field "duration" must be at most 168h0m0s, got 336h0m0s`},
		{"87600h", 422, `field "duration" must be at most`},
		{"-1h", 400, `field "duration" must be a positive duration`},
		{"-1d", 400, `field "duration" must be a positive duration`},
		{"0d", 400, `field "duration" must be a positive duration`},
		{"forever", 400, `field "duration" must be a positive duration such as "30m" or "1d", got "forever"`},
		{"1 d", 400, `field "duration" must be a positive duration`},
		{"1d" + strings.Repeat("x", 500), 400, `field "duration" must be a positive duration`},
	} {
		s := New(&fakeBackend{health: "ok"}, Options{Token: "t"})
		body := fmt.Sprintf(`{"target":"web","units":1,"duration":%q}`, tc.duration)
		req := httptest.NewRequest(http.MethodPost, "/api/scaling/execute", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer t")
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, req)
		require.Equal(t, tc.code, rec.Code, "%s: %s", body, rec.Body.String())
		if tc.errText == "" {
			continue
		}
		var m map[string]string
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &m))
		require.Contains(t, m["error"], tc.errText, body)
		require.Less(t, len(m["error"]), 100+redact.MaxEchoed, "echoed values are cut")
	}
}

// TestPaging: /api/scaling/status and /api/predictions answer a bounded
// page (100 targets by default) with the total and the next page's path;
// following next visits every target once; ?target=NAME answers one
// target; unknown targets are 404, bad parameters 400.
func TestPaging(t *testing.T) {
	s := New(&fakeBackend{health: "ok", targets: 250}, Options{})
	get := func(path string) (int, map[string]json.RawMessage) {
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		var out map[string]json.RawMessage
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &out), path)
		return rec.Code, out
	}
	for _, c := range []struct{ path, field string }{{"/api/scaling/status", "targets"}, {"/api/predictions", "predictions"}} {
		var seen []string
		pages := 0
		for next := c.path; next != ""; pages++ {
			code, out := get(next)
			require.Equal(t, http.StatusOK, code, next)
			var items []struct{ Target string }
			require.NoError(t, json.Unmarshal(out[c.field], &items))
			require.LessOrEqual(t, len(items), DefaultPageLimit)
			require.JSONEq(t, "250", string(out["total"]))
			for _, it := range items {
				seen = append(seen, it.Target)
			}
			next = ""
			_ = json.Unmarshal(out["next"], &next)
		}
		require.Equal(t, 3, pages, c.path)
		require.Len(t, seen, 250)
		require.Equal(t, "t000", seen[0])
		require.Equal(t, "t249", seen[249])

		code, out := get(c.path + "?offset=240&limit=5")
		require.Equal(t, http.StatusOK, code)
		require.JSONEq(t, `"`+c.path+`?offset=245&limit=5"`, string(out["next"]))
		code, out = get(c.path + "?target=t123")
		require.Equal(t, http.StatusOK, code)
		require.Contains(t, string(out[c.field]), `"t123"`)
		require.JSONEq(t, "1", string(out["total"]))
		require.JSONEq(t, "null", string(out["next"]))
		code, out = get(c.path + "?target=nope")
		require.Equal(t, http.StatusNotFound, code)
		require.Contains(t, string(out["error"]), `unknown target \"nope\"`)
		for _, bad := range []string{"?limit=0", "?limit=1001", "?offset=-1", "?limit=x"} {
			code, _ := get(c.path + bad)
			require.Equal(t, http.StatusBadRequest, code, bad)
		}
	}
}

// discardWriter is a ResponseWriter that keeps one header map (cleared
// between requests) and drops the body, so that AllocsPerRun counts the
// server's allocations only.
type discardWriter struct {
	h    http.Header
	code int
	n    int
}

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) WriteHeader(code int)        { d.code = code }
func (d *discardWriter) Write(p []byte) (int, error) { d.n += len(p); return len(p), nil }

// A GET answered from the cache costs the router's request copies and
// little else: the headers reuse shared values, nothing is rendered,
// marshalled or compressed again, and the answer is not compressed for a
// client that did not ask for gzip.
func TestCachedAnswerAllocs(t *testing.T) {
	b := &fakeBackend{health: "ok", targets: 30}
	now := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	s := New(b, Options{Now: func() time.Time { return now }})
	for _, path := range []string{"/api/system/health", "/api/scaling/status", "/api/predictions"} {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		w := &discardWriter{h: http.Header{}}
		s.Handler().ServeHTTP(w, req) // render once
		allocs := testing.AllocsPerRun(200, func() {
			clear(w.h)
			s.Handler().ServeHTTP(w, req)
		})
		require.Equal(t, http.StatusOK, w.code, path)
		// gorilla/mux's request copies with the route and its variables
		// are 7; the answer was 12 (health) and 23 (the paged answers:
		// their cache key was built as an encoded query string) with
		// headers set one new slice each.
		if !testkit.RaceEnabled() {
			require.LessOrEqual(t, allocs, 7.0, path)
		}
	}
	for key, slot := range s.cache {
		require.Nil(t, slot.e.Load().gz, "%v: compressed though no client asked for gzip", key)
	}
}

// A fresh cached answer is served without taking its slot's render lock:
// while one request renders (here: the lock held), the readers of the
// answer already made are not held up behind it.
func TestFreshAnswerServedDuringRender(t *testing.T) {
	b := &fakeBackend{health: "ok", targets: 3}
	s := New(b, Options{})
	get := func() int {
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/scaling/status", nil))
		return rec.Code
	}
	require.Equal(t, http.StatusOK, get())
	var slot *cacheSlot
	for _, sl := range s.cache {
		slot = sl
	}
	slot.mu.Lock() // a render in progress
	done := make(chan int)
	go func() { done <- get() }()
	select {
	case code := <-done:
		require.Equal(t, http.StatusOK, code)
	case <-time.After(10 * time.Second):
		t.Fatal("a fresh answer waited for the render lock")
	}
	slot.mu.Unlock()
}

// The cache holds a bounded number of bytes, not only of answers: a client
// asking /api/metrics?points= (up to 10,000 points per target, every
// target) or a page at every offset with distinct query strings made the
// server keep up to 257 answers of any size (at 1,000 targets a
// points=10000 answer is hundreds of megabytes).
func TestCacheBytesBounded(t *testing.T) {
	s := New(&fakeBackend{health: "ok"}, Options{})
	s.cacheMax = 1 << 20
	largest := 0
	for p := 9000; p < 9200; p++ {
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, fmt.Sprintf("/api/metrics?points=%d", p), nil))
		require.Equal(t, http.StatusOK, rec.Code)
		largest = max(largest, rec.Body.Len())
	}
	held := 0
	for _, slot := range s.cache {
		if e := slot.e.Load(); e != nil {
			held += len(e.body) + len(e.gz)
		}
	}
	require.LessOrEqual(t, held, s.cacheMax+largest, "bytes held by %d cached answers", len(s.cache))
}

// A client that gives gzip a quality of zero, written any way HTTP allows
// ("q=0", "q=0.0", "Q=0.000"), refuses it and gets the plain answer;
// a quality above zero accepts it.
func TestAcceptsGzipQuality(t *testing.T) {
	for header, want := range map[string]bool{
		"gzip": true, "deflate, gzip;q=0.5": true, "gzip; q=1.0": true, "gzip;q=0.001": true,
		"gzip;q=0": false, "gzip;q=0.0": false, "gzip; q=0.000": false, "gzip;Q=0": false,
		"br, gzip;q=0.00": false, "": false, "identity": false,
	} {
		r := httptest.NewRequest(http.MethodGet, "/api/metrics", nil)
		r.Header.Set("Accept-Encoding", header)
		require.Equal(t, want, acceptsGzip(r), "Accept-Encoding: %q", header)
	}
}

// TestShutdownEndsEventStreams: the server HTTPServer builds ends its
// event streams when it shuts down. An open /api/metrics/realtime stream
// held Shutdown until its deadline (a SIGTERM to prescale-controller took
// 6.9 s with one curl connected, 1.5 s without).
func TestShutdownEndsEventStreams(t *testing.T) {
	s := New(&fakeBackend{health: "ok"}, Options{SSEMax: time.Hour, SSEEvery: time.Hour})
	srv := s.HTTPServer("127.0.0.1:0")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go func() { _ = srv.Serve(ln) }()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, "http://"+ln.Addr().String()+"/api/metrics/realtime", nil)
	require.NoError(t, err)
	req.Header.Set("Accept", "text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	require.True(t, sc.Scan(), "the first event")

	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	require.NoError(t, srv.Shutdown(ctx), "the stream held the shutdown to its deadline")
	for sc.Scan() {
	}
	require.NoError(t, sc.Err(), "the stream ended cleanly")
}

// TestHeadAndAllow: HEAD is GET without the body (RFC 9110 9.3.2) on every
// GET endpoint; it was 405 on all of them, /healthz and /readyz included,
// so a health check by HEAD (curl -I, uptime monitors) read the controller
// as down, while the exporter and Prometheus answered it. A 405 names the
// methods the path takes in Allow (RFC 9110 15.5.6); it named none.
func TestHeadAndAllow(t *testing.T) {
	metrics := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "up 1\n") })
	srv := httptest.NewServer(New(&fakeBackend{health: "ok", notReady: errors.New("no cycle yet")}, Options{Token: "t", Metrics: metrics}).Handler())
	defer srv.Close()
	// do answers the status and the headers (the body read and closed).
	do := func(method, path string) (int, http.Header) {
		req, err := http.NewRequestWithContext(t.Context(), method, srv.URL+path, nil)
		require.NoError(t, err)
		resp, err := srv.Client().Do(req)
		require.NoError(t, err)
		defer func() { require.NoError(t, resp.Body.Close()) }()
		body, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		if method == http.MethodHead {
			require.Empty(t, body, "HEAD %s", path)
		}
		return resp.StatusCode, resp.Header
	}
	for path, code := range map[string]int{"/healthz": 200, "/readyz": 503, "/metrics": 200, "/api/scaling/status": 200, "/": 200} {
		got, h := do(http.MethodHead, path)
		require.Equal(t, code, got, "HEAD %s", path)
		_, gh := do(http.MethodGet, path)
		require.Equal(t, gh.Get("Content-Type"), h.Get("Content-Type"), "HEAD %s", path)
	}
	for _, tc := range []struct{ method, path, allow string }{
		{http.MethodHead, "/api/scaling/execute", "POST, DELETE"},
		{http.MethodGet, "/api/stress-test", "POST"},
		{http.MethodDelete, "/api/scaling/status", "GET, HEAD"},
		{http.MethodPost, "/healthz", "GET, HEAD"},
	} {
		got, h := do(tc.method, tc.path)
		require.Equal(t, http.StatusMethodNotAllowed, got, "%s %s", tc.method, tc.path)
		require.Equal(t, tc.allow, h.Get("Allow"), "%s %s", tc.method, tc.path)
	}
	got, _ := do(http.MethodHead, "/nope")
	require.Equal(t, http.StatusNotFound, got)
}
