package scrape

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/textparse"

	"github.com/prescale/prescale/controller/history"
	"github.com/prescale/prescale/internal/redact"
)

// parsed is one target's answer as Prometheus's scrape reads it: the
// samples, stamped with the scrape's time and labelled with job and
// instance, and n, the samples it parsed (scrape_samples_scraped; post
// leaves out one a series check refused, as Prometheus's count after
// relabelling does). When
// err is set the answer failed to parse: samples are those parsed before
// the failure, which Prometheus does not store (it rolls its append back)
// but counts in n and keeps as the series this scrape saw, so that it
// writes staleness markers only for the series of the previous scrape
// not among them.
type parsed struct {
	samples []history.Sample
	n, post int // scrape_samples_scraped, ..._post_metric_relabeling
	err     error
}

// parseExposition reads a target's answer b of the given Content-Type
// with Prometheus's own parser (model/textparse), as its scrape does: an
// answer whose Content-Type is missing, does not parse or is not a
// format Prometheus reads fails, as in Prometheus 3, unless fallback (a
// media type, FallbackMediaType) names the format to read it as
// (fallback_scrape_protocol). Every sample is stamped with ts (a
// timestamp in the answer is not honoured) and given job and instance
// labels unless it has its own (as with honor_labels); labels with empty
// values are dropped, as Prometheus's relabelling does. A series without
// a metric name, with an invalid name, or with a label twice fails the
// parse there, as it fails Prometheus's append. A native histogram (in a
// protobuf answer) is read as a Prometheus scrape without native
// histograms reads it (IgnoreNativeHistograms): its classic part, the
// _count, _sum and _bucket series (the +Inf bucket alone when it has no
// classic bucket), stored and counted as any series.
func parseExposition(b []byte, contentType, fallback, job, instance string, ts int64) parsed {
	p, err := textparse.New(b, contentType, nil, textparse.ParserOptions{IgnoreNativeHistograms: true, FallbackContentType: fallback})
	if p == nil {
		return parsed{err: fmt.Errorf("content type: %w (the target should answer text/plain; version=0.0.4, or set PRESCALE_SCRAPE_FALLBACK_PROTOCOL, as Prometheus's fallback_scrape_protocol)", cutErr(err))}
	}
	var out parsed
	var lset labels.Labels
	bld := labels.NewBuilder(labels.EmptyLabels())
	for {
		et, err := p.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			out.err = cutErr(err)
			return out
		}
		if et != textparse.EntrySeries {
			continue // HELP, TYPE, UNIT and comments (no EntryHistogram: native histograms are ignored)
		}
		out.n++
		_, _, v := p.Series()
		p.Labels(&lset)
		bld.Reset(lset)
		if bld.Get("job") == "" {
			bld.Set("job", job)
		}
		if bld.Get("instance") == "" {
			bld.Set("instance", instance)
		}
		l := bld.Labels()
		if err := checkSeries(l); err != nil {
			out.err = cutErr(err)
			return out
		}
		out.samples = append(out.samples, history.Sample{Labels: l, T: ts, V: v})
		out.post++
	}
}

// checkSeries is what Prometheus's scrape and TSDB refuse of a parsed
// series, failing the scrape.
func checkSeries(l labels.Labels) error {
	if !l.Has(model.MetricNameLabel) {
		return fmt.Errorf("missing metric name (%s label)", model.MetricNameLabel)
	}
	if !l.IsValid(model.UTF8Validation) {
		return fmt.Errorf("invalid metric name or label names: %s", l)
	}
	if name, dup := l.HasDuplicateLabelNames(); dup {
		return fmt.Errorf("label name %q is not unique: %s", name, l)
	}
	return nil
}

// fallbackProtocols are the names of Prometheus's fallback_scrape_protocol
// and the media type each reads an answer as.
var fallbackProtocols = map[string]string{
	"PrometheusText0.0.4": "text/plain", "PrometheusText1.0.0": "text/plain",
	"OpenMetricsText0.0.1": "application/openmetrics-text", "OpenMetricsText1.0.0": "application/openmetrics-text",
	"PrometheusProto": "application/vnd.google.protobuf",
}

// FallbackMediaType is the media type the embedded store's scraper reads
// an answer as when its Content-Type is missing, does not parse or is
// not a format Prometheus reads, for protocol, a name of Prometheus's
// fallback_scrape_protocol ("PrometheusText0.0.4", ...); "" for "" (such
// an answer fails the scrape, as in Prometheus 3).
func FallbackMediaType(protocol string) (string, error) {
	if protocol == "" {
		return "", nil
	}
	if mt, ok := fallbackProtocols[protocol]; ok {
		return mt, nil
	}
	return "", fmt.Errorf("unknown scrape protocol %q, want one of %s", protocol, strings.Join(slices.Sorted(maps.Keys(fallbackProtocols)), ", "))
}

// maxParseMsg is the most bytes of a parser's error message an error
// repeats.
const maxParseMsg = 500

// cutErr cuts err's message to maxParseMsg bytes: a scrape target's
// answer that does not parse was quoted whole, its whole line (or
// Content-Type) in the error logged and shown for the target.
func cutErr(err error) error {
	if msg := err.Error(); len(msg) > maxParseMsg {
		return redact.Reword(err, redact.Cut(msg, maxParseMsg))
	}
	return err
}
