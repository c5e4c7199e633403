package metrics

import (
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// targetSeries holds the values of every TargetGauge of a Metrics, a row a
// target: a GaugeVec child holds its own label pairs and map entry, about
// 500 bytes a series (20 series a target: 10 KB); here a series is a
// value and whether it exists, and a target's label pairs are made once
// for all its gauges.
type targetSeries struct {
	mu     sync.RWMutex
	rows   map[[3]string]*targetRow // by targetLabels' values
	gauges int                      // fixed once a row exists
	now    func() time.Time         // a row's creation time; nil: time.Now
}

// targetRow is one target's label pairs (in the exposition's order: kind,
// target, tier), its value in each gauge (by TargetGauge.k) and when it
// was made: the created timestamp of its counters' series, as a
// CounterVec child's is when it was made.
type targetRow struct {
	labels  []*dto.LabelPair
	bits    []atomic.Uint64
	made    []atomic.Bool
	created *timestamppb.Timestamp
}

// gauge returns a new TargetGauge over s; all are made before any series.
func (s *targetSeries) gauge(name, help string) *TargetGauge {
	return &TargetGauge{desc: prometheus.NewDesc("prescale_"+name, help, targetLabels, nil), s: s, k: s.values(name, 1)}
}

// values adds n values to every row for metric name, made before any
// series, and returns the index of the first.
func (s *targetSeries) values(name string, n int) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.rows) > 0 {
		panic(fmt.Sprintf("metrics: gauge %s made after its series", name))
	}
	s.gauges += n
	return s.gauges - n
}

// row returns the row of the label values lv (made if absent, unless
// only is set: then nil).
func (s *targetSeries) row(lv []string, only bool) *targetRow {
	if len(lv) != len(targetLabels) {
		panic(fmt.Sprintf("metrics: %d label values for %d labels %v", len(lv), len(targetLabels), targetLabels))
	}
	key := [3]string{lv[0], lv[1], lv[2]}
	s.mu.RLock()
	r := s.rows[key]
	s.mu.RUnlock()
	if r != nil || only {
		return r
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if r = s.rows[key]; r == nil {
		r = &targetRow{labels: []*dto.LabelPair{labelPair("kind", lv[2]), labelPair("target", lv[0]), labelPair("tier", lv[1])},
			bits: make([]atomic.Uint64, s.gauges), made: make([]atomic.Bool, s.gauges), created: timestamppb.New(orNow(s.now)())}
		if s.rows == nil {
			s.rows = map[[3]string]*targetRow{}
		}
		s.rows[key] = r
	}
	return r
}

// TargetGauge is a gauge by target, tier and kind (targetLabels): what a
// prometheus.GaugeVec of those labels exposes, held in its targetSeries.
type TargetGauge struct {
	desc *prometheus.Desc
	s    *targetSeries
	k    int
}

// WithLabelValues returns the series of lv (target, tier, kind), made at 0
// if it does not exist, as prometheus.GaugeVec does.
func (g *TargetGauge) WithLabelValues(lv ...string) prometheus.Gauge {
	r := g.s.row(lv, false)
	r.made[g.k].Store(true)
	return targetGaugeSeries{g: g, r: r}
}

// DeleteLabelValues removes the series of lv and reports whether it existed.
func (g *TargetGauge) DeleteLabelValues(lv ...string) bool {
	r := g.s.row(lv, true)
	if r == nil || !r.made[g.k].Swap(false) {
		return false
	}
	r.bits[g.k].Store(0) // made again at 0, as a new GaugeVec child
	return true
}

// Describe implements prometheus.Collector.
func (g *TargetGauge) Describe(ch chan<- *prometheus.Desc) { ch <- g.desc }

// Collect implements prometheus.Collector: every series that exists.
func (g *TargetGauge) Collect(ch chan<- prometheus.Metric) {
	g.s.mu.RLock()
	defer g.s.mu.RUnlock()
	for _, r := range g.s.rows {
		if r.made[g.k].Load() {
			ch <- targetGaugeSeries{g: g, r: r}
		}
	}
}

// targetGaugeSeries is one series: a prometheus.Gauge.
type targetGaugeSeries struct {
	g *TargetGauge
	r *targetRow
}

func (s targetGaugeSeries) Desc() *prometheus.Desc { return s.g.desc }

// Write implements prometheus.Metric, as a GaugeVec child writes itself.
func (s targetGaugeSeries) Write(out *dto.Metric) error {
	v := math.Float64frombits(s.r.bits[s.g.k].Load())
	out.Label = s.r.labels
	out.Gauge = &dto.Gauge{Value: &v}
	return nil
}

func (s targetGaugeSeries) Describe(ch chan<- *prometheus.Desc) { ch <- s.g.desc }

func (s targetGaugeSeries) Collect(ch chan<- prometheus.Metric) { ch <- s }

// Set sets the value.
func (s targetGaugeSeries) Set(v float64) { s.r.bits[s.g.k].Store(math.Float64bits(v)) }

// Add adds v (negative: subtracts).
func (s targetGaugeSeries) Add(v float64) { addBits(&s.r.bits[s.g.k], v) }

// addBits adds v to the float64 whose bits b holds.
func addBits(b *atomic.Uint64, v float64) {
	for {
		old := b.Load()
		if b.CompareAndSwap(old, math.Float64bits(math.Float64frombits(old)+v)) {
			return
		}
	}
}

func (s targetGaugeSeries) Sub(v float64)     { s.Add(-v) }
func (s targetGaugeSeries) Inc()              { s.Add(1) }
func (s targetGaugeSeries) Dec()              { s.Add(-1) }
func (s targetGaugeSeries) SetToCurrentTime() { s.Set(float64(time.Now().UnixNano()) / 1e9) }
