// Package scrape fills the embedded history store (history.Embedded) the
// way a Prometheus server would: by scraping HTTP targets in the exposition
// formats Prometheus reads, with its own parser (model/textparse), or by
// gathering an in-process registry (prescale run). Every sample gets job
// and instance labels, each target's scrape writes up and the other
// report series, and a series a source no longer returns (all of them when
// its scrape fails) gets a staleness marker, as Prometheus writes them.
package scrape

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"

	"github.com/prescale/prescale/controller/history"
	"github.com/prescale/prescale/internal/outage"
	"github.com/prescale/prescale/internal/redact"
	"github.com/prescale/prescale/internal/tlshint"
)

// Target is one HTTP endpoint the embedded store scrapes.
type Target struct {
	Job string
	URL string
}

// Scraper fills an Embedded store the way a Prometheus server would: by
// scraping HTTP targets in the exposition format, or by gathering an
// in-process registry (prescale run). Every sample gets job and instance
// labels, as Prometheus adds them.
type Scraper struct {
	store    sampleStore
	targets  []Target
	gather   prometheus.Gatherer
	gatherAs Target // job/instance labels for gathered samples
	client   *http.Client
	maxBody  int64
	fallback string           // media type of an answer without a usable Content-Type; "": it fails (SetFallbackProtocol)
	clock    func() time.Time // times each target's scrape (scrape_duration_seconds)
	outs     []outage.Tracker // per target: its current outage (ScrapeLogged)
	// secrets are each target's URL's credentials (history.URLSecrets),
	// hidden in a parse error quoting its answer.
	secrets [][]string
	// seen and gatherSeen are each target's and the gatherer's series
	// of their last scrape, for staleness markers.
	seen       []seenSeries
	gatherSeen seenSeries
	started    bool // the previous run's sources gone are marked (markGone)
	// storeOut and gatherOut are the store's refusals of the scraped
	// samples and the gatherer's failures, as outages (ScrapeLogged);
	// storeOut counts the samples the current store outage refused.
	storeOut, gatherOut outage.Tracker
}

// sampleStore is what the scraper writes to: the Embedded store (tests
// wrap it to make it refuse samples).
type sampleStore interface {
	Append(ctx context.Context, samples []history.Sample) (int, error)
}

// NewScraper builds a scraper. gather may be nil; gatherAs.URL is used as the
// instance label of gathered samples. timeout bounds each HTTP scrape (0 means 10 s).
func NewScraper(store *history.Embedded, targets []Target, gather prometheus.Gatherer, gatherAs Target, timeout time.Duration) *Scraper {
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	s := &Scraper{
		targets: targets, gather: gather, gatherAs: gatherAs,
		client: &http.Client{Timeout: timeout}, maxBody: 32 << 20, clock: time.Now, outs: make([]outage.Tracker, len(targets)), seen: make([]seenSeries, len(targets)),
	}
	if store != nil {
		s.store = store
	}
	for _, t := range targets {
		s.secrets = append(s.secrets, history.URLSecrets(t.URL))
	}
	return s
}

// SetFallbackProtocol makes the scraper read an answer whose Content-Type
// is missing, does not parse or is not a format Prometheus reads in
// protocol, a name of Prometheus's fallback_scrape_protocol
// (FallbackMediaType); by default, or with "", such an answer fails the
// scrape, as in Prometheus 3.
func (s *Scraper) SetFallbackProtocol(protocol string) error {
	mt, err := FallbackMediaType(protocol)
	if err != nil {
		return err
	}
	s.fallback = mt
	return nil
}

// ScrapeOnce scrapes every target and the gatherer once, stamping samples
// with now. It returns the joined errors of failed targets; samples of the
// others are stored.
func (s *Scraper) ScrapeOnce(ctx context.Context, now time.Time) error {
	r := s.scrape(ctx, now)
	return errors.Join(append(r.down, r.gatherErr, r.storeErr)...)
}

// ScrapeLogged scrapes once as ScrapeOnce does and logs to log: each
// target's failures as an outage (internal/outage: one WARN when its
// scrapes start failing, naming it, DEBUG at each further failure, one INFO
// when it answers again), and the store refusing the scraped samples (a
// full disk) and the gatherer failing as one outage each, the store's INFO
// with the samples it lost. A target down logged a WARN at every scrape
// (5,760 a day at the default 15 s), and so did a store refusing samples.
func (s *Scraper) ScrapeLogged(ctx context.Context, now time.Time, log *slog.Logger) {
	r := s.scrape(ctx, now)
	if ctx.Err() != nil {
		return // shutting down: not the targets' failure
	}
	for i, t := range s.targets {
		attrs := []any{"job", t.Job, "instance", instanceOf(t.URL)}
		if r.down[i] != nil {
			s.outs[i].Fail(log, now, r.down[i], "scrape target down: its up is 0 and its samples are missing until it answers", attrs...)
		} else {
			s.outs[i].OK(log, now, "scrape target back", attrs...)
		}
	}
	if r.storeErr == nil {
		s.storeOut.OK(log, now, "embedded store storing scraped samples again")
	} else {
		s.storeOut.Lose(r.lost)
		s.storeOut.Fail(log, now, r.storeErr, "embedded store refusing scraped samples: they are lost until it stores again")
	}
	if s.gather != nil {
		s.gatherOut.Record(log, now, r.gatherErr, "gathering the in-process metrics failed", "gathering the in-process metrics again")
	}
}

// scraped is one scrape's outcome: per target its fetch error (nil when
// it answered), the gatherer's error, and the store's last refusal with
// the samples it lost.
type scraped struct {
	down                []error
	gatherErr, storeErr error
	lost                int
}

// scrape scrapes every target and the gatherer once, stamping samples with
// now; samples of the targets that answered are stored, with staleness
// markers for the series each source no longer returns (all of them when
// its scrape failed). A scrape interrupted by ctx (shutting down) stores
// nothing more: no up 0 and no markers, as Prometheus writes none at
// shutdown, so a restart goes on where this run stopped.
func (s *Scraper) scrape(ctx context.Context, now time.Time) scraped {
	r := scraped{down: make([]error, len(s.targets))}
	if err := ctx.Err(); err != nil {
		r.gatherErr = err
		return r
	}
	ts := now.UnixMilli()
	var previous []labels.Labels
	if !s.started {
		previous = s.previousRun(ctx, ts)
	}
	if s.gather != nil {
		mfs, err := s.gather.Gather()
		// A Gatherer may return partial results with an error; keep them.
		got := FamiliesToSamples(mfs, ts, s.gatherAs.Job, s.gatherAs.URL)
		s.storeSource(ctx, &r, &s.gatherSeen, s.gatherAs.Job, s.gatherAs.URL, parsed{samples: got, n: len(got), post: len(got)}, ts, nil)
		if err != nil {
			r.gatherErr = fmt.Errorf("gather: %w", err)
		}
	}
	for i, t := range s.targets {
		inst := instanceOf(t.URL)
		start := s.clock()
		body, ctype, err := s.fetch(ctx, t.URL)
		took := s.clock().Sub(start)
		if ctx.Err() != nil {
			r.down[i] = fmt.Errorf("scrape %s: %w", redact.URL(t.URL), ctx.Err())
			return r
		}
		var got parsed
		if err == nil {
			if got = parseExposition(body, ctype, s.fallback, t.Job, inst, ts); got.err != nil {
				// The parser quotes the answer, which may echo the URL's
				// credentials (a login page quoting the token it was sent).
				hidden := redact.Reword(got.err, redact.HideEchoed(got.err.Error(), s.secrets[i]))
				err = fmt.Errorf("scrape %s: parse: %w", redact.URL(t.URL), hidden)
			}
		}
		up := 1.0
		if err != nil {
			up, r.down[i] = 0, err
		}
		s.storeSource(ctx, &r, &s.seen[i], t.Job, inst, got, ts, &report{up: up, took: took})
	}
	if !s.started {
		s.started = s.markGone(ctx, &r, ts, previous)
	}
	return r
}

// sources are the job and the instance label of each source this run
// scrapes: the gatherer and the targets.
func (s *Scraper) sources() (jobs, instances []string) {
	if s.gather != nil {
		jobs, instances = append(jobs, s.gatherAs.Job), append(instances, s.gatherAs.URL)
	}
	for _, t := range s.targets {
		jobs, instances = append(jobs, t.Job), append(instances, instanceOf(t.URL))
	}
	return jobs, instances
}

// previousRun reads, in one lookup, the recent series of this run's jobs
// that the store holds (recentSeriesOf), and seeds each source's
// staleness with those of its own that are not already seeded: what the
// first scrape of a run compares with, and what markGone marks of the
// sources gone. A store error seeds and marks nothing.
func (s *Scraper) previousRun(ctx context.Context, ts int64) []labels.Labels {
	jobs, instances := s.sources()
	ls := recentSeriesOf(ctx, s.store, jobs, ts)
	by := map[[2]string][]labels.Labels{}
	for _, l := range ls {
		k := [2]string{l.Get("job"), l.Get("instance")}
		by[k] = append(by[k], l)
	}
	if s.gather != nil {
		s.gatherSeen.seed(by[[2]string{jobs[0], instances[0]}])
		jobs, instances = jobs[1:], instances[1:]
	}
	for i := range s.targets {
		s.seen[i].seed(by[[2]string{jobs[i], instances[i]}])
	}
	return ls
}

// markGone writes, once at the end of the first scrape of a run,
// staleness markers for previous's series (previousRun) of the sources
// this run does not scrape (goneSources). After the sources' samples: a
// series one of them returned with its own instance label (it wins, as
// with honor_labels) looks like one of a source gone, and its marker at
// the same time is refused as a duplicate of the live sample, instead of
// refusing that sample. It reports whether they are done: markers the
// store refused are looked up and written again at the next scrape.
func (s *Scraper) markGone(ctx context.Context, r *scraped, ts int64, previous []labels.Labels) bool {
	_, instances := s.sources()
	if m := goneSources(previous, instances, ts); len(m) > 0 {
		if _, err := s.store.Append(ctx, m); err != nil {
			r.storeErr = err
			return false
		}
	}
	return true
}

// storeSource appends one source's samples, the staleness markers of the series
// it no longer returns (the first scrape of a run compares with the series
// the store holds of it from the previous run) and, for a target, the
// report series of its scrape (rep; nil for the gatherer), recording a
// refusal in r. As Prometheus: a scrape that failed (got.err, or up 0)
// stores none of its samples; the series it parsed before an answer
// failed to parse count as returned (got: parsed), so only the others
// are marked stale.
func (s *Scraper) storeSource(ctx context.Context, r *scraped, seen *seenSeries, job, instance string, got parsed, ts int64, rep *report) {
	samples, whole := got.samples, got.err == nil && (rep == nil || rep.up == 1)
	if !whole {
		samples = nil
	}
	n := len(samples)
	all, added, keep := seen.markers(got.samples, ts, samples)
	if rep != nil {
		all = rep.append(all, job, instance, ts, got, added)
	}
	if len(all) == 0 {
		keep(whole)
		return
	}
	if _, err := s.store.Append(ctx, all); err != nil {
		r.storeErr = err
		r.lost += n
		if rep != nil {
			r.lost += len(reportSeries)
		}
		return
	}
	keep(whole)
}

// report is what the scraper knows of one target's scrape besides its
// samples: up (1, or 0 when it failed) and how long it took.
type report struct {
	up   float64
	took time.Duration
}

// append appends to out the series Prometheus writes for every scrape of a
// target, at the scrape's time with its job and instance labels: up,
// scrape_duration_seconds, scrape_samples_scraped (the samples the target
// returned: 0 when the scrape failed, those parsed before the failure when
// the answer failed to parse), scrape_samples_post_metric_relabeling
// (the same, as the scraper relabels nothing, less a series a check
// refused: parsed.post) and scrape_series_added (of
// them, the series not seen since the last scrape that returned every
// series whole: all of them at a run's first scrape, as a Prometheus
// started afresh counts them).
func (rep *report) append(out []history.Sample, job, instance string, ts int64, got parsed, added int) []history.Sample {
	for _, x := range []struct {
		name string
		v    float64
	}{
		{"up", rep.up},
		{"scrape_duration_seconds", rep.took.Seconds()},
		{"scrape_samples_scraped", float64(got.n)},
		{"scrape_samples_post_metric_relabeling", float64(got.post)},
		{"scrape_series_added", float64(added)},
	} {
		out = append(out, history.Sample{Labels: labels.FromStrings(model.MetricNameLabel, x.name, "job", job, "instance", instance), T: ts, V: x.v})
	}
	return out
}

// Run scrapes at the end of every interval until ctx ends, logging as
// ScrapeLogged; now is the clock. The first scrape is the caller's (the
// app scrapes once before its first cycle): Run scraped again at once, so
// a fresh store's first two samples were milliseconds apart and a rate()
// over them was noise (0 for a busy host's CPU, with data present,
// decided on: the warm-up's first stage had no no_data hold).
func (s *Scraper) Run(ctx context.Context, interval time.Duration, now func() time.Time, log *slog.Logger) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		s.ScrapeLogged(ctx, now(), log)
	}
}

// instanceOf is the instance label Prometheus gives a target: host:port.
func instanceOf(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.Host != "" {
		return u.Host
	}
	return redact.URL(raw)
}

// fetch gets a target's answer: its body, read whole up to the scraper's
// limit, and its Content-Type.
func (s *Scraper) fetch(ctx context.Context, rawURL string) (body []byte, contentType string, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, "", fmt.Errorf("scrape %s: %w", redact.URL(rawURL), redact.Err(err))
	}
	req.Header.Set("Accept", "text/plain;version=0.0.4")
	// As Prometheus does: the target may end its collection in time (a
	// prescale-exporter's slow application probe), instead of the scrape
	// timing out with nothing.
	req.Header.Set("X-Prometheus-Scrape-Timeout-Seconds", strconv.FormatFloat(s.client.Timeout.Seconds(), 'f', -1, 64))
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, "", fmt.Errorf("scrape %s: %w%s", redact.URL(rawURL), redact.Err(err), tlshint.For(err))
	}
	defer func() {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, s.maxBody)) // a longer rest is not worth a reused connection
		_ = resp.Body.Close()
	}()
	if resp.StatusCode != http.StatusOK {
		return nil, "", fmt.Errorf("scrape %s: HTTP %d", redact.URL(rawURL), resp.StatusCode)
	}
	capped := &capReader{r: resp.Body, left: s.maxBody}
	body, err = io.ReadAll(capped)
	switch {
	case capped.over:
		// Prometheus's body_size_limit fails the scrape: parsed, an
		// answer cut at a line's end reads as up 1 without the series
		// after the cut, one cut inside a line as a parse failure.
		return nil, "", fmt.Errorf("scrape %s: answer longer than %d bytes (the scraper's limit)", redact.URL(rawURL), s.maxBody)
	case err != nil:
		return nil, "", fmt.Errorf("scrape %s: read: %w", redact.URL(rawURL), redact.Err(err))
	}
	return body, resp.Header.Get("Content-Type"), nil
}

// capReader reads r up to left bytes, then reports io.EOF and sets over if
// r had more.
type capReader struct {
	r    io.Reader
	left int64
	over bool
}

func (c *capReader) Read(p []byte) (int, error) {
	if c.left <= 0 {
		var one [1]byte
		if n, _ := io.ReadFull(c.r, one[:]); n > 0 {
			c.over = true
		}
		return 0, io.EOF
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	return n, err
}

// FamiliesToSamples flattens metric families into float samples the way
// Prometheus stores classic types: counters, gauges and untyped as is;
// summaries as name{quantile}, name_sum, name_count; histograms as
// name_bucket{le}, name_sum, name_count. job and instance labels are added
// (an existing label of the same name wins, as with honor_labels).
func FamiliesToSamples(mfs []*dto.MetricFamily, ts int64, job, instance string) []history.Sample {
	var out []history.Sample
	for _, mf := range mfs {
		name := mf.GetName()
		for _, m := range mf.GetMetric() {
			base := labels.NewBuilder(labels.EmptyLabels())
			base.Set("job", job)
			base.Set("instance", instance)
			for _, lp := range m.GetLabel() {
				base.Set(lp.GetName(), lp.GetValue())
			}
			add := func(n string, v float64, extra ...string) {
				b := labels.NewBuilder(base.Labels())
				b.Set(model.MetricNameLabel, n)
				for i := 0; i+1 < len(extra); i += 2 {
					b.Set(extra[i], extra[i+1])
				}
				out = append(out, history.Sample{Labels: b.Labels(), T: ts, V: v})
			}
			switch mf.GetType() {
			case dto.MetricType_COUNTER:
				add(name, m.GetCounter().GetValue())
			case dto.MetricType_GAUGE:
				add(name, m.GetGauge().GetValue())
			case dto.MetricType_UNTYPED:
				add(name, m.GetUntyped().GetValue())
			case dto.MetricType_SUMMARY:
				sm := m.GetSummary()
				for _, q := range sm.GetQuantile() {
					add(name, q.GetValue(), "quantile", formatFloat(q.GetQuantile()))
				}
				add(name+"_sum", sm.GetSampleSum())
				add(name+"_count", float64(sm.GetSampleCount()))
			case dto.MetricType_HISTOGRAM, dto.MetricType_GAUGE_HISTOGRAM:
				h := m.GetHistogram()
				inf := false
				for _, b := range h.GetBucket() {
					if math.IsInf(b.GetUpperBound(), 1) {
						inf = true
					}
					add(name+"_bucket", float64(b.GetCumulativeCount()), "le", formatFloat(b.GetUpperBound()))
				}
				if !inf {
					add(name+"_bucket", float64(h.GetSampleCount()), "le", "+Inf")
				}
				add(name+"_sum", h.GetSampleSum())
				add(name+"_count", float64(h.GetSampleCount()))
			}
		}
	}
	return out
}

func formatFloat(f float64) string {
	if math.IsInf(f, 1) {
		return "+Inf"
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}
