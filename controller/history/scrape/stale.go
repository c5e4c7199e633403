package scrape

import (
	"context"
	"math"
	"regexp"
	"strings"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/value"

	"github.com/prescale/prescale/controller/history"
)

// staleNaN is the value of a staleness marker: PromQL ends a series at
// it instead of carrying its last sample for the lookback.
var staleNaN = math.Float64frombits(value.StaleNaN)

// seenSeries is what staleness needs to know of one scraped source (a
// target or the gatherer): the series its last scrape returned, by label
// hash. A scrape that does not return one of them (a failed scrape returns
// none) writes a staleness marker for it at its own timestamp, as
// Prometheus does, so a query reads nothing for it from then on instead of
// its last value for the lookback (5 minutes). A hash collision can only
// cost a marker.
type seenSeries struct {
	// prev: the series of the last scrape, as Prometheus's scrape cache
	// tracks them for staleness: none after a failed scrape (they are
	// marked), those parsed before the failure after an answer that
	// failed to parse (they are not).
	prev, cur map[uint64]labels.Labels
	seeded    bool // prev was read from the store (the first scrape of this run)
	// known: the series scrape_series_added counts against when it is
	// not prev: those of the last scrape that stored its samples and of
	// the failed ones since (Prometheus's cache keeps them), or none at
	// a run's first scrape (seed). nil: prev.
	known map[uint64]bool
}

// markers records seen as the series of this scrape and appends to out
// a staleness marker at ts for each series of the previous scrape missing
// from them. added is how many of the series seen are not known. keep
// makes the series seen the previous ones; call it once the store has
// taken the samples and markers (if it refused them, the next scrape
// compares with the same series and writes the markers then), and tell
// it whether this scrape's samples were stored (whole: not failed).
func (s *seenSeries) markers(seen []history.Sample, ts int64, out []history.Sample) (marked []history.Sample, added int, keep func(whole bool)) {
	if s.cur == nil {
		s.cur = make(map[uint64]labels.Labels, len(seen))
	}
	clear(s.cur)
	for _, x := range seen {
		s.cur[x.Labels.Hash()] = x.Labels
	}
	for h := range s.cur {
		if !s.isKnown(h) {
			added++
		}
	}
	for h, l := range s.prev {
		if _, ok := s.cur[h]; !ok {
			out = append(out, history.Sample{Labels: l, T: ts, V: staleNaN})
		}
	}
	return out, added, func(whole bool) {
		switch {
		case whole:
			s.known = nil
		case s.known == nil:
			s.known = make(map[uint64]bool, len(s.prev)+len(s.cur))
			for h := range s.prev {
				s.known[h] = true
			}
		}
		if s.known != nil {
			for h := range s.cur {
				s.known[h] = true
			}
		}
		s.prev, s.cur = s.cur, s.prev
	}
}

// isKnown reports whether scrape_series_added counts the series of hash
// h as seen before.
func (s *seenSeries) isKnown(h uint64) bool {
	if s.known != nil {
		return s.known[h]
	}
	_, ok := s.prev[h]
	return ok
}

// seed makes ls, the series a source stored in the previous run as far
// as the store still reads them (a sample within the lookback before the
// first scrape that is not a marker: recentSeriesOf), the previous
// scrape's: a controller restarted while a target is down, or after a
// series vanished, marks them stale at its first scrape, instead of
// reading their last value for the rest of the lookback. (Prometheus
// restarted keeps no such list: its queries carry the old samples; but it
// is not restarted with the controller reading it.) Only the first call
// seeds; the scraper's own series (reportSeries) are left out.
func (s *seenSeries) seed(ls []labels.Labels) {
	if s.seeded {
		return
	}
	s.seeded = true
	for _, l := range ls {
		if reportSeries[l.Get(model.MetricNameLabel)] {
			continue // the scraper's own, written at every scrape
		}
		if s.prev == nil {
			s.prev = make(map[uint64]labels.Labels, len(ls))
		}
		s.prev[l.Hash()] = l
		s.known = map[uint64]bool{} // a new run counts every series added
	}
}

// recentSeriesOf returns the recent series of jobs at ts (RecentSeries),
// in one lookup; nil when the store cannot say or fails.
func recentSeriesOf(ctx context.Context, st sampleStore, jobs []string, ts int64) []labels.Labels {
	r, ok := st.(recentReader)
	if !ok || len(jobs) == 0 {
		return nil
	}
	alt := make([]string, len(jobs))
	for i, j := range jobs {
		alt[i] = regexp.QuoteMeta(j)
	}
	ls, err := r.RecentSeries(ctx, ts, labels.MustNewMatcher(labels.MatchRegexp, "job", strings.Join(alt, "|")))
	if err != nil {
		return nil
	}
	return ls
}

// goneSources returns staleness markers at ts for the series of previous
// (the recent series of this run's jobs, up included) whose instance is
// none of instances: the targets of the previous run that this one no
// longer scrapes (PRESCALE_SCRAPE_TARGETS changed; a different listen
// address for the gathered registry), as Prometheus marks a removed
// target's series stale.
func goneSources(previous []labels.Labels, instances []string, ts int64) []history.Sample {
	scraped := make(map[string]bool, len(instances))
	for _, i := range instances {
		scraped[i] = true
	}
	var out []history.Sample
	for _, l := range previous {
		if !scraped[l.Get("instance")] {
			out = append(out, history.Sample{Labels: l, T: ts, V: staleNaN})
		}
	}
	return out
}

// recentReader is a store that can say which series were written
// recently (the Embedded store).
type recentReader interface {
	RecentSeries(ctx context.Context, ts int64, ms ...*labels.Matcher) ([]labels.Labels, error)
}

// reportSeries are the series the scraper writes about a scrape (not the
// target's): never marked stale with the target's series.
var reportSeries = map[string]bool{
	"up": true, "scrape_duration_seconds": true, "scrape_samples_scraped": true,
	"scrape_samples_post_metric_relabeling": true, "scrape_series_added": true,
}
