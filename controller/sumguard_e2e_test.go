package controller_test

// A demand summed over several hosts, one of which stops being scraped:
// the sum loses that host's share, which the controller would take for
// falling demand. The guard docs/controller-reference.md gives targets
// ("Demand summed over several hosts") makes the sum no data while any
// host of the job is down, so the target holds instead.

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

// guardWatch polls the controller's status, keeping every decision of
// "guarded" on less than the whole demand (two hosts of one each).
type guardWatch struct {
	ctx      context.Context
	url      string
	one      float64
	mu       sync.Mutex
	violated []string
}

// last is target name's status and last decision, after recording those
// of "guarded" that decided on less than the whole demand.
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
		if d.Reason != "no_data" && d.Explanation.Demand < 2*w.one {
			w.violated = append(w.violated, fmt.Sprintf("%s at demand %v: %d units", d.Reason, d.Explanation.Demand, d.Desired))
		}
	}
	w.mu.Unlock()
	s := by[name]
	if len(s.Decisions) == 0 {
		return s, api.Decision{}, fmt.Errorf("%s: no decision yet", name)
	}
	return s, s.Decisions[len(s.Decisions)-1], nil
}

// decides wants target name's last decision on demand at units (units < 0:
// fewer than -units).
func (w *guardWatch) decides(name string, demand float64, units int) func() error {
	return func() error {
		s, d, err := w.last(name)
		if err != nil {
			return err
		}
		if d.Reason == "no_data" || d.Explanation.Demand != demand || (units >= 0 && s.Desired != units) || (units < 0 && s.Desired >= -units) {
			return fmt.Errorf("%s: %s at demand %v, %d units", name, d.Reason, d.Explanation.Demand, s.Desired)
		}
		return nil
	}
}

// holds wants the last five decisions of "guarded" to be no_data, and
// sets *held to its units.
func (w *guardWatch) holds(held *int) func() error {
	return func() error {
		s, _, err := w.last("guarded")
		if err != nil {
			return err
		}
		if len(s.Decisions) < 5 {
			return fmt.Errorf("guarded: %d decisions", len(s.Decisions))
		}
		for _, d := range s.Decisions[len(s.Decisions)-5:] {
			if d.Reason != "no_data" {
				return fmt.Errorf("guarded: %s at demand %v", d.Reason, d.Explanation.Demand)
			}
		}
		*held = s.Desired
		return nil
	}
}

// sumGuardTargets is the targets file: the sum of both hosts' prescale_cpus
// with the guard (its window 10 s: ten scrapes) and without.
const sumGuardTargets = `targets:
  - name: guarded
    query: 'sum(prescale_cpus{job="app"}) and on() (min(min_over_time(up{job="app"}[10s])) == 1)'
    scale_down_cooldown: 0s
  - name: plain
    query: 'sum(prescale_cpus{job="app"})'
    scale_down_cooldown: 0s
`

// startTwoHosts runs two exporters and a real Prometheus scraping both
// under job "app", and waits until it has scraped both (the guard sees
// only the instances Prometheus has scraped). It returns Prometheus's
// URL, the second exporter's address and the function stopping it.
func startTwoHosts(t *testing.T) (string, string, func()) {
	t.Helper()
	ctx := t.Context()
	addrA, _ := stoppableExporter(t, "127.0.0.1:0")
	addrB, stopB := stoppableExporter(t, "127.0.0.1:0")
	prom := newPromServer(t, t.TempDir(), testkit.PrometheusConfig(t, "app", addrA, addrB))
	prom.Start(ctx)
	remote, err := history.NewRemote(prom.URL(), 10*time.Second)
	require.NoError(t, err)
	testkit.Eventually(ctx, t, 30*time.Second, "Prometheus scraped both exporters", func() error {
		v, err := valueAt(ctx, remote, `count(up{job="app"} == 1)`, time.Now())
		if err != nil {
			return err
		}
		if v != 2 {
			return fmt.Errorf("%v exporters up", v)
		}
		return nil
	})
	return prom.URL(), addrB, stopB
}

// TestE2ESummedDemandHoldsWhileAHostIsDown: a real Prometheus scrapes two
// real exporters under one job; two targets sum their prescale_cpus, one
// with the guard (and on() (min(min_over_time(up{job="app"}[10s])) == 1)),
// one without. When one exporter stops, the plain sum reads half the
// demand and scales down on it; the guarded one holds its units with
// no_data at every cycle, and decides on the whole demand again once the
// exporter is back for the guard's window. Without the guard the guarded
// target decided on the half, as the plain one does.
func TestE2ESummedDemandHoldsWhileAHostIsDown(t *testing.T) {
	ctx := t.Context()
	promURL, addrB, stopB := startTwoHosts(t)
	one, err := scrapeGauge(ctx, "http://"+addrB+"/metrics", "prescale_cpus", nil)
	require.NoError(t, err)
	file := filepath.Join(t.TempDir(), "targets.yml")
	require.NoError(t, os.WriteFile(file, []byte(sumGuardTargets), 0o600))
	cfg := e2eConfig(promURL, newWebhookSink(t).srv.URL, t.TempDir())
	cfg.TargetsFile, cfg.TargetName, cfg.TargetQuery = file, "default", ""
	url, _ := runApp(ctx, t, cfg)
	w := &guardWatch{ctx: ctx, url: url, one: one}
	wantUnits := int(4 * one) // 2 × cpus / (1 per unit × 0.5)
	testkit.Eventually(ctx, t, 60*time.Second, "both targets decide on both hosts", func() error {
		if err := w.decides("plain", 2*one, wantUnits)(); err != nil {
			return err
		}
		return w.decides("guarded", 2*one, wantUnits)()
	})

	stopB()
	stopped := time.Now()
	testkit.Eventually(ctx, t, 30*time.Second, "the plain sum scales down on one host's share", w.decides("plain", one, -wantUnits))
	t.Logf("plain: below %d units %v after the stop", wantUnits, time.Since(stopped).Round(time.Second))
	var held int
	testkit.Eventually(ctx, t, 30*time.Second, "the guarded sum holds with no_data for five decisions", w.holds(&held))
	requireBeforeLookback(t, stopped)
	require.Equal(t, wantUnits, held, "the guarded target holds the units of both hosts")

	_, _ = stoppableExporter(t, addrB)
	back := time.Now()
	testkit.Eventually(ctx, t, 60*time.Second, "the guarded sum decides again once the host is back for the window", w.decides("guarded", 2*one, wantUnits))
	t.Logf("guarded: held at %d units, deciding on the whole demand %v after the host came back", held, time.Since(back).Round(time.Second))
	w.mu.Lock()
	defer w.mu.Unlock()
	require.Empty(t, w.violated, "the guarded target never decided on part of the demand")
}
