package controller_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller"
	"github.com/prescale/prescale/controller/actuator"
	"github.com/prescale/prescale/controller/app"
	"github.com/prescale/prescale/controller/config"
	"github.com/prescale/prescale/internal/testkit"
)

// webhookSink is an httptest receiver that records Alertmanager messages.
type webhookSink struct {
	mu   sync.Mutex
	msgs []actuator.Message
	srv  *httptest.Server
}

func newWebhookSink(t *testing.T) *webhookSink {
	s := &webhookSink{}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m, ok := readMessage(w, r)
		if !ok {
			return
		}
		s.mu.Lock()
		s.msgs = append(s.msgs, m)
		s.mu.Unlock()
	}))
	t.Cleanup(s.srv.Close)
	return s
}

// readMessage decodes an Alertmanager message of at most 1 MiB from r's
// body; a body that is not one is answered 400 and ok is false.
func readMessage(w http.ResponseWriter, r *http.Request) (m actuator.Message, ok bool) {
	b, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil || json.Unmarshal(b, &m) != nil {
		http.Error(w, "bad payload", http.StatusBadRequest)
		return m, false
	}
	return m, true
}

func (s *webhookSink) all() []actuator.Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]actuator.Message(nil), s.msgs...)
}

// e2eConfig is a controller configuration for the end-to-end tests: one
// target whose demand is the exporter's cpu count, so the decision is
// known: ceil(cpus / (1 * 0.5)) = 2 * cpus units (see wantUnits). Its
// query timeout is the production default (30 s): the tests that read
// 14 days from a real VictoriaMetrics through it read the whole window at
// their first cycle, which a loaded machine under -race can take more than
// a few seconds over.
func e2eConfig(promURL, webhookURL, dataDir string) config.Config {
	return config.Config{
		Listen: "127.0.0.1:0", DataDir: dataDir, PrometheusURL: promURL, QueryTimeout: 30 * time.Second,
		ScrapeInterval: time.Second, Retention: time.Hour,
		ScalingInterval: time.Second, HistoryWindow: 2 * time.Minute, Step: time.Second, Coverage: 0.8,
		Mode: controller.ModeAct, AnomalyDetector: "robust", AnomalyThreshold: 0.95,
		Actuators: []string{config.ActuatorWebhook}, WebhookURL: []string{webhookURL}, WebhookReceiver: "e2e",
		WebhookTimeout: 2 * time.Second, WebhookRetries: 3, ExecTimeout: time.Second,
		ManualDuration: time.Hour, StressTestMax: time.Second,
		TargetName: "e2e", TargetTier: "web", TargetKind: "instances",
		TargetQuery: `max(prescale_cpus)`, CapacityPerUnit: 1, TargetUtilization: 0.5,
		MinUnits: 1, MaxUnits: 1024, Lag: 2 * time.Second, ScaleDownCooldown: time.Hour,
		ConfidenceThreshold: 0.7,
	}
}

// wantUnits is the decision the e2e target must reach: the exporter's cpu
// count (read from its own exposition, which may differ from
// runtime.NumCPU under a cpuset) over 1 * 0.5 per unit.
func wantUnits(t *testing.T, exporterURL string) float64 {
	t.Helper()
	cpus, err := scrapeGauge(t.Context(), exporterURL, "prescale_cpus", nil)
	require.NoError(t, err)
	require.Positive(t, cpus)
	return 2 * cpus
}

// runApp starts an App and returns its base URL and a stop function that
// waits for Run to return.
func runApp(ctx context.Context, t *testing.T, cfg config.Config) (string, func()) {
	t.Helper()
	return runAppLogged(ctx, t, cfg, nil)
}

// runAppLogged is runApp with the App logging to logger (nil discards).
func runAppLogged(ctx context.Context, t *testing.T, cfg config.Config, logger *slog.Logger) (string, func()) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	reg := prometheus.NewRegistry()
	a, err := app.New(cfg, app.Options{Registry: reg, Listener: ln, Logger: logger,
		WebhookWait: func(ctx context.Context, _ time.Duration) error { return ctx.Err() }})
	require.NoError(t, err)
	stop := testkit.Background(ctx, t, a.Run)
	return a.URL(), stop
}

// TestE2ERealPrometheus runs exporter → real Prometheus → controller →
// decision metrics and an Alertmanager v4 webhook; then stops Prometheus
// (the controller holds its decision and reports unhealthy), starts it again
// (the controller recovers), and restarts the controller (no spurious
// scaling action).
func TestE2ERealPrometheus(t *testing.T) {
	requireBinary(t, "prometheus")
	ctx := t.Context()

	eaddr := startExporter(t)

	// Real Prometheus scraping the exporter every second.
	prom := newPromServer(t, t.TempDir(), testkit.PrometheusConfig(t, "prescale-exporter", eaddr.String()))
	prom.Start(ctx)

	sink := newWebhookSink(t)
	dataDir := t.TempDir()
	cfg := e2eConfig(prom.URL(), sink.srv.URL, dataDir)
	want := wantUnits(t, "http://"+eaddr.String()+"/metrics")
	sel := map[string]string{"target": "e2e", "tier": "web", "kind": "instances"}

	url, stop := runApp(ctx, t, cfg)
	testkit.Eventually(ctx, t, 60*time.Second, "controller publishes the decision from Prometheus data", func() error {
		v, err := scrapeGauge(ctx, url+"/metrics", "prescale_desired_units", sel)
		if err != nil {
			return err
		}
		if v != want {
			return fmt.Errorf("prescale_desired_units = %v, want %v", v, want)
		}
		return nil
	})
	testkit.Eventually(ctx, t, 30*time.Second, "webhook delivered", func() error {
		if len(sink.all()) == 0 {
			return fmt.Errorf("no webhook yet")
		}
		return nil
	})
	msgs := sink.all()
	require.Len(t, msgs, 1, "one scale-up, one webhook")
	m := msgs[0]
	require.Equal(t, "4", m.Version)
	require.Equal(t, "firing", m.Status)
	require.Equal(t, "e2e", m.Receiver)
	require.NotEmpty(t, m.GroupKey)
	require.Equal(t, "e2e", m.CommonLabels["target"])
	require.Len(t, m.Alerts, 1)
	a := m.Alerts[0]
	require.Equal(t, "up", a.Labels["direction"])
	require.Equal(t, strconv.Itoa(int(want)), a.Annotations["desired_units"])
	require.Equal(t, "1", a.Annotations["current_units"])
	require.NotEmpty(t, a.Fingerprint)
	require.False(t, a.StartsAt.IsZero())
	require.NotEmpty(t, a.Annotations["description"], "the explanation travels with the webhook")
	for _, name := range []string{"prescale_decision_confidence", "prescale_current_units"} {
		_, err := scrapeGauge(ctx, url+"/metrics", name, sel)
		require.NoError(t, err, name)
	}
	// Seconds of history: the cold-start forecaster publishes a forecast
	// once Prometheus holds a few points (the first decision can come from
	// the reactive floor before it, on a loaded machine), with a physically
	// possible interval and a low confidence.
	fc := map[string]float64{}
	testkit.Eventually(ctx, t, 30*time.Second, "cold-start forecast published", func() error {
		for _, name := range []string{"prescale_forecast", "prescale_forecast_lower", "prescale_forecast_upper", "prescale_decision_confidence"} {
			v, err := scrapeGauge(ctx, url+"/metrics", name, sel)
			if err != nil {
				return err
			}
			fc[name] = v
		}
		return nil
	})
	require.GreaterOrEqual(t, fc["prescale_forecast_lower"], 0.0)
	require.LessOrEqual(t, fc["prescale_forecast_lower"], fc["prescale_forecast"])
	require.LessOrEqual(t, fc["prescale_forecast"], fc["prescale_forecast_upper"])
	require.Less(t, fc["prescale_decision_confidence"], 0.7, "seconds of evidence: low confidence")
	v, err := scrapeGauge(ctx, url+"/metrics", "prescale_history_up", nil)
	require.NoError(t, err)
	require.InDelta(t, 1.0, v, 0)

	// Prometheus goes away: the decision is held, health turns degraded.
	prom.Stop()
	testkit.Eventually(ctx, t, 30*time.Second, "controller reports the history source down", func() error {
		v, err := scrapeGauge(ctx, url+"/metrics", "prescale_history_up", nil)
		if err != nil {
			return err
		}
		if v != 0 {
			return fmt.Errorf("prescale_history_up = %v", v)
		}
		var h map[string]any
		code, err := testkit.GetJSON(ctx, url+"/api/system/health", &h)
		if err != nil {
			return err
		}
		if code != http.StatusServiceUnavailable || h["status"] != "degraded" {
			return fmt.Errorf("health %d %v", code, h["status"])
		}
		return nil
	})
	failedBefore, err := scrapeGauge(ctx, url+"/metrics", "prescale_cycles_failed_total", nil)
	require.NoError(t, err)
	testkit.Eventually(ctx, t, 30*time.Second, "more failed cycles while Prometheus is down", func() error {
		v, err := scrapeGauge(ctx, url+"/metrics", "prescale_cycles_failed_total", nil)
		if err != nil {
			return err
		}
		if v < failedBefore+2 {
			return fmt.Errorf("cycles_failed_total = %v", v)
		}
		return nil
	})
	v, err = scrapeGauge(ctx, url+"/metrics", "prescale_desired_units", sel)
	require.NoError(t, err)
	require.InDelta(t, want, v, 0, "decision held while the history source is down")
	noData, err := scrapeGauge(ctx, url+"/metrics", "prescale_decisions_total", map[string]string{"target": "e2e", "direction": "none", "reason": "no_data"})
	require.NoError(t, err)
	require.Positive(t, noData)
	var ready map[string]string
	code, err := testkit.GetJSON(ctx, url+"/readyz", &ready)
	require.NoError(t, err)
	require.Equal(t, http.StatusServiceUnavailable, code)
	require.Contains(t, ready["error"], "history source down")
	require.Len(t, sink.all(), 1, "no scaling while data is missing")

	// Prometheus is back: the controller recovers.
	prom.Start(ctx)
	testkit.Eventually(ctx, t, 60*time.Second, "controller recovers", func() error {
		var h map[string]any
		code, err := testkit.GetJSON(ctx, url+"/api/system/health", &h)
		if err != nil {
			return err
		}
		if code != http.StatusOK {
			return fmt.Errorf("health %d: %v", code, h)
		}
		return nil
	})
	v, err = scrapeGauge(ctx, url+"/metrics", "prescale_desired_units", sel)
	require.NoError(t, err)
	require.InDelta(t, want, v, 0)

	// Controller restart with the same data directory: the persisted state
	// says the units are already there, so nothing is sent.
	stop()
	sent := len(sink.all())
	url2, _ := runApp(ctx, t, cfg)
	testkit.Eventually(ctx, t, 60*time.Second, "restarted controller completes cycles with data", func() error {
		n, err := scrapeGauge(ctx, url2+"/metrics", "prescale_cycles_total", nil)
		if err != nil {
			return err
		}
		up, err := scrapeGauge(ctx, url2+"/metrics", "prescale_history_healthy", nil)
		if err != nil {
			return err
		}
		if n < 3 || up != 1 {
			return fmt.Errorf("cycles %v, healthy %v", n, up)
		}
		return nil
	})
	v, err = scrapeGauge(ctx, url2+"/metrics", "prescale_desired_units", sel)
	require.NoError(t, err)
	require.InDelta(t, want, v, 0)
	ups, err := scrapeGauge(ctx, url2+"/metrics", "prescale_decisions_total", map[string]string{"target": "e2e", "direction": "up"})
	require.NoError(t, err)
	require.Zero(t, ups, "no scale-up after a restart")
	require.Len(t, sink.all(), sent, "no webhook after a restart")
}

// TestE2EEmbeddedScrapesExporter runs the controller without a Prometheus
// server: its embedded TSDB scrapes the exporter over HTTP, and the same
// demand query gives the same decision as with a real Prometheus.
func TestE2EEmbeddedScrapesExporter(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test: skipped with -short")
	}
	ctx := t.Context()
	eaddr := startExporter(t)

	sink := newWebhookSink(t)
	cfg := e2eConfig("", sink.srv.URL, t.TempDir())
	cfg.ScrapeTargets = []string{"http://" + eaddr.String() + "/metrics"}
	url, _ := runApp(ctx, t, cfg)
	want := wantUnits(t, cfg.ScrapeTargets[0])
	testkit.Eventually(ctx, t, 60*time.Second, "decision from the embedded store", func() error {
		v, err := scrapeGauge(ctx, url+"/metrics", "prescale_desired_units", map[string]string{"target": "e2e"})
		if err != nil {
			return err
		}
		if v != want {
			return fmt.Errorf("prescale_desired_units = %v, want %v", v, want)
		}
		return nil
	})
	var ver struct {
		Sources []struct {
			Kind  string           `json:"kind"`
			Stats map[string]int64 `json:"stats"`
		} `json:"sources"`
	}
	code, err := testkit.GetJSON(ctx, url+"/api/verification", &ver)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, "embedded-tsdb", ver.Sources[0].Kind)
	require.Positive(t, ver.Sources[0].Stats["samples_appended_since_start"])
	require.Contains(t, ver.Sources[0].Stats, "staleness_markers_since_start", "counted apart from the samples")
	testkit.Eventually(ctx, t, 30*time.Second, "webhook delivered", func() error {
		if len(sink.all()) == 0 {
			return fmt.Errorf("no webhook yet")
		}
		return nil
	})
}
