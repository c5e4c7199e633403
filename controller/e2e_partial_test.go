package controller_test

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/internal/testkit"
)

// TestE2EPartialAnswerHolds runs a real Prometheus whose remote_read
// endpoint (a long-term store) is down: it answers every query with the
// local data only and a warning naming the failure, as a Thanos querier
// does for a failed store. The controller must not decide on that part of
// the data (a sum over part of it is too low, and would scale down): it
// holds, reports the history source unhealthy naming the warning, and
// sends nothing. Once the store answers whole again (the remote_read
// removed), it decides. Before, the warning was dropped and the partial
// answer decided on.
func TestE2EPartialAnswerHolds(t *testing.T) {
	requireBinary(t, "prometheus")
	ctx := t.Context()
	eaddr := startExporter(t)
	whole := testkit.PrometheusConfig(t, "prescale-exporter", eaddr.String())
	// A loopback address nothing listens on: every remote read fails.
	down := fmt.Sprintf("remote_read:\n  - url: http://%s/read\n    read_recent: true\n", testkit.FreeAddr(t))
	prom := newPromServer(t, t.TempDir(), whole+down)
	prom.Start(ctx)

	sink := newWebhookSink(t)
	cfg := e2eConfig(prom.URL(), sink.srv.URL, t.TempDir())
	want := wantUnits(t, "http://"+eaddr.String()+"/metrics")
	sel := map[string]string{"target": "e2e", "tier": "web", "kind": "instances"}
	url, _ := runApp(ctx, t, cfg)

	testkit.Eventually(ctx, t, 60*time.Second, "cycles on partial answers report the source unhealthy, naming the warning", func() error {
		n, err := scrapeGauge(ctx, url+"/metrics", "prescale_cycles_total", nil)
		if err != nil {
			return err
		}
		var h struct {
			Components []struct {
				Name      string `json:"name"`
				LastError string `json:"last_error"`
			} `json:"components"`
		}
		if _, err := testkit.GetJSON(ctx, url+"/api/system/health", &h); err != nil {
			return err
		}
		for _, c := range h.Components {
			if strings.HasPrefix(c.Name, "history") && strings.Contains(c.LastError, "partial data") && strings.Contains(c.LastError, "remote_read") && n >= 5 {
				return nil
			}
		}
		return fmt.Errorf("cycles %v, health %+v", n, h.Components)
	})
	up, err := scrapeGauge(ctx, url+"/metrics", "prescale_history_up", nil)
	require.NoError(t, err)
	require.Zero(t, up)
	require.Empty(t, sink.all(), "nothing acted on a partial answer")
	_, err = scrapeGauge(ctx, url+"/metrics", "prescale_desired_units", sel)
	require.Error(t, err, "no decision published from a partial answer")

	// The long-term store is left out: whole answers again, decided on.
	prom.Stop()
	require.NoError(t, os.WriteFile(prom.cfgPath, []byte(whole), 0o600))
	prom.Start(ctx)
	testkit.Eventually(ctx, t, 60*time.Second, "the controller decides on whole answers", func() error {
		v, err := scrapeGauge(ctx, url+"/metrics", "prescale_desired_units", sel)
		if err != nil {
			return err
		}
		if v != want || len(sink.all()) == 0 {
			return fmt.Errorf("prescale_desired_units = %v (want %v), webhooks %d", v, want, len(sink.all()))
		}
		return nil
	})
}
