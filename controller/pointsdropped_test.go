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
	start, end, step, ok := rangeParams(r)
	if !ok {
		http.Error(w, `{"status":"error","errorType":"bad_data","error":"bad request"}`, http.StatusBadRequest)
		return
	}
	p.mu.Lock()
	bFrom, bTo := p.bFrom, p.bTo
	p.mu.Unlock()
	var a, b []string
	for t := start; t <= end; t += step {
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
	c, now, counted := promController(t, prom, 3*time.Minute)
	dropped := func() float64 { return counted("several_series") }
	require.Zero(t, dropped(), "pre-initialised at 0")
	at := func(hhmm string) time.Time { return onFixtureDay(t, hhmm) }
	prom.setB(at("11:20"), at("11:30"))
	require.NoError(t, c.ReconcileOnce(t.Context()))
	require.InDelta(t, 10, dropped(), 0, "11:20 to 11:29, left out")

	for range 4 { // 12:01 to 12:04, the last a whole-window read
		*now = now.Add(time.Minute)
		require.NoError(t, c.ReconcileOnce(t.Context()))
	}
	require.InDelta(t, 10, dropped(), 0, "the same points, read again, are not counted again")

	prom.setB(at("12:05"), at("12:07"))
	for range 2 { // b answers at the newest point: the read is refused
		*now = now.Add(time.Minute)
		require.ErrorIs(t, c.ReconcileOnce(t.Context()), history.ErrMultipleSeries)
	}
	require.InDelta(t, 10, dropped(), 0, "a refused read leaves nothing out")
	*now = now.Add(time.Minute)
	require.NoError(t, c.ReconcileOnce(t.Context()))
	require.InDelta(t, 12, dropped(), 0, "12:05 and 12:06, left out once a later point answers one series")
	require.Equal(t, 2, c.Snapshot().Targets[0].Window.SeveralSeries(),
		"the window's count (/api/verification's) is its whole read's: b answers at 12:05 and 12:06 only now")
}

// promController is a controller of testTarget reading the fake Prometheus
// h at the clock *now (fixtureStart, 12:00:30: the window [11:00, 12:00]),
// reading its window whole every fullEvery; counted is its
// prescale_history_points_dropped_total of a reason.
func promController(t *testing.T, h http.Handler, fullEvery time.Duration) (c *Controller, now *time.Time, counted func(string) float64) {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	remote, err := history.NewRemote(srv.URL, 5*time.Second)
	require.NoError(t, err)
	clock := fixtureStart
	st, err := state.New(t.TempDir())
	require.NoError(t, err)
	m := NewMetrics(prometheus.NewRegistry(), []policy.Target{testTarget})
	opts := testOptions(ModeForecastOnly)
	opts.FullReadEvery = fullEvery
	c, err = New([]policy.Target{testTarget}, opts, testDeps(remote, confidentForecast, st, m, func() time.Time { return clock }))
	require.NoError(t, err)
	return c, &clock, func(reason string) float64 {
		return testutil.ToFloat64(m.PointsDropped.WithLabelValues("web", "web", "instances", reason))
	}
}

// onFixtureDay is hh:mm UTC on fixtureStart's day.
func onFixtureDay(t *testing.T, hhmm string) time.Time {
	t.Helper()
	tm, err := time.Parse("15:04", hhmm)
	require.NoError(t, err)
	return time.Date(2026, 3, 2, tm.Hour(), tm.Minute(), 0, 0, time.UTC)
}

// badPointsProm is a fake Prometheus answering query_range with one
// series, 35 at every point but those of bad (unix seconds: the value as
// the API writes it, "NaN" or "-3"; "absent": no sample there yet, as
// VictoriaMetrics' latency offset leaves a range's newest point out).
type badPointsProm struct {
	mu  sync.Mutex
	bad map[int64]string
}

func (p *badPointsProm) set(t time.Time, v string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if v == "" {
		delete(p.bad, t.Unix())
		return
	}
	p.bad[t.Unix()] = v
}

func (p *badPointsProm) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start, end, step, ok := rangeParams(r)
	if !ok {
		http.Error(w, `{"status":"error","errorType":"bad_data","error":"bad request"}`, http.StatusBadRequest)
		return
	}
	p.mu.Lock()
	var vs []string
	for t := start; t <= end; t += step {
		v, isBad := p.bad[t]
		if !isBad {
			v = "35"
		}
		if v == "absent" {
			continue
		}
		vs = append(vs, fmt.Sprintf(`[%d,%q]`, t, v))
	}
	p.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_, _ = fmt.Fprintf(w, `{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"job":"a"},"values":[%s]}]}}`, strings.Join(vs, ","))
}

// TestBadPointsCountedOnce: NaN and negative points in a target's window
// are counted once each in prescale_history_points_dropped_total (reasons
// nan_or_inf and negative) and in /api/verification's window counts, by
// the read that first has them. Cycles two grid steps apart (an interval
// of 2 steps, or a cycle skipped) each read a good point and a bad newest
// one; the next cycle reads again from the newest good point, the bad one
// with it, and must not count it again, nor when it has a good value by
// then; a whole-window read counts none again (the window's counts are
// those of the window it read). Each read added its bad points again.
func TestBadPointsCountedOnce(t *testing.T) {
	at := func(hhmm string) time.Time { return onFixtureDay(t, hhmm) }
	prom := &badPointsProm{bad: map[int64]string{at("11:30").Unix(): "NaN", at("11:40").Unix(): "-3"}}
	c, now, counted := promController(t, prom, 24*time.Hour)
	require.Zero(t, counted("nan_or_inf")+counted("negative"), "pre-initialised at 0")
	cycle := func(set ...string) { // set: hh:mm, value ("": good) before the cycle
		t.Helper()
		for i := 0; i < len(set); i += 2 {
			prom.set(at(set[i]), set[i+1])
		}
		require.NoError(t, c.ReconcileOnce(t.Context()))
		*now = now.Add(2 * time.Minute)
	}
	cycle()
	require.InDelta(t, 1, counted("nan_or_inf"), 0, "11:30")
	require.InDelta(t, 1, counted("negative"), 0, "11:40")
	full := c.wins[0].FullAt

	cycle("12:02", "NaN")             // reads 12:01 (good) and 12:02
	cycle("12:04", "-3")              // 12:02 again, 12:03, 12:04
	cycle("12:06", "NaN")             // 12:04 again, 12:05, 12:06
	cycle("12:06", "", "12:08", "35") // 12:06, since good, to 12:08
	require.Equal(t, full, c.wins[0].FullAt, "no whole-window read yet")
	require.InDelta(t, 3, counted("nan_or_inf"), 0, "11:30, 12:02 and 12:06 (since good), once each")
	require.InDelta(t, 2, counted("negative"), 0, "11:40 and 12:04, once each")
	win := c.Snapshot().Targets[0].Window
	require.Equal(t, 3, win.Dropped(), "the window's count, as /api/verification shows it")
	require.Equal(t, 2, win.Negative())

	c.o.FullReadEvery = time.Minute // the next cycle reads the whole window [11:10, 12:10]
	cycle()
	require.NotEqual(t, full, c.wins[0].FullAt, "a whole-window read")
	require.InDelta(t, 3, counted("nan_or_inf"), 0, "the whole read counts none again")
	require.InDelta(t, 2, counted("negative"), 0)
	win = c.Snapshot().Targets[0].Window
	require.Equal(t, 2, win.Dropped(), "11:30 and 12:02: 12:06 has a good value now")
	require.Equal(t, 2, win.Negative(), "11:40 and 12:04")
}

// TestBadPointsReadLateCountedOnce: a point the store answers only from
// the cycle after the one whose newest grid point it is (VictoriaMetrics'
// latency offset: the range's newest point has no sample yet) is counted
// by the read that has it, NaN or negative, once; and a clock step back
// (a whole-window read of an earlier window), then forward again, counts
// none of the points again. The first was never counted: the read that had
// it counted only the points after the newest grid point of the window
// before, its own.
func TestBadPointsReadLateCountedOnce(t *testing.T) {
	at := func(hhmm string) time.Time { return onFixtureDay(t, hhmm) }
	prom := &badPointsProm{bad: map[int64]string{at("11:30").Unix(): "NaN", at("12:00").Unix(): "absent"}}
	c, now, counted := promController(t, prom, 24*time.Hour)
	cycle := func(set ...string) { // set: hh:mm, value before the cycle; two minutes a cycle
		t.Helper()
		for i := 0; i < len(set); i += 2 {
			prom.set(at(set[i]), set[i+1])
		}
		require.NoError(t, c.ReconcileOnce(t.Context()))
		*now = now.Add(2 * time.Minute)
	}
	cycle()                                  // 12:00:30: [11:00, 12:00], 12:00 not answered yet
	cycle("12:00", "NaN", "12:02", "absent") // 12:02:30: 12:00 NaN, 12:01
	cycle("12:02", "-3", "12:04", "absent")  // 12:04:30: 12:00 again, 12:01, 12:02 negative, 12:03
	cycle("12:04", "", "12:06", "absent")    // 12:06:30: 12:00 to 12:03 again, 12:04, 12:05
	require.InDelta(t, 2, counted("nan_or_inf"), 0, "11:30 and 12:00, once each")
	require.InDelta(t, 1, counted("negative"), 0, "12:02")
	win := c.Snapshot().Targets[0].Window
	require.Equal(t, []int{2, 1}, []int{win.Dropped(), win.Negative()}, "the window's counts, as /api/verification shows them")

	*now = now.Add(-30 * time.Minute) // 11:38:30: the window [10:38, 11:38] read whole
	cycle()
	require.Equal(t, 1, c.Snapshot().Targets[0].Window.Dropped(), "11:30, the whole read's")
	*now = now.Add(30 * time.Minute) // 12:10:30: [11:10, 12:10] read from 11:39
	cycle("12:06", "")
	require.InDelta(t, 2, counted("nan_or_inf"), 0, "counted already, before the clock stepped back")
	require.InDelta(t, 1, counted("negative"), 0)
	win = c.Snapshot().Targets[0].Window
	require.Equal(t, []int{2, 1}, []int{win.Dropped(), win.Negative()}, "the window's: 11:30, 12:00 and 12:02 are in it")
}

// TestBadPointOutOfOrderCounted: a point the store fills in behind newer
// ones already read (an out-of-order sample), NaN or negative, is counted
// once, by the read that first has it (the whole-window read: a cycle
// reads only after its window's newest present point). It was never
// counted: a read counted only the points after the newest one an
// earlier read returned.
func TestBadPointOutOfOrderCounted(t *testing.T) {
	at := func(hhmm string) time.Time { return onFixtureDay(t, hhmm) }
	prom := &badPointsProm{bad: map[int64]string{at("11:50").Unix(): "absent", at("11:51").Unix(): "absent"}}
	c, now, counted := promController(t, prom, 3*time.Minute)
	require.NoError(t, c.ReconcileOnce(t.Context())) // 12:00:30: [11:00, 12:00] whole, 11:50 and 11:51 missing
	require.Zero(t, counted("nan_or_inf"))
	prom.set(at("11:50"), "NaN")
	prom.set(at("11:51"), "-2")
	for range 8 { // 12:01:30 to 12:08:30: whole reads among them
		*now = now.Add(time.Minute)
		require.NoError(t, c.ReconcileOnce(t.Context()))
	}
	require.InDelta(t, 1, counted("nan_or_inf"), 0, "11:50, once")
	require.InDelta(t, 1, counted("negative"), 0, "11:51, once")
	win := c.Snapshot().Targets[0].Window
	require.Equal(t, []int{1, 1}, []int{win.Dropped(), win.Negative()}, "the window's counts, as /api/verification shows them")
}

// rangeParams reads a query_range request's start, end and step (unix
// seconds); ok false for another path or a bad parameter.
func rangeParams(r *http.Request) (start, end, step int64, ok bool) {
	s, err1 := strconv.ParseFloat(r.FormValue("start"), 64)
	e, err2 := strconv.ParseFloat(r.FormValue("end"), 64)
	st, err3 := strconv.ParseFloat(r.FormValue("step"), 64)
	if r.URL.Path != "/api/v1/query_range" || err1 != nil || err2 != nil || err3 != nil || st < 1 {
		return 0, 0, 0, false
	}
	return int64(s), int64(e), int64(st), true
}
