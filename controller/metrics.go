package controller

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/prescale/prescale/controller/internal/metrics"
	"github.com/prescale/prescale/controller/policy"
)

// Metrics are the controller's own metrics (controller/internal/metrics
// registers and publishes them; the list is in docs/metrics.md).
type Metrics = metrics.Metrics

// MetricsOption is an option of NewMetrics.
type MetricsOption = metrics.Option

// MetricsClock makes NewMetrics' counters read the time their per-target
// series are created at (their created timestamp, as a client_golang
// counter's is the time it was made), and a per-target gauge's
// SetToCurrentTime the time it sets, from now; nil, or without the
// option: time.Now.
func MetricsClock(now func() time.Time) MetricsOption { return metrics.WithClock(now) }

// NewMetrics registers the controller metrics on reg and pre-initialises
// every target's series (prescale_decisions_total for every direction and
// reason) at zero.
func NewMetrics(reg prometheus.Registerer, targets []policy.Target, opts ...MetricsOption) *Metrics {
	return metrics.New(reg, targets, opts...)
}
