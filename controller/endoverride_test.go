package controller_test

import (
	"bytes"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/app"
	"github.com/prescale/prescale/controller/config"
	"github.com/prescale/prescale/internal/testkit"
)

// endApp is restApp's App over the data directory dir at the clock *now,
// closed by the caller; with data, the generated trace is stored first.
func endApp(t *testing.T, dir string, now *time.Time, data bool, logs *bytes.Buffer) (*app.App, http.Handler) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var log *slog.Logger
	if logs != nil {
		log = slog.New(slog.NewTextHandler(logs, nil))
	}
	a, err := app.New(restConfig(dir), app.Options{Registry: prometheus.NewRegistry(), Listener: ln, Now: func() time.Time { return *now }, Logger: log})
	require.NoError(t, err)
	if data {
		ts, vs := testkit.DailyTrace(576, 5*time.Minute, now.Add(-30*time.Second), 7)
		_, err = a.Store().AppendSeries(t.Context(), testkit.Demand("trace", "gen"), ts, vs)
		require.NoError(t, err)
	}
	return a, a.Handler()
}

// TestRESTEndManualOverride: DELETE /api/scaling/execute?target=web ends
// a manual override early. It needs the POST endpoints' token (401
// without or with a wrong one), answers 404 for an unknown target and 409
// while no override is in force, and 200 with the target's status
// (manual null) once one is ended. The end is persisted: after a restart
// before the next cycle, that cycle decides without the override (not
// manual) and its explanation's manual_ended names it and when it was
// cancelled; the status' manual stays null.
func TestRESTEndManualOverride(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2026, 3, 2, 12, 0, 30, 0, time.UTC)
	a, h := endApp(t, dir, &now, true, nil)
	require.NoError(t, a.Controller().ReconcileOnce(t.Context()))
	end := call{method: "DELETE", path: "/api/scaling/execute?target=web", token: restToken}

	code, body := do(t, h, end)
	require.Equal(t, 409, code, "no override yet: %v", body)
	require.Contains(t, body["error"], `no manual override in force for target "web"`)
	for _, tc := range []struct {
		c    call
		code int
	}{
		{call{method: "DELETE", path: end.path}, 401},
		{call{method: "DELETE", path: end.path, token: "nope"}, 401},
		{call{method: "DELETE", path: "/api/scaling/execute?target=db", token: restToken}, 404},
		{call{method: "DELETE", path: "/api/scaling/execute", token: restToken}, 400},
	} {
		code, body = do(t, h, tc.c)
		require.Equal(t, tc.code, code, "%v: %v", tc.c, body)
	}

	code, body = do(t, h, call{method: "POST", path: "/api/scaling/execute", token: restToken, body: `{"target":"web","units":9,"duration":"30m"}`})
	require.Equal(t, 200, code, "%v", body)
	require.NotNil(t, body["manual"])
	now = now.Add(time.Minute)
	cancelled := now
	code, body = do(t, h, end)
	require.Equal(t, 200, code, "%v", body)
	require.Equal(t, "web", body["target"])
	require.Nil(t, body["manual"], "ended: no override in force")
	code, body = do(t, h, end)
	require.Equal(t, 409, code, "ended already: %v", body)

	// Restart before the next cycle: the end was saved with the state.
	require.NoError(t, a.Close())
	var logs bytes.Buffer
	a, h = endApp(t, dir, &now, false, &logs)
	t.Cleanup(func() { require.NoError(t, a.Close()) })
	now = now.Add(time.Minute)
	_ = a.Controller().ReconcileOnce(t.Context())
	_, body = do(t, h, call{method: "GET", path: "/api/scaling/status"})
	st := body["targets"].([]any)[0].(map[string]any)
	require.Nil(t, st["manual"])
	ds := st["decisions"].([]any)
	last := ds[len(ds)-1].(map[string]any)
	require.NotEqual(t, "manual", last["reason"], "%v", last)
	ex := last["explanation"].(map[string]any)
	require.Equal(t, map[string]any{"units": 9.0, "until": "2026-03-02T12:30:30Z", "cancelled": cancelled.Format(time.RFC3339)}, ex["manual_ended"])
	// Its log line, as docs/api.md says: nothing was logged, and no webhook
	// line is sent while the units stay as they were.
	require.Contains(t, logs.String(), `msg="manual override of 9 units ended: cancelled by an operator at `+cancelled.Format(time.RFC3339)+`" target=web`)
	now = now.Add(time.Minute)
	_ = a.Controller().ReconcileOnce(t.Context())
	require.Equal(t, 1, strings.Count(logs.String(), "manual override of"), "logged once, by the first decision without it")
}

// TestRESTDeleteOffWithoutToken: DELETE is off without a token, as POST.
func TestRESTDeleteOffWithoutToken(t *testing.T) {
	_, h := restApp(t, func(c *config.Config) { c.APIToken = "" })
	code, body := do(t, h, call{method: "DELETE", path: "/api/scaling/execute?target=web", token: "anything"})
	require.Equal(t, 403, code)
	require.Contains(t, body["error"], "PRESCALE_API_TOKEN")
}
