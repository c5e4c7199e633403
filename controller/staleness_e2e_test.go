package controller_test

// Staleness end to end: a scrape target that dies reads as no data at once,
// from the embedded store as from a real Prometheus, and the controller on
// the embedded store holds instead of deciding on its last value.

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/history"
	"github.com/prescale/prescale/controller/history/scrape"
	"github.com/prescale/prescale/internal/testkit"
)

// switchTarget is a metrics endpoint whose answer the test sets, and
// which it can stop.
type switchTarget struct {
	mu   sync.Mutex
	body string
	srv  *httptest.Server
}

func newSwitchTarget(t *testing.T, body string) *switchTarget {
	t.Helper()
	s := &switchTarget{body: body}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		_, _ = w.Write([]byte(s.body))
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *switchTarget) set(body string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.body = body
}

func (s *switchTarget) addr() string { return strings.TrimPrefix(s.srv.URL, "http://") }
func (s *switchTarget) url() string  { return s.srv.URL + "/metrics" }

// valueAt is q's value at at from h, NaN when h has none.
func valueAt(ctx context.Context, h history.History, q string, at time.Time) (float64, error) {
	s, err := h.QueryRange(ctx, q, at, at, time.Second)
	switch {
	case errors.Is(err, history.ErrNoData):
		return math.NaN(), nil
	case err != nil:
		return 0, err
	}
	return s.V[0], nil
}

// TestE2EEmbeddedStalenessMatchesPrometheus: a real Prometheus and the
// embedded store scrape the same target. A series it stops returning, and
// then every series once it is down, read as no data from both (up 0),
// within the scrape timing. Without the embedded scraper's staleness
// markers the embedded store read the last values for the 5-minute
// lookback while Prometheus read nothing. The series both write about
// each scrape (scrape_samples_scraped, ..._post_metric_relabeling,
// scrape_duration_seconds) agree too; the embedded store had none. An
// answer that fails to parse reads the same in both: the embedded store
// counted 0 samples scraped, and marked the series parsed before the
// failure stale where Prometheus reads their last value. +Inf and -Inf
// answered are stored by both; the embedded store skipped them.
func TestE2EEmbeddedStalenessMatchesPrometheus(t *testing.T) {
	requireBinary(t, "prometheus")
	ctx := t.Context()
	tgt := newSwitchTarget(t, "demand{svc=\"web\"} 7\ngone 1\n")
	prom := newPromServer(t, t.TempDir(), testkit.PrometheusConfig(t, "app", tgt.addr()))
	prom.Start(ctx)
	remote, err := history.NewRemote(prom.URL(), 10*time.Second)
	require.NoError(t, err)
	emb, err := history.OpenEmbedded(filepath.Join(t.TempDir(), "tsdb"), history.EmbeddedOptions{})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, emb.Close()) })
	sc := scrape.NewScraper(emb, []scrape.Target{{Job: "app", URL: tgt.url()}}, nil, scrape.Target{}, time.Second)

	// both scrapes the embedded store now (Prometheus scrapes every
	// second by itself), then wants each query's value at now from both
	// (NaN: no data).
	both := func(want map[string]float64) func() error {
		return func() error {
			now := time.Now()
			_ = sc.ScrapeOnce(ctx, now) // fails once the target is down
			for q, w := range want {
				for name, h := range map[string]history.History{"prometheus": remote, "embedded": emb} {
					v, err := valueAt(ctx, h, q, now)
					if err != nil {
						return fmt.Errorf("%s: %s: %w", name, q, err)
					}
					if v != w && !(math.IsNaN(v) && math.IsNaN(w)) {
						return fmt.Errorf("%s: %s = %v, want %v", name, q, v, w)
					}
				}
			}
			return nil
		}
	}
	nan := math.NaN()
	// The series Prometheus writes about each scrape, in both.
	const scraped, postRelabel = `scrape_samples_scraped{job="app"}`, `scrape_samples_post_metric_relabeling{job="app"}`
	const tookSome = `scrape_duration_seconds{job="app"} > bool 0`
	testkit.Eventually(ctx, t, 60*time.Second, "both stores read the target", both(map[string]float64{
		`demand{svc="web"}`: 7, `gone`: 1, `up{job="app"}`: 1, scraped: 2, postRelabel: 2, tookSome: 1}))
	tgt.set("demand{svc=\"web\"} 7\n")
	changed := time.Now()
	testkit.Eventually(ctx, t, 30*time.Second, "a vanished series is no data in both", both(map[string]float64{
		`demand{svc="web"}`: 7, `gone`: nan, `up{job="app"}`: 1, scraped: 1, postRelabel: 1}))
	requireBeforeLookback(t, changed)
	// An answer that fails to parse after its first line: up 0, the
	// sample parsed before the failure counted but not stored, its
	// series not marked stale (it reads its last value, 7).
	tgt.set("demand{svc=\"web\"} 8\nbroken{ line\n")
	testkit.Eventually(ctx, t, 30*time.Second, "an answer failing to parse reads the same in both", both(map[string]float64{
		`demand{svc="web"}`: 7, `up{job="app"}`: 0, scraped: 1, postRelabel: 1}))
	// ±Inf answered: stored by both (the embedded store skipped them, so
	// demand read 7 and gone nothing).
	tgt.set("demand{svc=\"web\"} +Inf\ngone -Inf\n")
	testkit.Eventually(ctx, t, 30*time.Second, "±Inf reads the same in both", both(map[string]float64{
		`demand{svc="web"} == bool +Inf`: 1, `gone == bool -Inf`: 1, `up{job="app"}`: 1, scraped: 2}))
	tgt.srv.Close()
	changed = time.Now()
	testkit.Eventually(ctx, t, 30*time.Second, "a dead target's series are no data in both", both(map[string]float64{
		`demand{svc="web"}`: nan, `gone`: nan, `up{job="app"}`: 0, scraped: 0, postRelabel: 0, tookSome: 1}))
	requireBeforeLookback(t, changed)
}

// requireBeforeLookback fails when the wait since changed came near the
// 5-minute lookback (a deadline stretched by a loaded machine): then the
// lookback running out, not a staleness marker, may have ended the series.
func requireBeforeLookback(t *testing.T, changed time.Time) {
	t.Helper()
	require.Less(t, time.Since(changed), 4*time.Minute, "no data well within the lookback: ended by a staleness marker")
}

// TestE2EEmbeddedTargetDownHolds: prescale run's code on the embedded
// store (the default without PRESCALE_PROMETHEUS_URL) scraping a target
// whose metrics endpoint dies: the decisions hold with no_data at the
// units they had (14 or more, never fewer), the status names the stale data and
// health's "target data" turns unhealthy. Without staleness markers the
// controller went on deciding on the dead target's last value (7) for
// the 5-minute lookback.
func TestE2EEmbeddedTargetDownHolds(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test: skipped with -short")
	}
	ctx := t.Context()
	tgt := newSwitchTarget(t, "demand{svc=\"web\"} 7\n")
	sink := newWebhookSink(t)
	cfg := e2eConfig("", sink.srv.URL, t.TempDir())
	cfg.ScrapeTargets = []string{tgt.url()}
	cfg.TargetQuery = `demand{svc="web"}`
	url, _ := runApp(ctx, t, cfg)
	const want = 14 // 7 / (1 per unit × 0.5 utilisation)
	awaitDemandDecision(ctx, t, url)
	tgt.srv.Close()
	died := time.Now()
	testkit.Eventually(ctx, t, 30*time.Second, "decisions hold with no_data", func() error {
		st, err := getStatus(ctx, url)
		if err != nil {
			return err
		}
		d := st[0].Decisions[len(st[0].Decisions)-1]
		if d.Reason != "no_data" {
			return fmt.Errorf("last decision %s (%d units, demand %v)", d.Reason, d.Desired, d.Explanation.Demand)
		}
		return nil
	})
	requireBeforeLookback(t, died)
	cycles, err := scrapeGauge(ctx, url+"/metrics", "prescale_cycles_total", nil)
	require.NoError(t, err)
	testkit.Eventually(ctx, t, 30*time.Second, "three more cycles", func() error {
		v, err := scrapeGauge(ctx, url+"/metrics", "prescale_cycles_total", nil)
		if err != nil {
			return err
		}
		if v < cycles+3 {
			return fmt.Errorf("cycles %v", v)
		}
		return nil
	})
	st, err := getStatus(ctx, url)
	require.NoError(t, err)
	ds := st[0].Decisions
	first := len(ds) - 1 // the first of the trailing no_data decisions
	for first > 0 && ds[first-1].Reason == "no_data" {
		first--
	}
	require.Positive(t, first, "a decision on data before the hold")
	held := ds[first-1].Desired
	require.GreaterOrEqual(t, held, want)
	require.GreaterOrEqual(t, len(ds)-first, 3, "holding for three cycles at least")
	for _, d := range ds[first:] {
		require.Equal(t, held, d.Desired, "no_data holds the units of the last decision on data")
	}
	require.Equal(t, held, unitsOf(st[0].Desired))
	require.NotNil(t, st[0].Current)
	require.Equal(t, held, *st[0].Current, "the receiver keeps the units it had")
	require.Contains(t, st[0].HistoryError, "old", "the status says the data is stale")
	var h struct {
		Status     string
		Components []struct {
			Name    string
			Healthy bool
			Detail  string
		}
	}
	code, err := testkit.GetJSON(ctx, url+"/api/system/health", &h)
	require.NoError(t, err)
	require.Equal(t, http.StatusServiceUnavailable, code)
	require.Equal(t, "degraded", h.Status)
	for _, c := range h.Components {
		switch c.Name {
		case "target data":
			require.False(t, c.Healthy)
			require.Contains(t, c.Detail, "no fresh data for 1 of 1 targets, decisions held")
		case "history":
			require.True(t, c.Healthy, "the embedded store itself answers")
		}
	}
	for _, m := range sink.all() {
		for _, a := range m.Alerts {
			require.NotContains(t, a.Labels["direction"], "down", "no scale-down on missing data: %v", a.Labels)
		}
	}
}

// TestE2EEmbeddedRestartWithTargetDown: prescale run stopped while its
// target answers, the target dies, prescale run restarts on the same data
// directory: every decision of the restarted run holds with no_data at
// the units decided before (the state file's), none is made on the
// samples of the previous run. Without the first scrape's markers for
// the previous run's series, the restarted controller decided on the
// dead target's last value for the rest of the lookback.
func TestE2EEmbeddedRestartWithTargetDown(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test: skipped with -short")
	}
	ctx := t.Context()
	tgt := newSwitchTarget(t, "demand{svc=\"web\"} 7\n")
	sink := newWebhookSink(t)
	cfg := e2eConfig("", sink.srv.URL, t.TempDir())
	cfg.ScrapeTargets = []string{tgt.url()}
	cfg.TargetQuery = `demand{svc="web"}`
	url, stop := runApp(ctx, t, cfg)
	held := awaitDemandDecision(ctx, t, url)
	stop()
	tgt.srv.Close()
	restarted := time.Now()
	url, _ = runApp(ctx, t, cfg)
	testkit.Eventually(ctx, t, 30*time.Second, "three cycles of the restarted run", func() error {
		v, err := scrapeGauge(ctx, url+"/metrics", "prescale_cycles_total", nil)
		if err != nil {
			return err
		}
		if v < 3 {
			return fmt.Errorf("cycles %v", v)
		}
		return nil
	})
	requireBeforeLookback(t, restarted)
	// Both counters from one scrape: a cycle between two scrapes counts a
	// decision in the second only.
	fams, err := scrapeFamilies(ctx, url+"/metrics")
	require.NoError(t, err)
	all, err := sumSeries(fams, "prescale_decisions_total", map[string]string{"target": "e2e"})
	require.NoError(t, err)
	noData, err := sumSeries(fams, "prescale_decisions_total", map[string]string{"target": "e2e", "reason": "no_data"})
	require.NoError(t, err)
	require.Positive(t, noData)
	require.InDelta(t, all, noData, 0, "every decision of the restarted run holds with no_data")
	st, err := getStatus(ctx, url)
	require.NoError(t, err)
	require.GreaterOrEqual(t, unitsOf(st[0].Desired), held, "the units decided before the restart are held (never fewer)")
}

// awaitDemandDecision waits until the controller at url has decided on
// its one target's demand of 7 (14 units or more: 7 / (1 per unit × 0.5
// utilisation); not a no_data hold) and
// returns the units desired.
func awaitDemandDecision(ctx context.Context, t *testing.T, url string) int {
	t.Helper()
	var desired int
	testkit.Eventually(ctx, t, 60*time.Second, "a decision on the target's demand", func() error {
		st, err := getStatus(ctx, url)
		if err != nil {
			return err
		}
		if d := st[0].Decisions; len(d) == 0 || unitsOf(st[0].Desired) < 14 || d[len(d)-1].Reason == "no_data" {
			return fmt.Errorf("desired %d, decisions %d", unitsOf(st[0].Desired), len(d))
		}
		desired = unitsOf(st[0].Desired)
		return nil
	})
	return desired
}
