package actuator

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/require"
)

// histogram is the delivery duration histogram of a receiver.
func histogram(t *testing.T, m *Metrics, receiver string) *dto.Histogram {
	t.Helper()
	var pb dto.Metric
	h, ok := m.latency.WithLabelValues(receiver).(prometheus.Histogram)
	require.True(t, ok)
	require.NoError(t, h.Write(&pb))
	return pb.GetHistogram()
}

// TestDeliveryDurationReadsTheInjectedClock: a delivery's time in
// prescale_actuator_delivery_duration_seconds is read on the clock the
// actuator is given (the controller's), as the rest of the controller's
// times are: a webhook delivery of two attempts of 3 s each (the receiver
// moving the clock) and the 0.5 s wait between them (Wait moving it)
// observes 6.5 s; a command during which the clock moves 25 s observes
// 25 s. Both were read on the real clock: a few milliseconds.
func TestDeliveryDurationReadsTheInjectedClock(t *testing.T) {
	t.Run("webhook", func(t *testing.T) {
		now := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
		rcv := &fakeReceiver{now: &now, took: 3 * time.Second, status: http.StatusInternalServerError}
		m := NewMetrics(prometheus.NewRegistry())
		w, err := NewWebhook(WebhookConfig{URL: "http://receiver.invalid/hook", Receiver: "r1", MaxAttempts: 2,
			Client: &http.Client{Transport: rcv}, Now: func() time.Time { return now },
			Wait: func(_ context.Context, d time.Duration) error { now = now.Add(d); return nil }}, m)
		require.NoError(t, err)
		require.ErrorContains(t, w.Deliver(t.Context(), testAction), "HTTP 500")
		h := histogram(t, m, "r1")
		require.Equal(t, uint64(1), h.GetSampleCount())
		require.InDelta(t, 6.5, h.GetSampleSum(), 0)
	})
	t.Run("exec", func(t *testing.T) {
		now := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
		m := NewMetrics(prometheus.NewRegistry())
		e, err := NewExec([]string{"true"}, time.Minute, m)
		require.NoError(t, err)
		reads := 0
		e.Clock(func() time.Time { // 25 s pass between two reads: during the command
			reads++
			if reads%2 == 0 {
				now = now.Add(25 * time.Second)
			}
			return now
		})
		require.NoError(t, e.Deliver(t.Context(), testAction))
		h := histogram(t, m, "exec")
		require.Equal(t, uint64(1), h.GetSampleCount())
		require.InDelta(t, 25, h.GetSampleSum(), 0)
		require.Equal(t, 2, reads)
	})
}
