package controller_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/api"
	"github.com/prescale/prescale/controller/app"
	"github.com/prescale/prescale/controller/shard"
	"github.com/prescale/prescale/internal/testkit"
)

// writeTargets writes a targets file of n targets (t00, t01, ...) whose
// demand is the series demand{target=NAME}.
func writeTargets(t *testing.T, n int) (string, []string) {
	t.Helper()
	var b strings.Builder
	b.WriteString("targets:\n")
	names := make([]string, n)
	for i := range n {
		names[i] = fmt.Sprintf("t%02d", i)
		fmt.Fprintf(&b, "  - name: %s\n    query: 'demand{target=\"%s\"}'\n", names[i], names[i])
	}
	p := filepath.Join(t.TempDir(), "targets.yml")
	require.NoError(t, os.WriteFile(p, []byte(b.String()), 0o600))
	return p, names
}

// TestThreeShardsOwnEveryTargetOnce: three controllers on one targets file
// (PRESCALE_SHARD 0/3, 1/3, 2/3) own disjoint sets of targets that together
// are the whole file; each reports its shard in /api/system/health and in
// prescale_shard_targets.
func TestThreeShardsOwnEveryTargetOnce(t *testing.T) {
	file, names := writeTargets(t, 30)
	owner := map[string]int{}
	for i := range 3 {
		cfg := e2eConfig("http://127.0.0.1:1", "http://127.0.0.1:1", t.TempDir())
		cfg.TargetsFile, cfg.Shard = file, fmt.Sprintf("%d/3", i)
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		reg := prometheus.NewRegistry()
		a, err := app.New(cfg, app.Options{Registry: reg, Listener: ln})
		require.NoError(t, err)
		t.Cleanup(func() { _ = a.Close() })
		owned := a.Controller().Targets()
		require.NotEmpty(t, owned, "shard %d", i)
		for _, tg := range owned {
			prev, dup := owner[tg.Name]
			require.False(t, dup, "target %s owned by shards %d and %d", tg.Name, prev, i)
			owner[tg.Name] = i
		}

		rec := httptest.NewRecorder()
		a.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/system/health", nil))
		var h api.Health
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &h))
		require.Equal(t, api.ShardInfo{Index: i, Count: 3, Targets: len(owned), TargetsTotal: 30}, h.Shard)
		require.Equal(t, 1, testutil.CollectAndCount(reg, "prescale_shard_targets"))
		mfs, err := reg.Gather()
		require.NoError(t, err)
		require.InDelta(t, float64(len(owned)), gathered(mfs, "prescale_shard_targets", map[string]string{"shard": fmt.Sprint(i), "shards": "3"}), 0)

		// A target of the file that another shard owns: the 404 says which
		// (a sharded install's Service sends a request to any shard; it said
		// only "unknown target"). A name not in the file is just unknown.
		for _, name := range names {
			if j := shard.Of(name, 3); j != i {
				rec = httptest.NewRecorder()
				a.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/scaling/status?target="+name, nil))
				require.Equal(t, http.StatusNotFound, rec.Code)
				require.Contains(t, rec.Body.String(), fmt.Sprintf(`on this controller (shard %d of 3): shard %d of 3 owns it; ask its controller (PRESCALE_SHARD=%d/3, the StatefulSet's pod ending -%d)`, i, j, j, j))
				break
			}
		}
		rec = httptest.NewRecorder()
		a.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/predictions?target=nope", nil))
		require.Equal(t, http.StatusNotFound, rec.Code)
		require.JSONEq(t, `{"error":"unknown target \"nope\""}`, rec.Body.String())
	}
	require.Len(t, owner, len(names), "every target owned")
}

// TestHAPairSameShardSendsIdenticalWebhooks: two controllers on the same
// shard (an HA pair) read the same history from a real VictoriaMetrics and
// both publish; their webhooks for a target carry the same group key,
// fingerprint and decided units, so a receiver that deduplicates by
// fingerprint (Alertmanager, or any idempotent one) acts once.
func TestHAPairSameShardSendsIdenticalWebhooks(t *testing.T) {
	ctx := t.Context()
	vm := startVM(ctx, t)
	file, names := writeTargets(t, 6)
	now := time.Now().Truncate(time.Second)
	var series []vmSeries
	for i, n := range names {
		series = append(series, traceSeries(n, 14*288, 5*time.Minute, now.Add(-time.Second), uint64(100+i)))
	}
	vm.importSeries(ctx, series)
	sink := newWebhookSink(t)
	clock := func() time.Time { return now } // both decide at the same instant
	var owned []string
	for range 2 {
		cfg := e2eConfig(vm.URL(), sink.srv.URL, t.TempDir())
		cfg.TargetsFile, cfg.Shard = file, "1/2"
		cfg.Step, cfg.HistoryWindow, cfg.ScalingInterval, cfg.Retention = 5*time.Minute, 14*24*time.Hour, time.Hour, 14*24*time.Hour
		cfg.CapacityPerUnit, cfg.TargetUtilization, cfg.Lag, cfg.MaxUnits = 10, 0.7, 10*time.Minute, 50
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		a, err := app.New(cfg, app.Options{Registry: prometheus.NewRegistry(), Listener: ln, Now: clock,
			WebhookWait: func(ctx context.Context, _ time.Duration) error { return ctx.Err() }})
		require.NoError(t, err)
		owned = nil
		for _, tg := range a.Controller().Targets() {
			owned = append(owned, tg.Name)
		}
		done := make(chan struct{})
		go func() { _ = a.Run(ctx); close(done) }()
		t.Cleanup(func() { <-done })
	}
	require.NotEmpty(t, owned)
	testkit.Eventually(ctx, t, 60*time.Second, "both controllers' webhooks for every owned target", func() error {
		per := map[string]int{}
		for _, m := range sink.all() {
			per[m.CommonLabels["target"]]++
		}
		for _, n := range owned {
			if per[n] < 2 {
				return fmt.Errorf("target %s: %d webhooks", n, per[n])
			}
		}
		return nil
	})
	byTarget := map[string][]string{}
	for _, m := range sink.all() {
		require.Len(t, m.Alerts, 1)
		a := m.Alerts[0]
		byTarget[a.Labels["target"]] = append(byTarget[a.Labels["target"]],
			m.GroupKey+" "+a.Fingerprint+" "+a.Annotations["desired_units"])
	}
	for _, n := range owned {
		got := byTarget[n]
		require.Len(t, got, 2, "target %s: one webhook from each controller of the pair", n)
		require.Equal(t, got[0], got[1], "target %s: same group key, fingerprint and units", n)
	}
	require.Len(t, byTarget, len(owned), "no webhook for a target of the other shard")
}

// gathered is the value of the sample of name whose labels include lbls.
func gathered(mfs []*dto.MetricFamily, name string, lbls map[string]string) float64 {
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	metrics:
		for _, m := range mf.GetMetric() {
			for k, v := range lbls {
				found := false
				for _, lp := range m.GetLabel() {
					found = found || lp.GetName() == k && lp.GetValue() == v
				}
				if !found {
					continue metrics
				}
			}
			return m.GetGauge().GetValue()
		}
	}
	return math.NaN()
}
