package backtest

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/history"
)

// promStub is an httptest Prometheus HTTP API answering query_range with
// value = timestamp/60 mod 100 (or the configured result type and series
// count), recording every request's range.
type promStub struct {
	mu         sync.Mutex
	ranges     [][2]int64
	series     int
	resultType string
	nanAt      int64
	negAt      int64 // a sample of -3 (a deriv() gone below zero)
	status     int
}

func (p *promStub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if p.status != 0 {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(p.status)
		fmt.Fprint(w, `{"status":"error","errorType":"bad_data","error":"parse error"}`)
		return
	}
	if r.URL.Path != "/api/v1/query_range" {
		http.NotFound(w, r)
		return
	}
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	start, _ := strconv.ParseFloat(r.Form.Get("start"), 64)
	end, _ := strconv.ParseFloat(r.Form.Get("end"), 64)
	step, _ := strconv.ParseFloat(r.Form.Get("step"), 64)
	p.mu.Lock()
	p.ranges = append(p.ranges, [2]int64{int64(start), int64(end)})
	p.mu.Unlock()
	if (end-start)/step+1 > 11000 {
		http.Error(w, `{"status":"error","errorType":"bad_data","error":"exceeded maximum resolution of 11,000 points per timeseries"}`, http.StatusBadRequest)
		return
	}
	var values [][2]any
	for ts := int64(start); ts <= int64(end); ts += int64(step) {
		v := strconv.FormatInt((ts/60)%100, 10)
		switch ts {
		case p.nanAt:
			v = "NaN"
		case p.negAt:
			v = "-3"
		}
		if ts%7200 == 0 { // a gap every two hours
			continue
		}
		values = append(values, [2]any{ts, v})
	}
	rt := p.resultType
	if rt == "" {
		rt = "matrix"
	}
	var result []map[string]any
	for k := range max(1, p.series) {
		result = append(result, map[string]any{"metric": map[string]string{"job": fmt.Sprint("web", k)}, "values": values})
	}
	body := map[string]any{"status": "success", "data": map[string]any{"resultType": rt, "result": result}}
	if rt == "vector" {
		body["data"] = map[string]any{"resultType": rt, "result": []any{}}
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(body)
}

func TestQueryRangeSplitsLongRanges(t *testing.T) {
	stub := &promStub{nanAt: 1_700_000_000 + 600}
	srv := httptest.NewServer(stub)
	defer srv.Close()
	start := time.Unix(1_700_000_000, 0)
	end := start.Add(25000 * time.Minute) // 25,001 points at 1 m
	ts, vs, err := QueryRange(t.Context(), srv.URL, nil, nil, "sum(rate(http_requests_total[1m]))", start, end, time.Minute, 0)
	require.NoError(t, err)
	require.Len(t, ts, 25001)
	require.Len(t, stub.ranges, 3) // 10,999 + 10,999 + 3,003 points
	for _, r := range stub.ranges {
		require.Less(t, (r[1]-r[0])/60+1, int64(history.MaxPointsPerSeries))
	}
	require.Equal(t, stub.ranges[0][1]+60, stub.ranges[1][0], "chunks must neither overlap nor leave holes")
	require.Equal(t, start.Unix(), ts[0])
	require.InDelta(t, float64((ts[5]/60)%100), vs[5], 0)
	require.True(t, math.IsNaN(vs[10]), "NaN sample becomes missing")
	for i, t0 := range ts {
		if t0%7200 == 0 {
			require.True(t, math.IsNaN(vs[i]), "gap at %d", t0)
		}
	}
}

func TestQueryRangeErrors(t *testing.T) {
	start := time.Unix(1_700_000_000, 0)
	for _, c := range []struct {
		name string
		stub *promStub
		want string
	}{
		{"two series", &promStub{series: 2}, `query returned more than one series; aggregate it (e.g. sum(...)) (2 series: {job="web0"}, {job="web1"})`},
		{"not a matrix", &promStub{resultType: "vector"}, "unexpected result type: vector, want matrix"},
		{"server error", &promStub{status: http.StatusBadRequest}, "query_range"},
		// Both hints named only the controller's variables
		// (PRESCALE_PROMETHEUS_URL, _HEADERS), which backtest does not read.
		{"not found", &promStub{status: http.StatusNotFound}, "check the path of PRESCALE_PROMETHEUS_URL (prescale backtest: --prometheus)"},
		{"unauthorized", &promStub{status: http.StatusUnauthorized}, "for basic auth; prescale backtest: --header, --prometheus)"},
		// As a trace file's negative value; it was replayed as a gap.
		{"negative", &promStub{negAt: 1_700_000_000 + 120}, "query returned a negative value (a demand or a unit count is never negative: check the query for a deriv() or a subtraction): -3 at 2023-11-14T22:15:20Z (negative points: 1)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := httptest.NewServer(c.stub)
			defer srv.Close()
			_, _, err := QueryRange(t.Context(), srv.URL, nil, nil, "up", start, start.Add(time.Hour), time.Minute, 0)
			require.ErrorContains(t, err, c.want)
		})
	}
	_, _, err := QueryRange(t.Context(), "http://127.0.0.1:1", nil, nil, "up", start, start, time.Minute, 0)
	require.ErrorContains(t, err, "empty range")
	_, _, err = QueryRange(t.Context(), "http://127.0.0.1:1", nil, nil, "up", start, start.Add(time.Hour), time.Millisecond, 0)
	require.ErrorContains(t, err, "step")
}

// Each query_range call of a replay is bounded by --timeout (2 minutes
// by default, the bound of the whole read), not cut at the controller's
// default query timeout (30 s a call), which no flag of prescale backtest
// sets; without a timeout that default stands.
func TestQueryRangeCallsFollowTheTimeout(t *testing.T) {
	h := http.Header{"X-Scope-OrgID": {"t"}}
	o := remoteOptions(h, time.Hour)
	require.Greater(t, o.Timeout, time.Hour, "the whole read's bound ends a call first")
	require.Equal(t, h, o.Headers)
	require.Zero(t, remoteOptions(nil, 0).Timeout, "the history source's default")
}
