package metrics

import (
	"fmt"
	"math"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/prescale/prescale/controller/history"
)

// PointsCounter is prescale_history_points_dropped_total, by target, tier,
// kind and reason (history.LeftOutReasons): a count a reason in the
// targetSeries rows of the TargetGauges, after their values, so a target's
// label pairs are made once for all (a CounterVec child is about 700
// bytes a series).
type PointsCounter struct {
	desc    *prometheus.Desc
	s       *targetSeries
	k       int // the row value of reason 0; reason r's is k+r
	reasons [history.NumLeftOut]*dto.LabelPair
}

// pointsCounter returns a new PointsCounter over s (made, as its gauges,
// before any series).
func (s *targetSeries) pointsCounter(help string) *PointsCounter {
	const name = "prescale_history_points_dropped_total"
	c := &PointsCounter{desc: prometheus.NewDesc(name, help, append(targetLabels[:3:3], "reason"), nil),
		s: s, k: s.values(name, int(history.NumLeftOut))}
	for r, reason := range history.LeftOutReasons {
		c.reasons[r] = labelPair("reason", reason)
	}
	return c
}

// init makes the series of every reason for the label values lv, at 0.
func (c *PointsCounter) init(lv []string) {
	r := c.s.row(lv, false)
	for i := range c.reasons {
		r.made[c.k+i].Store(true)
	}
}

// add adds n[i] to the series of reason i of the label values lv.
func (c *PointsCounter) add(lv []string, n [history.NumLeftOut]int) {
	r := c.s.row(lv, false)
	for i, k := range n {
		if k > 0 {
			r.made[c.k+i].Store(true)
			addBits(&r.bits[c.k+i], float64(k))
		}
	}
}

// WithLabelValues returns the series of target, tier, kind and reason
// (one of history.LeftOutReasons; another panics), made at 0 if absent.
func (c *PointsCounter) WithLabelValues(target, tier, kind, reason string) prometheus.Collector {
	for i, name := range history.LeftOutReasons {
		if name == reason {
			r := c.s.row([]string{target, tier, kind}, false)
			r.made[c.k+i].Store(true)
			return pointsSeries{c: c, r: r, i: i}
		}
	}
	panic(fmt.Sprintf("metrics: reason %q is none of %v", reason, history.LeftOutReasons))
}

// Describe implements prometheus.Collector.
func (c *PointsCounter) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

// Collect implements prometheus.Collector: every series that exists.
func (c *PointsCounter) Collect(ch chan<- prometheus.Metric) {
	c.s.mu.RLock()
	defer c.s.mu.RUnlock()
	for _, r := range c.s.rows {
		for i := range c.reasons {
			if r.made[c.k+i].Load() {
				ch <- pointsSeries{c: c, r: r, i: i}
			}
		}
	}
}

// pointsSeries is one series, written as a CounterVec child writes itself:
// its created timestamp is when its row was made.
type pointsSeries struct {
	c *PointsCounter
	r *targetRow
	i int
}

func (s pointsSeries) Desc() *prometheus.Desc { return s.c.desc }

func (s pointsSeries) Write(out *dto.Metric) error {
	v := math.Float64frombits(s.r.bits[s.c.k+s.i].Load())
	l := s.r.labels // kind, target, tier
	out.Label = []*dto.LabelPair{l[0], s.c.reasons[s.i], l[1], l[2]}
	out.Counter = &dto.Counter{Value: &v, CreatedTimestamp: s.r.created}
	return nil
}

func (s pointsSeries) Describe(ch chan<- *prometheus.Desc) { ch <- s.c.desc }

func (s pointsSeries) Collect(ch chan<- prometheus.Metric) { ch <- s }
