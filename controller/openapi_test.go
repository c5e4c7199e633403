package controller_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/gorilla/mux"
	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/config"
	"github.com/prescale/prescale/internal/openapi"
)

// openAPIPath is the REST API's OpenAPI document.
const openAPIPath = "api/openapi.yaml"

// routes walks the app's router: "METHOD /path" for every route.
func routes(t *testing.T, h http.Handler) []string {
	t.Helper()
	r, ok := h.(*mux.Router)
	require.True(t, ok, "the app's handler is %T, not the gorilla/mux router", h)
	var out []string
	require.NoError(t, r.Walk(func(route *mux.Route, _ *mux.Router, _ []*mux.Route) error {
		path, err := route.GetPathTemplate()
		if err != nil {
			return err
		}
		ms, err := route.GetMethods()
		require.NoError(t, err, "route %s accepts any method: give it Methods(...)", path)
		for _, m := range ms {
			out = append(out, m+" "+path)
		}
		return nil
	}))
	slices.Sort(out)
	return out
}

// TestOpenAPICoversEveryRoute fails when the router serves an operation the
// document lacks, or the document describes one the router does not serve
// (method and path). The app runs with the simulated actuator, so its
// optional /api/simulated/pool route is there too.
func TestOpenAPICoversEveryRoute(t *testing.T) {
	doc, err := openapi.Load(openAPIPath)
	require.NoError(t, err)
	_, h := restApp(t, nil)
	require.Equal(t, doc.Operations(), routes(t, h), "router (right) vs %s (left)", openAPIPath)
}

// TestIndexNamesEveryRoute: GET / lists every operation the router
// serves; it left out the simulated actuator's /api/simulated/pool.
func TestIndexNamesEveryRoute(t *testing.T) {
	_, h := restApp(t, nil)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	require.Equal(t, http.StatusOK, rec.Code)
	var index struct{ Endpoints []string }
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &index))
	want := slices.DeleteFunc(routes(t, h), func(r string) bool { return r == "GET /" })
	slices.Sort(index.Endpoints)
	require.Equal(t, want, index.Endpoints)
}

// TestREADMEListsEveryEndpoint: docs/api.md's REST table has a row for
// every path and method of the document (it had none for GET /).
func TestREADMEListsEveryEndpoint(t *testing.T) {
	doc, err := openapi.Load(openAPIPath)
	require.NoError(t, err)
	readme, err := os.ReadFile("../docs/api.md")
	require.NoError(t, err)
	row := regexp.MustCompile("(?m)^\\| (`/[^|]*) \\| (GET|POST|DELETE) \\|")
	listed := map[string]bool{}
	for _, m := range row.FindAllStringSubmatch(string(readme), -1) {
		for _, p := range regexp.MustCompile("`(/[^`?]*)").FindAllStringSubmatch(m[1], -1) {
			listed[m[2]+" "+p[1]] = true
		}
	}
	for _, op := range doc.Operations() {
		require.True(t, listed[op], "docs/api.md's REST table has no row for %s", op)
	}
}

// openAPICall is one request whose answer is checked against the document.
type openAPICall struct {
	method, path, body string
	token              bool
	contentType        string // none: taken as JSON
}

// TestOpenAPIAnswers sends real requests to an app after two decision
// cycles and a manual scaling, and validates every JSON answer against the
// document's schema for its status code (an undocumented status fails);
// then the override's early end (DELETE) and the decision after it, whose
// explanation holds manual_ended.
func TestOpenAPIAnswers(t *testing.T) {
	doc, err := openapi.Load(openAPIPath)
	require.NoError(t, err)
	a, h := restApp(t, func(c *config.Config) { c.StressTest = true })
	require.NoError(t, a.Controller().ReconcileOnce(t.Context()))
	calls := []openAPICall{
		{method: "POST", path: "/api/scaling/execute", body: `{"target":"web","units":3,"duration":"30m"}`, token: true},
		{method: "GET", path: "/"},
		{method: "GET", path: "/api/metrics?points=5"},
		{method: "GET", path: "/api/metrics?points=0"},
		{method: "GET", path: "/api/metrics/realtime"},
		{method: "GET", path: "/api/predictions"},
		{method: "GET", path: "/api/scaling/status"},
		{method: "GET", path: "/api/system/health"},
		{method: "GET", path: "/api/verification"},
		{method: "GET", path: "/api/simulated/pool"},
		{method: "GET", path: "/healthz"},
		{method: "GET", path: "/readyz"},
		{method: "POST", path: "/api/scaling/execute", body: `{"target":"web","units":3}`},
		{method: "POST", path: "/api/scaling/execute", body: `{"target":"nope","units":3}`, token: true},
		{method: "POST", path: "/api/scaling/execute", body: `{"target":"web","units":999}`, token: true},
		{method: "POST", path: "/api/scaling/execute", body: `{"target":"web"}`, token: true},
		{method: "POST", path: "/api/scaling/execute", body: strings.Repeat(" ", 70<<10) + "{}", token: true},
		{method: "POST", path: "/api/stress-test", body: `{"seconds":0.01}`, token: true},
		{method: "POST", path: "/api/stress-test", body: `{"seconds":-1}`, token: true},
		// 415 was answered but not documented.
		{method: "POST", path: "/api/scaling/execute", body: `{"target":"web","units":3}`, token: true, contentType: "text/plain"},
		{method: "POST", path: "/api/stress-test", body: `{"seconds":0.01}`, token: true, contentType: "application/x-www-form-urlencoded"},
		// Ending the override the first call set: DELETE's answers were
		// documented but never checked against a real one.
		{method: "DELETE", path: "/api/scaling/execute?target=web", token: true},
		{method: "DELETE", path: "/api/scaling/execute?target=web", token: true},
		{method: "DELETE", path: "/api/scaling/execute?target=nope", token: true},
		{method: "DELETE", path: "/api/scaling/execute", token: true},
		{method: "DELETE", path: "/api/scaling/execute?target=web"},
	}
	var deletes []int
	answer := func(c openAPICall) any {
		req := httptest.NewRequestWithContext(t.Context(), c.method, c.path, strings.NewReader(c.body))
		if c.token {
			req.Header.Set("Authorization", "Bearer "+restToken)
		}
		if c.contentType != "" {
			req.Header.Set("Content-Type", c.contentType)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		path, _, _ := strings.Cut(c.path, "?")
		schema, ok := doc.ResponseSchema(c.method, path, rec.Code, "application/json")
		require.True(t, ok, "%s %s answered %d, which %s does not document: %s", c.method, c.path, rec.Code, openAPIPath, rec.Body)
		var body any
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body), "%s %s", c.method, c.path)
		require.NoError(t, doc.Validate(schema, body), "%s %s (%d): %s", c.method, c.path, rec.Code, rec.Body)
		if c.method == "DELETE" {
			deletes = append(deletes, rec.Code)
		}
		return body
	}
	for _, c := range calls {
		answer(c)
	}
	require.Equal(t, []int{200, 409, 404, 400, 401}, deletes, "the DELETE calls answered as meant")

	// The next decision names the ended override (manual_ended): its
	// schema is checked on a real answer too.
	require.NoError(t, a.Controller().ReconcileOnce(t.Context()))
	status := answer(openAPICall{method: "GET", path: "/api/scaling/status"}).(map[string]any)
	ds := status["targets"].([]any)[0].(map[string]any)["decisions"].([]any)
	ex := ds[len(ds)-1].(map[string]any)["explanation"].(map[string]any)
	require.Contains(t, ex, "manual_ended", "the schema was checked on an answer holding it")
}
