package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale"
	"github.com/prescale/prescale/controller/config"
	"github.com/prescale/prescale/internal/clihelp"
	"github.com/prescale/prescale/internal/testkit"
)

func TestRunUsageAndBadConfig(t *testing.T) {
	emptyTier := filepath.Join(t.TempDir(), "targets.yml")
	require.NoError(t, os.WriteFile(emptyTier, []byte("targets:\n  - {name: web, tier: \"\", query: up}\n"), 0o600))
	testkit.RunExitCases(t, []testkit.ExitCase{
		testkit.Exit("help", []string{"-h"}, nil, 0, "PRESCALE_SCALING_INTERVAL"),
		testkit.Exit("version", []string{"--version"}, nil, 0, "prescale-controller, version "+prescale.Version()+" (branch: unknown, revision: "),
		testkit.Exit("version, one dash", []string{"-version"}, nil, 0, "go version:       "+runtime.Version()),
		testkit.Exit("version subcommand", []string{"version"}, nil, 0, "prescale-controller, version "+prescale.Version()),
		testkit.Exit("unknown argument", []string{"--listen=:1"}, nil, 2, `unknown argument "--listen=:1"`),
		testkit.Exit("long argument cut", []string{strings.Repeat("Z", 5000)}, nil, 2, `unknown argument "`+strings.Repeat("Z", 100)+`..." (configuration`),
		testkit.Exit("no query", nil, nil, 2, "PRESCALE_TARGET_QUERY: must be set"),
		testkit.Exit("bad query", nil, map[string]string{"PRESCALE_TARGET_QUERY": "sum("}, 2, `PRESCALE_TARGET_QUERY: invalid PromQL "sum("`),
		testkit.Exit("exec command JSON cut", nil, map[string]string{"PRESCALE_TARGET_QUERY": "up", "PRESCALE_ACTUATOR": "exec", "PRESCALE_EXEC_COMMAND": `["/bin/sh", "-c"`}, 2,
			`PRESCALE_EXEC_COMMAND: want comma-separated fields, or a JSON array of strings when it starts with '[' (unexpected end of JSON input), got "[\"/bin/sh\", \"-c\""`),
		// The exec actuator's quoted output hides secrets from 8 bytes.
		testkit.Exit("short API token", nil, map[string]string{"PRESCALE_TARGET_QUERY": "up", "PRESCALE_ACTUATOR": "exec", "PRESCALE_EXEC_COMMAND": "/bin/true", "PRESCALE_API_TOKEN": "s3cret7"}, 2,
			"PRESCALE_API_TOKEN: must be at least 8 bytes"),
		testkit.Exit("empty tier", nil, map[string]string{"PRESCALE_TARGET_QUERY": "up", "PRESCALE_TARGET_TIER": ""}, 2, "PRESCALE_TARGET_TIER: must not be empty"),
		testkit.Exit("empty kind", nil, map[string]string{"PRESCALE_TARGET_QUERY": "up", "PRESCALE_TARGET_KIND": ""}, 2, "PRESCALE_TARGET_KIND: must not be empty"),
		testkit.Exit("empty tier in the targets file", nil, map[string]string{"PRESCALE_TARGETS_FILE": emptyTier, "PRESCALE_LISTEN": "127.0.0.1:0", "PRESCALE_DATA_DIR": filepath.Join(t.TempDir(), "data")}, 2,
			`PRESCALE_TARGETS_FILE: targets[0] ("web"): tier must not be empty`),
		testkit.Exit("bad duration", nil, map[string]string{"PRESCALE_SCALING_INTERVAL": "soon"}, 2,
			`prescale-controller: bad configuration: PRESCALE_SCALING_INTERVAL: want a duration such as 30s, 5m, 1h30m or 14d, got "soon"`),
		testkit.Exit("bad log level", nil, map[string]string{"PRESCALE_LOG_LEVEL": "loud"}, 2,
			`prescale-controller: bad configuration: PRESCALE_LOG_LEVEL: want a log level: debug, info, warn or error, got "loud"`),
		testkit.Exit("bad mode", nil, map[string]string{"PRESCALE_TARGET_QUERY": "up", "PRESCALE_MODE": "maybe"}, 2, `PRESCALE_MODE: must be "act" or "forecast-only"`),
		testkit.Exit("webhook without URL", nil, map[string]string{"PRESCALE_TARGET_QUERY": "up", "PRESCALE_ACTUATOR": "webhook"}, 2, "PRESCALE_WEBHOOK_URL: must be set"),
		// Listed twice, an actuator registered its metrics twice: a panic.
		testkit.Exit("actuator twice", nil, map[string]string{"PRESCALE_TARGET_QUERY": "up", "PRESCALE_ACTUATOR": "simulated,simulated"}, 2, `PRESCALE_ACTUATOR: "simulated" is listed twice`),
		// 1.2 million points per target: no cycle finished in 50 s. Set,
		// the window is refused (unset, it is fitted: TestHistoryWindowFitsTheStep).
		testkit.Exit("history points", nil, map[string]string{"PRESCALE_TARGET_QUERY": "vector(1)", "PRESCALE_STEP": "1s", "PRESCALE_SCALING_INTERVAL": "10s", "PRESCALE_HISTORY_WINDOW": "336h"}, 2,
			"PRESCALE_HISTORY_WINDOW: 336h0m0s at PRESCALE_STEP=1s is 1209600 points per target, more than 20160"),
		testkit.Exit("bad Prometheus URL", nil, map[string]string{"PRESCALE_TARGET_QUERY": "up", "PRESCALE_PROMETHEUS_URL": "localhost", "PRESCALE_LISTEN": "127.0.0.1:0"}, 2, "PRESCALE_PROMETHEUS_URL"),
	}, run)
}

// TestSecretsNeverPrinted runs the controller with credentials in every
// URL and the API token, makes the history queries and a webhook fail
// (the paths that format URLs into errors and logs), calls the API with
// the token, and checks that no secret reaches stdout, stderr or an API
// answer.
func TestSecretsNeverPrinted(t *testing.T) {
	prom, hook := testkit.FreeAddr(t), testkit.FreeAddr(t)
	dataDir := t.TempDir()
	t.Setenv("PRESCALE_DATA_DIR", dataDir)
	t.Setenv("PRESCALE_LISTEN", "127.0.0.1:0")
	t.Setenv("PRESCALE_TARGET_QUERY", "up")
	t.Setenv("PRESCALE_SCALING_INTERVAL", "1s")
	t.Setenv("PRESCALE_PROMETHEUS_URL", "http://user:SECRET1@"+prom+"/?token=SECRET2")
	t.Setenv("PRESCALE_ACTUATOR", "webhook")
	t.Setenv("PRESCALE_WEBHOOK_URL", "http://user:SECRET3@"+hook+"/hook?key=SECRET4")
	t.Setenv("PRESCALE_WEBHOOK_TIMEOUT", "1s")
	t.Setenv("PRESCALE_WEBHOOK_MAX_ATTEMPTS", "1")
	t.Setenv("PRESCALE_API_TOKEN", "SECRET5token")
	var out, errb testkit.SyncBuffer
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan int, 1)
	go func() { done <- run(ctx, nil, &out, &errb) }()

	base := ""
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for !ok() {
			require.True(t, time.Now().Before(deadline), "waiting for %s; stderr:\n%s", what, errb.String())
			select {
			case code := <-done:
				t.Fatalf("controller exited with %d: %s", code, errb.String())
			case <-time.After(20 * time.Millisecond):
			}
		}
	}
	waitFor("the listening line", func() bool {
		_, rest, ok := strings.Cut(errb.String(), `"prescale-controller listening" url=`)
		if ok {
			base, _, _ = strings.Cut(rest, " ")
		}
		return ok
	})
	waitFor("the history outage", func() bool { return strings.Contains(errb.String(), "history source down") })

	// A second controller on the same data directory exits 2 naming it and
	// the holder's pid (it exited 1 from the TSDB's lock, or shared the
	// state file with a remote Prometheus).
	var out2, errb2 testkit.SyncBuffer
	require.Equal(t, 2, run(t.Context(), nil, &out2, &errb2), errb2.String())
	require.Contains(t, errb2.String(), fmt.Sprintf("PRESCALE_DATA_DIR: %s is in use by another prescale process (pid %d)", dataDir, os.Getpid()))

	answers := testkit.PostJSON(t, base+"/api/scaling/execute", "SECRET5token", `{"target":"default","units":2}`)
	waitFor("the failing webhook", func() bool { return strings.Contains(errb.String(), "actuation failing") })

	for _, path := range []string{"/api/system/health", "/api/scaling/status", "/api/verification", "/metrics"} {
		resp, err := http.Get(base + path)
		require.NoError(t, err)
		b, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		answers += string(b)
	}
	cancel()
	require.Equal(t, 0, <-done, errb.String())
	require.Contains(t, errb.String(), `msg="prescale-controller stopped"`, "a clean stop is logged")
	all := out.String() + errb.String() + answers
	require.Contains(t, all, "REDACTED", "the URLs are shown, redacted")
	require.NotContains(t, all, "SECRET")
}

func TestHelpFitsAndIsGrouped(t *testing.T) {
	var out, errb bytes.Buffer
	require.Equal(t, 0, run(t.Context(), []string{"-h"}, &out, &errb))
	help := out.String()
	require.Empty(t, clihelp.Problems(help, clihelp.Vars(config.EnvPrefix, config.Config{})))
	require.Contains(t, help, "PRESCALE_ACTUATOR (default none)")
}

// TestBusyListenLeavesNoDataDir: a PRESCALE_LISTEN address already in use
// exits 2 naming it, and leaves nothing in the data directory (the lock
// file, and the directory it had created, stayed behind).
func TestBusyListenLeavesNoDataDir(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer busy.Close()
	data := filepath.Join(t.TempDir(), "data")
	t.Setenv("PRESCALE_DATA_DIR", data)
	t.Setenv("PRESCALE_LISTEN", busy.Addr().String())
	t.Setenv("PRESCALE_TARGET_QUERY", "vector(1)")
	var out, errb testkit.SyncBuffer
	require.Equal(t, 2, run(t.Context(), nil, &out, &errb), errb.String())
	require.Contains(t, errb.String(), fmt.Sprintf("PRESCALE_LISTEN: cannot listen on %q: ", busy.Addr().String()))
	require.Contains(t, errb.String(), "address already in use")
	_, err = os.Stat(data)
	require.ErrorIs(t, err, os.ErrNotExist, "the data directory was created")
}

// TestHistoryWindowFitsTheStep: PRESCALE_STEP=15s with
// PRESCALE_HISTORY_WINDOW unset starts with a window of 20160 steps
// (84h), as prescale run does, and says so once; it exited 2 (336h is
// 80640 points per target). Set to 336h it still exits 2 (the "history
// points" case above).
func TestHistoryWindowFitsTheStep(t *testing.T) {
	t.Setenv("PRESCALE_DATA_DIR", filepath.Join(t.TempDir(), "data"))
	t.Setenv("PRESCALE_LISTEN", "127.0.0.1:0")
	t.Setenv("PRESCALE_TARGET_QUERY", "vector(1)")
	t.Setenv("PRESCALE_STEP", "15s")
	ctx, cancel := context.WithCancel(t.Context())
	cancel() // started, then stopped at once: the start is what is checked
	var out, errb testkit.SyncBuffer
	require.Equal(t, 0, run(ctx, nil, &out, &errb), errb.String())
	line := `msg="PRESCALE_HISTORY_WINDOW unset: its default holds more than the points limit at this PRESCALE_STEP, so the window is the longest within it" window=84h0m0s step=15s default=336h0m0s max_points=20160`
	require.Equal(t, 1, strings.Count(errb.String(), line), errb.String())

	t.Setenv("PRESCALE_STEP", "1m") // 336h fits: nothing said
	var errb2 testkit.SyncBuffer
	require.Equal(t, 0, run(ctx, nil, &out, &errb2), errb2.String())
	require.NotContains(t, errb2.String(), "PRESCALE_HISTORY_WINDOW unset")
}

// TestShutdownWithStateUnsavedExitsOne: a shutdown whose last state save
// fails (the state file a link into a directory that is gone, as a
// volume unmounted under it; a full disk alike) exits 1 after the ERROR
// saying so, so systemd and Kubernetes see it; it exited 0. The same
// shutdown with the file saved exits 0.
func TestShutdownWithStateUnsavedExitsOne(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	t.Setenv("PRESCALE_DATA_DIR", dir)
	t.Setenv("PRESCALE_LISTEN", "127.0.0.1:0")
	t.Setenv("PRESCALE_TARGET_QUERY", "vector(1)")
	t.Setenv("PRESCALE_ACTUATOR", config.ActuatorSimulated) // saved at shutdown
	ctx, cancel := context.WithCancel(t.Context())
	cancel() // started, then stopped at once: the shutdown's save is what is checked
	var out, errb testkit.SyncBuffer
	require.Equal(t, 0, run(ctx, nil, &out, &errb), errb.String())
	require.FileExists(t, filepath.Join(dir, "controller-state.json"))

	require.NoError(t, os.Remove(filepath.Join(dir, "controller-state.json")))
	require.NoError(t, os.Symlink(filepath.Join(t.TempDir(), "gone", "controller-state.json"), filepath.Join(dir, "controller-state.json")))
	errb = testkit.SyncBuffer{}
	require.Equal(t, 1, run(ctx, nil, &out, &errb), errb.String())
	require.Contains(t, errb.String(), `level=ERROR msg="stopping with the state file not saved`)
	require.Contains(t, errb.String(), `level=ERROR msg="prescale-controller stopped" err="state file not saved at shutdown (last saved never): state: `)
	require.NotContains(t, errb.String(), `level=INFO msg="prescale-controller stopped"`)
}

// TestCorruptStateFileExitsTwo: a state file that is JSON but holds a
// value of the wrong kind (edited by hand) stops the start with exit 2,
// naming the file, the value's JSON path and position, and saying to
// move it aside; the message named Go types (`Go struct field
// File.targets.plainTarget.cost_today of type float64`).
func TestCorruptStateFileExitsTwo(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	state := filepath.Join(dir, "controller-state.json")
	require.NoError(t, os.WriteFile(state, []byte(`{"version":1,"targets":{"web":{"cost_today":"12.5"}}}`), 0o600))
	t.Setenv("PRESCALE_DATA_DIR", dir)
	t.Setenv("PRESCALE_LISTEN", "127.0.0.1:0")
	t.Setenv("PRESCALE_TARGET_QUERY", "vector(1)")
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	var out, errb testkit.SyncBuffer
	require.Equal(t, 2, run(ctx, nil, &out, &errb), errb.String())
	require.Contains(t, errb.String(), state+`: targets["web"].cost_today (line 1, column 45, byte offset 44): want a number, got "12.5"; move it aside to start without it`)
	require.NotContains(t, errb.String(), "Go struct")
}

// TestConfigureReadsPrefixedVariablesOnly: a variable without the
// PRESCALE_ prefix is not read in its stead (envconfig's fallback): a
// PROMETHEUS_URL set for another program made the controller read its
// history from that server instead of its embedded store, and a bare STEP
// changed its grid.
func TestConfigureReadsPrefixedVariablesOnly(t *testing.T) {
	t.Setenv("PRESCALE_TARGET_QUERY", "vector(1)")
	t.Setenv("PROMETHEUS_URL", "http://other.example:9090")
	t.Setenv("STEP", "15s")
	var errb strings.Builder
	cfg, _, code := configure(&errb)
	require.Equal(t, 0, code, errb.String())
	require.Empty(t, cfg.PrometheusURL)
	require.Equal(t, 5*time.Minute, cfg.Step, "the default")
}

// TestLongPathsCut: a PRESCALE_TARGETS_FILE of 5,000 bytes that does not
// open, with or without spaces, is repeated to at most 100 bytes, as
// prescale run repeats it: the error was printed as it came (5,000 bytes
// of path).
func TestLongPathsCut(t *testing.T) {
	for _, long := range []string{strings.Repeat("Z", 5000), strings.Repeat("Z ", 2500)} {
		t.Setenv("PRESCALE_DATA_DIR", filepath.Join(t.TempDir(), "data"))
		t.Setenv("PRESCALE_LISTEN", "127.0.0.1:0")
		t.Setenv("PRESCALE_TARGETS_FILE", "/"+long+"/t.yml")
		var out, errb testkit.SyncBuffer
		require.Equal(t, 2, run(t.Context(), nil, &out, &errb), errb.String())
		require.Contains(t, errb.String(), "prescale-controller: PRESCALE_TARGETS_FILE: open /"+long[:50])
		require.Less(t, len(errb.String()), 600, errb.String())
	}
}
