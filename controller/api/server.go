package api

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"mime"
	"net/http"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/mux"

	"github.com/prescale/prescale/controller/actuator"
	"github.com/prescale/prescale/controller/policy"
	"github.com/prescale/prescale/internal/clihelp"
	"github.com/prescale/prescale/internal/redact"
)

// Options configures the API. Zero values mean the defaults given.
type Options struct {
	// Token protects POST and DELETE endpoints (Authorization: Bearer
	// <token>). Empty means they answer 403: off until a token is set.
	Token string
	// StressEnabled turns /api/stress-test on; StressMax bounds its
	// duration (0 means 60 s).
	StressEnabled bool
	StressMax     time.Duration
	// MaxBody bounds request bodies (0 means 64 KiB).
	MaxBody int64
	// SSEMax bounds one text/event-stream response (0 means 25 s, below
	// the server's write timeout).
	SSEMax time.Duration
	// SSEEvery is the event period (0 means 1 s).
	SSEEvery time.Duration
	// Metrics serves /metrics; nil leaves it out.
	Metrics http.Handler
	// Extra GET routes (e.g. the simulated pool); nil for none.
	Extra  map[string]http.Handler
	Logger *slog.Logger
	// Now is the clock (cache seconds, stress-test windows); nil means time.Now.
	Now func() time.Time
}

// Server is the REST API.
type Server struct {
	b      Backend
	o      Options
	router *mux.Router

	cacheMu  sync.RWMutex // guards the map; readers only look a slot up
	cache    map[cacheKey]*cacheSlot
	cacheMax int // bytes the cached answers may hold (cacheMaxBytes)

	mu          sync.Mutex
	stressUntil time.Time
	stressStop  context.CancelFunc
	now         func() time.Time

	// closed ends the event streams (Close).
	closed    chan struct{}
	closeOnce sync.Once
}

// New builds the API over b.
func New(b Backend, o Options) *Server {
	if o.StressMax <= 0 {
		o.StressMax = 60 * time.Second
	}
	if o.MaxBody <= 0 {
		o.MaxBody = 64 << 10
	}
	if o.SSEMax <= 0 {
		o.SSEMax = 25 * time.Second
	}
	if o.SSEEvery <= 0 {
		o.SSEEvery = time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	s := &Server{b: b, o: o, now: o.Now, cache: map[cacheKey]*cacheSlot{}, cacheMax: cacheMaxBytes, closed: make(chan struct{})}
	s.router = s.routes()
	return s
}

// Handler returns the router.
func (s *Server) Handler() http.Handler { return s.router }

// HTTPServer wraps the router in an http.Server with timeouts. Its
// Shutdown calls Close, which ends the event streams: an open
// /api/metrics/realtime stream held Shutdown until its timeout (a
// SIGTERM took 6.9 s instead of 1.5 s with one curl connected).
func (s *Server) HTTPServer(addr string) *http.Server {
	srv := &http.Server{
		Addr:              addr,
		Handler:           s.router,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       90 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
	srv.RegisterOnShutdown(s.Close)
	return srv
}

// Close ends the event streams and stops a running stress test.
func (s *Server) Close() {
	s.closeOnce.Do(func() { close(s.closed) })
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stressStop != nil {
		s.stressStop()
	}
}

func (s *Server) routes() *mux.Router {
	r := mux.NewRouter()
	r.NotFoundHandler = http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		writeError(w, http.StatusNotFound, "no such endpoint: "+req.URL.Path)
	})
	r.MethodNotAllowedHandler = http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		allow := allowed(r, req)
		if req.Method == http.MethodHead && slices.Contains(allow, http.MethodGet) {
			// HEAD is GET without the body (RFC 9110 9.3.2), which the
			// server leaves out of a HEAD's answer: /healthz, /readyz and
			// /metrics answered 405 to a HEAD health check.
			get := req.Clone(req.Context())
			get.Method = http.MethodGet
			r.ServeHTTP(w, get)
			return
		}
		// A 405 names the methods the path takes (RFC 9110 15.5.6).
		w.Header().Set("Allow", strings.Join(allow, ", "))
		writeError(w, http.StatusMethodNotAllowed, "method "+req.Method+" not allowed on "+req.URL.Path)
	})
	r.HandleFunc("/api/metrics", s.getMetrics).Methods(http.MethodGet)
	r.HandleFunc("/api/metrics/realtime", s.getRealtime).Methods(http.MethodGet)
	r.HandleFunc("/api/predictions", s.getPredictions).Methods(http.MethodGet)
	r.HandleFunc(actuator.StatusPath, s.getStatus).Methods(http.MethodGet)
	r.HandleFunc("/api/scaling/execute", s.auth(s.postExecute)).Methods(http.MethodPost)
	r.HandleFunc("/api/scaling/execute", s.auth(s.deleteExecute)).Methods(http.MethodDelete)
	r.HandleFunc("/api/system/health", s.getHealth).Methods(http.MethodGet)
	r.HandleFunc("/api/verification", s.getVerification).Methods(http.MethodGet)
	r.HandleFunc("/api/stress-test", s.auth(s.postStress)).Methods(http.MethodPost)
	r.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	}).Methods(http.MethodGet)
	r.HandleFunc("/readyz", func(w http.ResponseWriter, _ *http.Request) {
		if err := s.b.Ready(); err != nil {
			writeError(w, http.StatusServiceUnavailable, "not ready: "+err.Error())
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
	}).Methods(http.MethodGet)
	if s.o.Metrics != nil {
		r.Handle("/metrics", s.o.Metrics).Methods(http.MethodGet)
	}
	for path, h := range s.o.Extra {
		r.Handle(path, h).Methods(http.MethodGet)
	}
	r.HandleFunc("/", s.index).Methods(http.MethodGet)
	return r
}

// allowed lists the methods r serves on req's path: GET and HEAD, or
// POST (and DELETE).
func allowed(r *mux.Router, req *http.Request) []string {
	var out []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodDelete} {
		try := req.Clone(req.Context())
		try.Method = m
		var match mux.RouteMatch
		if r.Match(try, &match) && match.MatchErr == nil {
			out = append(out, m)
			if m == http.MethodGet {
				out = append(out, http.MethodHead)
			}
		}
	}
	return out
}

func (s *Server) index(w http.ResponseWriter, _ *http.Request) {
	endpoints := []string{
		"GET /api/metrics", "GET /api/metrics/realtime", "GET /api/predictions",
		"GET " + actuator.StatusPath, "POST /api/scaling/execute", "DELETE /api/scaling/execute", "GET /api/system/health",
		"GET /api/verification", "POST /api/stress-test", "GET /metrics", "GET /healthz", "GET /readyz",
	}
	for _, path := range slices.Sorted(maps.Keys(s.o.Extra)) { // e.g. the simulated pool
		endpoints = append(endpoints, "GET "+path)
	}
	writeJSON(w, http.StatusOK, map[string]any{"name": "prescale", "endpoints": endpoints})
}

// cacheKey names a cached answer: the answer and, for the paged ones,
// the selection (a struct: no string is built per request to look it up).
type cacheKey struct {
	name string
	page page
	n    int // /api/metrics' points
}

// cacheEntry is one rendered GET answer.
type cacheEntry struct {
	gen uint64
	sec int64
	// until is when the answer stops being true though the generation
	// has not changed (a manual override it shows in force ends); zero:
	// never.
	until time.Time
	code  int
	body  []byte
	size  []string // Content-Length of body
	// gz is the gzip of body (nil until a client that accepts gzip asks
	// for it, and for answers under gzipMin), gzSize its Content-Length.
	gz     []byte
	gzSize []string
}

// cacheSlot holds one key's answer. Readers load the current entry
// without a lock (entries are never changed once stored); mu serialises
// the renders, so that concurrent misses on one key wait for a single
// render without blocking the other keys or the readers of a fresh entry.
type cacheSlot struct {
	mu sync.Mutex
	e  atomic.Pointer[cacheEntry]
}

// Header values every cached answer shares (net/http only reads them), so
// that writing the headers allocates nothing.
var (
	hdrJSON     = []string{"application/json"}
	hdrNoStore  = []string{"no-store"}
	hdrVary     = []string{"Accept-Encoding"}
	hdrGzip     = []string{"gzip"}
	gzipWriters = sync.Pool{New: func() any {
		zw, _ := gzip.NewWriterLevel(io.Discard, gzip.BestSpeed)
		return zw
	}}
)

// cached serves the answer for key from memory while the backend's
// generation is unchanged (and, for perSecond answers that show ages, the
// wall-clock second), else renders it once and stores it; the gzip of an
// answer is made the first time a client asks for it. Under many
// concurrent readers a GET then costs a memory copy.
func (s *Server) cached(w http.ResponseWriter, r *http.Request, key cacheKey, perSecond bool, render func() (int, any)) {
	s.cachedUntil(w, r, key, perSecond, func() (int, any, time.Time) {
		code, v := render()
		return code, v, time.Time{}
	})
}

// cachedUntil is cached for an answer that render says stops being true
// at a time (zero: never): from then on it is made again.
func (s *Server) cachedUntil(w http.ResponseWriter, r *http.Request, key cacheKey, perSecond bool, render func() (int, any, time.Time)) {
	gen := s.b.Generation()
	var sec int64
	if perSecond {
		sec = s.now().Unix()
	}
	slot := s.slot(key)
	gz := acceptsGzip(r) // a gzip answer is made once, by the first to ask
	e := slot.e.Load()
	if e == nil || e.gen != gen || e.sec != sec || e.ended(s.now) || gz && e.gz == nil && len(e.body) > gzipMin {
		var err error
		if e, err = slot.refresh(gen, sec, s.now, gz, render); err != nil {
			writeError(w, http.StatusInternalServerError, "encoding the answer: "+err.Error())
			return
		}
	}

	body, size := e.body, e.size
	h := w.Header()
	h["Content-Type"], h["Cache-Control"], h["Vary"] = hdrJSON, hdrNoStore, hdrVary
	if gz && e.gz != nil {
		body, size = e.gz, e.gzSize
		h["Content-Encoding"] = hdrGzip
	}
	h["Content-Length"] = size
	w.WriteHeader(e.code)
	_, _ = w.Write(body)
}

// slot returns key's cache slot, made on first use.
func (s *Server) slot(key cacheKey) *cacheSlot {
	s.cacheMu.RLock()
	slot, ok := s.cache[key]
	s.cacheMu.RUnlock()
	if ok {
		return slot
	}
	s.cacheMu.Lock()
	defer s.cacheMu.Unlock()
	if slot, ok = s.cache[key]; !ok {
		// Bounded in answers and in bytes: keys include the query string.
		if len(s.cache) > 256 || s.heldLocked() > s.cacheMax {
			clear(s.cache)
		}
		slot = &cacheSlot{}
		s.cache[key] = slot
	}
	return slot
}

// heldLocked returns the bytes the cached answers hold (s.cacheMu held).
func (s *Server) heldLocked() int {
	n := 0
	for _, slot := range s.cache {
		if e := slot.e.Load(); e != nil {
			n += len(e.body) + len(e.gz)
		}
	}
	return n
}

// refresh renders the slot's answer for generation gen and second sec
// unless another request just did, adds its gzip when asked (gz), and
// stores and returns the new entry.
func (c *cacheSlot) refresh(gen uint64, sec int64, now func() time.Time, gz bool, render func() (int, any, time.Time)) (*cacheEntry, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.e.Load()
	if e == nil || e.gen != gen || e.sec != sec || e.ended(now) {
		code, v, until := render()
		b, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		b = append(b, '\n')
		e = &cacheEntry{gen: gen, sec: sec, until: until, code: code, body: b, size: []string{strconv.Itoa(len(b))}}
	}
	if gz && e.gz == nil && len(e.body) > gzipMin {
		withGz := *e
		withGz.gz = gzipped(e.body)
		withGz.gzSize = []string{strconv.Itoa(len(withGz.gz))}
		e = &withGz
	}
	c.e.Store(e)
	return e, nil
}

// ended reports whether e's answer stopped being true by now's time.
func (e *cacheEntry) ended(now func() time.Time) bool {
	return !e.until.IsZero() && !now().Before(e.until)
}

// gzipped compresses b (BestSpeed) with a pooled writer.
func gzipped(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzipWriters.Get().(*gzip.Writer)
	zw.Reset(&buf)
	_, _ = zw.Write(b)
	_ = zw.Close()
	zw.Reset(io.Discard)
	gzipWriters.Put(zw)
	return buf.Bytes()
}

// cacheMaxBytes bounds what the cached answers hold (bodies and their
// gzip).
const cacheMaxBytes = 64 << 20

// gzipMin is the smallest cached answer worth compressing.
const gzipMin = 4 << 10

func acceptsGzip(r *http.Request) bool {
	rest := r.Header.Get("Accept-Encoding")
	for rest != "" {
		var part string
		part, rest, _ = strings.Cut(rest, ",")
		enc, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.TrimSpace(enc) == "gzip" && !zeroQuality(params) {
			return true
		}
	}
	return false
}

// zeroQuality reports whether the parameters of an Accept-Encoding entry
// give it a quality of zero, which refuses the coding: q=0, q=0.0 ...
// Q=0.000 (RFC 9110, 12.4.2).
func zeroQuality(params string) bool {
	name, v, ok := strings.Cut(params, "=")
	if !ok || !strings.EqualFold(strings.TrimSpace(name), "q") {
		return false
	}
	q, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	return err == nil && q == 0
}

// WriteJSON answers v as every endpoint does (compact JSON, not cached);
// for the Options.Extra routes.
func WriteJSON(w http.ResponseWriter, code int, v any) { writeJSON(w, code, v) }

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// writeError answers msg as the error of every refusal, each value it
// repeats cut to redact.MaxEchoed bytes: encoding/json's errors repeat a
// body's unknown field name and a number too long for its field whole
// (60,000 bytes of a 64 KiB body).
func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, map[string]string{"error": redact.CutEchoes(msg, redact.MaxEchoed)})
}

// auth checks the bearer token on POST and DELETE endpoints.
func (s *Server) auth(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.o.Token == "" {
			writeError(w, http.StatusForbidden, "POST and DELETE endpoints are off: set PRESCALE_API_TOKEN to enable them")
			return
		}
		tok, ok := bearerToken(r.Header.Get("Authorization"))
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="prescale"`)
			writeError(w, http.StatusUnauthorized, "missing bearer token (Authorization: Bearer <PRESCALE_API_TOKEN>)")
			return
		}
		if !tokenMatches(tok, s.o.Token) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="prescale"`)
			writeError(w, http.StatusUnauthorized, "invalid bearer token")
			return
		}
		next(w, r)
	}
}

// tokenMatches reports whether got, a request's bearer token, is want,
// the API token. Their SHA-256 digests are compared, in constant time,
// not the tokens: subtle.ConstantTimeCompare answers at once for inputs
// of different lengths, so a client timing the refusals of tokens of
// each length could tell the API token's. The digests are 32 bytes
// whatever the tokens' lengths, so the comparison takes as long for any
// token; that is by construction, not measured or tested.
func tokenMatches(got, want string) bool {
	g, w := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(want))
	return subtle.ConstantTimeCompare(g[:], w[:]) == 1
}

// bearerToken returns the credentials of an "Authorization: Bearer x"
// header. The scheme is case-insensitive (RFC 7235 section 2.1, as RFC
// 6750 uses it), so "bearer x" is accepted too.
func bearerToken(h string) (string, bool) {
	scheme, tok, ok := strings.Cut(strings.TrimSpace(h), " ")
	tok = strings.TrimSpace(tok)
	if !ok || !strings.EqualFold(scheme, "Bearer") || tok == "" {
		return "", false
	}
	return tok, true
}

// jsonContentType reports whether a request's Content-Type is JSON: absent
// (clients that send none) or application/json, parameters allowed.
func jsonContentType(r *http.Request) bool {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return true
	}
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && mt == "application/json"
}

// decode reads a bounded JSON body into v, rejecting unknown fields and
// trailing data. The body is parsed once: read whole (it is bounded), then
// decoded into v.
func (s *Server) decode(w http.ResponseWriter, r *http.Request, v any) (int, error) {
	if !jsonContentType(r) {
		return http.StatusUnsupportedMediaType, fmt.Errorf("Content-Type %q: the body must be application/json", redact.Cut(r.Header.Get("Content-Type"), redact.MaxEchoed))
	}
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.o.MaxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return http.StatusRequestEntityTooLarge, fmt.Errorf("body larger than %d bytes", mbe.Limit)
		}
		return http.StatusBadRequest, fmt.Errorf("reading the body: %w", err)
	}
	// null decodes into a struct as nothing at all: the request then
	// failed on its first required field, not on its body.
	if string(bytes.TrimSpace(raw)) == "null" {
		return http.StatusBadRequest, errors.New("bad JSON: want an object, got a JSON null")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	err = dec.Decode(v)
	var syn *json.SyntaxError
	switch {
	case errors.Is(err, io.EOF):
		return http.StatusBadRequest, errors.New("empty body: expected a JSON object")
	case errors.As(err, &syn) || errors.Is(err, io.ErrUnexpectedEOF):
		return http.StatusBadRequest, fmt.Errorf("bad JSON: %w", err)
	}
	// The value was read whole (a type error or an unknown field is found
	// after that), so what follows it is trailing data: another value, or
	// a stray closing bracket, which Decoder.More does not count.
	if _, terr := dec.Token(); !errors.Is(terr, io.EOF) {
		return http.StatusBadRequest, errors.New("bad JSON: trailing data after the object")
	}
	if err != nil {
		return http.StatusBadRequest, decodeError(err)
	}
	if k, ok := repeatedKey(raw); ok {
		// encoding/json takes the last of them, case-insensitively:
		// {"target":"web","units":2,"target":"db"} scaled db.
		return http.StatusBadRequest, fmt.Errorf("bad JSON: field %q given more than once", redact.Cut(k, redact.MaxEchoed))
	}
	return 0, nil
}

// repeatedKey returns the first key of the JSON object raw (decoded
// already) that repeats one before it, as encoding/json matches a field:
// in any case.
func repeatedKey(raw []byte) (string, bool) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return "", false
	}
	var seen []string
	for dec.More() {
		t, err := dec.Token()
		k, isKey := t.(string)
		if err != nil || !isKey {
			return "", false
		}
		if slices.ContainsFunc(seen, func(s string) bool { return strings.EqualFold(s, k) }) {
			return k, true
		}
		seen = append(seen, k)
		var skip json.RawMessage
		if dec.Decode(&skip) != nil {
			return "", false
		}
	}
	return "", false
}

// decodeError says what was wrong with a well-formed JSON body decode
// could not take.
func decodeError(err error) error {
	var ute *json.UnmarshalTypeError
	if !errors.As(err, &ute) {
		return fmt.Errorf("bad JSON: %w", err)
	}
	// encoding/json's own text names the Go struct and type (the whole
	// of it for a body that is no object: `[]`).
	if ute.Field == "" {
		return fmt.Errorf("bad JSON: want an object, got a JSON %s", ute.Value)
	}
	return fmt.Errorf("field %q: want %s, got a JSON %s", ute.Field, jsonWant(ute.Type), ute.Value)
}

// jsonWant says what JSON value a field of Go type t takes.
func jsonWant(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return "a " + t.String()
}

func (s *Server) getMetrics(w http.ResponseWriter, r *http.Request) {
	points, q := 60, r.URL.Query()
	if err := onlyOnce(q, "points"); err != nil { // ?points=5&points=500 answered 5
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if p := q.Get("points"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 10000 {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("points must be an integer in [1, 10000], got %q", redact.Cut(p, redact.MaxEchoed)))
			return
		}
		points = n
	}
	s.cached(w, r, cacheKey{name: "metrics", n: points}, false, func() (int, any) { return http.StatusOK, s.b.Metrics(points) })
}

func (s *Server) getRealtime(w http.ResponseWriter, r *http.Request) {
	if !strings.Contains(r.Header.Get("Accept"), "text/event-stream") {
		s.cached(w, r, cacheKey{name: "realtime"}, false, func() (int, any) { return http.StatusOK, map[string]any{"samples": s.b.Latest()} })
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	deadline := time.NewTimer(s.o.SSEMax)
	defer deadline.Stop()
	tick := time.NewTicker(s.o.SSEEvery)
	defer tick.Stop()
	for {
		b, _ := json.Marshal(map[string]any{"samples": s.b.Latest()})
		if _, err := fmt.Fprintf(w, "event: sample\ndata: %s\n\n", b); err != nil {
			return
		}
		if err := rc.Flush(); err != nil {
			return
		}
		select {
		case <-r.Context().Done():
			return
		case <-s.closed:
			return
		case <-deadline.C:
			return
		case <-tick.C:
		}
	}
}

func (s *Server) getPredictions(w http.ResponseWriter, r *http.Request) {
	servePage(s, w, r, "predictions", s.b.Predictions, func(p Prediction) string { return p.Target }, nil)
}

func (s *Server) getStatus(w http.ResponseWriter, r *http.Request) {
	servePage(s, w, r, "targets", s.b.Status, func(t TargetStatus) string { return t.Target }, inForce)
}

// inForce hides the manual overrides of items whose until has passed at
// now: the status is made once per cycle, and an override that expired
// since is no longer in force (DELETE /api/scaling/execute answers 409),
// though the next cycle drops it. It returns the earliest until of those
// still shown (zero: none ends), when the answer must be made again. An
// override an operator ended is not shown (OverrideOf), and ending one
// makes every answer again.
func inForce(items []TargetStatus, now time.Time) ([]TargetStatus, time.Time) {
	var next time.Time
	cloned := false
	for i, t := range items {
		m := t.Manual
		if m == nil || m.Until.IsZero() {
			continue
		}
		if now.Before(m.Until.Time) {
			if next.IsZero() || m.Until.Before(next) {
				next = m.Until.Time
			}
			continue
		}
		if !cloned { // items may be the backend's
			items, cloned = slices.Clone(items), true
		}
		items[i].Manual = nil
	}
	return items, next
}

func (s *Server) getHealth(w http.ResponseWriter, r *http.Request) {
	s.cached(w, r, cacheKey{name: "health"}, true, func() (int, any) {
		h := s.b.Health()
		if h.Status != "ok" {
			return http.StatusServiceUnavailable, h
		}
		return http.StatusOK, h
	})
}

func (s *Server) getVerification(w http.ResponseWriter, r *http.Request) {
	s.cached(w, r, cacheKey{name: "verification"}, true, func() (int, any) { return http.StatusOK, s.b.Verification() })
}

func (s *Server) postExecute(w http.ResponseWriter, r *http.Request) {
	// Units is a pointer so that a missing field is told from 0.
	var body struct {
		Target   string `json:"target"`
		Units    *int   `json:"units"`
		Duration string `json:"duration,omitempty"`
	}
	if code, err := s.decode(w, r, &body); err != nil {
		writeError(w, code, err.Error())
		return
	}
	if body.Target == "" {
		writeError(w, http.StatusBadRequest, `field "target" is required`)
		return
	}
	if body.Units == nil {
		writeError(w, http.StatusBadRequest, `field "units" is required`)
		return
	}
	req := ExecuteRequest{Target: body.Target, Units: *body.Units, Duration: body.Duration}
	if req.Duration != "" {
		d, err := clihelp.ParseDuration(req.Duration) // as every duration variable and flag: 30m, 1d, 1d12h
		if err != nil || d <= 0 {
			writeError(w, http.StatusBadRequest, fmt.Sprintf(`field "duration" must be a positive duration such as "30m" or "1d", got %q`, redact.Cut(req.Duration, redact.MaxEchoed)))
			return
		}
		if d > policy.MaxManualDuration {
			writeError(w, http.StatusUnprocessableEntity, fmt.Sprintf(`field "duration" must be at most %s, got %s`, policy.MaxManualDuration, d))
			return
		}
	}
	st, err := s.b.Execute(r.Context(), req)
	writeScaling(w, st, err)
}

// deleteExecute ends a target's manual override (?target=NAME): 200 with
// the target's status as POST answers it, 404 for an unknown target, 409
// when no override is in force (not 404, which says the target is
// unknown, nor 200, which says one was ended).
func (s *Server) deleteExecute(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if err := onlyOnce(q, "target"); err != nil { // ?target=a&target=b ended a's alone, answering 200
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	target := q.Get("target")
	if target == "" {
		writeError(w, http.StatusBadRequest, `query parameter "target" is required: DELETE /api/scaling/execute?target=NAME`)
		return
	}
	st, err := s.b.EndOverride(r.Context(), target)
	writeScaling(w, st, err)
}

// writeScaling answers a manual scaling request (POST or DELETE
// /api/scaling/execute): the target's status, or the status code of the
// backend's error (404 unknown target, 422 units out of range, 409 no
// override in force, 500 otherwise).
func writeScaling(w http.ResponseWriter, st TargetStatus, err error) {
	switch {
	case errors.Is(err, ErrUnknownTarget):
		writeError(w, http.StatusNotFound, err.Error())
	case errors.Is(err, ErrOutOfRange):
		writeError(w, http.StatusUnprocessableEntity, err.Error())
	case errors.Is(err, ErrNoOverride):
		writeError(w, http.StatusConflict, err.Error())
	case err != nil:
		writeError(w, http.StatusInternalServerError, err.Error())
	default:
		writeJSON(w, http.StatusOK, st)
	}
}

// StressRequest is POST /api/stress-test's body; Workers nil (left out)
// is 1. An explicit 0 is outside [1, cpus] and refused, as docs/api.md and
// the OpenAPI document's minimum say: it was taken as 1.
type StressRequest struct {
	Seconds float64 `json:"seconds"`
	Workers *int    `json:"workers,omitempty"`
}

func (s *Server) postStress(w http.ResponseWriter, r *http.Request) {
	if !s.o.StressEnabled {
		writeError(w, http.StatusForbidden, "stress test is off: set PRESCALE_STRESS_TEST_ENABLED=true to enable it")
		return
	}
	var req StressRequest
	if code, err := s.decode(w, r, &req); err != nil {
		writeError(w, code, err.Error())
		return
	}
	d := time.Duration(req.Seconds * float64(time.Second))
	if d <= 0 || d > s.o.StressMax {
		writeError(w, http.StatusUnprocessableEntity, fmt.Sprintf(`field "seconds" must be in (0, %g]`, s.o.StressMax.Seconds()))
		return
	}
	workers := 1
	if req.Workers != nil {
		workers = *req.Workers
	}
	if workers < 1 || workers > runtime.NumCPU() {
		writeError(w, http.StatusUnprocessableEntity, fmt.Sprintf(`field "workers" must be in [1, %d]`, runtime.NumCPU()))
		return
	}
	s.mu.Lock()
	now := s.now()
	if now.Before(s.stressUntil) {
		until := s.stressUntil
		s.mu.Unlock()
		writeError(w, http.StatusConflict, "a stress test is already running until "+until.UTC().Format(time.RFC3339))
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), d)
	s.stressUntil = now.Add(d)
	s.stressStop = cancel
	s.mu.Unlock()
	for range workers {
		go burn(ctx)
	}
	s.o.Logger.Info("stress test started", "seconds", d.Seconds(), "workers", workers)
	writeJSON(w, http.StatusAccepted, map[string]any{"running_until": TimeOf(now.Add(d)), "workers": workers, "seconds": d.Seconds()})
}

// burn keeps one core busy until ctx ends: real CPU load for demos.
func burn(ctx context.Context) {
	x := 1.0
	for ctx.Err() == nil {
		for range 100000 {
			x = x*1.0000001 + 1e-9
		}
	}
	_ = x
}
