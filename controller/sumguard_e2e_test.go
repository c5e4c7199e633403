package controller_test

// A demand summed over several hosts, one of which stops being scraped:
// the sum loses that host's share, which the controller would take for
// falling demand. A target's complete_query (docs/controller-reference.md,
// "Demand summed over several hosts") makes that sum a lower bound: the
// target holds its units, and still scales up when what remains needs
// more. The PromQL guard (and on() (...) == 1) makes it no data instead:
// the target holds, and cannot scale up.

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/api"
	"github.com/prescale/prescale/controller/history"
	"github.com/prescale/prescale/controller/policy"
	"github.com/prescale/prescale/exporter"
	"github.com/prescale/prescale/internal/testkit"
)

// stoppableExporter runs the real exporter on addr ("127.0.0.1:0" picks
// one) and returns its address and a function that stops it.
func stoppableExporter(t *testing.T, addr string) (string, func()) {
	t.Helper()
	ecfg := exporter.DefaultConfig()
	ecfg.Listen = addr
	exp, err := exporter.New(ecfg, prometheus.NewRegistry())
	require.NoError(t, err)
	a, err := exp.Listen()
	require.NoError(t, err)
	return a.String(), testkit.Background(t.Context(), t, exp.Run)
}

// guardWatch polls the controller's status, keeping the decisions that
// broke a rule: "guarded" on less than the whole demand (two hosts of one
// each), "complete" below the units it had once it had wantUnits.
type guardWatch struct {
	ctx      context.Context
	url      string
	one      float64
	mu       sync.Mutex
	reached  bool
	seen     map[time.Time]bool
	violated []string
}

// last is target name's status and last decision, after recording the
// decisions of "guarded" and "complete" that broke their rule.
func (w *guardWatch) last(name string) (api.TargetStatus, api.Decision, error) {
	st, err := getStatus(w.ctx, w.url)
	if err != nil {
		return api.TargetStatus{}, api.Decision{}, err
	}
	by := map[string]api.TargetStatus{}
	for _, s := range st {
		by[s.Target] = s
	}
	w.mu.Lock()
	for _, d := range by["guarded"].Decisions {
		// A hold (no_data, or bad_query on a NaN demand: the first cycle
		// may query an instant before Prometheus's first scrape of the
		// factor, scalar() of nothing) decides nothing on a partial sum.
		if !policy.Reason(d.Reason).Holds() && d.Explanation.Demand < 2*w.one {
			w.violated = append(w.violated, fmt.Sprintf("guarded: %s at demand %v: %d units", d.Reason, d.Explanation.Demand, d.Desired))
		}
	}
	w.checkComplete(by["complete"].Decisions)
	w.mu.Unlock()
	s := by[name]
	if len(s.Decisions) == 0 {
		return s, api.Decision{}, fmt.Errorf("%s: no decision yet", name)
	}
	return s, s.Decisions[len(s.Decisions)-1], nil
}

// checkComplete records the decisions of "complete", from its first at
// wantUnits (4 × one) on, that went below it (the demand only rises in
// the test); w.mu is held.
func (w *guardWatch) checkComplete(ds []api.Decision) {
	want := int(4 * w.one)
	for _, d := range ds {
		at := d.Explanation.Now
		if w.seen[at] {
			continue
		}
		w.seen[at] = true
		if w.reached && d.Desired < want {
			w.violated = append(w.violated, fmt.Sprintf("complete: %s at demand %v (partial %t): %d units", d.Reason, d.Explanation.Demand, d.Explanation.Partial, d.Desired))
		}
		w.reached = w.reached || d.Desired >= want
	}
}

// decides wants target name's last decision on demand at units (units < 0:
// fewer than -units), on a whole demand (partial false) or a lower bound.
func (w *guardWatch) decides(name string, demand float64, units int, partial bool) func() error {
	return func() error {
		s, d, err := w.last(name)
		if err != nil {
			return err
		}
		if d.Reason == "no_data" || d.Explanation.Demand != demand || d.Explanation.Partial != partial ||
			(units >= 0 && unitsOf(s.Desired) != units) || (units < 0 && unitsOf(s.Desired) >= -units) {
			return fmt.Errorf("%s: %s at demand %v (partial %t), %d units", name, d.Reason, d.Explanation.Demand, d.Explanation.Partial, unitsOf(s.Desired))
		}
		return nil
	}
}

// holds wants the last five decisions of target name to have reason, and
// sets *held to its units.
func (w *guardWatch) holds(name string, reason policy.Reason, held *int) func() error {
	return func() error {
		s, _, err := w.last(name)
		if err != nil {
			return err
		}
		if len(s.Decisions) < 5 {
			return fmt.Errorf("%s: %d decisions", name, len(s.Decisions))
		}
		for _, d := range s.Decisions[len(s.Decisions)-5:] {
			if d.Reason != reason {
				return fmt.Errorf("%s: %s at demand %v", name, d.Reason, d.Explanation.Demand)
			}
		}
		*held = unitsOf(s.Desired)
		return nil
	}
}

// sumGuardTargets is the targets file: the sum of both hosts'
// prescale_cpus times the factor the test sets, plain, with the guard
// (its window 10 s: ten scrapes) and with a complete_query of the same
// window.
const sumGuardTargets = `targets:
  - name: plain
    query: 'sum(prescale_cpus{job="app"}) * scalar(prescale_test_factor)'
    scale_down_cooldown: 0s
  - name: guarded
    query: 'sum(prescale_cpus{job="app"}) * scalar(prescale_test_factor) and on() (min(min_over_time(up{job="app"}[10s])) == 1)'
    scale_down_cooldown: 0s
  - name: complete
    query: 'sum(prescale_cpus{job="app"}) * scalar(prescale_test_factor)'
    complete_query: 'min(min_over_time(up{job="app"}[10s]))'
    scale_down_cooldown: 0s
`

// startTwoHosts runs two exporters, a metrics endpoint whose factor the
// test sets (1 at first) and a real Prometheus scraping the three under
// job "app", and waits until it has scraped all three (complete_query
// and the guard see only the instances Prometheus has scraped). It
// returns Prometheus's URL, the factor's endpoint, the second exporter's
// address and the function stopping it.
func startTwoHosts(t *testing.T) (string, *switchTarget, string, func()) {
	t.Helper()
	ctx := t.Context()
	addrA, _ := stoppableExporter(t, "127.0.0.1:0")
	addrB, stopB := stoppableExporter(t, "127.0.0.1:0")
	factor := newSwitchTarget(t, "prescale_test_factor 1\n")
	prom := newPromServer(t, t.TempDir(), testkit.PrometheusConfig(t, "app", addrA, addrB, factor.addr()))
	prom.Start(ctx)
	remote, err := history.NewRemote(prom.URL(), 10*time.Second)
	require.NoError(t, err)
	testkit.Eventually(ctx, t, 30*time.Second, "Prometheus scraped both exporters and the factor", func() error {
		v, err := valueAt(ctx, remote, `count(up{job="app"} == 1)`, time.Now())
		if err != nil {
			return err
		}
		if v != 3 {
			return fmt.Errorf("%v of 3 targets up", v)
		}
		return nil
	})
	return prom.URL(), factor, addrB, stopB
}

// TestE2ESummedDemandHoldsWhileAHostIsDown: a real Prometheus scrapes two
// real exporters under one job; three targets sum their prescale_cpus
// (one host's share: one), plain, with the guard, and with complete_query
// min(min_over_time(up{job="app"}[10s])). When one exporter stops, the
// plain sum reads half the demand and scales down on it; the guarded one
// holds its units with no_data; the complete one holds them with
// partial_data, its demand the remaining host's share. When that share
// then needs more (its factor 4: 4 × one, twice the whole demand before),
// the complete target scales up on it (partial in its explanation) while
// the guarded one still holds; once the exporter is back for the window,
// both decide on the whole demand. The complete target never went below
// the units it had. Without complete_query's hold (policy.partialHold)
// it went down as the plain one; without the masking of the partial
// history, nothing here changes (it keeps the forecaster's fit clean).
func TestE2ESummedDemandHoldsWhileAHostIsDown(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test: skipped with -short")
	}
	ctx := t.Context()
	promURL, factor, addrB, stopB := startTwoHosts(t)
	one, err := scrapeGauge(ctx, "http://"+addrB+"/metrics", "prescale_cpus", nil)
	require.NoError(t, err)
	file := filepath.Join(t.TempDir(), "targets.yml")
	require.NoError(t, os.WriteFile(file, []byte(sumGuardTargets), 0o600))
	cfg := e2eConfig(promURL, newWebhookSink(t).srv.URL, t.TempDir())
	cfg.TargetsFile, cfg.TargetName, cfg.TargetQuery = file, "default", ""
	url, _ := runApp(ctx, t, cfg)
	w := &guardWatch{ctx: ctx, url: url, one: one, seen: map[time.Time]bool{}}
	wantUnits := int(4 * one) // 2 × cpus / (1 per unit × 0.5)
	testkit.Eventually(ctx, t, 60*time.Second, "the targets decide on both hosts", func() error {
		for _, name := range []string{"plain", "guarded", "complete"} {
			if err := w.decides(name, 2*one, wantUnits, false)(); err != nil {
				return err
			}
		}
		return nil
	})

	stopB()
	stopped := time.Now()
	testkit.Eventually(ctx, t, 30*time.Second, "the plain sum scales down on one host's share", w.decides("plain", one, -wantUnits, false))
	t.Logf("plain: below %d units %v after the stop", wantUnits, time.Since(stopped).Round(time.Second))
	var held, kept int
	testkit.Eventually(ctx, t, 30*time.Second, "the guarded sum holds with no_data for five decisions", w.holds("guarded", policy.ReasonNoData, &held))
	testkit.Eventually(ctx, t, 30*time.Second, "the complete target holds with partial_data for five decisions", w.holds("complete", policy.ReasonPartialData, &kept))
	requireBeforeLookback(t, stopped)
	require.Equal(t, wantUnits, held, "the guarded target holds the units of both hosts")
	require.Equal(t, wantUnits, kept, "the complete target holds the units of both hosts")
	require.NoError(t, w.decides("complete", one, wantUnits, true)(), "its demand is the remaining host's share, a lower bound")

	factor.set("prescale_test_factor 4\n")
	raised := time.Now()
	testkit.Eventually(ctx, t, 30*time.Second, "the complete target scales up on the remaining host's demand", w.decides("complete", 4*one, 2*wantUnits, true))
	t.Logf("complete: %d -> %d units on a partial demand %v after it rose", wantUnits, 2*wantUnits, time.Since(raised).Round(time.Second))
	testkit.Eventually(ctx, t, 30*time.Second, "the guarded sum still holds", w.holds("guarded", policy.ReasonNoData, &held))
	require.Equal(t, wantUnits, held, "the guard cannot scale up while a host is down")

	_, _ = stoppableExporter(t, addrB)
	back := time.Now()
	for _, name := range []string{"complete", "guarded"} {
		testkit.Eventually(ctx, t, 60*time.Second, name+" decides on the whole demand once the host is back for the window", w.decides(name, 8*one, 4*wantUnits, false))
	}
	t.Logf("both decide on the whole demand %v after the host came back", time.Since(back).Round(time.Second))
	w.mu.Lock()
	defer w.mu.Unlock()
	require.Empty(t, w.violated)
}
