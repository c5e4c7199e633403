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

// targetSeries holds the values of every TargetGauge and PointsCounter of
// a Metrics, a row a target: a GaugeVec child holds its own label pairs
// and map entry, about 500 bytes a series (20 series a target: 10 KB);
// here a series is a value and whether it exists, and a target's label
// pairs are made once for all its series.
type targetSeries struct {
	mu    sync.RWMutex
	rows  map[[3]string]*targetRow // by targetLabels' values
	width int                      // values a row, fixed once a row exists
	now   func() time.Time         // a row's creation time; nil: time.Now
}

// targetRow is one target's label pairs (in the exposition's order: kind,
// target, tier), its value in each series (by columns.k) and when it
// was made: the created timestamp of its counters' series, as a
// CounterVec child's is when it was made.
type targetRow struct {
	labels  []*dto.LabelPair
	bits    []atomic.Uint64
	made    []atomic.Bool
	created *timestamppb.Timestamp
}

// columns returns the collector of a new metric name of type typ over s,
// made before any series: a value a row, or with more one a label pair of
// more (of one more label, which sorts between kind and target).
func (s *targetSeries) columns(name, help string, typ prometheus.ValueType, more ...*dto.LabelPair) columns {
	labels := targetLabels
	if len(more) > 0 {
		labels = append(targetLabels[:3:3], more[0].GetName())
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.rows) > 0 {
		panic(fmt.Sprintf("metrics: %s made after its series", name))
	}
	n := max(len(more), 1)
	s.width += n
	return columns{desc: prometheus.NewDesc(name, help, labels, nil), s: s, k: s.width - n, n: n, typ: typ, more: more}
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
			bits: make([]atomic.Uint64, s.width), made: make([]atomic.Bool, s.width), created: timestamppb.New(orNow(s.now)())}
		if s.rows == nil {
			s.rows = map[[3]string]*targetRow{}
		}
		s.rows[key] = r
	}
	return r
}

// columns is a collector of n values of every row of s from value k: one
// metric, written as a GaugeVec's or CounterVec's children (typ).
type columns struct {
	desc *prometheus.Desc
	s    *targetSeries
	k, n int
	typ  prometheus.ValueType
	more []*dto.LabelPair // a label pair a value, or none (n is 1)
}

// Describe implements prometheus.Collector.
func (c *columns) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

// Collect implements prometheus.Collector: every series that exists.
func (c *columns) Collect(ch chan<- prometheus.Metric) {
	c.s.mu.RLock()
	defer c.s.mu.RUnlock()
	for _, r := range c.s.rows {
		for i := range c.n {
			if r.made[c.k+i].Load() {
				ch <- cell{c: c, r: r, i: i}
			}
		}
	}
}

// cell is one series: value i of columns c in row r.
type cell struct {
	c *columns
	r *targetRow
	i int
}

func (s cell) bits() *atomic.Uint64 { return &s.r.bits[s.c.k+s.i] }

func (s cell) Desc() *prometheus.Desc { return s.c.desc }

// Write implements prometheus.Metric, as a GaugeVec's or CounterVec's
// child writes itself: a counter's created timestamp is when its row was
// made.
func (s cell) Write(out *dto.Metric) error {
	v := math.Float64frombits(s.bits().Load())
	out.Label = s.r.labels
	if len(s.c.more) > 0 {
		l := s.r.labels // kind, target, tier
		out.Label = []*dto.LabelPair{l[0], s.c.more[s.i], l[1], l[2]}
	}
	if s.c.typ == prometheus.CounterValue {
		out.Counter = &dto.Counter{Value: &v, CreatedTimestamp: s.r.created}
	} else {
		out.Gauge = &dto.Gauge{Value: &v}
	}
	return nil
}

func (s cell) Describe(ch chan<- *prometheus.Desc) { ch <- s.c.desc }

func (s cell) Collect(ch chan<- prometheus.Metric) { ch <- s }
