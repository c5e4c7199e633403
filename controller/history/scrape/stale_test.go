package scrape

import (
	"context"
	"math"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/history"
)

// flakyTarget serves body until fail is set; then it fails the way its
// mode says: an HTTP 500, an answer that does not parse, or no answer
// before the scraper's timeout.
type flakyTarget struct {
	mu   sync.Mutex
	body string
	fail string // "", "500", "parse", "partial", "timeout"
	srv  *httptest.Server
}

func newFlakyTarget(t *testing.T, body string) *flakyTarget {
	t.Helper()
	f := &flakyTarget{body: body}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		body, fail := f.body, f.fail
		f.mu.Unlock()
		switch fail {
		case "500":
			http.Error(w, "down", http.StatusInternalServerError)
		case "parse": // fails at its first line
			_, _ = w.Write([]byte("broken{ line\n" + body))
		case "partial": // fails after the body's lines
			_, _ = w.Write([]byte(body + "broken{ line\n"))
		case "timeout":
			<-r.Context().Done() // the scraper gives up at its timeout
		default:
			_, _ = w.Write([]byte(body))
		}
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *flakyTarget) set(body, fail string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.body, f.fail = body, fail
}

func (f *flakyTarget) url() string { return f.srv.URL + "/metrics" }

// instantAt is q's value at t in the store, or NaN when it has none.
func instantAt(t *testing.T, emb *history.Embedded, q string, at time.Time) float64 {
	t.Helper()
	s, err := emb.QueryRange(t.Context(), q, at, at, time.Minute)
	if err != nil {
		require.ErrorIs(t, err, history.ErrNoData, q)
		return math.NaN()
	}
	return s.V[0]
}

var staleT0 = time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)

func at(sec int) time.Time { return staleT0.Add(time.Duration(sec) * time.Second) }

// TestFailedScrapeMarksItsSeriesStale: a target that fails its third
// scrape (HTTP 500, an answer that does not parse, a timeout, or gone:
// connection refused) has its series read as nothing from that scrape's
// time on, as Prometheus's staleness markers make them, and its up 0.
// Without the markers the instant query read the last value (7) for the
// 5-minute lookback: a controller decided on a dead target's demand.
// (An answer that fails to parse after some lines marks only the others:
// TestPartialParseAsPrometheus.) When the target answers again its series
// are back.
func TestFailedScrapeMarksItsSeriesStale(t *testing.T) {
	for _, mode := range []string{"500", "parse", "timeout", "refused"} {
		t.Run(mode, func(t *testing.T) {
			emb := openEmbedded(t)
			ft := newFlakyTarget(t, "demand{a=\"1\"} 7\nother 1\n")
			sc := NewScraper(emb, []Target{{Job: "app", URL: ft.url()}}, nil, Target{}, 200*time.Millisecond)
			require.NoError(t, sc.ScrapeOnce(t.Context(), at(0)))
			require.NoError(t, sc.ScrapeOnce(t.Context(), at(15)))
			if mode == "refused" {
				ft.srv.Close()
			} else {
				ft.set("demand{a=\"1\"} 7\nother 1\n", mode)
			}
			require.Error(t, sc.ScrapeOnce(t.Context(), at(30)))
			require.InDelta(t, 7, instantAt(t, emb, `demand`, at(29)), 0, "before the failure")
			for _, sec := range []int{30, 45, 120, 299} {
				require.True(t, math.IsNaN(instantAt(t, emb, `demand`, at(sec))), "demand at %ds, after the failed scrape at 30s", sec)
				require.True(t, math.IsNaN(instantAt(t, emb, `other`, at(sec))), "other at %ds", sec)
			}
			require.InDelta(t, 0, instantAt(t, emb, `up{job="app"}`, at(30)), 0)
			require.Error(t, sc.ScrapeOnce(t.Context(), at(45)), "a second failure: nothing left to mark")
			if mode == "refused" {
				return
			}
			ft.set("demand{a=\"1\"} 8\nother 1\n", "")
			require.NoError(t, sc.ScrapeOnce(t.Context(), at(60)))
			require.InDelta(t, 8, instantAt(t, emb, `demand`, at(60)), 0, "back when the target answers")
			require.InDelta(t, 1, instantAt(t, emb, `up{job="app"}`, at(60)), 0)
		})
	}
}

// TestVanishedSeriesMarkedStale: a series a target, or the in-process
// registry, stops returning between two successful scrapes reads as
// nothing from the scrape that missed it; the others carry on. Without
// the markers it read its last value for the lookback.
func TestVanishedSeriesMarkedStale(t *testing.T) {
	emb := openEmbedded(t)
	ft := newFlakyTarget(t, "demand{a=\"1\"} 7\ndemand{a=\"2\"} 9\n")
	reg := prometheus.NewRegistry()
	g := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "queue", Help: "h"}, []string{"q"})
	reg.MustRegister(g)
	g.WithLabelValues("x").Set(3)
	g.WithLabelValues("y").Set(4)
	sc := NewScraper(emb, []Target{{Job: "app", URL: ft.url()}}, reg, Target{Job: "self", URL: "localhost:9111"}, time.Second)
	require.NoError(t, sc.ScrapeOnce(t.Context(), at(0)))
	ft.set("demand{a=\"1\"} 7\n", "")
	g.DeleteLabelValues("y")
	require.NoError(t, sc.ScrapeOnce(t.Context(), at(15)))
	for _, sec := range []int{15, 60, 299} {
		require.True(t, math.IsNaN(instantAt(t, emb, `demand{a="2"}`, at(sec))), "vanished at %ds", sec)
		require.True(t, math.IsNaN(instantAt(t, emb, `queue{q="y"}`, at(sec))), "vanished from the registry at %ds", sec)
	}
	require.InDelta(t, 7, instantAt(t, emb, `demand{a="1"}`, at(60)), 0, "the series still returned carries on")
	require.InDelta(t, 3, instantAt(t, emb, `queue{q="x"}`, at(60)), 0)
	require.InDelta(t, 1, instantAt(t, emb, `up{job="app"}`, at(15)), 0)
	ft.set("demand{a=\"1\"} 7\ndemand{a=\"2\"} 10\n", "")
	require.NoError(t, sc.ScrapeOnce(t.Context(), at(30)))
	require.InDelta(t, 10, instantAt(t, emb, `demand{a="2"}`, at(30)), 0, "back when returned again")
}

// TestShutdownScrapeWritesNoMarkers: a scrape interrupted by the shutdown
// (its context cancelled) writes neither up 0 nor markers, as Prometheus
// writes none at shutdown: the target did not fail. Before, the
// interrupted fetch stored up 0.
func TestShutdownScrapeWritesNoMarkers(t *testing.T) {
	emb := openEmbedded(t)
	ft := newFlakyTarget(t, "demand 7\n")
	sc := NewScraper(emb, []Target{{Job: "app", URL: ft.url()}}, nil, Target{}, time.Second)
	require.NoError(t, sc.ScrapeOnce(t.Context(), at(0)))
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	require.ErrorIs(t, sc.ScrapeOnce(ctx, at(15)), context.Canceled)
	require.InDelta(t, 7, instantAt(t, emb, `demand`, at(15)), 0)
	require.InDelta(t, 1, instantAt(t, emb, `up`, at(15)), 0)
}

// TestRefusedMarkersWrittenLater: markers the store refused (a full disk)
// are written at the next scrape it takes, the target still failing.
func TestRefusedMarkersWrittenLater(t *testing.T) {
	st := &refusingStore{Embedded: openEmbedded(t)}
	ft := newFlakyTarget(t, "demand 7\n")
	sc := NewScraper(nil, []Target{{Job: "app", URL: ft.url()}}, nil, Target{}, time.Second)
	sc.store = st
	require.NoError(t, sc.ScrapeOnce(t.Context(), at(0)))
	ft.set("demand 7\n", "500")
	st.refuse.Store(true)
	require.Error(t, sc.ScrapeOnce(t.Context(), at(15)))
	st.refuse.Store(false)
	require.InDelta(t, 7, instantAt(t, st.Embedded, `demand`, at(15)), 0, "the refused markers are lost with that scrape")
	require.Error(t, sc.ScrapeOnce(t.Context(), at(30)))
	require.True(t, math.IsNaN(instantAt(t, st.Embedded, `demand`, at(30))), "marked at the scrape the store took")
}

// TestMarkerBehindNewerSampleDiscarded: a marker older than its series'
// newest sample (the clock set back) is not appended: written out of
// order it would hide the sample before it for the time up to the next
// one.
func TestMarkerBehindNewerSampleDiscarded(t *testing.T) {
	emb := openEmbedded(t)
	ft := newFlakyTarget(t, "demand 7\n")
	sc := NewScraper(emb, []Target{{Job: "app", URL: ft.url()}}, nil, Target{}, time.Second)
	require.NoError(t, sc.ScrapeOnce(t.Context(), at(0)))
	require.NoError(t, sc.ScrapeOnce(t.Context(), at(60)))
	ft.set("", "500")
	require.Error(t, sc.ScrapeOnce(t.Context(), at(30)))
	require.InDelta(t, 7, instantAt(t, emb, `demand`, at(45)), 0, "the sample at 0 s is not hidden by a marker at 30 s")
	require.InDelta(t, 7, instantAt(t, emb, `demand`, at(90)), 0)
	_, rejected := emb.Stats()
	require.Zero(t, rejected, "a discarded marker is not a rejected sample")
}

// TestRestartMarksSeriesOfThePreviousRun: prescale run restarted on its
// data directory while a target is down, after one of its series
// vanished, or without a target it scraped before marks the series of the
// previous run stale at its first scrape (the removed target's up too),
// instead of reading their last value for the rest of the lookback;
// markers written before the restart are read back from the TSDB's log;
// a target that is up carries on without a gap.
func TestRestartMarksSeriesOfThePreviousRun(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "tsdb")
	ft := newFlakyTarget(t, "demand{a=\"1\"} 7\ndemand{a=\"2\"} 9\nother 1\n")
	gone := newFlakyTarget(t, "old 5\n")
	run := func(targets []Target, scrapes ...int) *history.Embedded {
		emb, err := history.OpenEmbedded(dir, history.EmbeddedOptions{})
		require.NoError(t, err)
		sc := NewScraper(emb, targets, nil, Target{}, time.Second)
		for _, sec := range scrapes {
			_ = sc.ScrapeOnce(t.Context(), at(sec))
		}
		return emb
	}
	removed := newFlakyTarget(t, "removed_series 3\n")
	both := []Target{{Job: "app", URL: ft.url()}, {Job: "app", URL: gone.url()}}
	require.NoError(t, run(append(both, Target{Job: "app", URL: removed.url()}), 0, 15).Close())

	// Restarted 10 s later: the first target answers without
	// demand{a="2"}, the second is down.
	ft.set("demand{a=\"1\"} 7\nother 1\n", "")
	gone.set("", "500")
	emb := run(both, 25)
	require.InDelta(t, 7, instantAt(t, emb, `demand{a="1"}`, at(25)), 0, "an answering target carries on")
	require.InDelta(t, 1, instantAt(t, emb, `other`, at(25)), 0)
	require.True(t, math.IsNaN(instantAt(t, emb, `demand{a="2"}`, at(25))), "vanished while the controller was down")
	require.True(t, math.IsNaN(instantAt(t, emb, `old`, at(25))), "its target down at the first scrape after the restart")
	require.True(t, math.IsNaN(instantAt(t, emb, `removed_series`, at(25))), "its target no longer scraped")
	require.True(t, math.IsNaN(instantAt(t, emb, `up{instance="`+instanceOf(removed.url())+`"}`, at(25))), "a removed target has no up")
	require.NoError(t, emb.Close())

	// Reopened once more without scraping: the markers are read back.
	emb, err := history.OpenEmbedded(dir, history.EmbeddedOptions{})
	require.NoError(t, err)
	defer func() { require.NoError(t, emb.Close()) }()
	require.True(t, math.IsNaN(instantAt(t, emb, `old`, at(60))))
	require.InDelta(t, 7, instantAt(t, emb, `demand{a="1"}`, at(60)), 0)
	ls, err := emb.RecentSeries(t.Context(), at(60).UnixMilli(), labels.MustNewMatcher(labels.MatchEqual, "instance", instanceOf(gone.url())))
	require.NoError(t, err)
	require.Len(t, ls, len(reportSeries), "only up (0) and the scrape_* series are recent: a series ending in a marker is not")
}

// TestRestartKeepsSeriesWithTheirOwnInstance: a target whose answer
// carries its own instance label (it wins, as with honor_labels: a
// federation or Pushgateway endpoint) and still answers after a restart
// keeps its series at the first scrape. Before, the restart's lookup of
// the previous run's sources took the series for one of a source no
// longer scraped (its instance none of this run's) and wrote a marker at
// the first scrape's time before that scrape: the live sample at the same
// time was then refused as a duplicate, and the series read as nothing
// until the next scrape.
func TestRestartKeepsSeriesWithTheirOwnInstance(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "tsdb")
	ft := newFlakyTarget(t, "demand{instance=\"pod-a\"} 7\n")
	targets := []Target{{Job: "app", URL: ft.url()}}
	emb, err := history.OpenEmbedded(dir, history.EmbeddedOptions{})
	require.NoError(t, err)
	sc := NewScraper(emb, targets, nil, Target{}, time.Second)
	require.NoError(t, sc.ScrapeOnce(t.Context(), at(0)))
	require.NoError(t, sc.ScrapeOnce(t.Context(), at(15)))
	require.NoError(t, emb.Close())

	emb, err = history.OpenEmbedded(dir, history.EmbeddedOptions{})
	require.NoError(t, err)
	defer func() { require.NoError(t, emb.Close()) }()
	sc = NewScraper(emb, targets, nil, Target{}, time.Second)
	require.NoError(t, sc.ScrapeOnce(t.Context(), at(25)))
	require.InDelta(t, 7, instantAt(t, emb, `demand`, at(25)), 0, "a live series is not marked stale at the restart")
	require.InDelta(t, 7, instantAt(t, emb, `demand`, at(30)), 0)
	_, rejected := emb.Stats()
	require.Zero(t, rejected, "the first scrape's sample is stored")
}

// TestShutdownDuringFetchWritesNoMarkers: the shutdown arriving while a
// target's fetch is under way (the usual case: Run's context ends in the
// middle of a scrape) writes neither up 0 nor markers for it either.
// TestShutdownScrapeWritesNoMarkers cancels before the scrape starts,
// which the scrape's first check returns on; this one fails without the
// check after the fetch (up 0 and demand NaN at 15 s).
func TestShutdownDuringFetchWritesNoMarkers(t *testing.T) {
	emb := openEmbedded(t)
	ctx, cancel := context.WithCancel(t.Context())
	var stopping atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if stopping.Load() {
			cancel()             // the shutdown, while this scrape waits
			<-r.Context().Done() // the client gives up on the cancelled context
			return
		}
		_, _ = w.Write([]byte("demand 7\n"))
	}))
	t.Cleanup(srv.Close)
	sc := NewScraper(emb, []Target{{Job: "app", URL: srv.URL + "/metrics"}}, nil, Target{}, 10*time.Second)
	require.NoError(t, sc.ScrapeOnce(ctx, at(0)))
	stopping.Store(true)
	require.ErrorIs(t, sc.ScrapeOnce(ctx, at(15)), context.Canceled)
	require.InDelta(t, 7, instantAt(t, emb, `demand`, at(15)), 0, "no marker")
	require.InDelta(t, 1, instantAt(t, emb, `up`, at(15)), 0, "no up 0")
}

// TestRefusedRestartMarkersWrittenLater: the markers of a source the
// previous run scraped and this one does not, refused by the store at
// the first scrape (a full disk), are written at the next scrape it
// takes, as the markers of a scraped source are. Before, the first scrape
// was done with them, and the removed target's series read their last
// value for the rest of the lookback (9 at 40 s).
func TestRefusedRestartMarkersWrittenLater(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "tsdb")
	kept := newFlakyTarget(t, "demand 7\n")
	removed := newFlakyTarget(t, "removed_series 9\n")
	emb, err := history.OpenEmbedded(dir, history.EmbeddedOptions{})
	require.NoError(t, err)
	sc := NewScraper(emb, []Target{{Job: "app", URL: kept.url()}, {Job: "app", URL: removed.url()}}, nil, Target{}, time.Second)
	require.NoError(t, sc.ScrapeOnce(t.Context(), at(0)))
	require.NoError(t, emb.Close())

	emb, err = history.OpenEmbedded(dir, history.EmbeddedOptions{})
	require.NoError(t, err)
	defer func() { require.NoError(t, emb.Close()) }()
	st := &refusingStore{Embedded: emb}
	sc = NewScraper(nil, []Target{{Job: "app", URL: kept.url()}}, nil, Target{}, time.Second)
	sc.store = st
	st.refuse.Store(true)
	require.Error(t, sc.ScrapeOnce(t.Context(), at(25)))
	st.refuse.Store(false)
	require.InDelta(t, 9, instantAt(t, emb, `removed_series`, at(25)), 0, "the refused markers are lost with that scrape")
	require.NoError(t, sc.ScrapeOnce(t.Context(), at(40)))
	require.True(t, math.IsNaN(instantAt(t, emb, `removed_series`, at(40))), "marked at the scrape the store took")
	require.True(t, math.IsNaN(instantAt(t, emb, `up{instance="`+instanceOf(removed.url())+`"}`, at(40))))
	require.InDelta(t, 7, instantAt(t, emb, `demand`, at(40)), 0)
}

// TestRestartMarkerBehindBlocksDiscarded: a store reopened with the
// previous run's samples in blocks only (an empty head: the series are
// new to it, so no newest sample of theirs is there to compare with) and
// a clock set back behind the blocks' end: the failed first scrape's
// markers for those series are discarded as out of order too, not
// written behind the blocks' newest samples, where they hid them (demand
// NaN at 50 s without DiscardOutOfOrder; TestMarkerBehindNewerSampleDiscarded
// covers a series of the head).
func TestRestartMarkerBehindBlocksDiscarded(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "tsdb")
	ft := newFlakyTarget(t, "")
	inst := instanceOf(ft.url())
	secs := []int64{at(0).Unix(), at(30).Unix(), at(60).Unix()}
	for _, name := range []string{"demand", "up"} {
		_, err := history.WriteBlock(t.Context(), dir, labels.FromStrings("__name__", name, "job", "app", "instance", inst), secs, []float64{7, 7, 8}, nil)
		require.NoError(t, err)
	}
	emb, err := history.OpenEmbedded(dir, history.EmbeddedOptions{})
	require.NoError(t, err)
	defer func() { require.NoError(t, emb.Close()) }()
	require.Zero(t, emb.SeriesCount(), "an empty head")
	ft.set("", "500")
	sc := NewScraper(emb, []Target{{Job: "app", URL: ft.url()}}, nil, Target{}, time.Second)
	require.Error(t, sc.ScrapeOnce(t.Context(), at(45)), "the clock set back: 45 s, before the block's 60 s")
	require.InDelta(t, 7, instantAt(t, emb, `demand`, at(50)), 0, "the block's sample at 30 s, not hidden by a marker at 45 s")
	require.InDelta(t, 8, instantAt(t, emb, `demand`, at(60)), 0)
}
