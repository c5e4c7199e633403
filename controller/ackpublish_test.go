package controller

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/actuator"
	"github.com/prescale/prescale/controller/engine"
	"github.com/prescale/prescale/controller/policy"
	"github.com/prescale/prescale/controller/state"
)

// ackController is a controller in act mode whose one actuator delivers
// to d in the background (as a webhook or a command does), with its Level.
func ackController(t *testing.T, d actuator.Deliverer) (*Controller, *actuator.Level) {
	t.Helper()
	now := fixtureStart
	return ackControllerFor(t, testTarget, &fakeHistory{value: 35}, d, &now)
}

// ackControllerFor is ackController for target tgt, history h and the
// clock now.
func ackControllerFor(t *testing.T, tgt policy.Target, h *fakeHistory, d actuator.Deliverer, now *time.Time) (*Controller, *actuator.Level) {
	t.Helper()
	return ackControllerWith(t, tgt, h, confidentForecast, d, now)
}

// ackControllerWith is ackControllerFor with the forecaster fc.
func ackControllerWith(t *testing.T, tgt policy.Target, h *fakeHistory, fc engine.Forecaster, d actuator.Deliverer, now *time.Time) (*Controller, *actuator.Level) {
	t.Helper()
	st, err := state.New(t.TempDir())
	require.NoError(t, err)
	deps := testDeps(h, fc, st, nil, func() time.Time { return *now })
	l := actuator.NewLevel(d, actuator.LevelConfig{Now: deps.Now})
	deps.Actuators = []*actuator.Level{l}
	ctl, err := New([]policy.Target{tgt}, testOptions(ModeAct), deps)
	require.NoError(t, err)
	return ctl, l
}

// A webhook's or a command's acknowledgement, arriving after the cycle's
// act phase, is published when it arrives: prescale_current_units, the
// cost per hour and the API's current_units and cost_per_hour show the
// 10 units acknowledged, not the 1 before them until the next cycle; the
// decision is not published (nor counted) again. Fails without the
// Level's OnAck: 1 where 10.
func TestAcknowledgementPublishedOnArrival(t *testing.T) {
	ctl, l := ackController(t, &recorder{})
	require.NoError(t, ctl.ReconcileOnce(t.Context()))
	m := ctl.d.Metrics
	lv := []string{"web", "web", "instances"}
	s := ctl.Snapshot().Targets[0]
	require.Equal(t, 10, s.Decision.Desired)
	require.Equal(t, 1, s.Current, "not acknowledged yet")
	gen := ctl.Generation()

	l.Sync(t.Context()) // the background delivery, acknowledged
	s = ctl.Snapshot().Targets[0]
	require.Equal(t, 10, s.Current, "the API's current_units")
	require.Equal(t, 10, s.Paid)
	require.InDelta(t, 10, testutil.ToFloat64(m.Current.WithLabelValues(lv...)), 0)
	require.InDelta(t, 5, testutil.ToFloat64(m.CostPerHour.WithLabelValues(lv...)), 1e-12)
	require.Greater(t, ctl.Generation(), gen, "the API's cached answers are stale")
	require.InDelta(t, 1, testutil.ToFloat64(m.Decisions.WithLabelValues("web", s.Decision.Direction(), string(s.Decision.Reason))), 0, "one decision counted")
	require.InDelta(t, 10, testutil.ToFloat64(m.Desired.WithLabelValues(lv...)), 0)

	require.NoError(t, ctl.ReconcileOnce(t.Context()))
	require.Equal(t, 10, ctl.Snapshot().Targets[0].Current, "the next cycle agrees")
}

// gated acknowledges each delivery once the test lets it through.
type gated struct{ release chan struct{} }

func (gated) Name() string { return "gated" }
func (g gated) Deliver(ctx context.Context, _ actuator.Action) error {
	select {
	case <-g.release:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// The acknowledgement of Run's delivery goroutine is published beside
// the API's readers (go test -race), polled with a deadline; without a
// next cycle it was never. Once the snapshot shows the 10 units, the
// cost gauge charges them: the metrics are set before the snapshot.
// Fails without the Level's OnAck; with the snapshot set first it failed
// in about 1 run in 6 (-count=50) on a loaded machine, 0.5 where 5.
func TestAcknowledgementPublishedFromRun(t *testing.T) {
	g := gated{release: make(chan struct{})}
	ctl, l := ackController(t, g)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { l.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	require.NoError(t, ctl.ReconcileOnce(ctx))
	require.Equal(t, 1, ctl.Snapshot().Targets[0].Current)
	close(g.release)
	deadline := time.Now().Add(10 * time.Second)
	for ctl.Snapshot().Targets[0].Current != 10 {
		require.True(t, time.Now().Before(deadline), "acknowledgement not published within 10s")
		runtime.Gosched()
	}
	require.InDelta(t, 5, testutil.ToFloat64(ctl.d.Metrics.CostPerHour.WithLabelValues("web", "web", "instances")), 1e-12)
}

// With a current_query the current units stay what it read, but the
// scale-up acknowledged after the cycle is paid for from its arrival
// (its units starting, watchLag timed from it): 5/h, not 0.5/h until the
// next cycle; the lag observed once the units serve runs from it, once.
func TestAcknowledgementPaidWithCurrentQuery(t *testing.T) {
	now := fixtureStart
	tgt := replicasTarget()
	h := &fakeHistory{value: 35}
	h.setQuery(tgt.CurrentQuery, 1)
	ctl, l := ackControllerFor(t, tgt, h, &recorder{}, &now)
	m := ctl.d.Metrics
	lv := []string{"web", "web", "instances"}
	require.NoError(t, ctl.ReconcileOnce(t.Context()))
	require.InDelta(t, 0.5, testutil.ToFloat64(m.CostPerHour.WithLabelValues(lv...)), 1e-12)

	now = now.Add(30 * time.Second)
	l.Sync(t.Context()) // acknowledged at 12:00:30
	s := ctl.Snapshot().Targets[0]
	require.Equal(t, 1, s.Current, "what current_query read")
	require.Equal(t, 10, s.Paid, "the units starting")
	require.InDelta(t, 5, testutil.ToFloat64(m.CostPerHour.WithLabelValues(lv...)), 1e-12)

	for _, replicas := range []float64{4, 10, 10} {
		now = now.Add(time.Minute)
		h.setQuery(tgt.CurrentQuery, replicas)
		require.NoError(t, ctl.ReconcileOnce(t.Context()))
	}
	var mm dto.Metric
	require.NoError(t, m.LagObserved.WithLabelValues(lv...).(prometheus.Metric).Write(&mm))
	require.Equal(t, uint64(1), mm.GetHistogram().GetSampleCount(), "one scale-up, one observation")
	require.InDelta(t, 120, mm.GetHistogram().GetSampleSum(), 0, "acknowledged at 12:00:30, seen at 12:02:30")
}
