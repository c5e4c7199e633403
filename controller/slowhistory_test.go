package controller

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/history"
	"github.com/prescale/prescale/controller/policy"
)

// stalledHistory answers as h once release is closed; until then every
// query reports on started and waits (a history source past its answer
// time).
type stalledHistory struct {
	h       *fakeHistory
	started chan struct{}
	release chan struct{}
}

func (s stalledHistory) QueryRange(ctx context.Context, q string, start, end time.Time, step time.Duration) (history.Series, error) {
	select {
	case s.started <- struct{}{}:
	default:
	}
	select {
	case <-s.release:
	case <-ctx.Done():
		return history.Series{}, ctx.Err()
	}
	return s.h.QueryRange(ctx, q, start, end, step)
}

// TestManualScalingDuringSlowHistory: a manual scaling made while a cycle
// waits for a slow history source is decided, acted on and saved at once,
// and the cycle then decides with it (reason manual). It waited for the
// cycle's queries (13 s behind an 8 s query through a delaying proxy;
// with PRESCALE_QUERY_TIMEOUT's default 30 s, past the API's write
// timeout).
func TestManualScalingDuringSlowHistory(t *testing.T) {
	now := fixtureStart
	f := newFixture(t, t.TempDir(), &fakeHistory{value: 35}, confidentForecast, ModeAct, &now)
	require.NoError(t, f.c.ReconcileOnce(t.Context()))
	stalled := stalledHistory{h: f.h, started: make(chan struct{}, 1), release: make(chan struct{})}
	f.c.d.History = stalled
	now = now.Add(time.Minute)
	cycle := make(chan error, 1)
	go func() { cycle <- f.c.ReconcileOnce(t.Context()) }()
	<-stalled.started

	overridden := make(chan error, 1)
	go func() {
		_, err := f.c.Override(t.Context(), "web", 7, time.Hour)
		overridden <- err
	}()
	select {
	case err := <-overridden:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		close(stalled.release)
		t.Fatal("the manual scaling waited for the cycle's history queries")
	}
	acts := f.act.actions()
	require.Equal(t, 7, acts[len(acts)-1].Desired, "acted on at once")

	close(stalled.release)
	require.NoError(t, <-cycle)
	ds := f.c.Snapshot().Targets[0].State.Decisions
	require.Equal(t, policy.ReasonManual, ds[len(ds)-1].Reason, "the cycle decides with the manual scaling")
	require.Equal(t, 7, ds[len(ds)-1].Desired)
}

// TestShutdownDuringQueriesDecidesNothing: a cycle whose history queries
// are cut short by shutdown (SIGTERM while it waits for the source) ends
// without deciding or saving: its queries failed because prescale is
// stopping, not because the source is down. It decided no_data and saved
// an outage hold, a scale-down floor for the stabilisation window after
// the restart, at every shutdown that came during a query.
func TestShutdownDuringQueriesDecidesNothing(t *testing.T) {
	now := fixtureStart
	f := newFixture(t, t.TempDir(), &fakeHistory{value: 35}, confidentForecast, ModeAct, &now)
	require.NoError(t, f.c.ReconcileOnce(t.Context()))
	before := f.c.Snapshot().Targets[0].State
	saved, err := os.ReadFile(f.c.d.State.Path())
	require.NoError(t, err)
	stalled := stalledHistory{h: f.h, started: make(chan struct{}, 1), release: make(chan struct{})}
	f.c.d.History = stalled
	now = now.Add(time.Minute)
	ctx, cancel := context.WithCancel(t.Context())
	cycle := make(chan error, 1)
	go func() { cycle <- f.c.ReconcileOnce(ctx) }()
	<-stalled.started
	cancel()
	require.ErrorIs(t, <-cycle, context.Canceled)
	after := f.c.Snapshot().Targets[0].State
	require.Len(t, after.Decisions, len(before.Decisions), "no decision: %+v", after.Decisions[len(after.Decisions)-1])
	require.Zero(t, after.Policy.OutageHold)
	again, err := os.ReadFile(f.c.d.State.Path())
	require.NoError(t, err)
	require.Equal(t, string(saved), string(again), "the state file is not written")
}
