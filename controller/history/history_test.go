package history

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/internal/testkit"
)

// fakeAPI answers QueryRange from a function and records the ranges asked.
type fakeAPI struct {
	mu     sync.Mutex
	ranges []v1.Range
	answer func(r v1.Range) (model.Value, error)
	warns  v1.Warnings // every answer's warnings
}

func (f *fakeAPI) QueryRange(_ context.Context, _ string, r v1.Range, _ ...v1.Option) (model.Value, v1.Warnings, v1.Infos, error) {
	f.mu.Lock()
	f.ranges = append(f.ranges, r)
	f.mu.Unlock()
	v, err := f.answer(r)
	return v, f.warns, nil, err
}

// line answers a matrix with value = unix seconds / 60 at every grid point.
func line(r v1.Range) (model.Value, error) {
	var ps []model.SamplePair
	for t := r.Start; !t.After(r.End); t = t.Add(r.Step) {
		ps = append(ps, model.SamplePair{Timestamp: model.TimeFromUnixNano(t.UnixNano()), Value: model.SampleValue(t.Unix() / 60)})
	}
	return model.Matrix{{Metric: model.Metric{}, Values: ps}}, nil
}

func TestRemoteSplitsLongRanges(t *testing.T) {
	f := &fakeAPI{answer: line}
	r := NewRemoteAPI(f, "http://prom", time.Second)
	end := time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC)
	start := end.Add(-14 * 24 * time.Hour)
	s, err := r.QueryRange(t.Context(), "q", start, end, time.Minute)
	require.NoError(t, err)
	require.Len(t, s.T, 14*24*60+1)
	require.Len(t, f.ranges, 2, "20,161 points need two calls")
	for i, rg := range f.ranges {
		n := int(rg.End.Sub(rg.Start)/rg.Step) + 1
		require.Less(t, n, MaxPointsPerSeries, "call %d has %d points", i, n)
	}
	require.Equal(t, f.ranges[0].End.Add(time.Minute), f.ranges[1].Start, "chunks are contiguous on the grid")
	for i := range s.T {
		require.InDelta(t, float64(s.T[i]/60), s.V[i], 0)
	}
}

// TestRemoteSameSeriesAcrossChunks: each chunk has one series, but a
// different one from the first chunk's (a label changed mid-range): the
// result would splice two series, so it is refused.
func TestRemoteSameSeriesAcrossChunks(t *testing.T) {
	calls := 0
	f := &fakeAPI{answer: func(r v1.Range) (model.Value, error) {
		calls++
		m, _ := line(r)
		m.(model.Matrix)[0].Metric = model.Metric{"pod": model.LabelValue(fmt.Sprint("web-", calls))}
		return m, nil
	}}
	r := NewRemoteAPI(f, "http://prom", time.Second)
	end := time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC)
	_, err := r.QueryRange(t.Context(), "q", end.Add(-14*24*time.Hour), end, time.Minute)
	require.ErrorIs(t, err, ErrMultipleSeries)
	require.ErrorContains(t, err, `{pod="web-1"}, then {pod="web-2"}`)
}

// TestSeveralSeriesForAWhile: a query that answered 16 series for a while
// and one again since (the soak's fault: a duplicated scrape job, since
// removed) reads the one series with the points of that while left out;
// before, the range was refused for as long as that while was in the
// window, so the target held with bad_query long after the query answered
// one series (an hour at the soak's 1h window). 16 series at the newest
// point are refused, as are two series one after the other within a
// chunk (a label change: the result would splice them).
func TestSeveralSeriesForAWhile(t *testing.T) {
	end := time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC)
	start := end.Add(-9 * time.Minute)
	// answer: series 0 at every point, 15 more at points [from, to).
	answer := func(from, to int) func(v1.Range) (model.Value, error) {
		return func(r v1.Range) (model.Value, error) {
			var m model.Matrix
			for k := range 16 {
				ss := &model.SampleStream{Metric: model.Metric{"shard": model.LabelValue(fmt.Sprint(k))}}
				for i := range 10 {
					if k == 0 || i >= from && i < to {
						at := r.Start.Add(time.Duration(i) * r.Step)
						ss.Values = append(ss.Values, model.SamplePair{Timestamp: model.TimeFromUnixNano(at.UnixNano()), Value: model.SampleValue(10*k + i)})
					}
				}
				m = append(m, ss)
			}
			return m, nil
		}
	}
	r := NewRemoteAPI(&fakeAPI{answer: answer(3, 6)}, "http://prom", time.Second)
	s, err := r.QueryRange(t.Context(), "q", start, end, time.Minute)
	require.NoError(t, err)
	nan := math.NaN()
	require.Equal(t, fmt.Sprint([]float64{0, 1, 2, nan, nan, nan, 6, 7, 8, 9}), fmt.Sprint(s.V))
	require.Zero(t, s.Dropped())

	r = NewRemoteAPI(&fakeAPI{answer: answer(7, 10)}, "http://prom", time.Second)
	_, err = r.QueryRange(t.Context(), "q", start, end, time.Minute)
	require.ErrorIs(t, err, ErrMultipleSeries)
	require.ErrorContains(t, err, `(16 series: {shard="0"}, {shard="1"} and 14 more)`)

	spliced := func(r v1.Range) (model.Value, error) {
		m, _ := line(r)
		a := m.(model.Matrix)[0]
		b := &model.SampleStream{Metric: model.Metric{"pod": "web-2"}, Values: a.Values[5:]}
		a.Metric, a.Values = model.Metric{"pod": "web-1"}, a.Values[:5]
		return model.Matrix{a, b}, nil
	}
	r = NewRemoteAPI(&fakeAPI{answer: spliced}, "http://prom", time.Second)
	_, err = r.QueryRange(t.Context(), "q", start, end, time.Minute)
	require.ErrorIs(t, err, ErrMultipleSeries)
	require.ErrorContains(t, err, `(2 series, one after the other: {pod="web-1"}, then {pod="web-2"}; a label changed, as a restarted pod's name does)`)
}

// TestEmbeddedSeveralSeriesForAWhile: the embedded store's range read
// leaves out the points where a second series answered too (within the
// 5-minute lookback after its one sample, left-open), and refuses it while
// it answers.
func TestEmbeddedSeveralSeriesForAWhile(t *testing.T) {
	emb := openEmbedded(t)
	t0 := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	var samples []Sample
	for i := range 11 {
		samples = append(samples, Sample{Labels: labels.FromStrings("__name__", "d", "shard", "0"), T: t0.Add(time.Duration(i) * time.Minute).UnixMilli(), V: float64(i)})
	}
	samples = append(samples, Sample{Labels: labels.FromStrings("__name__", "d", "shard", "1"), T: t0.Add(time.Minute).UnixMilli(), V: 100})
	_, err := emb.Append(t.Context(), samples)
	require.NoError(t, err)
	s, err := emb.QueryRange(t.Context(), "d", t0, t0.Add(10*time.Minute), time.Minute)
	require.NoError(t, err)
	nan := math.NaN()
	require.Equal(t, fmt.Sprint([]float64{0, nan, nan, nan, nan, nan, 6, 7, 8, 9, 10}), fmt.Sprint(s.V))
	_, err = emb.QueryRange(t.Context(), "d", t0, t0.Add(5*time.Minute), time.Minute)
	require.ErrorIs(t, err, ErrMultipleSeries)
	require.ErrorContains(t, err, `(2 series: {__name__="d", shard="0"}, {__name__="d", shard="1"})`)
}

func TestRemoteChecksResults(t *testing.T) {
	end := time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC)
	start := end.Add(-10 * time.Minute)
	for _, tc := range []struct {
		name    string
		answer  func(v1.Range) (model.Value, error)
		wantErr error
		errText string
		dropped int
	}{
		{"vector", func(v1.Range) (model.Value, error) { return model.Vector{}, nil }, ErrResultType, "vector, want matrix", 0},
		{"empty", func(v1.Range) (model.Value, error) { return model.Matrix{}, nil }, ErrNoData, "", 0},
		{"two series", func(v1.Range) (model.Value, error) {
			return model.Matrix{{Metric: model.Metric{"a": "1"}}, {Metric: model.Metric{"a": "2"}}}, nil
		}, ErrMultipleSeries, `(2 series: {a="1"}, {a="2"})`, 0},
		{"all NaN", func(r v1.Range) (model.Value, error) {
			return model.Matrix{{Values: []model.SamplePair{
				{Timestamp: model.TimeFromUnixNano(r.Start.UnixNano()), Value: model.SampleValue(math.NaN())},
				{Timestamp: model.TimeFromUnixNano(r.End.UnixNano()), Value: model.SampleValue(math.Inf(1))},
			}}}, nil
		}, ErrNotFinite, "only NaN or ±Inf values (points: 2)", 2},
		{"server error", func(v1.Range) (model.Value, error) { return nil, errors.New("boom") }, nil, "query_range on http://prom: boom", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := NewRemoteAPI(&fakeAPI{answer: tc.answer}, "http://prom", time.Second)
			s, err := r.QueryRange(t.Context(), "q", start, end, time.Minute)
			require.Error(t, err)
			if tc.wantErr != nil {
				require.ErrorIs(t, err, tc.wantErr)
			}
			require.ErrorContains(t, err, tc.errText)
			require.Equal(t, tc.dropped, s.Dropped())
		})
	}
	_, err := NewRemoteAPI(&fakeAPI{answer: line}, "x", time.Second).QueryRange(t.Context(), "", start, end, time.Minute)
	require.ErrorContains(t, err, "empty query")
	_, err = NewRemoteAPI(&fakeAPI{answer: line}, "x", time.Second).QueryRange(t.Context(), "q", end, start, time.Minute)
	require.ErrorContains(t, err, "before start")
}

// TestRemoteRefusesPartialAnswers: an answer with a warning from the
// store (a remote_read endpoint or a Thanos store that failed: the data of
// the others only) is refused as the source's problem, naming the warning;
// PromQL's own annotations about the query leave the data whole and are
// used. TestE2EPartialAnswerHolds runs a real Prometheus that answers so.
func TestRemoteRefusesPartialAnswers(t *testing.T) {
	end := time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC)
	start := end.Add(-10 * time.Minute)
	remoteRead := `remote_read: error sending request: Post "http://lts:9201/read": dial tcp: connection refused`
	for _, tc := range []struct {
		name  string
		warns v1.Warnings
		ok    bool
	}{
		{"none", nil, true},
		{"PromQL annotations", v1.Warnings{`PromQL info: metric might not be a counter, name does not end in _total/_sum/_count/_bucket: "x"`,
			`PromQL warning: input to histogram_quantile needed to be fixed for monotonicity`}, true},
		{"remote read failed", v1.Warnings{remoteRead}, false},
		{"a store failed beside an annotation", v1.Warnings{"PromQL info: ...", `receive series from Addr: store-2:10901: rpc error: code = Unavailable`}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := NewRemoteAPI(&fakeAPI{answer: line, warns: tc.warns}, "http://prom", time.Second)
			s, err := r.QueryRange(t.Context(), "q", start, end, time.Minute)
			if tc.ok {
				require.NoError(t, err)
				require.Equal(t, 11, s.Present())
				return
			}
			require.ErrorIs(t, err, ErrPartial)
			require.False(t, IsQueryError(err), "the source's problem, not the query's")
			require.ErrorContains(t, err, tc.warns[len(tc.warns)-1][:40])
			require.NotContains(t, err.Error(), "PromQL info")
		})
	}
}

// openEmbedded opens an embedded store in a temporary directory, closed
// (without an error) when the test ends.
func openEmbedded(t *testing.T) *Embedded {
	t.Helper()
	emb, err := OpenEmbedded(t.TempDir(), EmbeddedOptions{})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, emb.Close()) })
	return emb
}

// TestRemoteOverHTTP runs the adapter against an httptest server speaking
// Prometheus' query_range JSON, with a gap.
func TestRemoteOverHTTP(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// No require in a handler: a bad request gets a 400 the client reports.
		if err := r.ParseForm(); err != nil || r.URL.Path != "/api/v1/query_range" || r.Form.Get("query") != "sum(rate(x[5m]))" {
			http.Error(w, fmt.Sprintf("bad request %s: %v, query %q", r.URL.Path, err, r.Form.Get("query")), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1773532800,"1.5"],[1773532920,"NaN"],[1773532980,"3"]]}]}}`))
	}))
	defer srv.Close()
	r, err := NewRemote(srv.URL, time.Second)
	require.NoError(t, err)
	start := time.Unix(1773532800, 0)
	s, err := r.QueryRange(t.Context(), "sum(rate(x[5m]))", start, start.Add(3*time.Minute), time.Minute)
	require.NoError(t, err)
	require.Equal(t, []int64{1773532800, 1773532860, 1773532920, 1773532980}, s.T)
	require.InDelta(t, 1.5, s.V[0], 0)
	require.True(t, math.IsNaN(s.V[1]), "gap")
	require.True(t, math.IsNaN(s.V[2]), "NaN from the server")
	require.InDelta(t, 3, s.V[3], 0)
	require.Equal(t, 1, s.Dropped())
	require.Equal(t, 2, s.Present())

	_, err = NewRemote("http://user:secret@127.0.0.1:1", time.Second)
	require.NoError(t, err)
	rr, _ := NewRemote("http://user:secret@127.0.0.1:1", 200*time.Millisecond)
	_, err = rr.QueryRange(t.Context(), "q", start, start.Add(time.Minute), time.Minute)
	require.Error(t, err)
	require.NotContains(t, err.Error(), "secret", "credentials are redacted")
	_, err = NewRemote("not a url", time.Second)
	require.ErrorContains(t, err, "bad Prometheus URL")
}

// TestRemoteBehindPrefixAndBasicAuth: a Prometheus started with
// --web.route-prefix=/prom and basic auth (--web.config.file), as many
// sites run it. A URL without the prefix (404) or the credentials (401)
// fails as the source's problem with a hint naming the fix: the 404 named
// Mimir's and VictoriaMetrics' paths only, the 401 the headers only. The
// user and password of the URL are sent as basic auth.
func TestRemoteBehindPrefixAndBasicAuth(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/prom/api/v1/") {
			http.Error(w, "404 page not found", http.StatusNotFound)
			return
		}
		if u, p, ok := r.BasicAuth(); !ok || u != "ops" || p != "pa#ss" {
			http.Error(w, "Unauthorized", http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1773532800,"2"]]}]}}`))
	}))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	start := time.Unix(1773532800, 0)
	query := func(url string) error {
		r, err := NewRemote(url, time.Second)
		require.NoError(t, err)
		_, err = r.QueryRange(t.Context(), "q", start, start, time.Minute)
		return err
	}
	err := query("http://ops:pa%23ss@" + host)
	require.ErrorContains(t, err, "--web.route-prefix")
	require.False(t, IsQueryError(err))
	err = query(srv.URL + "/prom")
	require.ErrorContains(t, err, "the user and password in PRESCALE_PROMETHEUS_URL")
	require.False(t, IsQueryError(err))
	require.NoError(t, query("http://ops:pa%23ss@"+host+"/prom"))
}

// TestRemoteUntrustedCertificate: an https PRESCALE_PROMETHEUS_URL whose
// certificate is signed by a CA this host does not trust fails as the
// source's problem naming what to do (PRESCALE_PROMETHEUS_CA_FILE, or
// SSL_CERT_FILE); so does a scrape target of the embedded store
// (TestScrapeUntrustedCertificate, controller/history/scrape).
func TestRemoteUntrustedCertificate(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer srv.Close()
	r, err := NewRemote(srv.URL, 5*time.Second)
	require.NoError(t, err)
	start := time.Unix(1773532800, 0)
	_, err = r.QueryRange(t.Context(), "q", start, start, time.Minute)
	require.ErrorContains(t, err, "certificate signed by unknown authority")
	require.ErrorContains(t, err, "set SSL_CERT_FILE to a PEM file holding it")
	require.ErrorContains(t, err, "set PRESCALE_PROMETHEUS_CA_FILE (prescale backtest: --ca-file) to a PEM file holding it")
	require.False(t, IsQueryError(err))
}

func TestReplay(t *testing.T) {
	emb := openEmbedded(t)
	ts := []int64{1000, 1300, 1600, 1900, 2200}
	vs := []float64{1, 2, math.NaN(), 4, 5}
	start := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	r, err := NewReplay(emb, testkit.Demand(), ts, vs, 3, start)
	require.NoError(t, err)
	require.Equal(t, 5*time.Minute, r.Step())
	n, err := r.AdvanceTo(t.Context(), start)
	require.NoError(t, err)
	require.Equal(t, 3, n, "samples 0..3 are history; the NaN is skipped")
	require.False(t, r.Done())
	n, err = r.AdvanceTo(t.Context(), start.Add(5*time.Minute))
	require.NoError(t, err)
	require.Equal(t, 1, n)
	require.True(t, r.Done())
	s, err := emb.QueryRange(t.Context(), "demand", start.Add(-15*time.Minute), start.Add(5*time.Minute), 5*time.Minute)
	require.NoError(t, err)
	require.Equal(t, []float64{1, 2}, s.V[:2])
	require.True(t, math.IsNaN(s.V[2]), "the gap: the previous sample is exactly 5 minutes old, outside the left-open lookback window")
	require.Equal(t, []float64{4, 5}, s.V[3:])
}

func TestEmbeddedQueryErrorsAreQueryErrors(t *testing.T) {
	emb := openEmbedded(t)
	start := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	for _, s := range []string{"a", "b"} {
		_, err := emb.AppendSeries(t.Context(), testkit.Demand("pod", s), []int64{start.Unix()}, []float64{1})
		require.NoError(t, err)
	}
	for _, q := range []string{"sum(", "demand", "demand[5m]"} {
		t.Run(q, func(t *testing.T) {
			_, err := emb.QueryRange(t.Context(), q, start, start, time.Minute)
			require.Error(t, err)
			require.True(t, IsQueryError(err), "%v", err)
		})
	}
}

// TestEmbeddedNonFiniteDemand: a query that evaluates to NaN or ±Inf at
// every point is the query's problem (ErrNotFinite, a query error, not "no
// data"); one that does so only at its newest point says which point
// (Series.LastDropped), so the controller can tell a NaN current demand
// from a missing one.
func TestEmbeddedNonFiniteDemand(t *testing.T) {
	emb := openEmbedded(t)
	start := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	end := start.Add(10 * time.Minute)

	s, err := emb.QueryRange(t.Context(), "vector(NaN)", start, end, time.Minute)
	require.ErrorIs(t, err, ErrNotFinite)
	require.True(t, IsQueryError(err))
	require.Equal(t, 11, s.Dropped())
	require.Equal(t, end.Unix(), s.LastDropped)

	// 1 / (1 before the last point, 0 at it): +Inf only at the end.
	q := fmt.Sprintf("vector(1) / (time() < bool %d)", end.Unix())
	s, err = emb.QueryRange(t.Context(), q, start, end, time.Minute)
	require.NoError(t, err)
	require.Equal(t, 1, s.Dropped())
	require.Equal(t, end.Unix(), s.LastDropped)
	tl, v, ok := s.Last()
	require.True(t, ok)
	require.Equal(t, end.Add(-time.Minute).Unix(), tl)
	require.InDelta(t, 1, v, 0)
}

// TestEmbeddedNegativeDemand: a query that evaluates to a negative value
// (a deriv(), a subtraction) is the query's problem: at every point it is
// ErrNegative naming the value (a query error, not "no data"); only at the
// newest point, that point is missing and named (Series.LastNegative), so
// the controller holds with bad_query instead of sizing for it. It was
// returned as a demand of -5 and decided silently at min_units.
func TestEmbeddedNegativeDemand(t *testing.T) {
	emb := openEmbedded(t)
	start := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	end := start.Add(10 * time.Minute)

	s, err := emb.QueryRange(t.Context(), "vector(-5)", start, end, time.Minute)
	require.ErrorIs(t, err, ErrNegative)
	require.True(t, IsQueryError(err))
	require.ErrorContains(t, err, ": -5 at 2026-03-02T12:10:00Z (negative points: 11)")
	require.Equal(t, 11, s.Negative())

	// 1 before the last point, -2 at it: negative only at the end.
	q := fmt.Sprintf("vector(1) - 3 * (time() >= bool %d)", end.Unix())
	s, err = emb.QueryRange(t.Context(), q, start, end, time.Minute)
	require.NoError(t, err)
	require.Equal(t, 1, s.Negative())
	require.Equal(t, end.Unix(), s.LastNegative)
	require.InDelta(t, -2, s.NegativeValue, 0)
	tl, v, ok := s.Last()
	require.True(t, ok)
	require.Equal(t, end.Add(-time.Minute).Unix(), tl)
	require.InDelta(t, 1, v, 0)

	// Zero is a demand (an idle service), not a negative value.
	_, err = emb.QueryRange(t.Context(), "-vector(0)", start, end, time.Minute)
	require.NoError(t, err)
	// A value below zero is, however small (a utilisation's rounding).
	_, err = emb.QueryRange(t.Context(), "vector(-0.5)", start, end, time.Minute)
	require.ErrorIs(t, err, ErrNegative)
}

// TestRemoteBoundsAnswers: an answer larger than MaxAnswerBytes (a query
// returning thousands of series) is cut off and reported as the target's
// query problem, not read whole into memory; headers are sent.
func TestRemoteBoundsAnswers(t *testing.T) {
	var b strings.Builder
	for i := range 1000 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"metric":{"pod":"p%d"},"values":[[1700000000,"1"],[1700000300,"2"],[1700000600,"3"],[1700000900,"4"]]}`, i)
	}
	block := []byte(b.String())
	var tenant string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tenant = r.Header.Get("X-Scope-OrgID")
		w.Header().Set("Content-Type", "application/json")
		_, _ = fmt.Fprint(w, `{"status":"success","data":{"resultType":"matrix","result":[`)
		// 600,000 series (about 70 MB): one block of 1,000 formatted once,
		// written 600 times (the client refuses the answer at 32 MiB, before
		// decoding it). Formatting all 600,000 took up to 30 s of the
		// client's 30 s under -race on a loaded machine.
		for k := range 600 {
			if k > 0 {
				_, _ = io.WriteString(w, ",")
			}
			if _, err := w.Write(block); err != nil {
				return // the client stopped reading
			}
		}
		_, _ = fmt.Fprint(w, `]}}`)
	}))
	defer srv.Close()
	r, err := NewRemoteWith(srv.URL, RemoteOptions{Timeout: 30 * time.Second, Headers: http.Header{"X-Scope-Orgid": {"tenant1"}}})
	require.NoError(t, err)
	start := time.Unix(1700000000, 0)
	_, err = r.QueryRange(t.Context(), "demand", start, start.Add(15*time.Minute), 5*time.Minute)
	require.ErrorIs(t, err, ErrTooLarge)
	require.True(t, IsQueryError(err), "the target's query, not the source: %v", err)
	require.ErrorContains(t, err, "the answer is larger than 32 MiB: the query returns too many series or points (aggregate it, e.g. sum(...))")
	require.Equal(t, "tenant1", tenant)
}

// TestRemoteRedirects: PRESCALE_PROMETHEUS_URL answered by a redirect. A
// 301, 302 or 303 (an ingress sending http:// to https://) made the HTTP
// client repeat the query as a GET without its form: the server answered
// `invalid parameter "start"`, a bad query of every target, with the
// source healthy. It now fails as the source's problem naming where the
// redirect points. A 307 or 308 on the same host repeats the query whole
// and is followed; to another host it is refused, so that the headers of
// PRESCALE_PROMETHEUS_HEADERS (a bearer token) never reach it.
func TestRemoteRedirects(t *testing.T) {
	const answer = `{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1773532800,"2"]]}]}}`
	var mu sync.Mutex
	var tokens []string // the X-Token header of each query the servers answered
	prom := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		tokens = append(tokens, r.Header.Get("X-Token"))
		mu.Unlock()
		if err := r.ParseForm(); err != nil || r.Form.Get("start") == "" {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"status":"error","errorType":"bad_data","error":"invalid parameter \"start\": cannot parse \"\" to a valid timestamp"}`))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(answer))
	})
	other := httptest.NewServer(prom)
	defer other.Close()
	mux := http.NewServeMux()
	mux.Handle("/new/", prom)
	mux.HandleFunc("/moved/", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/new/api/v1/query_range", http.StatusMovedPermanently)
	})
	mux.HandleFunc("/kept/", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/new/api/v1/query_range", http.StatusPermanentRedirect)
	})
	mux.HandleFunc("/elsewhere/", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/api/v1/query_range", http.StatusTemporaryRedirect)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	start := time.Unix(1773532800, 0)
	for _, tc := range []struct {
		path, errText string
		answered      []string
	}{
		{"/kept", "", []string{"secret"}},
		{"/moved", "the server answered HTTP 301, to " + srv.URL + "/new: set PRESCALE_PROMETHEUS_URL", nil},
		{"/elsewhere", "the server answered HTTP 307, to " + other.URL + ": set PRESCALE_PROMETHEUS_URL", nil},
	} {
		t.Run(tc.path, func(t *testing.T) {
			mu.Lock()
			tokens = nil
			mu.Unlock()
			r, err := NewRemoteWith(srv.URL+tc.path, RemoteOptions{Timeout: 5 * time.Second, Headers: http.Header{"X-Token": {"secret"}}})
			require.NoError(t, err)
			s, err := r.QueryRange(t.Context(), "q", start, start, time.Minute)
			mu.Lock()
			defer mu.Unlock()
			require.Equal(t, tc.answered, tokens, "queries answered (the other host never sees the header)")
			if tc.errText == "" {
				require.NoError(t, err)
				require.InDelta(t, 2.0, s.V[0], 0)
				return
			}
			require.ErrorContains(t, err, tc.errText)
			require.False(t, IsQueryError(err), "the source's problem, not every target's query")
			require.NotContains(t, err.Error(), "secret")
		})
	}
}

// TestRemoteTimeoutNamesItsVariable: a store that does not answer within
// the query timeout fails naming PRESCALE_QUERY_TIMEOUT (it said only
// "context deadline exceeded"); a caller's own deadline is not taken for
// it.
func TestRemoteTimeoutNamesItsVariable(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer srv.Close()
	defer close(release)
	r, err := NewRemote(srv.URL, 100*time.Millisecond)
	require.NoError(t, err)
	start := time.Unix(1773532800, 0)
	_, err = r.QueryRange(t.Context(), "q", start, start, time.Minute)
	require.ErrorContains(t, err, "no answer within 100ms (PRESCALE_QUERY_TIMEOUT")
	require.False(t, IsQueryError(err))

	slow, err := NewRemote(srv.URL, time.Minute)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	_, err = slow.QueryRange(ctx, "q", start, start, time.Minute)
	require.Error(t, err)
	require.NotContains(t, err.Error(), "PRESCALE_QUERY_TIMEOUT", "the caller's deadline, not the query timeout")
}
