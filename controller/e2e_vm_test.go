package controller_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/api"
	"github.com/prescale/prescale/controller/config"
	"github.com/prescale/prescale/controller/policy"
	"github.com/prescale/prescale/internal/testkit"
)

// tenantGateway stands in for Mimir's or a multi-tenant Thanos' query
// front: without X-Scope-OrgID=tenant it answers 401 "no org id" as they
// do; with it, it proxies to the real server behind.
func tenantGateway(t *testing.T, backend, tenant string) *httptest.Server {
	proxy := forward(t, backend, nil)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Scope-OrgID") != tenant {
			http.Error(w, "no org id", http.StatusUnauthorized)
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// forward proxies to backend through rt (nil: net/http's default
// transport), having read the whole request first, as a query front that
// parses the form does. A reverse proxy streaming the server's request
// body cut answers: after sending a body's Content-Length bytes, net/http's
// transport reads it once more (to check it is not longer); when that
// read comes after the proxy began its answer, the proxy's server has
// drained and closed the body, the read fails ("http: invalid Read on
// closed Body"), and the transport closes its connection to the backend
// mid-answer (golang/go#40747). The proxy then logged "read error during
// body copy: ... use of closed network connection" and the controller
// read "unexpected EOF": TestE2EVictoriaMetrics' first cycle held with
// no_data, on a loaded machine (TestForwardKeepsTheRequestBody).
func forward(t testing.TB, backend string, rt http.RoundTripper) http.Handler {
	u, err := url.Parse(backend)
	require.NoError(t, err)
	proxy := httputil.NewSingleHostReverseProxy(u)
	proxy.Transport = rt
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, "reading the request: "+err.Error(), http.StatusBadRequest)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(b))
		proxy.ServeHTTP(w, r)
	})
}

// TestE2EVictoriaMetrics: 14 days of 5-minute history imported into a real
// VictoriaMetrics single-node through /api/v1/import, read through a
// tenant gateway with PRESCALE_PROMETHEUS_HEADERS; the controller forecasts
// from it on its first cycle and decides (a scale-up webhook). The same
// controller without the tenant header holds, with the gateway's refusal
// as the target's reason.
func TestE2EVictoriaMetrics(t *testing.T) {
	ctx := t.Context()
	vm := startVM(ctx, t)
	now := time.Now()
	s := traceSeries("web", 14*288, 5*time.Minute, now.Add(-time.Second), 7)
	vm.importSeries(ctx, []vmSeries{s})
	gw := tenantGateway(t, vm.URL(), "tenant1")

	sink := newWebhookSink(t)
	cfg := e2eConfig(gw.URL, sink.srv.URL, t.TempDir())
	cfg.PrometheusHeaders = []string{"X-Scope-OrgID=tenant1"}
	cfg.Step, cfg.HistoryWindow, cfg.ScalingInterval, cfg.Retention = 5*time.Minute, 14*24*time.Hour, time.Hour, 14*24*time.Hour
	cfg.TargetName, cfg.TargetQuery, cfg.CapacityPerUnit, cfg.TargetUtilization = "web", vmSelector(s), 10, 0.7
	cfg.Lag, cfg.MaxUnits = 10*time.Minute, 50
	base, _ := runApp(ctx, t, cfg)

	var st []api.TargetStatus
	testkit.Eventually(ctx, t, 90*time.Second, "first cycle decides from VictoriaMetrics' history", func() error {
		var err error
		if st, err = getStatus(ctx, base); err != nil {
			return err
		}
		if len(st) != 1 || len(st[0].Decisions) == 0 {
			return fmt.Errorf("no decision yet: %+v", st)
		}
		return nil
	})
	first := st[0].Decisions[0]
	require.InDelta(t, 14*288, countPoints(ctx, t, base), 2, "the whole window was read; the first decision: %+v", first)
	require.Positive(t, first.Explanation.ForecastPoints, "the first cycle's decision used a forecast: %+v", first)
	require.True(t, first.Explanation.DataPresent)
	require.Greater(t, first.Desired, 1, "demand around 50 needs more than one unit of 7")
	var preds struct{ Predictions []api.Prediction }
	_, err := testkit.GetJSON(ctx, base+"/api/predictions", &preds)
	require.NoError(t, err)
	require.Len(t, preds.Predictions, 1)
	require.NotEmpty(t, preds.Predictions[0].Forecast, "a calibrated forecast is published: %+v", preds.Predictions[0])
	require.Empty(t, preds.Predictions[0].Error)
	testkit.Eventually(ctx, t, 30*time.Second, "scale-up webhook", func() error {
		if len(sink.all()) == 0 {
			return fmt.Errorf("no webhook yet")
		}
		return nil
	})
	require.Equal(t, fmt.Sprint(first.Desired), sink.all()[0].Alerts[0].Annotations["desired_units"])

	// Without the tenant header the gateway refuses: the controller holds
	// and says why, per target and in health.
	cfg.PrometheusHeaders = nil
	cfg.DataDir = t.TempDir()
	base2, _ := runApp(ctx, t, cfg)
	testkit.Eventually(ctx, t, 60*time.Second, "the refusal is the target's reason", func() error {
		var h api.Health
		if _, err := testkit.GetJSON(ctx, base2+"/api/system/health", &h); err != nil {
			return err
		}
		if h.LastCycle.IsZero() {
			return fmt.Errorf("no cycle yet")
		}
		if h.Status != "degraded" || h.Components[0].Healthy || !strings.Contains(h.Components[0].LastError, "401") {
			return fmt.Errorf("health: %+v", h)
		}
		return nil
	})
	st2, err := getStatus(ctx, base2)
	require.NoError(t, err)
	require.Equal(t, "no_data", string(st2[0].Decisions[0].Reason))
	require.Contains(t, st2[0].HistoryError, "client error: 401 (the server refused the request: a tenant header such as X-Scope-OrgID or credentials are missing or wrong; see PRESCALE_PROMETHEUS_HEADERS, or the user and password in PRESCALE_PROMETHEUS_URL for basic auth; prescale backtest: --header, --prometheus): \"no org id\"")
	require.NotContains(t, st2[0].HistoryError, "tenant1", "header values are never shown")
}

// getStatus reads /api/scaling/status.
func getStatus(ctx context.Context, base string) ([]api.TargetStatus, error) {
	var st struct{ Targets []api.TargetStatus }
	_, err := testkit.GetJSON(ctx, base+"/api/scaling/status", &st)
	return st.Targets, err
}

// countPoints is the number of history points /api/verification reports
// for the only target.
func countPoints(ctx context.Context, t *testing.T, base string) int {
	t.Helper()
	var v api.Verification
	_, err := testkit.GetJSON(ctx, base+"/api/verification", &v)
	require.NoError(t, err)
	require.Len(t, v.Targets, 1)
	return v.Targets[0].Present
}

// badFront sits between the controller and real VictoriaMetrics servers
// and answers as a misconfigured or overloaded history source would.
type badFront struct {
	mode    atomic.Value // string
	good    http.Handler
	limited http.Handler
}

func (f *badFront) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch f.mode.Load().(string) {
	case "good":
		f.good.ServeHTTP(w, r)
	case "limit": // a server whose -search.maxSamplesPerQuery the query exceeds
		f.limited.ServeHTTP(w, r)
	case "html": // a web page where the API was expected
		w.Header().Set("Content-Type", "text/html")
		_, _ = io.WriteString(w, "<html><body>Grafana</body></html>")
	case "notfound": // a server without the API under this path
		http.NotFound(w, r)
	case "down": // the connection drops
		if c, _, err := http.NewResponseController(w).Hijack(); err == nil {
			_ = c.Close()
		}
	}
}

// TestE2EBadHistoryAnswers: a source that drops connections, answers with
// HTML, answers 404, or refuses the query for exceeding its limits (a real
// VictoriaMetrics with -search.maxSamplesPerQuery) gives every target a
// clear reason in /api/scaling/status and in health; the controller holds
// the units it decided from good history (never scales down on them) and
// keeps running.
func TestE2EBadHistoryAnswers(t *testing.T) {
	ctx := t.Context()
	now := time.Now()
	s := traceSeries("web", 14*288, 5*time.Minute, now.Add(-time.Second), 11)
	good := startVM(ctx, t)
	good.importSeries(ctx, []vmSeries{s})
	limited := startVM(ctx, t, "-search.maxSamplesPerQuery=1000")
	limited.importSeries(ctx, []vmSeries{s})
	front := &badFront{good: forward(t, good.URL(), nil), limited: forward(t, limited.URL(), nil)}
	front.mode.Store("good")
	srv := httptest.NewServer(front)
	t.Cleanup(srv.Close)

	cfg := e2eConfig(srv.URL, "http://127.0.0.1:1", t.TempDir())
	cfg.Actuators = []string{config.ActuatorNone}
	cfg.Step, cfg.HistoryWindow, cfg.Retention = 5*time.Minute, 14*24*time.Hour, 14*24*time.Hour
	cfg.TargetName, cfg.TargetQuery, cfg.CapacityPerUnit, cfg.TargetUtilization = "web", vmSelector(s), 10, 0.7
	cfg.Lag, cfg.MaxUnits, cfg.ScaleDownCooldown = 10*time.Minute, 50, 0
	base, _ := runApp(ctx, t, cfg)
	var desired int
	// A cycle that ran before VictoriaMetrics served the imported samples
	// holds at min_units with no data: wait for one that read them.
	testkit.Eventually(ctx, t, 60*time.Second, "a decision from good history", func() error {
		st, err := getStatus(ctx, base)
		if err != nil || len(st) != 1 || len(st[0].Decisions) == 0 {
			return fmt.Errorf("no decision yet: %w", err)
		}
		if last := st[0].Decisions[len(st[0].Decisions)-1]; !last.Explanation.DataPresent {
			return fmt.Errorf("the last decision had no data: %+v", last)
		}
		desired = unitsOf(st[0].Desired)
		return nil
	})
	require.Greater(t, desired, 1)

	// A refused query (over the store's limits) is the target's query at
	// fault (reason bad_query); the others are the source (no_data).
	for _, c := range []struct {
		mode, reason string
		held         policy.Reason
	}{
		{"limit", "the store could not evaluate the query: cannot select more than -search.maxSamplesPerQuery=1000 samples", "bad_query"},
		{"html", "the answer is not the Prometheus HTTP API's JSON (is PRESCALE_PROMETHEUS_URL the API's base URL?)", "no_data"},
		{"notfound", "client error: 404 (no Prometheus query API at this URL", "no_data"},
		{"down", "EOF", "no_data"},
	} {
		front.mode.Store(c.mode)
		cycles, err := scrapeGauge(ctx, base+"/metrics", "prescale_cycles_total", nil)
		require.NoError(t, err)
		testkit.Eventually(ctx, t, 30*time.Second, c.mode+": the reason shows", func() error {
			st, err := getStatus(ctx, base)
			if err != nil {
				return err
			}
			n, err := scrapeGauge(ctx, base+"/metrics", "prescale_cycles_total", nil)
			if err != nil {
				return err
			}
			if n < cycles+2 || !strings.Contains(st[0].HistoryError, c.reason) {
				return fmt.Errorf("after %v cycles: history_error %q", n-cycles, st[0].HistoryError)
			}
			if err := heldFromGood(st[0], c.held, desired); err != nil {
				return err
			}
			var h api.Health
			if _, err := testkit.GetJSON(ctx, base+"/api/system/health", &h); err != nil {
				return err
			}
			if h.Status != "degraded" || !strings.Contains(h.Components[1].Detail, "web: ") || !strings.Contains(h.Components[1].Detail, c.reason) {
				return fmt.Errorf("health: %+v", h.Components)
			}
			return nil
		})
		front.mode.Store("good")
		testkit.Eventually(ctx, t, 30*time.Second, c.mode+": recovered", func() error {
			st, err := getStatus(ctx, base)
			if err != nil {
				return err
			}
			if st[0].HistoryError != "" {
				return fmt.Errorf("history_error %q", st[0].HistoryError)
			}
			desired = unitsOf(st[0].Desired)
			return nil
		})
	}
}

// heldFromGood checks that ts's trailing decisions with reason held (one
// at least) and its desired units keep the units of the decision on good
// history just before them. The units decided on good history move with
// the wall clock (the window's end steps every 5 minutes), so a run
// crossing a step decides other units than before it: the reference is
// that last good decision, or lastGood (the units the test last saw
// decided on good history) once it has left the kept decisions.
func heldFromGood(ts api.TargetStatus, held policy.Reason, lastGood int) error {
	ds := ts.Decisions
	if len(ds) == 0 || ds[len(ds)-1].Reason != held {
		return fmt.Errorf("not held: want a last decision with reason %s, decisions %+v", held, ds)
	}
	i := len(ds) - 1
	for i >= 0 && ds[i].Reason == held {
		i--
	}
	ref := lastGood
	if i >= 0 {
		if !ds[i].Explanation.DataPresent {
			return fmt.Errorf("the decision before the hold had no data: %+v", ds[i])
		}
		ref = ds[i].Desired
	}
	for _, d := range ds[i+1:] {
		if d.Desired != ref {
			return fmt.Errorf("not held: %s decided %d units, the last decision on good history %d", held, d.Desired, ref)
		}
	}
	if unitsOf(ts.Desired) != ref {
		return fmt.Errorf("not held: desired %d, the last decision on good history %d", unitsOf(ts.Desired), ref)
	}
	return nil
}
