package health

import (
	"errors"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

var t0 = time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)

// A controller in order is ok, its parts healthy (no actuator here); before its first
// cycle the history, data and loop parts are not.
func TestOKAndBeforeTheFirstCycle(t *testing.T) {
	in := Input{Loop: Loop{Now: t0, Interval: time.Minute, Cycled: true, LastCycle: t0, HistoryUp: true},
		Targets: []Target{{Name: "web", Present: true}}}
	h := Of(in)
	require.Equal(t, "ok", h.Status)
	require.Len(t, h.Components, 4)
	for _, c := range h.Components {
		require.True(t, c.Healthy, c.Name)
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
	h := Of(in)
	require.Equal(t, "degraded", h.Status)
	require.Equal(t, "no fresh data for 7 of 7 targets, decisions held: t0: stale; t1: no data; t2: no data; t3: no data; t4: no data; "+
		"and 2 more (GET /api/scaling/status has every target's history_error)", h.Components[1].Detail)
	require.Equal(t, "last cycle older than 3 intervals", h.Components[2].Detail)
	require.Equal(t, 4*time.Minute, h.LoopAge)
	require.False(t, h.Components[3].Healthy)
	require.Equal(t, "disk full", h.Components[3].LastError)
	require.Contains(t, h.Components[3].Detail, "not saved since 2026-03-02T12:00:00Z (1 failed saves)")
}
