package scrape

import (
	"context"
	"math"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/history"
)

// steppingClock returns a clock that moves on by step at each reading:
// every scrape it times takes step.
func steppingClock(step time.Duration) func() time.Time {
	now := staleT0
	return func() time.Time {
		now = now.Add(step)
		return now
	}
}

// reportAt is the five report series of the target at inst, at sec.
func reportAt(t *testing.T, emb *history.Embedded, inst string, sec int) map[string]float64 {
	t.Helper()
	out := map[string]float64{}
	for name := range reportSeries {
		out[name] = instantAt(t, emb, name+`{job="app",instance="`+inst+`"}`, at(sec))
	}
	return out
}

func report5(up, took, scraped, added float64) map[string]float64 {
	return map[string]float64{"up": up, "scrape_duration_seconds": took, "scrape_samples_scraped": scraped,
		"scrape_samples_post_metric_relabeling": scraped, "scrape_series_added": added}
}

// TestScrapeWritesReportSeries: every scrape of a target writes, at its
// time and with its job and instance labels only, the series Prometheus
// writes per scrape: up, scrape_duration_seconds,
// scrape_samples_scraped, scrape_samples_post_metric_relabeling and
// scrape_series_added (new against the last scrape that returned any, so
// not after a failed scrape, as Prometheus's scrape cache counts them). A
// failed scrape writes 0 samples and its duration. Without them the
// embedded store had only up: a dashboard on scrape_duration_seconds
// showed nothing.
func TestScrapeWritesReportSeries(t *testing.T) {
	emb := openEmbedded(t)
	ft := newFlakyTarget(t, "demand{a=\"1\"} 7\ndemand{a=\"2\"} 9\nother 1\n")
	sc := NewScraper(emb, []Target{{Job: "app", URL: ft.url()}}, nil, Target{}, time.Second)
	sc.clock = steppingClock(250 * time.Millisecond)
	inst := instanceOf(ft.url())
	require.NoError(t, sc.ScrapeOnce(t.Context(), at(0)))
	require.Equal(t, report5(1, 0.25, 3, 3), reportAt(t, emb, inst, 0), "first scrape: every series is new")
	require.NoError(t, sc.ScrapeOnce(t.Context(), at(15)))
	require.Equal(t, report5(1, 0.25, 3, 0), reportAt(t, emb, inst, 15))
	ft.set("demand{a=\"1\"} 7\ndemand{a=\"3\"} 9\nother 1\n", "")
	require.NoError(t, sc.ScrapeOnce(t.Context(), at(30)))
	require.Equal(t, report5(1, 0.25, 3, 1), reportAt(t, emb, inst, 30), "demand{a=\"3\"} is new")
	ft.set("demand{a=\"1\"} 7\ndemand{a=\"3\"} 9\nother 1\n", "500")
	require.Error(t, sc.ScrapeOnce(t.Context(), at(45)))
	require.Equal(t, report5(0, 0.25, 0, 0), reportAt(t, emb, inst, 45), "a failed scrape")
	ft.set("demand{a=\"1\"} 7\ndemand{a=\"3\"} 9\nother 1\n", "")
	require.NoError(t, sc.ScrapeOnce(t.Context(), at(60)))
	require.Equal(t, report5(1, 0.25, 3, 0), reportAt(t, emb, inst, 60), "back: none new against the scrape before the failure")
	require.True(t, math.IsNaN(instantAt(t, emb, `demand{a="1"}`, at(45))), "the failed scrape's markers are written still")

	ls, err := emb.RecentSeries(t.Context(), at(60).UnixMilli(), labels.MustNewMatcher(labels.MatchRegexp, "__name__", "up|scrape_.*"))
	require.NoError(t, err)
	require.Len(t, ls, len(reportSeries))
	for _, l := range ls {
		require.Equal(t, 3, l.Len(), "name, job and instance only: %s", l)
	}
}

// TestRestartMarksReportSeriesOfARemovedTarget: a target no longer
// scraped after a restart has its report series marked stale, as its up
// is (Prometheus marks them when a target goes away); a target still
// scraped counts all its series added at the run's first scrape, as a
// Prometheus started afresh does.
func TestRestartMarksReportSeriesOfARemovedTarget(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "tsdb")
	kept := newFlakyTarget(t, "demand 7\nother 1\n")
	removed := newFlakyTarget(t, "removed_series 9\n")
	emb, err := history.OpenEmbedded(dir, history.EmbeddedOptions{})
	require.NoError(t, err)
	sc := NewScraper(emb, []Target{{Job: "app", URL: kept.url()}, {Job: "app", URL: removed.url()}}, nil, Target{}, time.Second)
	sc.clock = steppingClock(time.Second)
	require.NoError(t, sc.ScrapeOnce(t.Context(), at(0)))
	require.NoError(t, sc.ScrapeOnce(t.Context(), at(15)))
	require.Equal(t, report5(1, 1, 1, 0), reportAt(t, emb, instanceOf(removed.url()), 15))
	require.NoError(t, emb.Close())

	emb, err = history.OpenEmbedded(dir, history.EmbeddedOptions{})
	require.NoError(t, err)
	defer func() { require.NoError(t, emb.Close()) }()
	sc = NewScraper(emb, []Target{{Job: "app", URL: kept.url()}}, nil, Target{}, time.Second)
	sc.clock = steppingClock(time.Second)
	require.NoError(t, sc.ScrapeOnce(t.Context(), at(25)))
	for name, v := range reportAt(t, emb, instanceOf(removed.url()), 25) {
		require.True(t, math.IsNaN(v), "%s of the removed target: %v", name, v)
	}
	require.Equal(t, report5(1, 1, 2, 2), reportAt(t, emb, instanceOf(kept.url()), 25), "a new run's first scrape: all new")
	require.NoError(t, sc.ScrapeOnce(t.Context(), at(40)))
	require.Equal(t, report5(1, 1, 2, 0), reportAt(t, emb, instanceOf(kept.url()), 40))
}

// countingStore is the Embedded store counting its RecentSeries lookups.
type countingStore struct {
	*history.Embedded
	recent atomic.Int64
}

func (c *countingStore) RecentSeries(ctx context.Context, ts int64, ms ...*labels.Matcher) ([]labels.Labels, error) {
	c.recent.Add(1)
	return c.Embedded.RecentSeries(ctx, ts, ms...)
}

// TestFirstScrapeReadsThePreviousRunOnce: the first scrape of a run reads
// the previous run's recent series from the store once, for the seeding of
// every source's staleness and the markers of the sources gone alike, and
// later scrapes read nothing. It read them once per source and once more
// per job (4 lookups here: two sources of two jobs), each a query over the
// lookback of the head. The restart still marks what it marked.
func TestFirstScrapeReadsThePreviousRunOnce(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "tsdb")
	ft := newFlakyTarget(t, "demand{a=\"1\"} 7\ndemand{a=\"2\"} 9\n")
	removed := newFlakyTarget(t, "removed_series 9\n")
	reg := prometheus.NewRegistry()
	g := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "queue", Help: "h"}, []string{"q"})
	reg.MustRegister(g)
	g.WithLabelValues("x").Set(3)
	g.WithLabelValues("y").Set(4)
	self := Target{Job: "self", URL: "localhost:9111"}
	emb, err := history.OpenEmbedded(dir, history.EmbeddedOptions{})
	require.NoError(t, err)
	sc := NewScraper(emb, []Target{{Job: "app", URL: ft.url()}, {Job: "app", URL: removed.url()}}, reg, self, time.Second)
	require.NoError(t, sc.ScrapeOnce(t.Context(), at(0)))
	require.NoError(t, emb.Close())

	emb, err = history.OpenEmbedded(dir, history.EmbeddedOptions{})
	require.NoError(t, err)
	defer func() { require.NoError(t, emb.Close()) }()
	st := &countingStore{Embedded: emb}
	sc = NewScraper(nil, []Target{{Job: "app", URL: ft.url()}}, reg, self, time.Second)
	sc.store = st
	ft.set("demand{a=\"1\"} 7\n", "")
	g.DeleteLabelValues("y")
	require.NoError(t, sc.ScrapeOnce(t.Context(), at(20)))
	require.EqualValues(t, 1, st.recent.Load(), "one lookup at the first scrape")
	require.NoError(t, sc.ScrapeOnce(t.Context(), at(35)))
	require.EqualValues(t, 1, st.recent.Load(), "none after")
	for _, q := range []string{`demand{a="2"}`, `queue{q="y"}`, `removed_series`, `up{instance="` + instanceOf(removed.url()) + `"}`} {
		require.True(t, math.IsNaN(instantAt(t, emb, q, at(20))), "%s marked at the first scrape", q)
	}
	require.InDelta(t, 7, instantAt(t, emb, `demand{a="1"}`, at(35)), 0)
	require.InDelta(t, 3, instantAt(t, emb, `queue{q="x"}`, at(35)), 0)
}

// TestRecentSeriesOfJobsLiteral: the one lookup of several jobs matches
// their names as they are, not as patterns: job "a.b" is not "aXb".
func TestRecentSeriesOfJobsLiteral(t *testing.T) {
	emb := openEmbedded(t)
	_, err := emb.Append(t.Context(), []history.Sample{
		{Labels: labels.FromStrings("__name__", "x", "job", "a.b", "instance", "h:1"), T: at(0).UnixMilli(), V: 1},
		{Labels: labels.FromStrings("__name__", "x", "job", "aXb", "instance", "h:1"), T: at(0).UnixMilli(), V: 1},
		{Labels: labels.FromStrings("__name__", "x", "job", "c", "instance", "h:1"), T: at(0).UnixMilli(), V: 1},
	})
	require.NoError(t, err)
	ls := recentSeriesOf(t.Context(), emb, []string{"a.b", "c"}, at(10).UnixMilli())
	var jobs []string
	for _, l := range ls {
		jobs = append(jobs, l.Get("job"))
	}
	require.ElementsMatch(t, []string{"a.b", "c"}, jobs)
}

// TestMarkersCountedApart: the staleness markers a failed scrape writes
// are counted apart from the samples appended (Stats, /api/verification's
// samples_appended_since_start), which count only what targets returned
// and the report series; they were counted as appended samples (14 here,
// 2 of them markers).
func TestMarkersCountedApart(t *testing.T) {
	emb := openEmbedded(t)
	ft := newFlakyTarget(t, "demand 7\nother 1\n")
	sc := NewScraper(emb, []Target{{Job: "app", URL: ft.url()}}, nil, Target{}, time.Second)
	require.NoError(t, sc.ScrapeOnce(t.Context(), at(0)))
	ft.set("", "500")
	require.Error(t, sc.ScrapeOnce(t.Context(), at(15)))
	appended, rejected := emb.Stats()
	require.EqualValues(t, 2+len(reportSeries)+len(reportSeries), appended, "two samples and the report series, then the report series")
	require.Zero(t, rejected)
	require.EqualValues(t, 2, emb.Markers(), "demand and other")
	n, err := emb.Append(t.Context(), []history.Sample{{Labels: labels.FromStrings("__name__", "x"), T: at(20).UnixMilli(), V: 1},
		{Labels: labels.FromStrings("__name__", "x"), T: at(30).UnixMilli(), V: staleNaN}})
	require.NoError(t, err)
	require.Equal(t, 1, n, "Append returns the samples stored, not the markers")
	require.EqualValues(t, 3, emb.Markers())
}
