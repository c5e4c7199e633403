package controller

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/prescale/prescale/controller/internal/metrics"
	"github.com/prescale/prescale/controller/policy"
)

// Metrics are the controller's own metrics (controller/internal/metrics
// registers and publishes them; the list is in docs/metrics.md).
type Metrics = metrics.Metrics

// NewMetrics registers the controller metrics on reg and pre-initialises
// every target's series (prescale_decisions_total for every direction and
// reason) at zero.
func NewMetrics(reg prometheus.Registerer, targets []policy.Target) *Metrics {
	return metrics.New(reg, targets)
}
