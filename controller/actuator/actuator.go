// Package actuator carries scaling decisions out of the controller: an
// Alertmanager-v4-format webhook and an exec command, each behind a Level
// that keeps delivering the current desired units; the simulated resource
// pool for demos is package simulated.
package actuator

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Action is one decision to carry out.
type Action struct {
	Target string
	Tier   string
	Kind   string
	// Current is the units the target had when the decision was made
	// (before it: a notification says from what to what), Desired those
	// it decided.
	Current     int
	Desired     int
	Direction   string // "up", "down" or "none"
	Reason      string
	Explanation string
	Confidence  float64
	Forecast    float64
	Upper       float64
	CostPerHour float64
	At          time.Time
	// replaced is closed by the Level when the target's desired units
	// change while this action is being delivered: a deliverer that
	// retries (the webhook) stops retrying it, so that the new units are
	// sent at once instead of after this one's attempts. nil: never.
	replaced <-chan struct{}
	// attemptFailed is called by a deliverer that retries (the webhook)
	// with each failed attempt it retries, so that the Level reports the
	// receiver failing at once, not after the delivery's last attempt.
	// nil: not told.
	attemptFailed func(error)
}

// failedAttempt tells the Level that an attempt of a's delivery failed
// with err and is retried (the last attempt's failure is the delivery's).
func (a Action) failedAttempt(err error) {
	if a.attemptFailed != nil {
		a.attemptFailed(err)
	}
}

// attemptReported marks a delivery's error that is an attempt's failure
// already reported (failedAttempt): its wait for the next attempt was cut
// short by new desired units. The Level records the error without
// counting the attempt a second time.
type attemptReported struct{ error }

func (e attemptReported) Unwrap() error { return e.error }

// isReplaced reports whether the target's desired units changed since
// the Level started delivering a.
func (a Action) isReplaced() bool {
	if a.replaced == nil {
		return false
	}
	select {
	case <-a.replaced:
		return true
	default:
		return false
	}
}

// Metrics are the per-receiver actuator metrics and the per-target
// actuation state.
type Metrics struct {
	pending *prometheus.GaugeVec
	sent    *prometheus.CounterVec
	failed  *prometheus.CounterVec
	retries *prometheus.CounterVec
	latency *prometheus.HistogramVec
}

// NewMetrics registers the actuator metrics on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		pending: gaugeVec("", "actuation_pending",
			"1 while the actuator has not acknowledged the target's current desired units (being delivered, or failing and re-sent with backoff), else 0.",
			"target", "actuator"),
		sent:    counterVec("actuator", "sent_total", "Actions delivered successfully by the receiver.", "receiver"),
		failed:  counterVec("actuator", "failed_total", "Deliveries that failed after their attempts (or a 4xx other than 429); the current desired units are re-sent later.", "receiver"),
		retries: counterVec("actuator", "retries_total", "Delivery attempts repeated after a 5xx, a 429, a timeout or a connection error (a receiver not listening).", "receiver"),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "prescale", Subsystem: "actuator", Name: "delivery_duration_seconds",
			Help:    "Time to deliver one action, retries included.",
			Buckets: []float64{.005, .01, .05, .1, .5, 1, 5, 30},
		}, []string{"receiver"}),
	}
	if reg != nil {
		reg.MustRegister(m.pending, m.sent, m.failed, m.retries, m.latency)
	}
	return m
}

// counterVec and gaugeVec build the actuators' series (prescale_ namespace).
func counterVec(subsystem, name, help string, labels ...string) *prometheus.CounterVec {
	return prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "prescale", Subsystem: subsystem, Name: name, Help: help}, labels)
}

func gaugeVec(subsystem, name, help string, labels ...string) *prometheus.GaugeVec {
	return prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: "prescale", Subsystem: subsystem, Name: name, Help: help}, labels)
}

// initFor pre-creates a receiver's series at zero.
func (m *Metrics) initFor(receiver string) {
	if m == nil {
		return
	}
	m.sent.WithLabelValues(receiver)
	m.failed.WithLabelValues(receiver)
	m.retries.WithLabelValues(receiver)
	m.latency.WithLabelValues(receiver)
}
