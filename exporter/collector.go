package exporter

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/shirou/gopsutil/v4/common"

	"github.com/prescale/prescale/exporter/internal/hostpath"
	"github.com/prescale/prescale/exporter/internal/loadscore"
	"github.com/prescale/prescale/exporter/internal/scrapebudget"
	"github.com/prescale/prescale/internal/outage"
)

// Namespace is the prefix of every metric the exporter exposes.
const Namespace = "prescale"

// Collector is one source of metrics (one file per source). Update reads the
// source once and sends its metrics on ch; it is called on every scrape, from
// its own goroutine, and must not keep goroutines running after it returns.
// A returned error marks the source failed for that scrape
// (prescale_exporter_collector_success 0); the metrics it did send are kept.
type Collector interface {
	Update(ctx context.Context, ch chan<- prometheus.Metric) error
}

// Source is a Collector that also describes its metrics, so the registry
// can check names, help and labels when the exporter registers (every
// source of this package and of internal/app is one).
type Source interface {
	Collector
	Describe(ch chan<- *prometheus.Desc)
}

// describe sends every desc to ch (a Collector's Describe).
func describe(ch chan<- *prometheus.Desc, descs ...*prometheus.Desc) {
	for _, d := range descs {
		ch <- d
	}
}

type namedCollector struct {
	name string
	c    Source
}

// hostCollector is the prometheus.Collector that runs every source
// concurrently on each Collect and adds the per-source health metrics and the
// derived load score.
type hostCollector struct {
	collectors []namedCollector
	env        common.EnvMap
	now        func() time.Time
	logger     *slog.Logger
	timeout    time.Duration
	score      *scoreState
	budget     scrapebudget.Budget // deadlines of the scrapes in progress

	success  *prometheus.Desc
	duration *prometheus.Desc

	outMu sync.Mutex       // serialises outs: scrapes may overlap
	outs  []outage.Tracker // each source's failures, logged once per outage
}

var _ prometheus.Collector = (*hostCollector)(nil)

func newHostCollector(cs []namedCollector, env common.EnvMap, now func() time.Time, logger *slog.Logger, timeout time.Duration, score *scoreState) *hostCollector {
	return &hostCollector{
		collectors: cs,
		outs:       make([]outage.Tracker, len(cs)),
		env:        env,
		now:        now,
		logger:     logger,
		timeout:    timeout,
		score:      score,
		success: prometheus.NewDesc(
			prometheus.BuildFQName(Namespace, "exporter", "collector_success"),
			"1 if the collector's last update succeeded, 0 if it failed.",
			[]string{"collector"}, nil),
		duration: prometheus.NewDesc(
			prometheus.BuildFQName(Namespace, "exporter", "collector_duration_seconds"),
			"Time the collector's last update took.",
			[]string{"collector"}, nil),
	}
}

// Describe sends every source's descriptors, the health descriptors and
// the load score's.
func (h *hostCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, nc := range h.collectors {
		nc.c.Describe(ch)
	}
	ch <- h.success
	ch <- h.duration
	if h.score != nil {
		ch <- h.score.score
		ch <- h.score.signal
	}
}

// Collect runs every source concurrently, then emits the load score from
// the signals they recorded.
func (h *hostCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(hostpath.Context(h.env), h.timeout)
	defer cancel()
	if at, ok := h.budget.Earliest(); ok {
		var cancelAt context.CancelFunc
		ctx, cancelAt = context.WithDeadline(ctx, at)
		defer cancelAt()
	}
	sig := &loadscore.Scrape{}
	ctx = loadscore.WithScrape(ctx, sig)

	var wg sync.WaitGroup
	for i, nc := range h.collectors {
		wg.Go(func() {
			start := h.now()
			err := safeUpdate(ctx, nc.c, ch)
			elapsed := h.now().Sub(start).Seconds()
			ok := 1.0
			if err != nil {
				ok = 0
			}
			// One WARN per outage (it was one per scrape), one INFO at its end.
			h.outMu.Lock()
			h.outs[i].Record(h.logger, start, err, "collector failed", "collector recovered", "collector", nc.name)
			h.outMu.Unlock()
			ch <- prometheus.MustNewConstMetric(h.success, prometheus.GaugeValue, ok, nc.name)
			ch <- prometheus.MustNewConstMetric(h.duration, prometheus.GaugeValue, elapsed, nc.name)
		})
	}
	wg.Wait()
	if h.score != nil {
		h.score.collect(sig.Inputs(), h.now(), ch)
	}
}

// safeUpdate runs one source and turns a panic into its error, so that one
// broken source cannot take the exporter down.
func safeUpdate(ctx context.Context, c Collector, ch chan<- prometheus.Metric) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	return c.Update(ctx, ch)
}

// fqName builds a metric name in the exporter's namespace.
func fqName(subsystem, name string) string {
	return prometheus.BuildFQName(Namespace, subsystem, name)
}
