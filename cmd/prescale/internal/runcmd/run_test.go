package runcmd

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/api"
	"github.com/prescale/prescale/exporter"
	"github.com/prescale/prescale/internal/testkit"
)

func TestRunBadUsage(t *testing.T) {
	targets := filepath.Join(t.TempDir(), "targets.yml")
	require.NoError(t, os.WriteFile(targets, []byte("targets:\n  - {name: web, query: vector(1)}\n"), 0o600))
	trace := writeDemoTrace(t)
	testkit.RunExitCases(t, []testkit.ExitCase{
		// Each was read by nothing: no trace, or the file's entries as the targets.
		testkit.Exit("capacity without backfill", []string{"--capacity", "5"}, nil, 2, "prescale run: --capacity goes with --backfill (the replayed trace's capacity per unit)"),
		testkit.Exit("capacity with a targets file", []string{"--backfill", trace, "--capacity", "5"}, map[string]string{"PRESCALE_TARGETS_FILE": targets}, 2,
			"prescale run: --capacity: with PRESCALE_TARGETS_FILE the file's entries are the targets: give the entry reading the trace its capacity_per_unit"),
		testkit.Exit("help", []string{"-h"}, nil, 0, "PRESCALE_LISTEN"),
		testkit.Exit("bad flag", []string{"--nope"}, nil, 2, "flag provided but not defined: --nope"),
		testkit.Exit("extra argument", []string{"x"}, nil, 2, `prescale run: unexpected argument "x"`),
		testkit.Exit("missing trace", []string{"--backfill", "/nonexistent.csv"}, nil, 2, "--backfill"),
		// Accepted, and the replayed target wanted 2^31 units.
		testkit.Exit("capacity tiny", []string{"--capacity", "1e-300"}, nil, 2, "prescale run: --capacity must be 0 (the trace's 95th percentile / 5) or in [1e-09, 1e+15], the demand one unit serves in the trace's unit; got 1e-300"),
		testkit.Exit("capacity negative", []string{"--capacity", "-1"}, nil, 2, "prescale run: --capacity must be 0"),
		testkit.Exit("bad interval", nil, map[string]string{"PRESCALE_SCALING_INTERVAL": "0s"}, 2, "PRESCALE_SCALING_INTERVAL: must be at least 1s"),
		testkit.Exit("interval not a duration", nil, map[string]string{"PRESCALE_SCALING_INTERVAL": "soon"}, 2,
			`prescale run: bad configuration: PRESCALE_SCALING_INTERVAL: want a duration such as 30s, 5m, 1h30m or 14d, got "soon"`),
		testkit.Exit("exporter variable not a number", nil, map[string]string{"PRESCALE_APP_PORT": "eighty"}, 2,
			`prescale run: bad exporter configuration: PRESCALE_APP_PORT: want a whole number, got "eighty"`),
		testkit.Exit("remote Prometheus", nil, map[string]string{"PRESCALE_PROMETHEUS_URL": "http://localhost:9090"}, 2, "PRESCALE_PROMETHEUS_URL"),
	}, Run)
}

// TestE2EPrescaleRun starts the whole system in-process on loopback with a
// backfilled trace and checks that decisions for the host's CPU and for the
// trace appear, with forecasts, and that /metrics carries the exporter's and
// the controller's metrics together.
func TestE2EPrescaleRun(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test: skipped with -short")
	}
	dir := t.TempDir()
	ts, vs := testkit.DailyCycle(2*288, 1_700_000_000, 100, 50, 0, 0) // two days: a daily sine
	tracePath := testkit.WriteTrace(t, filepath.Join(dir, "demo.csv"), ts, vs)
	t.Setenv("PRESCALE_DATA_DIR", filepath.Join(dir, "data"))
	t.Setenv("PRESCALE_LISTEN", "127.0.0.1:0")
	t.Setenv("PRESCALE_SCRAPE_INTERVAL", "1s")
	t.Setenv("PRESCALE_SCALING_INTERVAL", "1s")
	t.Setenv("PRESCALE_HISTORY_WINDOW", "30h") // less than the 403 samples before the cut

	ctx, base, out, errb := startRun(t, []string{"--backfill", tracePath})
	// Only the window (30 h and one step: 361 or 362 samples, by where
	// the start falls in its step) is loaded, as one block, with progress
	// on stderr.
	testkit.Eventually(ctx, t, time.Minute, "start line logged", func() error {
		if !strings.Contains(errb.String(), `msg="prescale controller starting"`) {
			return fmt.Errorf("stderr so far: %q", errb.String())
		}
		return nil
	})
	startLine := regexp.MustCompile(`.*msg="prescale controller starting".*`).FindString(errb.String())
	for _, want := range []string{"mode=act", "actuator=simulated", `history="embedded-tsdb: embedded TSDB in `, `targets="host-cpu=`, "prescale_trace_demand"} {
		require.Contains(t, startLine, want)
	}
	// The targets file run writes holds the name and the queries: the
	// variables it took them from are no settings left unread.
	require.NotContains(t, errb.String(), "is set but unused")
	require.Regexp(t, `(?m)^prescale run: backfilled 36[12] samples`, out.String())
	require.Regexp(t, `backfilling 36[12] samples of .* \(4[23] older than PRESCALE_HISTORY_WINDOW=30h0m0s skipped\)`, errb.String())
	require.Regexp(t, `backfilled 36[12] samples as one block in`, errb.String())
	ents, err := os.ReadDir(filepath.Join(dir, "data", "tsdb"))
	require.NoError(t, err)
	blocks := 0
	for _, e := range ents {
		if e.IsDir() && len(e.Name()) == 26 { // a block's ULID
			blocks++
		}
	}
	require.Equal(t, 1, blocks)
	testkit.Eventually(ctx, t, time.Minute, "decisions for both targets", func() error {
		targets, err := scalingStatus(ctx, base)
		if err != nil {
			return err
		}
		if len(targets) != 2 {
			return fmt.Errorf("%d targets", len(targets))
		}
		for _, tg := range targets {
			if !tg.Simulated || len(tg.Decisions) == 0 {
				return fmt.Errorf("%s: no decision yet", tg.Target)
			}
			last := tg.Decisions[len(tg.Decisions)-1]
			if !last.Explanation.DataPresent {
				return fmt.Errorf("%s: no data yet (%s)", tg.Target, last.Reason)
			}
			if tg.Target == "trace" && last.Explanation.ForecastPoints == 0 {
				return fmt.Errorf("trace: no forecast")
			}
		}
		return nil
	})
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/metrics", nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	for _, name := range []string{"prescale_cpu_seconds_total", "prescale_desired_units", "prescale_simulated_pool_ready_units", "prometheus_tsdb_head_series"} {
		require.Contains(t, string(body), "\n"+name, name)
	}
}

// TestRunBusyListenFailsBeforeBackfill: a busy PRESCALE_LISTEN is reported
// (exit 2) before the trace is loaded, leaving the data directory empty.
func TestRunBusyListenFailsBeforeBackfill(t *testing.T) {
	dir := t.TempDir()
	tracePath := writeDemoTrace(t)
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer busy.Close()
	t.Setenv("PRESCALE_DATA_DIR", filepath.Join(dir, "data"))
	t.Setenv("PRESCALE_LISTEN", busy.Addr().String())
	var out, errb testkit.SyncBuffer
	code := runAtStart(t, []string{"--backfill", tracePath}, &out, &errb)
	require.Equal(t, 2, code, "stderr: %s", errb.String())
	require.Contains(t, errb.String(), fmt.Sprintf("prescale run: PRESCALE_LISTEN: cannot listen on %q: ", busy.Addr().String()))
	require.NotContains(t, errb.String(), "backfilling")
	require.NoDirExists(t, filepath.Join(dir, "data"))
}

// TestRunWarnsUnreadExporterSettings: the exporter's listen address,
// in-flight limit and log level are not read by prescale run (one listener,
// one log); each given a value is named at start. They were ignored without
// a word. One set to the empty string asks for nothing and is not named, as
// the controller's other set-but-unused warnings.
func TestRunWarnsUnreadExporterSettings(t *testing.T) {
	t.Setenv("PRESCALE_DATA_DIR", filepath.Join(t.TempDir(), "data"))
	t.Setenv("PRESCALE_EXPORTER_LISTEN", ":9110")
	t.Setenv("PRESCALE_EXPORTER_LOG_LEVEL", "debug")
	t.Setenv("PRESCALE_EXPORTER_MAX_IN_FLIGHT", "")
	t.Setenv("PRESCALE_STEP", "abc") // stop at start
	var out, errb testkit.SyncBuffer
	require.Equal(t, 2, runAtStart(t, nil, &out, &errb))
	require.Contains(t, errb.String(), "prescale run: warning: PRESCALE_EXPORTER_LISTEN is set but unused: PRESCALE_LISTEN,")
	require.Contains(t, errb.String(), "prescale run: warning: PRESCALE_EXPORTER_LOG_LEVEL is set but unused:")
	require.NotContains(t, errb.String(), "PRESCALE_EXPORTER_MAX_IN_FLIGHT")
}

// TestRunLeavesUnreadExporterSettingsUnread: the three exporter settings
// prescale run does not read stop it neither empty nor with a value the
// exporter alone would refuse; the exporter's other settings are still
// read and checked. It warned that they were unused, then exited 2 on
// "bad exporter configuration: PRESCALE_EXPORTER_MAX_IN_FLIGHT: want a
// whole number, got \"\"". A busy PRESCALE_LISTEN stops it after the
// exporter's settings are read.
func TestRunLeavesUnreadExporterSettingsUnread(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer busy.Close()
	t.Setenv("PRESCALE_DATA_DIR", filepath.Join(t.TempDir(), "data"))
	t.Setenv("PRESCALE_LISTEN", busy.Addr().String())
	t.Setenv("PRESCALE_EXPORTER_LISTEN", "")
	t.Setenv("PRESCALE_EXPORTER_LOG_LEVEL", "verbose")
	t.Setenv("PRESCALE_EXPORTER_MAX_IN_FLIGHT", "")
	var out, errb testkit.SyncBuffer
	require.Equal(t, 2, runAtStart(t, nil, &out, &errb))
	require.Contains(t, errb.String(), fmt.Sprintf("prescale run: PRESCALE_LISTEN: cannot listen on %q: ", busy.Addr().String()))
	require.NotContains(t, errb.String(), "bad exporter configuration")

	t.Setenv("PRESCALE_APP_PORT", "eighty") // read as before
	errb = testkit.SyncBuffer{}
	require.Equal(t, 2, runAtStart(t, nil, &out, &errb))
	require.Contains(t, errb.String(), `prescale run: bad exporter configuration: PRESCALE_APP_PORT: want a whole number, got "eighty"`)
}

// TestRunExporterConfigReadsTheRest: runExporterConfig reads every other
// exporter setting as prescale-exporter does (a duration, a number, a
// string), and leaves runUnread at their defaults, as every setting not set.
func TestRunExporterConfigReadsTheRest(t *testing.T) {
	t.Setenv("PRESCALE_APP_PORT", "8080")
	t.Setenv("PRESCALE_APP_PROBE_TIMEOUT", "3s")
	t.Setenv("PRESCALE_EXPORTER_DISK_DEVICES_EXCLUDE", "^x$")
	t.Setenv("PRESCALE_EXPORTER_LISTEN", ":1")
	t.Setenv("PRESCALE_EXPORTER_MAX_IN_FLIGHT", "3")
	cfg, err := runExporterConfig()
	require.NoError(t, err)
	want := exporter.DefaultConfig()
	want.AppPort, want.ProbeTimeout, want.DiskDevicesExclude = 8080, 3*time.Second, "^x$"
	require.Equal(t, want, cfg)
}

// runAtStart runs `prescale run args...` where it must stop at start (bad
// configuration, exit 2), with a deadline: a regression that starts the
// controller instead then fails the test after a minute, saying so, rather
// than running until go test's timeout (40 minutes in make test; a
// targets file with max_units below min_units, accepted, hung
// TestRunBadTargetsFile that way).
func runAtStart(t *testing.T, args []string, out, errb io.Writer) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	code := Run(ctx, args, out, errb)
	require.NoError(t, ctx.Err(), "prescale run did not stop at start; it ran until the test's deadline")
	return code
}

// getJSON decodes the JSON answer of a GET of url into v; an answer other
// than 200 is an error.
func getJSON(ctx context.Context, url string, v any) error {
	code, err := testkit.GetJSON(ctx, url, v)
	if code != 0 && code != http.StatusOK {
		return fmt.Errorf("%s: HTTP %d", url, code)
	}
	return err
}

// setRunTargets points prescale run at a targets file holding targets, a
// fresh data directory and a loopback listener, with a 5 s cycle on a 15 s
// step.
func setRunTargets(t *testing.T, targets []byte) {
	t.Helper()
	dir := t.TempDir()
	file := filepath.Join(dir, "targets.yml")
	require.NoError(t, os.WriteFile(file, targets, 0o600))
	t.Setenv("PRESCALE_DATA_DIR", filepath.Join(dir, "data"))
	t.Setenv("PRESCALE_LISTEN", "127.0.0.1:0")
	t.Setenv("PRESCALE_TARGETS_FILE", file)
	t.Setenv("PRESCALE_SCALING_INTERVAL", "5s")
	t.Setenv("PRESCALE_STEP", "15s")
}

// scalingStatus is GET /api/scaling/status's targets, in the API's types.
func scalingStatus(ctx context.Context, base string) ([]api.TargetStatus, error) {
	var st struct {
		Targets []api.TargetStatus `json:"targets"`
	}
	err := getJSON(ctx, base+"/api/scaling/status", &st)
	return st.Targets, err
}

// startRun runs `prescale run args...` until the test ends (it must then
// exit 0) and returns, once the URLs are printed, the test's context, the
// REST API's base URL and the command's outputs.
func startRun(t *testing.T, args []string) (ctx context.Context, base string, out, errb *testkit.SyncBuffer) {
	t.Helper()
	base, out, errb, stop := startRunStop(t, args)
	t.Cleanup(stop)
	return t.Context(), base, out, errb
}

// TestRunLongListenCut: a 5,000-byte PRESCALE_LISTEN holding spaces is
// repeated to at most redact.MaxEchoed bytes each time, as
// prescale-controller repeats it: net.Listen's error repeated its port
// whole (1,000 bytes of a 1,000-byte port).
func TestRunLongListenCut(t *testing.T) {
	t.Setenv("PRESCALE_DATA_DIR", filepath.Join(t.TempDir(), "data"))
	t.Setenv("PRESCALE_LISTEN", "127.0.0.1:"+strings.Repeat("Z ", 2500))
	var out, errb testkit.SyncBuffer
	require.Equal(t, 2, runAtStart(t, nil, &out, &errb), errb.String())
	require.Contains(t, errb.String(), `prescale run: PRESCALE_LISTEN: cannot listen on "127.0.0.1:Z Z Z`)
	require.Less(t, len(errb.String()), 600, errb.String())
}

// TestRunLongPathsCut: a path of 5,000 bytes holding spaces, given as a
// flag's value or in a variable, is repeated to at most redact.MaxEchoed
// bytes where the start error names it: it was repeated whole (the cut
// where the error is printed cuts a value only where it holds no white
// space).
func TestRunLongPathsCut(t *testing.T) {
	spaced := "/" + strings.Repeat("Z ", 2500)
	for _, tc := range []struct {
		name string
		args []string
		env  string
	}{
		{"--backfill", []string{"--backfill", spaced + "/t.csv"}, ""},
		{"--backfill=", []string{"--backfill=" + spaced + "/t.csv"}, ""},
		{"PRESCALE_TARGETS_FILE", nil, spaced + "/t.yml"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("PRESCALE_DATA_DIR", filepath.Join(t.TempDir(), "data"))
			t.Setenv("PRESCALE_LISTEN", "127.0.0.1:0")
			if tc.env != "" {
				t.Setenv("PRESCALE_TARGETS_FILE", tc.env)
			}
			var out, errb testkit.SyncBuffer
			require.Equal(t, 2, runAtStart(t, tc.args, &out, &errb), errb.String())
			require.Contains(t, errb.String(), spaced[:50])
			require.Less(t, len(errb.String()), 600, errb.String())
		})
	}
}
