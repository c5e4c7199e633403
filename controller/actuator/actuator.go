// Package actuator carries scaling decisions out of the controller: an
// Alertmanager-v4-format webhook, an exec command, and a simulated resource
// pool for demos (named as simulated everywhere it shows).
package actuator

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Action is one decision to carry out.
type Action struct {
	Target      string
	Tier        string
	Kind        string
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
}

// Actuator carries out actions. Act must not block for long: slow sinks
// queue the action and deliver it in the background.
type Actuator interface {
	Name() string
	Act(ctx context.Context, a Action) error
}

// Metrics are the per-receiver actuator metrics.
type Metrics struct {
	queue   *prometheus.GaugeVec
	sent    *prometheus.CounterVec
	failed  *prometheus.CounterVec
	dropped *prometheus.CounterVec
	retries *prometheus.CounterVec
	latency *prometheus.HistogramVec
}

// NewMetrics registers the actuator metrics on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		queue: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: "prescale", Subsystem: "actuator", Name: "queue_length",
			Help: "Actions waiting in the receiver's bounded queue.",
		}, []string{"receiver"}),
		sent: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "prescale", Subsystem: "actuator", Name: "sent_total",
			Help: "Actions delivered successfully by the receiver.",
		}, []string{"receiver"}),
		failed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "prescale", Subsystem: "actuator", Name: "failed_total",
			Help: "Actions the receiver gave up on after retries (or a 4xx).",
		}, []string{"receiver"}),
		dropped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "prescale", Subsystem: "actuator", Name: "dropped_total",
			Help: "Actions dropped because the receiver's queue was full.",
		}, []string{"receiver"}),
		retries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "prescale", Subsystem: "actuator", Name: "retries_total",
			Help: "Delivery attempts repeated after a 5xx or a timeout.",
		}, []string{"receiver"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "prescale", Subsystem: "actuator", Name: "delivery_duration_seconds",
			Help:    "Time to deliver one action, retries included.",
			Buckets: []float64{.005, .01, .05, .1, .5, 1, 5, 30},
		}, []string{"receiver"}),
	}
	if reg != nil {
		reg.MustRegister(m.queue, m.sent, m.failed, m.dropped, m.retries, m.latency)
	}
	return m
}

// init pre-creates a receiver's series at zero.
func (m *Metrics) initFor(receiver string) {
	if m == nil {
		return
	}
	m.queue.WithLabelValues(receiver)
	m.sent.WithLabelValues(receiver)
	m.failed.WithLabelValues(receiver)
	m.dropped.WithLabelValues(receiver)
	m.retries.WithLabelValues(receiver)
	m.latency.WithLabelValues(receiver)
}

// QueueStatus is a receiver's queue for /api/system/health.
type QueueStatus struct {
	Receiver string `json:"receiver"`
	Length   int    `json:"length"`
	Capacity int    `json:"capacity"`
	Sent     int64  `json:"sent"`
	Failed   int64  `json:"failed"`
	Dropped  int64  `json:"dropped"`
	LastErr  string `json:"last_error,omitempty"`
}

// Queued is implemented by actuators with a delivery queue.
type Queued interface {
	QueueStatus() QueueStatus
}

// Multi fans an action out to several actuators; every one is tried.
type Multi []Actuator

// Name implements Actuator.
func (m Multi) Name() string {
	s := ""
	for i, a := range m {
		if i > 0 {
			s += "+"
		}
		s += a.Name()
	}
	return s
}

// Act implements Actuator and returns the first error.
func (m Multi) Act(ctx context.Context, a Action) error {
	var first error
	for _, x := range m {
		if err := x.Act(ctx, a); err != nil && first == nil {
			first = err
		}
	}
	return first
}

var _ Actuator = Multi(nil)
