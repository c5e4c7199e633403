package metrics

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/prescale/prescale/controller/history"
)

// PointsCounter is prescale_history_points_dropped_total, by target, tier,
// kind and reason (history.LeftOutReasons): a count a reason (value i:
// reason i) in the targetSeries rows of the TargetGauges, so a target's
// label pairs are made once for all (a CounterVec child is about 700
// bytes a series).
type PointsCounter struct{ columns }

// pointsCounter returns a new PointsCounter over s (made, as its gauges,
// before any series).
func (s *targetSeries) pointsCounter(help string) *PointsCounter {
	reasons := make([]*dto.LabelPair, len(history.LeftOutReasons))
	for r, reason := range history.LeftOutReasons {
		reasons[r] = labelPair("reason", reason)
	}
	return &PointsCounter{s.columns("prescale_history_points_dropped_total", help, prometheus.CounterValue, reasons...)}
}

// init makes the series of every reason for the label values lv, at 0.
func (c *PointsCounter) init(lv []string) {
	r := c.s.row(lv, false)
	for i := range c.n {
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
			return cell{c: &c.columns, r: r, i: i}
		}
	}
	panic(fmt.Sprintf("metrics: reason %q is none of %v", reason, history.LeftOutReasons))
}
