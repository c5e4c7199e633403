package metrics

import (
	"math"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
)

// TargetGauge is a gauge by target, tier and kind (targetLabels): what a
// prometheus.GaugeVec of those labels exposes, held in its targetSeries.
type TargetGauge struct{ columns }

// gauge returns a new TargetGauge over s; all are made before any series.
func (s *targetSeries) gauge(name, help string) *TargetGauge {
	return &TargetGauge{s.columns("prescale_"+name, help, prometheus.GaugeValue)}
}

// WithLabelValues returns the series of lv (target, tier, kind), made at 0
// if it does not exist, as prometheus.GaugeVec does.
func (g *TargetGauge) WithLabelValues(lv ...string) prometheus.Gauge {
	r := g.s.row(lv, false)
	r.made[g.k].Store(true)
	return targetGaugeSeries{cell{c: &g.columns, r: r}}
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

// targetGaugeSeries is one series: a prometheus.Gauge.
type targetGaugeSeries struct{ cell }

// Set sets the value.
func (s targetGaugeSeries) Set(v float64) { s.bits().Store(math.Float64bits(v)) }

// Add adds v (negative: subtracts).
func (s targetGaugeSeries) Add(v float64) { addBits(s.bits(), v) }

// addBits adds v to the float64 whose bits b holds.
func addBits(b *atomic.Uint64, v float64) {
	for {
		old := b.Load()
		if b.CompareAndSwap(old, math.Float64bits(math.Float64frombits(old)+v)) {
			return
		}
	}
}

func (s targetGaugeSeries) Sub(v float64) { s.Add(-v) }
func (s targetGaugeSeries) Inc()          { s.Add(1) }
func (s targetGaugeSeries) Dec()          { s.Add(-1) }

// SetToCurrentTime sets the value to the Unix time in seconds of the
// injected clock (WithClock; time.Now without it).
func (s targetGaugeSeries) SetToCurrentTime() { s.Set(float64(orNow(s.c.s.now)().UnixNano()) / 1e9) }
