package controller_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller"
	"github.com/prescale/prescale/controller/actuator"
	"github.com/prescale/prescale/controller/app"
	"github.com/prescale/prescale/controller/config"
	"github.com/prescale/prescale/controller/history"
	"github.com/prescale/prescale/controller/state"
	"github.com/prescale/prescale/internal/testkit"
)

// flakyReceiver is an Alertmanager-webhook receiver on loopback that
// answers 500 while failing and records what it accepted and refused.
type flakyReceiver struct {
	mu       sync.Mutex
	failing  bool
	accepted []actuator.Message
	refused  []actuator.Message
	srv      *httptest.Server
}

func newFlakyReceiver(t *testing.T) *flakyReceiver {
	r := &flakyReceiver{failing: true}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		m, ok := readMessage(w, req)
		if !ok {
			return
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		if r.failing {
			r.refused = append(r.refused, m)
			http.Error(w, "receiver down", http.StatusInternalServerError)
			return
		}
		r.accepted = append(r.accepted, m)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *flakyReceiver) setFailing(f bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failing = f
}

// holds returns the desired units of the last accepted message ("" for none)
// and the desired units of every refused one.
func (r *flakyReceiver) holds() (string, []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var refused []string
	for _, m := range r.refused {
		refused = append(refused, m.Alerts[0].Annotations["desired_units"])
	}
	if len(r.accepted) == 0 {
		return "", refused
	}
	return r.accepted[len(r.accepted)-1].Alerts[0].Annotations["desired_units"], refused
}

// fingerprints returns the distinct alert fingerprints of the messages
// for desired units the receiver got.
func (r *flakyReceiver) fingerprints(desired string) map[string]bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[string]bool{}
	for _, m := range append(append([]actuator.Message(nil), r.refused...), r.accepted...) {
		if m.Alerts[0].Annotations["desired_units"] == desired {
			out[m.Alerts[0].Fingerprint] = true
		}
	}
	return out
}

// webhookConfig is the configuration of the actuation tests: one target,
// host-cpu, whose demand 0.1 needs the minimum (1 unit), so only a manual
// scaling moves it, acted on through the webhook at url (2 attempts of
// 1 s), a cycle every 2 s.
func webhookConfig(url, dataDir string) config.Config {
	return config.Config{
		Listen: "127.0.0.1:0", DataDir: dataDir, QueryTimeout: 5 * time.Second,
		ScrapeInterval: time.Second, Retention: time.Hour,
		ScalingInterval: 2 * time.Second, HistoryWindow: time.Minute, Step: time.Second, Coverage: 0.8,
		Mode: controller.ModeAct, AnomalyDetector: "robust", AnomalyThreshold: 0.95,
		Actuators: []string{config.ActuatorWebhook}, WebhookURL: []string{url}, WebhookReceiver: "e2e",
		WebhookTimeout: time.Second, WebhookRetries: 2, ExecTimeout: time.Second,
		ManualDuration: time.Hour, StressTestMax: time.Second, APIToken: "e2e-token",
		TargetName: "host-cpu", TargetTier: "web", TargetKind: "instances",
		TargetQuery: `vector(0.1)`, CapacityPerUnit: 1, TargetUtilization: 0.5,
		MinUnits: 1, MaxUnits: 10, Lag: 2 * time.Second, ScaleDownCooldown: time.Hour,
		ConfidenceThreshold: 0.7,
	}
}

// TestE2EFailingReceiverLosesNothing is issue 12's first report through the
// controller's real code: a webhook receiver answering 500
// (PRESCALE_WEBHOOK_MAX_ATTEMPTS=2, PRESCALE_WEBHOOK_TIMEOUT=1s) gets a
// manual scaling to 3 units (after the first decision, 1 unit). While it fails, health is degraded (readiness
// is not), prescale_current_units does not claim the 3 units and the
// actuation is pending; once it recovers it holds the controller's current
// desired units within 3 scaling intervals.
func TestE2EFailingReceiverLosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test: skipped with -short")
	}
	ctx := t.Context()
	const interval = 2 * time.Second
	rcv := newFlakyReceiver(t)
	cfg := webhookConfig(rcv.srv.URL, t.TempDir())
	cfg.ScalingInterval = interval
	var logs testkit.SyncBuffer
	url, _ := runAppLogged(ctx, t, cfg, slog.New(slog.NewTextHandler(&logs, nil)))
	sel := map[string]string{"target": "host-cpu"}
	cycles := func() float64 {
		n, err := scrapeGauge(ctx, url+"/metrics", "prescale_cycles_total", nil)
		require.NoError(t, err)
		return n
	}
	testkit.Eventually(ctx, t, 30*time.Second, "first cycle", func() error {
		if cycles() < 1 {
			return fmt.Errorf("no cycle yet")
		}
		return nil
	})

	testkit.PostJSON(t, url+"/api/scaling/execute", "e2e-token", `{"target":"host-cpu","units":3}`)

	// Failing: degraded with the reason for the target, still ready.
	testkit.Eventually(ctx, t, 10*time.Second, "health degraded naming the target", func() error {
		var h struct {
			Status     string `json:"status"`
			Components []struct {
				Name, Detail string
				Healthy      bool
			} `json:"components"`
		}
		code, err := testkit.GetJSON(ctx, url+"/api/system/health", &h)
		if err != nil {
			return err
		}
		for _, c := range h.Components {
			if c.Name == "actuator webhook:e2e" && !c.Healthy && strings.Contains(c.Detail, "target host-cpu: 3 desired units not acknowledged") {
				if code != http.StatusServiceUnavailable || h.Status != "degraded" {
					return fmt.Errorf("health %d %s", code, h.Status)
				}
				return nil
			}
		}
		return fmt.Errorf("health %d %+v", code, h)
	})
	var ready map[string]any
	code, err := testkit.GetJSON(ctx, url+"/readyz", &ready)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, code, "still deciding: ready (%v)", ready)
	// Over two more cycles, the unacknowledged 3 units are never claimed.
	from := cycles()
	testkit.Eventually(ctx, t, 5*interval, "two cycles while the receiver fails", func() error {
		cur, err := scrapeGauge(ctx, url+"/metrics", "prescale_current_units", sel)
		require.NoError(t, err)
		require.InDelta(t, 1, cur, 0, "prescale_current_units claims units no receiver accepted")
		var st struct {
			Targets []struct {
				Current int `json:"current_units"`
				Desired int `json:"desired_units"`
			} `json:"targets"`
		}
		_, err = testkit.GetJSON(ctx, url+"/api/scaling/status", &st)
		require.NoError(t, err)
		require.Equal(t, 1, st.Targets[0].Current)
		require.Equal(t, 3, st.Targets[0].Desired)
		if cycles() < from+2 {
			return fmt.Errorf("waiting for cycles")
		}
		return nil
	})
	pending, err := scrapeGauge(ctx, url+"/metrics", "prescale_actuation_pending", map[string]string{"target": "host-cpu", "actuator": "webhook:e2e"})
	require.NoError(t, err)
	require.InDelta(t, 1, pending, 0)
	last, refused := rcv.holds()
	require.Empty(t, last)
	require.GreaterOrEqual(t, len(refused), 4, "re-sent while failing (2 attempts per delivery)")

	// The receiver recovers: within 3 intervals it holds the controller's
	// current desired units.
	rcv.setFailing(false)
	recovered := time.Now()
	testkit.Eventually(ctx, t, 3*interval, "receiver holds the current desired units", func() error {
		desired, err := scrapeGauge(ctx, url+"/metrics", "prescale_desired_units", sel)
		if err != nil {
			return err
		}
		if got, _ := rcv.holds(); got != fmt.Sprint(desired) {
			return fmt.Errorf("receiver holds %q, desired %v", got, desired)
		}
		return nil
	})
	t.Logf("delivered %s after the receiver recovered", time.Since(recovered).Round(10*time.Millisecond))
	testkit.Eventually(ctx, t, 3*interval, "healthy, acknowledged units published", func() error {
		var h map[string]any
		code, err := testkit.GetJSON(ctx, url+"/api/system/health", &h)
		if err != nil || code != http.StatusOK {
			return fmt.Errorf("health %d %v: %w", code, h, err)
		}
		cur, err := scrapeGauge(ctx, url+"/metrics", "prescale_current_units", sel)
		if err != nil || cur != 3 {
			return fmt.Errorf("current units %v: %w", cur, err)
		}
		return nil
	})
	_, refused = rcv.holds()
	// The first cycle's decision (1 unit, the minimum: a new target's first
	// decision is sent whatever its units) was refused before the manual
	// scaling overtook it, never after.
	first := slices.Index(refused, "3")
	require.GreaterOrEqual(t, first, 0, "%v", refused)
	for _, u := range refused[:first] {
		require.Equal(t, "1", u, "before the manual scaling, the first decision")
	}
	for _, u := range refused[first:] {
		require.Equal(t, "3", u, "only the current desired units are ever sent")
	}
	require.Len(t, rcv.fingerprints("3"), 1, "every resend of the decision has the same fingerprint, by which Alertmanager-style receivers deduplicate")
	out := logs.String()
	require.Equal(t, 1, strings.Count(out, "actuation failing"), "one WARN for the outage, not one per retry (%d refused):\n%s", len(refused), out)
	require.Contains(t, out, `level=WARN msg="actuation failing`)
	require.Equal(t, 1, strings.Count(out, "actuation recovered"), out)
	require.NotContains(t, out, "cycle failed", "a failing receiver does not fail the decision cycles")
}

// TestE2EObservedProvisioningLag runs the controller's real code with the
// simulated pool (lag 3 s) and its embedded store gathering the process's
// own registry, as `prescale run` does. The target's current_query reads
// the pool's ready units back through PromQL, so prescale_current_units
// stays at the ready units while the scale-up provisions, and
// prescale_observed_provisioning_lag_seconds measures the pool's lag (plus
// at most a scrape and a cycle) beside the configured 3 s.
func TestE2EObservedProvisioningLag(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test: skipped with -short")
	}
	ctx := t.Context()
	const lag, interval = 3 * time.Second, time.Second
	cfg := config.Config{
		Listen: "127.0.0.1:0", DataDir: t.TempDir(), QueryTimeout: 5 * time.Second,
		ScrapeInterval: time.Second, Retention: time.Hour,
		ScalingInterval: interval, HistoryWindow: time.Minute, Step: time.Second, Coverage: 0.8,
		Mode: controller.ModeAct, AnomalyDetector: "robust", AnomalyThreshold: 0.95,
		Actuators: []string{config.ActuatorSimulated}, WebhookTimeout: time.Second, WebhookRetries: 1,
		ExecTimeout: time.Second, ManualDuration: time.Hour, StressTestMax: time.Second, APIToken: "e2e-token",
		TargetName: "pool", TargetTier: "web", TargetKind: "instances",
		TargetQuery:        `vector(0.1)`,
		TargetCurrentQuery: `max(prescale_simulated_pool_ready_units{target="pool"})`,
		CapacityPerUnit:    1, TargetUtilization: 0.5,
		MinUnits: 1, MaxUnits: 10, Lag: lag, ScaleDownCooldown: time.Hour, ConfidenceThreshold: 0.7,
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	reg := prometheus.NewRegistry()
	a, err := app.New(cfg, app.Options{Registry: reg, Gather: reg, GatherJob: "prescale-run", Listener: ln})
	require.NoError(t, err)
	testkit.Background(ctx, t, a.Run)
	url := a.URL()
	sel := map[string]string{"target": "pool"}
	testkit.Eventually(ctx, t, 30*time.Second, "current_query reads the pool's 1 ready unit", func() error {
		cur, err := scrapeGauge(ctx, url+"/metrics", "prescale_current_units", sel)
		if err != nil || cur != 1 {
			return fmt.Errorf("current units %v: %w", cur, err)
		}
		return nil
	})
	configured, err := scrapeGauge(ctx, url+"/metrics", "prescale_provisioning_lag_seconds", sel)
	require.NoError(t, err)
	require.InDelta(t, lag.Seconds(), configured, 0)

	testkit.PostJSON(t, url+"/api/scaling/execute", "e2e-token", `{"target":"pool","units":3}`)
	start := time.Now()
	var seen []float64
	testkit.Eventually(ctx, t, 30*time.Second, "one observed provisioning lag", func() error {
		cur, err := scrapeGauge(ctx, url+"/metrics", "prescale_current_units", sel)
		if err == nil && (len(seen) == 0 || seen[len(seen)-1] != cur) {
			seen = append(seen, cur)
		}
		n, _, err := scrapeHistogram(ctx, url+"/metrics", "prescale_observed_provisioning_lag_seconds", "pool")
		if err != nil || n != 1 {
			return fmt.Errorf("count %v: %w", n, err)
		}
		return nil
	})
	_, sum, err := scrapeHistogram(ctx, url+"/metrics", "prescale_observed_provisioning_lag_seconds", "pool")
	require.NoError(t, err)
	testkit.Eventually(ctx, t, 5*time.Second, "current units published as 3", func() error {
		cur, err := scrapeGauge(ctx, url+"/metrics", "prescale_current_units", sel)
		if err != nil {
			return err
		}
		if seen[len(seen)-1] != cur {
			seen = append(seen, cur) // published by the cycle that observed the lag
		}
		if cur != 3 {
			return fmt.Errorf("current units %v", cur)
		}
		return nil
	})
	// A scrape and a cycle are an interval apart on a machine that keeps
	// the schedule; a loaded one runs them late: by the widest gaps between
	// the scrapes and between the cycles up to the one that observed the lag.
	from, to := start.Add(-interval), start.Add(time.Duration(sum*float64(time.Second)))
	scrape, cycle := max(interval, scrapeGap(ctx, t, a.Store(), from, to)), max(interval, cycleGap(ctx, t, url, from, to))
	t.Logf("observed lag %.2fs (configured %s, widest scrape gap %s, cycle gap %s), seen %v after %s",
		sum, lag, scrape.Round(10*time.Millisecond), cycle.Round(10*time.Millisecond), seen, time.Since(start).Round(10*time.Millisecond))
	require.GreaterOrEqual(t, sum, lag.Seconds(), "capacity cannot show before the pool's lag")
	require.LessOrEqual(t, sum, lag.Seconds()+scrape.Seconds()+cycle.Seconds()+time.Second.Seconds()+1,
		"at most a scrape and a cycle late (plus slack on 2 shared cores)")
	require.Equal(t, []float64{1, 3}, seen, "current units are the ready ones: 1 while the 2 new units provision, then 3")
}

// cycleGap is the widest gap between the decision cycles of the only
// target from from to to, read from /api/scaling/status.
func cycleGap(ctx context.Context, t *testing.T, url string, from, to time.Time) time.Duration {
	t.Helper()
	st, err := getStatus(ctx, url)
	require.NoError(t, err)
	var gap time.Duration
	var prev time.Time
	for _, d := range st[0].Decisions {
		at := d.Explanation.Now
		if at.Before(from) || at.After(to) {
			continue
		}
		if !prev.IsZero() {
			gap = max(gap, at.Sub(prev))
		}
		prev = at
	}
	return gap
}

// scrapeGap is the widest gap between the embedded store's scrapes of the
// pool's ready units from from to to.
func scrapeGap(ctx context.Context, t *testing.T, store *history.Embedded, from, to time.Time) time.Duration {
	t.Helper()
	s, err := store.QueryRange(ctx, `timestamp(prescale_simulated_pool_ready_units{target="pool"})`,
		from.Truncate(time.Second), to.Truncate(time.Second).Add(time.Second), time.Second)
	require.NoError(t, err)
	var gap time.Duration
	prev := math.NaN()
	for _, v := range s.V {
		if math.IsNaN(v) || v == prev {
			continue
		}
		if !math.IsNaN(prev) {
			gap = max(gap, time.Duration((v-prev)*float64(time.Second)))
		}
		prev = v
	}
	return gap
}

// scrapeHistogram reads the count and sum of a histogram's series for a
// target from a /metrics URL.
func scrapeHistogram(ctx context.Context, url, name, target string) (uint64, float64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, 0, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, 0, err
	}
	defer func() { _, _ = io.Copy(io.Discard, resp.Body); _ = resp.Body.Close() }()
	dec := expfmt.NewDecoder(resp.Body, expfmt.ResponseFormat(resp.Header))
	for {
		mf := new(dto.MetricFamily)
		if err := dec.Decode(mf); err != nil {
			return 0, 0, fmt.Errorf("%s{target=%q}: %w", name, target, err)
		}
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				if lp.GetName() == "target" && lp.GetValue() == target {
					return m.GetHistogram().GetSampleCount(), m.GetHistogram().GetSampleSum(), nil
				}
			}
		}
		return 0, 0, fmt.Errorf("%s{target=%q} not found", name, target)
	}
}

// TestE2EShutdownSavesAcknowledgements: an acknowledgement that arrives
// between two cycles is in the state file after a shutdown (SIGTERM's
// path: the context ends). The state file was written by the cycles only,
// so with a receiver that accepted 3 units after the last cycle the file
// still held the older acknowledgement: a restart published it as the
// current units and sent the 3 units again.
func TestE2EShutdownSavesAcknowledgements(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test: skipped with -short")
	}
	ctx := t.Context()
	rcv := newFlakyReceiver(t)
	dataDir := t.TempDir()
	cfg := webhookConfig(rcv.srv.URL, dataDir)
	// One cycle in the test: the next is an hour away.
	cfg.ScalingInterval, cfg.HistoryWindow, cfg.Step, cfg.Lag = time.Hour, time.Hour, time.Minute, time.Minute
	cfg.WebhookRetries = 1
	url, stop := runAppLogged(ctx, t, cfg, slog.New(slog.DiscardHandler))
	testkit.Eventually(ctx, t, 30*time.Second, "first cycle", func() error {
		n, err := scrapeGauge(ctx, url+"/metrics", "prescale_cycles_total", nil)
		if err != nil {
			return err
		}
		if n < 1 {
			return errors.New("no cycle yet")
		}
		return nil
	})
	// The manual scaling is saved with the units acknowledged then (none:
	// the receiver refuses), then the receiver accepts the resend.
	testkit.PostJSON(t, url+"/api/scaling/execute", "e2e-token", `{"target":"host-cpu","units":3}`)
	testkit.Eventually(ctx, t, 10*time.Second, "refused once", func() error {
		if _, refused := rcv.holds(); len(refused) == 0 {
			return fmt.Errorf("nothing refused yet")
		}
		return nil
	})
	rcv.setFailing(false)
	testkit.Eventually(ctx, t, 10*time.Second, "3 units acknowledged", func() error {
		var h struct {
			Actuation []struct {
				Acknowledged *int `json:"acknowledged_units"`
			} `json:"actuation"`
		}
		if _, err := testkit.GetJSON(ctx, url+"/api/system/health", &h); err != nil {
			return err
		}
		if len(h.Actuation) != 1 || h.Actuation[0].Acknowledged == nil || *h.Actuation[0].Acknowledged != 3 {
			return fmt.Errorf("actuation %+v", h.Actuation)
		}
		return nil
	})
	stop()
	st, err := state.New(dataDir)
	require.NoError(t, err)
	f, err := st.Load()
	require.NoError(t, err)
	require.Equal(t, map[string]int{"webhook:e2e": 3}, f.Targets["host-cpu"].Acked)
}
