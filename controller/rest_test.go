package controller_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller"
	"github.com/prescale/prescale/controller/app"
	"github.com/prescale/prescale/controller/config"
	"github.com/prescale/prescale/controller/state"
	"github.com/prescale/prescale/internal/openapi"
	"github.com/prescale/prescale/internal/testkit"
)

const restToken = "s3cret-token" // PRESCALE_API_TOKEN takes 8 bytes or more

// restApp builds a whole App over an embedded store holding a generated
// trace, with a fixed clock, and runs one cycle.
func restApp(t *testing.T, mutate func(*config.Config)) (*app.App, http.Handler) {
	t.Helper()
	now := time.Date(2026, 3, 2, 12, 0, 30, 0, time.UTC)
	cfg := restConfig(t.TempDir())
	if mutate != nil {
		mutate(&cfg)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	a, err := app.New(cfg, app.Options{Registry: prometheus.NewRegistry(), Listener: ln, Now: func() time.Time { return now }})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, a.Close()) })
	ts, vs := testkit.DailyTrace(576, 5*time.Minute, now.Add(-30*time.Second), 7)
	_, err = a.Store().AppendSeries(t.Context(), testkit.Demand("trace", "gen"), ts, vs)
	require.NoError(t, err)
	require.NoError(t, a.Controller().ReconcileOnce(t.Context()))
	return a, a.Handler()
}

type call struct {
	method, path, body, token string
}

func do(t *testing.T, h http.Handler, c call) (int, map[string]any) {
	t.Helper()
	req := httptest.NewRequestWithContext(t.Context(), c.method, c.path, strings.NewReader(c.body))
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	require.Equal(t, "application/json", rec.Header().Get("Content-Type"), "%s %s: always JSON", c.method, c.path)
	// One line of compact JSON, never cached, on every endpoint: the
	// simulated pool's answer was indented and without Cache-Control.
	var compact bytes.Buffer
	require.NoError(t, json.Compact(&compact, rec.Body.Bytes()), "%s %s: body %q", c.method, c.path, rec.Body.String())
	require.Equal(t, compact.String()+"\n", rec.Body.String(), "%s %s: compact JSON", c.method, c.path)
	require.Equal(t, "no-store", rec.Header().Get("Cache-Control"), "%s %s", c.method, c.path)
	var body map[string]any
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body), "%s %s: body %q", c.method, c.path, rec.Body.String())
	return rec.Code, body
}

func TestRESTEndpoints(t *testing.T) {
	_, h := restApp(t, nil)
	for _, tc := range []struct {
		name string
		c    call
		code int
		keys []string
	}{
		{"metrics", call{method: "GET", path: "/api/metrics"}, 200, []string{"source", "step", "targets"}},
		{"metrics points", call{method: "GET", path: "/api/metrics?points=5"}, 200, []string{"targets"}},
		{"realtime", call{method: "GET", path: "/api/metrics/realtime"}, 200, []string{"samples"}},
		{"predictions", call{method: "GET", path: "/api/predictions"}, 200, []string{"predictions"}},
		{"status", call{method: "GET", path: "/api/scaling/status"}, 200, []string{"targets"}},
		{"health", call{method: "GET", path: "/api/system/health"}, 200, []string{"status", "components", "actuation"}},
		{"verification", call{method: "GET", path: "/api/verification"}, 200, []string{"sources", "simulated_components", "targets"}},
		{"healthz", call{method: "GET", path: "/healthz"}, 200, []string{"status"}},
		{"readyz", call{method: "GET", path: "/readyz"}, 200, []string{"status"}},
		{"index", call{method: "GET", path: "/"}, 200, []string{"endpoints"}},
		{"simulated pool", call{method: "GET", path: "/api/simulated/pool"}, 200, []string{"simulated", "pools"}},
		{"execute", call{method: "POST", path: "/api/scaling/execute", token: restToken, body: `{"target":"web","units":7}`}, 200, []string{"target", "decisions"}},
		// Documented errors, each with a JSON body {"error": ...}.
		{"bad points", call{method: "GET", path: "/api/metrics?points=x"}, 400, []string{"error"}},
		{"missing token", call{method: "POST", path: "/api/scaling/execute", body: `{"target":"web","units":3}`}, 401, []string{"error"}},
		{"wrong token", call{method: "POST", path: "/api/scaling/execute", token: "nope", body: `{"target":"web","units":3}`}, 401, []string{"error"}},
		{"bad JSON", call{method: "POST", path: "/api/scaling/execute", token: restToken, body: `{"target":`}, 400, []string{"error"}},
		{"empty body", call{method: "POST", path: "/api/scaling/execute", token: restToken}, 400, []string{"error"}},
		{"unknown field", call{method: "POST", path: "/api/scaling/execute", token: restToken, body: `{"target":"web","units":3,"x":1}`}, 400, []string{"error"}},
		{"trailing data", call{method: "POST", path: "/api/scaling/execute", token: restToken, body: `{"target":"web","units":3} {}`}, 400, []string{"error"}},
		{"missing target", call{method: "POST", path: "/api/scaling/execute", token: restToken, body: `{"units":3}`}, 400, []string{"error"}},
		{"bad duration", call{method: "POST", path: "/api/scaling/execute", token: restToken, body: `{"target":"web","units":3,"duration":"soon"}`}, 400, []string{"error"}},
		{"unknown target", call{method: "POST", path: "/api/scaling/execute", token: restToken, body: `{"target":"db","units":3}`}, 404, []string{"error"}},
		{"units above max", call{method: "POST", path: "/api/scaling/execute", token: restToken, body: `{"target":"web","units":21}`}, 422, []string{"error"}},
		{"units below min", call{method: "POST", path: "/api/scaling/execute", token: restToken, body: `{"target":"web","units":0}`}, 422, []string{"error"}},
		{"body too large", call{method: "POST", path: "/api/scaling/execute", token: restToken, body: `{"target":"` + strings.Repeat("w", 70<<10) + `"}`}, 413, []string{"error"}},
		{"execute by GET", call{method: "GET", path: "/api/scaling/execute"}, 405, []string{"error"}},
		{"stress by GET", call{method: "GET", path: "/api/stress-test"}, 405, []string{"error"}},
		{"stress off", call{method: "POST", path: "/api/stress-test", token: restToken, body: `{"seconds":0.1}`}, 403, []string{"error"}},
		{"stress needs token", call{method: "POST", path: "/api/stress-test", body: `{"seconds":0.1}`}, 401, []string{"error"}},
		{"unknown path", call{method: "GET", path: "/api/nope"}, 404, []string{"error"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body := do(t, h, tc.c)
			require.Equal(t, tc.code, code, "body: %v", body)
			for _, k := range tc.keys {
				require.Contains(t, body, k)
			}
		})
	}
}

func TestRESTStatusExplainsDecisions(t *testing.T) {
	_, h := restApp(t, nil)
	code, body := do(t, h, call{method: "GET", path: "/api/scaling/status"})
	require.Equal(t, 200, code)
	targets := body["targets"].([]any)
	require.Len(t, targets, 1)
	st := targets[0].(map[string]any)
	require.Equal(t, "web", st["target"])
	require.Equal(t, true, st["simulated"], "the simulated pool says so")
	ds := st["decisions"].([]any)
	require.Len(t, ds, 1)
	d := ds[0].(map[string]any)
	require.Contains(t, d, "reason")
	ex := d["explanation"].(map[string]any)
	for _, k := range []string{"demand", "reactive_floor", "upper_used", "confidence", "rule", "window_end"} {
		require.Contains(t, ex, k)
	}
	require.Equal(t, true, ex["data_present"])

	code, body = do(t, h, call{method: "GET", path: "/api/predictions"})
	require.Equal(t, 200, code)
	p := body["predictions"].([]any)[0].(map[string]any)
	require.NotEmpty(t, p["model"])
	require.NotEmpty(t, p["forecast"])
}

// TestRESTManualDurationPrometheusSyntax: an override's duration reads
// as every duration variable and flag does; 1d was refused with 400.
func TestRESTManualDurationPrometheusSyntax(t *testing.T) {
	_, h := restApp(t, nil)
	for duration, until := range map[string]string{
		"1d":    "2026-03-03T12:00:30Z",
		"1.5d":  "2026-03-04T00:00:30Z",
		"1d12h": "2026-03-04T00:00:30Z",
		"1w":    "2026-03-09T12:00:30Z",
		"90m":   "2026-03-02T13:30:30Z",
	} {
		code, body := do(t, h, call{method: "POST", path: "/api/scaling/execute", token: restToken, body: `{"target":"web","units":9,"duration":"` + duration + `"}`})
		require.Equal(t, 200, code, "%s: %v", duration, body)
		require.Equal(t, map[string]any{"units": 9.0, "until": until}, body["manual"], duration)
	}
	code, body := do(t, h, call{method: "POST", path: "/api/scaling/execute", token: restToken, body: `{"target":"web","units":9,"duration":"2w"}`})
	require.Equal(t, 422, code, "%v", body)
	require.Equal(t, `field "duration" must be at most 168h0m0s, got 336h0m0s`, body["error"])
}

func TestRESTManualScaling(t *testing.T) {
	a, h := restApp(t, nil)
	code, body := do(t, h, call{method: "POST", path: "/api/scaling/execute", token: restToken, body: `{"target":"web","units":9,"duration":"30m"}`})
	require.Equal(t, 200, code, "%v", body)
	ds := body["decisions"].([]any)
	last := ds[len(ds)-1].(map[string]any)
	require.Equal(t, "manual", last["reason"])
	require.InDelta(t, 9, last["desired"], 0)
	ready, prov, ok := a.Pool().Units("web")
	require.True(t, ok)
	require.Equal(t, 9, ready+prov, "the simulated pool was asked for 9 units")
	require.Positive(t, prov, "the units are still provisioning")
	require.InDelta(t, prov, body["pending_units"], 0, "pending: the pool's units not ready yet")
	requireSameCurrentUnits(t, h, body["current_units"])
	require.InDelta(t, 9, body["desired_units"], 0)
	code, body = do(t, h, call{method: "POST", path: "/api/scaling/execute", token: restToken, body: `{"target":"web"}`})
	require.Equal(t, 400, code, "%v", body)
	require.Contains(t, fmt.Sprint(body), `field "units" is required`)
	// The override holds in the next cycle.
	require.NoError(t, a.Controller().ReconcileOnce(t.Context()))
	_, body = do(t, h, call{method: "GET", path: "/api/scaling/status"})
	st := body["targets"].([]any)[0].(map[string]any)
	require.InDelta(t, 9, st["desired_units"], 0)
	// The forecast stays in /api/predictions during the override, with a note.
	_, body = do(t, h, call{method: "GET", path: "/api/predictions"})
	p := body["predictions"].([]any)[0].(map[string]any)
	require.NotEmpty(t, p["forecast"], "%v", p)
	require.Equal(t, "manual override in force: forecast shown, not used by the decision", p["error"])
	// With the simulated pool, current_units in the status, in
	// /api/metrics and prescale_current_units are its ready plus
	// provisioning units, as the last cycle read them (a Kubernetes HPA's
	// current replicas count the pods not ready yet too); pending_units
	// those not ready yet (docs/controller-reference.md, "Current units").
	ready, prov, _ = a.Pool().Units("web")
	require.Positive(t, prov)
	require.InDelta(t, ready+prov, st["current_units"], 0)
	require.InDelta(t, prov, st["pending_units"], 0)
	requireSameCurrentUnits(t, h, st["current_units"])
}

// requireSameCurrentUnits: /api/scaling/status, /api/metrics and
// prescale_current_units give the first target the same current units,
// status (a status's current_units as decoded). The status gave the
// simulated pool's ready units, the other two ready plus provisioning.
func requireSameCurrentUnits(t *testing.T, h http.Handler, status any) {
	t.Helper()
	_, body := do(t, h, call{method: "GET", path: "/api/scaling/status"})
	require.Equal(t, status, body["targets"].([]any)[0].(map[string]any)["current_units"], "/api/scaling/status")
	_, body = do(t, h, call{method: "GET", path: "/api/metrics"})
	require.Equal(t, status, body["targets"].([]any)[0].(map[string]any)["current_units"], "/api/metrics")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequestWithContext(t.Context(), http.MethodGet, "/metrics", nil))
	require.Contains(t, rec.Body.String(), fmt.Sprintf(`prescale_current_units{kind="instances",target="web",tier="web"} %v`, status))
}

func TestRESTPostOffWithoutToken(t *testing.T) {
	_, h := restApp(t, func(c *config.Config) { c.APIToken = "" })
	code, body := do(t, h, call{method: "POST", path: "/api/scaling/execute", token: "anything", body: `{"target":"web","units":3}`})
	require.Equal(t, 403, code)
	require.Contains(t, body["error"], "PRESCALE_API_TOKEN")
}

func TestRESTStressTest(t *testing.T) {
	_, h := restApp(t, func(c *config.Config) { c.StressTest = true; c.StressTestMax = time.Second })
	for _, tc := range []struct {
		name, body string
		code       int
	}{
		{"too long", `{"seconds":5}`, 422},
		{"zero", `{"seconds":0}`, 422},
		{"too many workers", `{"seconds":0.1,"workers":1000}`, 422},
		// Taken as 1 and started (202), where docs/api.md and the OpenAPI
		// document's minimum say [1, cpus].
		{"zero workers", `{"seconds":0.1,"workers":0}`, 422},
		{"negative workers", `{"seconds":0.1,"workers":-1}`, 422},
		{"bad JSON", `{"seconds":`, 400},
		{"started", `{"seconds":1}`, 202},
		{"already running", `{"seconds":0.1}`, 409},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body := do(t, h, call{method: "POST", path: "/api/stress-test", token: restToken, body: tc.body})
			require.Equal(t, tc.code, code, "%v", body)
		})
	}
}

func TestE2ERESTRealtimeEventStream(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test: skipped with -short")
	}
	_, h := restApp(t, nil)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/api/metrics/realtime", nil)
	require.NoError(t, err)
	req.Header.Set("Accept", "text/event-stream")
	resp, err := srv.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"))
	sc := bufio.NewScanner(resp.Body)
	require.True(t, sc.Scan())
	require.Equal(t, "event: sample", sc.Text())
	require.True(t, sc.Scan())
	data, ok := strings.CutPrefix(sc.Text(), "data: ")
	require.True(t, ok)
	var v map[string]any
	require.NoError(t, json.Unmarshal([]byte(data), &v))
	require.Contains(t, v, "samples")
}

func TestSeveralWebhookReceivers(t *testing.T) {
	_, h := restApp(t, func(c *config.Config) {
		c.Actuators = []string{config.ActuatorWebhook}
		c.WebhookURL = []string{"http://127.0.0.1:1/a", "http://127.0.0.1:1/b"}
		c.WebhookReceiver = "ops"
	})
	code, body := do(t, h, call{method: "GET", path: "/api/system/health"})
	require.Contains(t, []int{200, 503}, code)
	// The first cycle scaled up: the unreachable receivers have not
	// acknowledged it, each holds it pending (and is re-sent it).
	acts := body["actuation"].([]any)
	require.Len(t, acts, 2)
	for i, name := range []string{"webhook:ops-1", "webhook:ops-2"} {
		st := acts[i].(map[string]any)
		require.Equal(t, name, st["actuator"])
		require.Equal(t, "web", st["target"])
		require.Equal(t, true, st["pending"])
		require.InDelta(t, 1, st["acknowledged_units"], 0)
	}
}

func TestAppPublishesInfoAndDemand(t *testing.T) {
	for _, tc := range []struct {
		name, mode, want string
	}{
		{"act", controller.ModeAct, `prescale_controller_info{actuator="simulated",mode="act"} 1`},
		{"forecast-only", controller.ModeForecastOnly, `prescale_controller_info{actuator="simulated",mode="forecast-only"} 1`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, h := restApp(t, func(c *config.Config) { c.Mode = tc.mode })
			req := httptest.NewRequestWithContext(t.Context(), http.MethodGet, "/metrics", nil)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			require.Equal(t, http.StatusOK, rec.Code)
			body := rec.Body.String()
			require.Contains(t, body, tc.want)
			// The demand the decision used: the trace's last sample, read at now.
			_, vs := testkit.DailyTrace(576, 5*time.Minute, time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC), 7)
			require.Contains(t, body, fmt.Sprintf(`prescale_demand{kind="instances",target="web",tier="web"} %v`, vs[len(vs)-1]))
		})
	}
}

// restConfig is the configuration of restApp: one "web" target over
// demand{trace="gen"}, a simulated pool, act mode.
func restConfig(dir string) config.Config {
	return config.Config{
		Listen: "127.0.0.1:0", DataDir: dir, QueryTimeout: 5 * time.Second,
		ScrapeInterval: 15 * time.Second, Retention: 720 * time.Hour,
		ScalingInterval: time.Minute, HistoryWindow: 36 * time.Hour, Step: 5 * time.Minute, Coverage: 0.8,
		Mode: controller.ModeAct, AnomalyDetector: "robust", AnomalyThreshold: 0.95,
		Actuators: []string{config.ActuatorSimulated}, WebhookTimeout: time.Second, WebhookRetries: 1,
		ExecTimeout: time.Second, ManualDuration: time.Hour,
		APIToken: restToken, StressTestMax: time.Second,
		TargetName: "web", TargetTier: "web", TargetKind: "instances", TargetQuery: `demand{trace="gen"}`,
		CapacityPerUnit: 10, TargetUtilization: 0.7, MinUnits: 1, MaxUnits: 20, CostPerUnitHour: 0.1,
		Lag: 5 * time.Minute, ScaleDownCooldown: 10 * time.Minute, Tolerance: 0.1, ConfidenceThreshold: 0.7,
	}
}

// blockingCollector holds every Collect until release is closed and says
// when one has started.
type blockingCollector struct {
	entered chan struct{}
	release chan struct{}
}

func (b *blockingCollector) Describe(chan<- *prometheus.Desc) {}

func (b *blockingCollector) Collect(chan<- prometheus.Metric) {
	b.entered <- struct{}{}
	<-b.release
}

// TestMetricsInFlightLimit: PRESCALE_METRICS_MAX_IN_FLIGHT bounds the
// concurrent /metrics requests; one past it is answered 503 at once.
func TestMetricsInFlightLimit(t *testing.T) {
	cfg := restConfig(t.TempDir())
	cfg.MetricsMaxInFlight = 1
	reg := prometheus.NewRegistry()
	bc := &blockingCollector{entered: make(chan struct{}, 1), release: make(chan struct{})}
	reg.MustRegister(bc)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	a, err := app.New(cfg, app.Options{Registry: reg, Listener: ln})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, a.Close()) })
	h := a.Handler()

	first := make(chan int, 1)
	go func() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
		first <- rec.Code
	}()
	<-bc.entered // the first request is gathering
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	require.Equal(t, http.StatusServiceUnavailable, rec.Code, rec.Body.String())
	close(bc.release)
	require.Equal(t, http.StatusOK, <-first)
	doc, err := openapi.Load(openAPIPath)
	require.NoError(t, err)
	_, documented := doc.ResponseSchema(http.MethodGet, "/metrics", rec.Code, strings.Split(rec.Header().Get("Content-Type"), ";")[0])
	require.True(t, documented, "%s does not document the 503 past the limit (%s)", openAPIPath, rec.Header().Get("Content-Type"))
}

// TestStateFileOutOfRange: a state file holding a negative or huge unit
// count (hand-edited, corrupt, or written for other bounds) is clamped to
// the target's bounds with a warning instead of being applied.
func TestStateFileOutOfRange(t *testing.T) {
	dir := t.TempDir()
	const file = `{"version":1,"targets":{"web":{"policy":{"last_desired":1000000000,"has_last":true,"manual":{"units":-4}},"cost_today":-1}}}`
	require.NoError(t, os.WriteFile(filepath.Join(dir, state.FileName), []byte(file), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, state.FileName+".tmp-123"), []byte("{"), 0o644))
	var logs testkit.SyncBuffer
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	a, err := app.New(restConfig(dir), app.Options{Registry: prometheus.NewRegistry(), Listener: ln,
		Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, a.Close()) })
	last, ok := a.Controller().LastDesired("web")
	require.True(t, ok)
	require.Equal(t, 20, last, "clamped to max_units")
	ready, prov, _ := a.Pool().Units("web")
	require.Equal(t, 20, ready+prov, "the pool resumes at the clamped value")
	require.Contains(t, logs.String(), `"state file value out of range"`)
	require.Contains(t, logs.String(), "last_desired 1000000000 outside [1, 20]: 20")
	require.Contains(t, logs.String(), "manual override of -4 units outside [0, 1000000]: dropped")
	require.Contains(t, logs.String(), "removed temporary state files")
	require.NoFileExists(t, filepath.Join(dir, state.FileName+".tmp-123"))
}
