package metrics

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/history"
	"github.com/prescale/prescale/controller/policy"
)

// scrape is reg's exposition as promhttp serves it to a scraper that
// accepts only the format accept names (created samples on).
func scrape(t *testing.T, reg *prometheus.Registry, accept string) *httptest.ResponseRecorder {
	t.Helper()
	h := promhttp.HandlerFor(reg, promhttp.HandlerOpts{EnableOpenMetrics: true, EnableOpenMetricsTextCreatedSamples: true})
	req := httptest.NewRequestWithContext(t.Context(), http.MethodGet, "/metrics", nil)
	req.Header.Set("Accept", accept)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	require.Equal(t, http.StatusOK, rec.Code)
	return rec
}

// TestPointsDroppedCreatedTimestamp: every series of
// prescale_history_points_dropped_total carries a created timestamp, as a
// CounterVec child does: the time (the injected clock's) its target's row
// was first made, kept as its count grows; a target first seen later has
// the later time. In OpenMetrics it is the _created sample, in protobuf
// the counter's created_timestamp (what Prometheus reads with
// created-timestamp-zero-ingestion). It had none: Prometheus could not
// tell a new series' first increase from a count it had missed.
// prescale_decisions_total's series read the same clock (they read
// time.Now).
func TestPointsDroppedCreatedTimestamp(t *testing.T) {
	start := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	now := start
	reg := prometheus.NewPedanticRegistry() // checks each series' labels against its Desc
	m := New(reg, []policy.Target{web}, WithClock(func() time.Time { return now }))
	now = now.Add(90 * time.Second)
	m.PointsLeftOut(web, [history.NumLeftOut]int{history.LeftNaN: 2})
	m.PointsDropped.WithLabelValues("api", "backend", "cpu", "negative")

	var lines []string
	for line := range strings.Lines(scrape(t, reg, `application/openmetrics-text;version=1.0.0`).Body.String()) {
		if strings.HasPrefix(line, "prescale_history_points_dropped_") {
			lines = append(lines, strings.TrimSpace(line))
		}
	}
	// 1772366400 is start in Unix seconds; the api series' row is 90 s younger.
	require.Equal(t, []string{
		`prescale_history_points_dropped_total{kind="cpu",reason="negative",target="api",tier="backend"} 0.0`,
		`prescale_history_points_dropped_created{kind="cpu",reason="negative",target="api",tier="backend"} 1.77236649e+09`,
		`prescale_history_points_dropped_total{kind="instances",reason="nan_or_inf",target="web",tier="frontend"} 2.0`,
		`prescale_history_points_dropped_created{kind="instances",reason="nan_or_inf",target="web",tier="frontend"} 1.7723664e+09`,
		`prescale_history_points_dropped_total{kind="instances",reason="negative",target="web",tier="frontend"} 0.0`,
		`prescale_history_points_dropped_created{kind="instances",reason="negative",target="web",tier="frontend"} 1.7723664e+09`,
		`prescale_history_points_dropped_total{kind="instances",reason="several_series",target="web",tier="frontend"} 0.0`,
		`prescale_history_points_dropped_created{kind="instances",reason="several_series",target="web",tier="frontend"} 1.7723664e+09`,
	}, lines)

	rec := scrape(t, reg, `application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited`)
	dec := expfmt.NewDecoder(rec.Body, expfmt.ResponseFormat(rec.Header()))
	created := map[string]time.Time{}
	for {
		var mf dto.MetricFamily
		err := dec.Decode(&mf)
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
		switch mf.GetName() {
		case "prescale_history_points_dropped_total": // kind, reason, target, tier
			for _, s := range mf.GetMetric() {
				created[s.GetLabel()[2].GetValue()+"/"+s.GetLabel()[1].GetValue()] = s.GetCounter().GetCreatedTimestamp().AsTime()
			}
		case "prescale_decisions_total": // direction, reason, target: the same clock
			for _, s := range mf.GetMetric() {
				created["decisions of "+s.GetLabel()[2].GetValue()] = s.GetCounter().GetCreatedTimestamp().AsTime()
			}
		}
	}
	require.Equal(t, map[string]time.Time{"web/nan_or_inf": start, "web/negative": start, "web/several_series": start,
		"api/negative": start.Add(90 * time.Second), "decisions of web": start}, created)
}
