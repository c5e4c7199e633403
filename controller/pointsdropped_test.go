package controller

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/history"
	"github.com/prescale/prescale/controller/policy"
	"github.com/prescale/prescale/controller/state"
)

// twoSeriesProm is a fake Prometheus answering query_range with the
// series {job="a"} at 35 at every grid point, and {job="b"} at 1 at the
// grid points in [bFrom, bTo) (unix seconds), as a duplicated scrape job
// answers for a while.
type twoSeriesProm struct {
	mu         sync.Mutex
	bFrom, bTo int64
}

func (p *twoSeriesProm) setB(from, to time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.bFrom, p.bTo = from.Unix(), to.Unix()
}

func (p *twoSeriesProm) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start, err1 := strconv.ParseFloat(r.FormValue("start"), 64)
	end, err2 := strconv.ParseFloat(r.FormValue("end"), 64)
	step, err3 := strconv.ParseFloat(r.FormValue("step"), 64)
	if r.URL.Path != "/api/v1/query_range" || err1 != nil || err2 != nil || err3 != nil || step <= 0 {
		http.Error(w, `{"status":"error","errorType":"bad_data","error":"bad request"}`, http.StatusBadRequest)
		return
	}
	p.mu.Lock()
	bFrom, bTo := p.bFrom, p.bTo
	p.mu.Unlock()
	var a, b []string
	for t := int64(start); t <= int64(end); t += int64(step) {
		a = append(a, fmt.Sprintf(`[%d,"35"]`, t))
		if t >= bFrom && t < bTo {
			b = append(b, fmt.Sprintf(`[%d,"1"]`, t))
		}
	}
	result := []string{`{"metric":{"job":"a"},"values":[` + strings.Join(a, ",") + `]}`}
	if len(b) > 0 {
		result = append(result, `{"metric":{"job":"b"},"values":[`+strings.Join(b, ",")+`]}`)
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = fmt.Fprintf(w, `{"status":"success","data":{"resultType":"matrix","result":[%s]}}`, strings.Join(result, ","))
}

// TestPointsLeftOutForSeveralSeriesCounted: the grid points a target's
// query answered two series at, left out of its history as gaps, are
// counted in prescale_history_points_dropped_total{reason="several_series"},
// each once: the first cycle's whole-window read counts the 10 points of
// the while; the reads after it (one new point each, and the window read
// whole again) count none of them again; points where a second series
// answers at the newest point are refused with the whole read (counted
// nothing), and counted when a later point answers one series again.
// Nothing counted them: an operator saw only a gappier history.
func TestPointsLeftOutForSeveralSeriesCounted(t *testing.T) {
	prom := &twoSeriesProm{}
	srv := httptest.NewServer(prom)
	t.Cleanup(srv.Close)
	remote, err := history.NewRemote(srv.URL, 5*time.Second)
	require.NoError(t, err)
	now := fixtureStart // the window: [11:00, 12:00]
	st, err := state.New(t.TempDir())
	require.NoError(t, err)
	m := NewMetrics(prometheus.NewRegistry(), []policy.Target{testTarget})
	opts := testOptions(ModeForecastOnly)
	opts.FullReadEvery = 3 * time.Minute
	c, err := New([]policy.Target{testTarget}, opts, testDeps(remote, confidentForecast, st, m, func() time.Time { return now }))
	require.NoError(t, err)
	dropped := func() float64 {
		return testutil.ToFloat64(m.PointsDropped.WithLabelValues("web", "web", "instances", "several_series"))
	}
	require.Zero(t, dropped(), "pre-initialised at 0")

	at := func(hhmm string) time.Time {
		tm, err := time.Parse("15:04", hhmm)
		require.NoError(t, err)
		return time.Date(2026, 3, 2, tm.Hour(), tm.Minute(), 0, 0, time.UTC)
	}
	prom.setB(at("11:20"), at("11:30"))
	require.NoError(t, c.ReconcileOnce(t.Context()))
	require.InDelta(t, 10, dropped(), 0, "11:20 to 11:29, left out")

	for range 4 { // 12:01 to 12:04, the last a whole-window read
		now = now.Add(time.Minute)
		require.NoError(t, c.ReconcileOnce(t.Context()))
	}
	require.InDelta(t, 10, dropped(), 0, "the same points, read again, are not counted again")

	prom.setB(at("12:05"), at("12:07"))
	for range 2 { // b answers at the newest point: the read is refused
		now = now.Add(time.Minute)
		require.ErrorIs(t, c.ReconcileOnce(t.Context()), history.ErrMultipleSeries)
	}
	require.InDelta(t, 10, dropped(), 0, "a refused read leaves nothing out")
	now = now.Add(time.Minute)
	require.NoError(t, c.ReconcileOnce(t.Context()))
	require.InDelta(t, 12, dropped(), 0, "12:05 and 12:06, left out once a later point answers one series")
}
