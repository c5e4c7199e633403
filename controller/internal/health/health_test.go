package health

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/actuator"
)

var t0 = time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)

// A controller in order is ok, its parts healthy with no detail (no
// actuator here); before its first cycle the history, data and loop parts
// are not.
func TestOKAndBeforeTheFirstCycle(t *testing.T) {
	in := Input{Loop: Loop{Now: t0, Interval: time.Minute, Cycled: true, LastCycle: t0, HistoryUp: true},
		Targets: []Target{{Name: "web", Present: true}}}
	h := Of(in)
	require.Equal(t, "ok", h.Status)
	require.Len(t, h.Components, 4)
	for _, c := range h.Components {
		require.True(t, c.Healthy, c.Name)
		require.Empty(t, c.Detail, c.Name)
	}
	in.Cycled = false
	h = Of(in)
	require.Equal(t, "degraded", h.Status)
	require.Equal(t, "no cycle yet", h.Components[0].Detail)
	require.False(t, h.Components[1].Healthy)
	require.False(t, h.Components[2].Healthy)
	require.Zero(t, h.LoopAge)
}

// The target data part names at most five targets without data, then
// how many more; the loop part is unhealthy once its last cycle is more
// than 3.5 intervals old; the state file part while saves fail.
func TestUnhealthyParts(t *testing.T) {
	in := Input{Loop: Loop{Now: t0.Add(4 * time.Minute), Interval: time.Minute, Cycled: true, LastCycle: t0, HistoryUp: true}}
	for i := range 7 {
		in.Targets = append(in.Targets, Target{Name: fmt.Sprint("t", i), HistoryErr: map[bool]string{true: "stale"}[i == 0]})
	}
	in.Saves.Fail(slog.New(slog.DiscardHandler), t0, errors.New("disk full"), "not saved")
	in.Saved = t0.Add(-time.Minute) // the last save that succeeded, a cycle before
	h := Of(in)
	require.Equal(t, "degraded", h.Status)
	require.Equal(t, "no fresh data for 7 of 7 targets, decisions held: t0: stale; t1: no data; t2: no data; t3: no data; t4: no data; "+
		"and 2 more (GET /api/scaling/status has every target's history_error)", h.Components[1].Detail)
	require.Equal(t, "last cycle older than 3 intervals", h.Components[2].Detail)
	require.Equal(t, 4*time.Minute, h.LoopAge)
	require.False(t, h.Components[3].Healthy)
	require.Equal(t, "disk full", h.Components[3].LastError)
	// It said "not saved since 12:00:00", the first failed save: the file
	// a restart reads is the 11:59:00 one.
	require.Equal(t, "last saved 2026-03-02T11:59:00Z; saves failing since 2026-03-02T12:00:00Z (1 failed saves); decisions go on", h.Components[3].Detail)
}

// TestStaleLoopAloneDegrades: a loop whose last cycle is more than 3.5
// intervals old is unhealthy, and the report degraded, though every other
// part is healthy; at 3.5 intervals it is not yet.
func TestStaleLoopAloneDegrades(t *testing.T) {
	in := Input{Loop: Loop{Now: t0.Add(210 * time.Second), Interval: time.Minute, Cycled: true, LastCycle: t0, HistoryUp: true},
		Targets: []Target{{Name: "web", Present: true}}}
	h := Of(in)
	require.Equal(t, "ok", h.Status)
	require.True(t, h.Components[2].Healthy)
	in.Now = in.Now.Add(time.Nanosecond)
	h = Of(in)
	require.Equal(t, "degraded", h.Status)
	require.Equal(t, "loop", h.Components[2].Name)
	require.False(t, h.Components[2].Healthy)
	require.Equal(t, "last cycle older than 3 intervals", h.Components[2].Detail)
	for _, c := range []Component{h.Components[0], h.Components[1], h.Components[3]} {
		require.True(t, c.Healthy, c.Name)
	}
}

// TestOneTargetWithoutData: one target of two without fresh data is
// named, with no "more" (five are named before that).
func TestOneTargetWithoutData(t *testing.T) {
	in := Input{Loop: Loop{Now: t0, Interval: time.Minute, Cycled: true, LastCycle: t0, HistoryUp: true},
		Targets: []Target{{Name: "web", Present: true}, {Name: "api", HistoryErr: "stale"}}}
	h := Of(in)
	require.Equal(t, "degraded", h.Status)
	require.False(t, h.Components[1].Healthy)
	require.Equal(t, "no fresh data for 1 of 2 targets, decisions held: api: stale", h.Components[1].Detail)
}

// okDeliverer acknowledges every delivery.
type okDeliverer struct{}

func (okDeliverer) Name() string                                   { return "ok" }
func (okDeliverer) Deliver(context.Context, actuator.Action) error { return nil }

// TestActuatorLastOK: an actuator's last_ok is its latest
// acknowledgement over all its targets, whichever target is listed last.
func TestActuatorLastOK(t *testing.T) {
	now := t0
	l := actuator.NewLevel(okDeliverer{}, actuator.LevelConfig{Now: func() time.Time { return now }, Inline: true})
	const latest = 7
	for i := range 20 {
		now = t0.Add(time.Duration(i) * time.Minute)
		if i > latest {
			now = t0.Add(-time.Duration(i) * time.Minute) // acknowledged before the latest
		}
		require.NoError(t, l.Act(t.Context(), actuator.Action{Target: fmt.Sprint("t", i), Desired: 2}))
	}
	in := Input{Loop: Loop{Now: now, Interval: time.Minute, Cycled: true, LastCycle: now, HistoryUp: true}, Actuators: []*actuator.Level{l}}
	comps, _ := actuation(in.Actuators)
	require.Len(t, comps, 1)
	require.True(t, comps[0].Healthy)
	require.Equal(t, t0.Add(latest*time.Minute), comps[0].LastOK)
}

// downDeliverer refuses every delivery while down.
type downDeliverer struct{ down bool }

func (*downDeliverer) Name() string { return "hook" }
func (d *downDeliverer) Deliver(context.Context, actuator.Action) error {
	if d.down {
		return errors.New("HTTP 503")
	}
	return nil
}

// TestFailingActuator: an actuator failing to deliver is unhealthy, with
// its last error and, per failing target, the desired units, since when
// deliveries fail, how many failed, and what the receiver last
// acknowledged ("none" before any), targets separated by "; ".
func TestFailingActuator(t *testing.T) {
	now := t0
	d := &downDeliverer{}
	l := actuator.NewLevel(d, actuator.LevelConfig{Now: func() time.Time { return now }, Inline: true})
	require.NoError(t, l.Act(t.Context(), actuator.Action{Target: "api", Desired: 3}))
	d.down = true
	now = now.Add(time.Minute)
	require.Error(t, l.Act(t.Context(), actuator.Action{Target: "api", Desired: 5}))
	require.Error(t, l.Act(t.Context(), actuator.Action{Target: "web", Desired: 4}))
	comps, all := actuation([]*actuator.Level{l})
	require.Len(t, all, 2)
	require.Equal(t, []Component{{Name: "actuator hook", Healthy: false, LastOK: t0, LastError: "HTTP 503",
		Detail: "target api: 5 desired units not acknowledged, deliveries failing since 2026-03-02T12:01:00Z (1 failed attempts, acknowledged 3): HTTP 503; " +
			"target web: 4 desired units not acknowledged, deliveries failing since 2026-03-02T12:01:00Z (1 failed attempts, acknowledged none): HTTP 503"}}, comps)
}

// TestPendingActuatorHealthy: desired units not yet delivered (the
// delivery still to come, none failed) leave the actuator healthy.
func TestPendingActuatorHealthy(t *testing.T) {
	l := actuator.NewLevel(&downDeliverer{down: true}, actuator.LevelConfig{Now: func() time.Time { return t0 }})
	require.NoError(t, l.Act(t.Context(), actuator.Action{Target: "web", Desired: 4}), "delivered by Run, later")
	comps, all := actuation([]*actuator.Level{l})
	require.True(t, all[0].Pending)
	require.Equal(t, []Component{{Name: "actuator hook", Healthy: true}}, comps)
}

// A webhook receiver that hangs (on loopback, never answering within the
// attempt's timeout; its handler ends when the attempt gives up) makes
// the actuator degraded, and logs the WARN, once the first attempt has
// timed out, while the delivery retries: before, only once its 5th had
// (5 attempts of PRESCALE_WEBHOOK_TIMEOUT and the waits between, 57.5 s
// with the defaults).
func TestHangingReceiverReportedAfterTheFirstAttempt(t *testing.T) {
	stop := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body) // then the server sees the client go
		select {
		case <-r.Context().Done():
		case <-stop:
		}
	}))
	defer srv.Close()
	defer close(stop)
	retrying := make(chan time.Duration)
	w, err := actuator.NewWebhook(actuator.WebhookConfig{URL: srv.URL, Timeout: 50 * time.Millisecond,
		Wait: func(ctx context.Context, d time.Duration) error {
			retrying <- d
			<-ctx.Done()
			return ctx.Err()
		}}, nil)
	require.NoError(t, err)
	var logs bytes.Buffer
	l := actuator.NewLevel(w, actuator.LevelConfig{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	require.NoError(t, l.Act(t.Context(), actuator.Action{Target: "web", Desired: 3}))
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		defer close(done)
		l.Sync(ctx)
	}()
	require.Equal(t, 500*time.Millisecond, <-retrying) // the first attempt timed out; the second waits
	h := Of(Input{Loop: Loop{Now: t0, Interval: time.Minute, Cycled: true, LastCycle: t0, HistoryUp: true},
		Targets: []Target{{Name: "web", Present: true}}, Actuators: []*actuator.Level{l}})
	cancel()
	<-done
	require.Equal(t, "degraded", h.Status)
	comp := h.Components[len(h.Components)-1]
	require.Equal(t, "actuator webhook:prescale", comp.Name)
	require.False(t, comp.Healthy)
	require.Contains(t, comp.Detail, "(1 failed attempts, acknowledged none)")
	require.Contains(t, comp.LastError, "attempt 1 of 5, retried: no answer within 50ms (PRESCALE_WEBHOOK_TIMEOUT)")
	require.Equal(t, 1, strings.Count(logs.String(), "level=WARN"), logs.String())
	require.Contains(t, logs.String(), `level=WARN msg="actuation failing`)
}
