package controller

import (
	"context"
	"log/slog"
	"os"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/policy"
	"github.com/prescale/prescale/controller/state"
	"github.com/prescale/prescale/internal/testkit"
)

// TestStateSaveFailureLogsOnce: while the state file cannot be written (the
// data directory gone; a full disk or a read-only remount alike) the
// controller logs one WARN when saves start failing, DEBUG at each cycle,
// never "cycle failed", shows it in health's "state file" component and
// counts it in prescale_state_save_failures_total; one INFO when a save
// succeeds again. It logged WARN "cycle failed" at every cycle (4 WARN in
// 20 s at a 5 s interval on a full tmpfs). A manual scaling made meanwhile
// answers its status, not the save's error (it is in effect).
func TestStateSaveFailureLogsOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		dir := t.TempDir()
		r := startLogged(t, testTarget, &fakeHistory{value: 35}, dir)
		defer r.stop()
		c, m, logs := r.c, r.m, r.logs
		require.Equal(t, "ok", c.Health().Status)

		require.NoError(t, os.RemoveAll(dir))
		advance(6 * time.Minute) // six cycles that cannot save
		out := logs.String()
		requireOneWarn(t, out, `level=WARN msg="state file not saved: retried at every save;`)
		require.Equal(t, 5, strings.Count(out, "level=DEBUG"), "%s", out)
		require.NotContains(t, out, "cycle failed")
		require.InDelta(t, 6, testutil.ToFloat64(m.StateSaveFail), 0)
		h := c.Health()
		require.Equal(t, "degraded", h.Status)
		comp := h.Components[3]
		require.Equal(t, "state file", comp.Name)
		require.False(t, comp.Healthy)
		require.Contains(t, comp.Detail, "(6 failed saves)")
		require.Contains(t, comp.LastError, "no such file or directory")

		// A manual scaling meanwhile is in effect: no error, though unsaved.
		snap, err := c.Override(t.Context(), "web", 7, time.Hour)
		require.NoError(t, err)
		require.Equal(t, 7, snap.State.Policy.LastDesired)
		require.Equal(t, 1, strings.Count(logs.String(), "level=WARN"), "still one WARN")

		require.NoError(t, os.Mkdir(dir, 0o700))
		advance(time.Minute)
		out = logs.String()
		require.Contains(t, out, `level=INFO msg="state file saved again" failing_for=6m0s failed_attempts=7`)
		require.Equal(t, "ok", c.Health().Status)
		_, err = os.Stat(dir + "/controller-state.json")
		require.NoError(t, err)
	})
}

// TestShutdownWithUnsavedStateLogsError: stopping while the state file
// cannot be written logs at ERROR that the next start resumes from an
// older save, and returns ErrStateNotSaved (the programs exit 1); the
// shutdown said only "stopped" (the failure's one WARN may be hours old).
// A stop with the state saved logs no ERROR.
func TestShutdownWithUnsavedStateLogsError(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		dir := t.TempDir()
		r := startLogged(t, testTarget, &fakeHistory{value: 35}, dir)
		advance(2 * time.Minute)
		saved := r.c.Health().Components[3].LastOK
		require.False(t, saved.IsZero())
		require.NoError(t, os.RemoveAll(dir))
		advance(3 * time.Minute)
		r.stop()
		err := r.c.SaveState() // no actuators: nothing new to save, but the last cycle's save failed
		require.ErrorIs(t, err, ErrStateNotSaved)
		require.ErrorContains(t, err, "no such file or directory")
		out := r.logs.String()
		require.Equal(t, 1, strings.Count(out, "level=ERROR"), out)
		require.Contains(t, out, `level=ERROR msg="stopping with the state file not saved: the next start resumes from its last save, and what was decided and acknowledged since is lost (cooldowns, last decisions, acknowledged units)" last_saved=`+saved.UTC().Format(time.RFC3339))
		require.Contains(t, out, "no such file or directory")
	})
	synctest.Test(t, func(t *testing.T) {
		r := startLogged(t, testTarget, &fakeHistory{value: 35}, t.TempDir())
		advance(2 * time.Minute)
		r.stop()
		require.NoError(t, r.c.SaveState())
		require.NotContains(t, r.logs.String(), "level=ERROR")
	})
}

// TestRestartedWithUnsavedStateNamesTheFileOnDisk: a controller restarted
// on a state file it then cannot write (a full disk) resumes, and a
// restart after it would again resume, from that file: health's "state
// file" and the shutdown's ERROR say it was last saved when that file was
// written. They said "last saved never" (tried on a full tmpfs), as if a
// restart would start without any state.
func TestRestartedWithUnsavedStateNamesTheFileOnDisk(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		dir := t.TempDir()
		r := startLogged(t, testTarget, &fakeHistory{value: 35}, dir)
		advance(2 * time.Minute)
		saved := r.c.Health().Components[3].LastOK
		require.False(t, saved.IsZero())
		r.stop()
		advance(time.Hour)

		logs := &testkit.SyncBuffer{}
		st, err := state.New(dir)
		require.NoError(t, err)
		deps := testDeps(&fakeHistory{value: 35}, confidentForecast, st, nil, time.Now)
		deps.Logger = slog.New(slog.NewTextHandler(logs, nil))
		c, err := New([]policy.Target{testTarget}, testOptions(ModeAct), deps) // loads the file
		require.NoError(t, err)
		require.NoError(t, os.RemoveAll(dir)) // every save fails from the first cycle on
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan struct{})
		go func() { _ = c.Run(ctx); close(done) }()
		advance(3 * time.Minute)
		at := saved.UTC().Format(time.RFC3339)
		comp := c.Health().Components[3]
		require.Contains(t, comp.Detail, "last saved "+at+";")
		require.True(t, saved.Equal(comp.LastOK), "last_ok %s, saved %s", comp.LastOK, saved)
		cancel()
		<-done
		err = c.SaveState()
		require.ErrorIs(t, err, ErrStateNotSaved)
		require.ErrorContains(t, err, "(last saved "+at+")")
		require.Contains(t, logs.String(), "last_saved="+at)
	})
}
