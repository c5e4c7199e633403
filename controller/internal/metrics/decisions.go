package metrics

import (
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// DecisionCounter is prescale_decisions_total{target, direction, reason}:
// what a prometheus.CounterVec of those labels exposes, each target's
// series for every direction and reason made at once (Init). A
// CounterVec child holds its own label pairs, creation time and map entry,
// about 600 bytes a series: 23 MB for the 39 series of each of 1,000
// targets. Here a series is a count, the label pairs are shared (one per
// target, direction and reason) and the creation time is the target's.
type DecisionCounter struct {
	desc      *prometheus.Desc
	mu        sync.RWMutex
	rows      map[string]*decisionRow // by target
	dirs      []*dto.LabelPair        // by index in newDecisionCounter's dirs
	reasons   []*dto.LabelPair        // by index in its reasons
	reasonIdx map[string]int
	dirIdx    map[string]int
	now       func() time.Time // a row's creation time
}

// decisionRow is one target's series: cells[d*len(reasons)+r] for the
// known directions and reasons, other label values in extra.
type decisionRow struct {
	target  *dto.LabelPair
	created *timestamppb.Timestamp
	cells   []decisionCell
	extra   map[[2]string]*decisionCell // under DecisionCounter.mu
}

// decisionCell is one series' count (Inc) and sum of Add's (float bits);
// made says it exists (is exposed).
type decisionCell struct {
	n, bits atomic.Uint64
	made    atomic.Bool
	labels  []*dto.LabelPair // direction, reason, target: the exposition's order
}

func labelPair(name, value string) *dto.LabelPair { return &dto.LabelPair{Name: &name, Value: &value} }

// orNow is now, or time.Now when now is nil.
func orNow(now func() time.Time) func() time.Time {
	if now == nil {
		return time.Now
	}
	return now
}

// newDecisionCounter returns the counter with help text help, for the
// given directions and reasons, its series created at the times now
// reads (nil: time.Now).
func newDecisionCounter(help string, dirs, reasons []string, now func() time.Time) *DecisionCounter {
	c := &DecisionCounter{
		desc: prometheus.NewDesc("prescale_decisions_total", help, []string{"target", "direction", "reason"}, nil),
		rows: map[string]*decisionRow{}, reasonIdx: map[string]int{}, dirIdx: map[string]int{}, now: orNow(now),
	}
	for i, d := range dirs {
		c.dirs, c.dirIdx[d] = append(c.dirs, labelPair("direction", d)), i
	}
	for i, r := range reasons {
		c.reasons, c.reasonIdx[r] = append(c.reasons, labelPair("reason", r)), i
	}
	return c
}

// row returns target's row, made (with no series) if it has none.
func (c *DecisionCounter) row(target string) *decisionRow {
	c.mu.RLock()
	r := c.rows[target]
	c.mu.RUnlock()
	if r != nil {
		return r
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if r = c.rows[target]; r == nil {
		r = &decisionRow{target: labelPair("target", target), created: timestamppb.New(c.now()),
			cells: make([]decisionCell, len(c.dirs)*len(c.reasons))}
		c.rows[target] = r
	}
	return r
}

// Init makes target's series for every known direction and reason, at 0.
func (c *DecisionCounter) Init(target string) {
	r := c.row(target)
	for d := range c.dirs {
		for k := range c.reasons {
			c.made(r, &r.cells[d*len(c.reasons)+k], c.dirs[d], c.reasons[k])
		}
	}
}

// made marks cell as existing, with its label pairs.
func (c *DecisionCounter) made(r *decisionRow, cell *decisionCell, dir, reason *dto.LabelPair) {
	if cell.made.Load() {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !cell.made.Load() {
		cell.labels = []*dto.LabelPair{dir, reason, r.target}
		cell.made.Store(true)
	}
}

// WithLabelValues returns the series of target, direction and reason (made
// at 0 if it does not exist), as prometheus.CounterVec does.
func (c *DecisionCounter) WithLabelValues(target, direction, reason string) prometheus.Counter {
	r := c.row(target)
	d, okD := c.dirIdx[direction]
	k, okR := c.reasonIdx[reason]
	if okD && okR {
		cell := &r.cells[d*len(c.reasons)+k]
		c.made(r, cell, c.dirs[d], c.reasons[k])
		return decisionSeries{c: c, r: r, cell: cell}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	key := [2]string{direction, reason}
	cell := r.extra[key]
	if cell == nil {
		if r.extra == nil {
			r.extra = map[[2]string]*decisionCell{}
		}
		cell = &decisionCell{labels: []*dto.LabelPair{labelPair("direction", direction), labelPair("reason", reason), r.target}}
		cell.made.Store(true)
		r.extra[key] = cell
	}
	return decisionSeries{c: c, r: r, cell: cell}
}

// Describe implements prometheus.Collector.
func (c *DecisionCounter) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

// Collect implements prometheus.Collector: every series made.
func (c *DecisionCounter) Collect(ch chan<- prometheus.Metric) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	for _, r := range c.rows {
		for i := range r.cells {
			if r.cells[i].made.Load() {
				ch <- decisionSeries{c: c, r: r, cell: &r.cells[i]}
			}
		}
		for _, cell := range r.extra {
			ch <- decisionSeries{c: c, r: r, cell: cell}
		}
	}
}

// decisionSeries is one series: a prometheus.Counter.
type decisionSeries struct {
	c    *DecisionCounter
	r    *decisionRow
	cell *decisionCell
}

func (s decisionSeries) Desc() *prometheus.Desc { return s.c.desc }

// Write implements prometheus.Metric, as a CounterVec child writes itself.
func (s decisionSeries) Write(out *dto.Metric) error {
	v := float64(s.cell.n.Load()) + math.Float64frombits(s.cell.bits.Load())
	out.Label = s.cell.labels
	out.Counter = &dto.Counter{Value: &v, CreatedTimestamp: s.r.created}
	return nil
}

func (s decisionSeries) Describe(ch chan<- *prometheus.Desc) { ch <- s.c.desc }

func (s decisionSeries) Collect(ch chan<- prometheus.Metric) { ch <- s }

// Inc adds 1.
func (s decisionSeries) Inc() { s.cell.n.Add(1) }

// Add adds v (>= 0: a counter only goes up; it panics otherwise, as a
// prometheus.Counter does).
func (s decisionSeries) Add(v float64) {
	if v < 0 {
		panic("counter cannot decrease in value")
	}
	for {
		old := s.cell.bits.Load()
		if s.cell.bits.CompareAndSwap(old, math.Float64bits(math.Float64frombits(old)+v)) {
			return
		}
	}
}
