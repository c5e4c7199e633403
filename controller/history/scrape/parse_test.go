package scrape

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/history"
)

// TestPartialParseAsPrometheus: an answer that fails to parse after some
// lines is what Prometheus (2.42 and 3.x, measured on loopback) makes of
// it: up 0; scrape_samples_scraped and ..._post_metric_relabeling count
// the samples parsed before the failure (2); none of them is stored
// (demand reads its last stored value, 7, not 8); only the series of the
// previous scrape the answer did not reach are marked stale (last), the
// others carry their last value for the lookback; none of them counts as
// added when the target answers whole again. A later failed scrape marks
// the series parsed before the failure. The scraper wrote
// scrape_samples_scraped 0 and marked every series stale.
func TestPartialParseAsPrometheus(t *testing.T) {
	emb := openEmbedded(t)
	ft := newFlakyTarget(t, "demand 7\nother 1\nlast 5\n")
	sc := NewScraper(emb, []Target{{Job: "app", URL: ft.url()}}, nil, Target{}, time.Second)
	sc.clock = steppingClock(250 * time.Millisecond)
	inst := instanceOf(ft.url())
	require.NoError(t, sc.ScrapeOnce(t.Context(), at(0)))
	ft.set("demand 8\nother 2\n", "partial")
	require.ErrorContains(t, sc.ScrapeOnce(t.Context(), at(15)), "parse")
	require.Equal(t, report5(0, 0.25, 2, 0), reportAt(t, emb, inst, 15))
	for _, sec := range []int{15, 120, 299} {
		require.InDelta(t, 7, instantAt(t, emb, `demand`, at(sec)), 0, "demand at %ds: its last stored sample", sec)
		require.InDelta(t, 1, instantAt(t, emb, `other`, at(sec)), 0, "other at %ds", sec)
		require.True(t, math.IsNaN(instantAt(t, emb, `last`, at(sec))), "last at %ds: marked stale", sec)
	}
	require.True(t, math.IsNaN(instantAt(t, emb, `demand`, at(301))), "the lookback ends")

	ft.set("demand 8\nother 2\n", "partial")
	require.Error(t, sc.ScrapeOnce(t.Context(), at(30)))
	ft.set("demand 9\nother 3\nlast 6\n", "")
	require.NoError(t, sc.ScrapeOnce(t.Context(), at(45)))
	require.Equal(t, report5(1, 0.25, 3, 0), reportAt(t, emb, inst, 45), "none added: last is in the scrape cache still")
	require.InDelta(t, 6, instantAt(t, emb, `last`, at(45)), 0)

	ft.set("demand 9\nother 3\n", "partial")
	require.Error(t, sc.ScrapeOnce(t.Context(), at(60)))
	ft.set("", "500")
	require.Error(t, sc.ScrapeOnce(t.Context(), at(75)))
	require.True(t, math.IsNaN(instantAt(t, emb, `demand`, at(75))), "marked by the failed scrape after the partial one")
	require.InDelta(t, 9, instantAt(t, emb, `demand`, at(74)), 0)
}

// TestScrapedInfStored: a target answering +Inf and -Inf has them stored,
// as Prometheus stores them: the instant query reads them (not the last
// finite value, 7) and a demand query over them is ErrNotFinite with the
// point named (LastDropped), the controller's bad_query. The store
// skipped them: demand read 7 for the lookback.
func TestScrapedInfStored(t *testing.T) {
	emb := openEmbedded(t)
	ft := newFlakyTarget(t, "demand 7\n")
	sc := NewScraper(emb, []Target{{Job: "app", URL: ft.url()}}, nil, Target{}, time.Second)
	require.NoError(t, sc.ScrapeOnce(t.Context(), at(0)))
	ft.set("demand +Inf\nlow -Inf\n", "")
	require.NoError(t, sc.ScrapeOnce(t.Context(), at(15)))
	require.InDelta(t, 1, instantAt(t, emb, `demand == bool +Inf`, at(15)), 0)
	require.InDelta(t, 1, instantAt(t, emb, `low == bool -Inf`, at(15)), 0)
	s, err := emb.QueryRange(t.Context(), `demand`, at(15), at(15), time.Minute)
	require.ErrorIs(t, err, history.ErrNotFinite)
	require.Equal(t, at(15).Unix(), s.LastDropped)
}

// TestParseExposition: the checks Prometheus makes of a parsed series
// fail the parse at that series, counted as scraped but not as left after
// relabelling; a label of its own wins over job and instance; labels with
// empty values are dropped; an answer whose Content-Type is missing, does
// not parse or is not an exposition format fails, as in Prometheus 3,
// unless a fallback protocol names its format (fallback_scrape_protocol).
func TestParseExposition(t *testing.T) {
	for _, tc := range []struct {
		name, body, ctype, fallback string
		n, post                     int
		samples                     []string
		err                         string
	}{
		{name: "whole", body: "# HELP a h\n# TYPE a gauge\na{x=\"\"} 1\nb{job=\"own\"} 2 1700000000000\n", ctype: "text/plain; version=0.0.4",
			n: 2, post: 2, samples: []string{`{__name__="a", instance="h:1", job="app"}`, `{__name__="b", instance="h:1", job="own"}`}},
		// Read as the text format (up 1), where Prometheus 3 fails the scrape.
		{name: "no content type", body: "a 1\n", err: "non-compliant scrape target sending blank Content-Type and no fallback_scrape_protocol specified for target (the target should answer text/plain; version=0.0.4, or set PRESCALE_SCRAPE_FALLBACK_PROTOCOL"},
		{name: "content type that does not parse", body: "a 1\n", ctype: "text/plain; version=0.0.4, charset=utf-8", err: "cannot parse Content-Type"},
		{name: "not an exposition format", body: "a 1\n", ctype: "text/html", err: `received unsupported Content-Type "text/html"`},
		{name: "no content type, with a fallback", body: "a 1\n", fallback: "text/plain", n: 1, post: 1, samples: []string{`{__name__="a", instance="h:1", job="app"}`}},
		{name: "not an exposition format, with a fallback", body: "a 1\n", ctype: "text/html", fallback: "text/plain", n: 1, post: 1, samples: []string{`{__name__="a", instance="h:1", job="app"}`}},
		// What Go's net/http sends for a handler that sets none.
		{name: "sniffed by net/http", body: "a 1\n", ctype: "text/plain; charset=utf-8", n: 1, post: 1, samples: []string{`{__name__="a", instance="h:1", job="app"}`}},
		// honor_labels: a series's own instance is kept, as its own job is.
		{name: "own instance", body: "a{instance=\"own:9\"} 1\n", ctype: "text/plain", n: 1, post: 1,
			samples: []string{`{__name__="a", instance="own:9", job="app"}`}},
		{name: "label twice", body: "a 1\nb{x=\"1\",x=\"2\"} 2\nc 3\n", ctype: "text/plain", n: 2, post: 1,
			samples: []string{`{__name__="a", instance="h:1", job="app"}`}, err: `label name "x" is not unique`},
		{name: "cut inside a line", body: "a 1\nb", ctype: "text/plain", n: 1, post: 1,
			samples: []string{`{__name__="a", instance="h:1", job="app"}`}, err: "expected value after metric"},
		{name: "openmetrics without EOF", body: "a 1\n", ctype: "application/openmetrics-text; version=1.0.0", n: 1, post: 1,
			samples: []string{`{__name__="a", instance="h:1", job="app"}`}, err: "EOF"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := parseExposition([]byte(tc.body), tc.ctype, tc.fallback, "app", "h:1", 42)
			if tc.err == "" {
				require.NoError(t, got.err)
			} else {
				require.ErrorContains(t, got.err, tc.err)
			}
			require.Equal(t, tc.n, got.n)
			require.Equal(t, tc.post, got.post)
			var ls []string
			for _, s := range got.samples {
				require.EqualValues(t, 42, s.T, "stamped with the scrape's time")
				ls = append(ls, s.Labels.String())
			}
			require.Equal(t, tc.samples, ls)
		})
	}
}

// FuzzParseExposition feeds any answer of a scrape target through the
// embedded scraper's parser (half of them with the text format as the
// fallback protocol): never a panic; samples never more than
// counted, each with a metric name, a job and an instance and no label
// twice; an error with a message of at most 1000 bytes.
func FuzzParseExposition(f *testing.F) {
	f.Add([]byte("# TYPE a counter\na_total{x=\"1\"} 3\n"), "text/plain; version=0.0.4")
	f.Add([]byte("a 1\nbroken{\n"), "")
	f.Add([]byte("# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_count 1\n# EOF\n"), "application/openmetrics-text; version=1.0.0")
	f.Fuzz(func(t *testing.T, body []byte, ctype string) {
		fallback := ""
		if len(body) > 0 && body[0]%2 == 1 { // half of the inputs with a fallback
			fallback = "text/plain"
		}
		got := parseExposition(body, ctype, fallback, "app", "h:1", 1)
		if got.err != nil && (got.err.Error() == "" || len(got.err.Error()) > 1000) {
			t.Fatalf("error of %d bytes: %.300q", len(got.err.Error()), got.err)
		}
		if len(got.samples) > got.post || got.post > got.n {
			t.Fatalf("%d samples, %d after relabelling, %d scraped", len(got.samples), got.post, got.n)
		}
		for _, s := range got.samples {
			if s.Labels.Get("__name__") == "" || s.Labels.Get("job") == "" || s.Labels.Get("instance") == "" {
				t.Fatalf("series %s lacks its name, job or instance", s.Labels)
			}
			if name, dup := s.Labels.HasDuplicateLabelNames(); dup {
				t.Fatalf("label %s twice in %s", name, s.Labels)
			}
			if strings.Contains(s.Labels.String(), `=""`) {
				t.Fatalf("empty label value kept: %s", s.Labels)
			}
		}
	})
}
