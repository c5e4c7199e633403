package runcmd

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/internal/apitoken"
	"github.com/prescale/prescale/internal/testkit"
)

// startRunStop starts prescale run in-process with args and returns its base
// URL and a stop function that checks the exit code.
func startRunStop(t *testing.T, args []string) (base string, out, errb *testkit.SyncBuffer, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	out, errb = &testkit.SyncBuffer{}, &testkit.SyncBuffer{}
	done := make(chan int, 1)
	go func() { done <- Run(ctx, args, out, errb) }()
	re := regexp.MustCompile(`REST API\s+(http://\S+)/api/scaling/status`)
	testkit.Eventually(ctx, t, time.Minute, "URLs printed", func() error {
		select {
		case code := <-done:
			done <- code
			return fmt.Errorf("exited with %d: %s", code, errb.String())
		default:
		}
		m := re.FindStringSubmatch(out.String())
		if m == nil {
			return fmt.Errorf("stdout so far: %q", out.String())
		}
		base = m[1]
		return nil
	})
	return base, out, errb, func() {
		cancel()
		require.Equal(t, 0, <-done, "stderr: %s", errb.String())
		require.Contains(t, errb.String(), `msg="prescale run stopped"`, "a clean stop is logged")
	}
}

// TestRunFaults: an operator's token is never printed; /metrics serves 40
// concurrent scrapers (10 were allowed before: 93 of 200 requests of 20
// scrapers failed); a second prescale run on the same data directory
// exits 2 naming the directory and the holder's pid (it exited 1); a
// backfill into that directory, which now holds a store, is refused.
func TestRunFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("starts prescale run: skipped with -short")
	}
	data := filepath.Join(t.TempDir(), "data")
	const token = "operator-SECRET-token-0123456789"
	t.Setenv("PRESCALE_DATA_DIR", data)
	t.Setenv("PRESCALE_LISTEN", "127.0.0.1:0")
	t.Setenv("PRESCALE_API_TOKEN", token)
	base, out, errb, stop := startRunStop(t, nil)

	require.Contains(t, out.String(), "Authorization: Bearer $PRESCALE_API_TOKEN")
	require.NoFileExists(t, filepath.Join(data, apitoken.FileName), "the operator's token is not written anywhere")

	t.Run("40 concurrent scrapers", func(t *testing.T) {
		const clients, each = 40, 3
		var wg sync.WaitGroup
		var mu sync.Mutex
		codes := map[string]int{}
		// Plain text, as curl asks: under -race gzip-compressing 40
		// expositions at once dominates the cost of the test, not prescale's.
		client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{DisableCompression: true, MaxIdleConnsPerHost: clients}}
		start := make(chan struct{})
		for range clients {
			wg.Go(func() {
				<-start
				for range each {
					code := "error"
					resp, err := client.Get(base + "/metrics")
					if err == nil {
						_, err = io.Copy(io.Discard, resp.Body)
						_ = resp.Body.Close()
						code = strconv.Itoa(resp.StatusCode)
						if err != nil {
							code = "body error"
						}
					}
					mu.Lock()
					codes[code]++
					mu.Unlock()
				}
			})
		}
		close(start)
		wg.Wait()
		require.Equal(t, map[string]int{"200": clients * each}, codes)
	})

	t.Run("second run on the directory", func(t *testing.T) {
		var out2, errb2 testkit.SyncBuffer
		code := runAtStart(t, nil, &out2, &errb2)
		require.Equal(t, 2, code, "stderr: %s", errb2.String())
		require.Contains(t, errb2.String(), fmt.Sprintf("PRESCALE_DATA_DIR: %s is in use by another prescale process (pid %d)", data, os.Getpid()))
	})
	stop()

	t.Run("backfill into a used directory", func(t *testing.T) {
		var out2, errb2 testkit.SyncBuffer
		code := runAtStart(t, []string{"--backfill", writeDemoTrace(t)}, &out2, &errb2)
		require.Equal(t, 2, code, "stderr: %s", errb2.String())
		require.Contains(t, errb2.String(), "--backfill: "+filepath.Join(data, "tsdb")+" already holds a store")
		require.NotContains(t, errb2.String(), "backfilling")
	})
	require.NotContains(t, out.String()+errb.String(), "SECRET")
}

// TestRunGeneratedToken: without PRESCALE_API_TOKEN, run writes a random
// token to DATA_DIR/api-token with mode 0600, names the file in its banner
// and never prints the token; the token works, and a restart reuses it
// (the banner says so: it said "generated"). A token file others could
// read is made 0600 again with a WARN (it was, silently).
func TestRunGeneratedToken(t *testing.T) {
	if testing.Short() {
		t.Skip("starts prescale run: skipped with -short")
	}
	data := filepath.Join(t.TempDir(), "data")
	t.Setenv("PRESCALE_DATA_DIR", data)
	t.Setenv("PRESCALE_LISTEN", "127.0.0.1:0")
	path := filepath.Join(data, apitoken.FileName)
	var token string
	for i := range 2 {
		base, out, errb, stop := startRunStop(t, nil)
		fi, err := os.Stat(path)
		require.NoError(t, err)
		require.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
		b, err := os.ReadFile(path)
		require.NoError(t, err)
		got := strings.TrimSpace(string(b))
		require.Len(t, got, 32)
		if i == 1 {
			require.Equal(t, token, got, "a restart reuses the token")
			require.Contains(t, out.String(), path+" (reused, mode 0600)")
			require.Contains(t, errb.String(), `level=WARN msg="the API token file was readable by others: its mode is 0600 again; delete it to have a new token generated"`)
			require.Contains(t, errb.String(), `mode=0644`)
		} else {
			require.Contains(t, out.String(), path+" (generated, mode 0600)")
			require.NotContains(t, errb.String(), "readable by others")
		}
		token = got
		require.Contains(t, out.String(), "Authorization: Bearer $(cat "+path+")")
		require.NotContains(t, out.String()+errb.String(), token)

		testkit.PostJSON(t, base+"/api/scaling/execute", token, `{"target":"host-cpu","units":2}`)
		stop()
		require.NotContains(t, errb.String(), "started with --backfill", "no backfill here")
		require.NoError(t, os.Chmod(path, 0o644))
	}
}

// TestRunRefusesAShortTokenFile: an api-token file holding fewer than 16
// characters (an operator's own token) stops prescale run at start, exit 2
// naming the file, never the token nor its length (it said "holds 7
// characters": a little of the secret), and the file is left as it was.
// It was replaced by a generated token without a word (the banner said
// "generated"), so the operator's clients got 401.
func TestRunRefusesAShortTokenFile(t *testing.T) {
	data := t.TempDir()
	t.Setenv("PRESCALE_DATA_DIR", data)
	t.Setenv("PRESCALE_LISTEN", "127.0.0.1:0")
	path := filepath.Join(data, apitoken.FileName)
	require.NoError(t, os.WriteFile(path, []byte("mytoken\n"), 0o600))
	var out, errb testkit.SyncBuffer
	code := runAtStart(t, nil, &out, &errb)
	require.Equal(t, 2, code, "stderr: %s", errb.String())
	require.Contains(t, errb.String(), "PRESCALE_DATA_DIR: "+path+" holds fewer than the 16 characters of a token")
	require.NotRegexp(t, `\b7\b`, errb.String(), "nor its length (a little of the secret)")
	require.NotContains(t, out.String()+errb.String(), "mytoken")
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, "mytoken\n", string(b), "left as it was")
}

// TestRunFillsAnEmptyTokenFile: an api-token file that is empty or white
// space alone holds no token (docs/controller-reference.md, "The API token
// file"): a token is generated into it, as when there is none, where a
// short one stops the start (TestRunRefusesAShortTokenFile).
func TestRunFillsAnEmptyTokenFile(t *testing.T) {
	if testing.Short() {
		t.Skip("starts prescale run: skipped with -short")
	}
	data := t.TempDir()
	t.Setenv("PRESCALE_DATA_DIR", data)
	t.Setenv("PRESCALE_LISTEN", "127.0.0.1:0")
	path := filepath.Join(data, apitoken.FileName)
	require.NoError(t, os.WriteFile(path, []byte(" \n"), 0o600))
	_, out, _, stop := startRunStop(t, nil)
	stop()
	require.Contains(t, out.String(), path+" (generated, mode 0600)")
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Len(t, strings.TrimSpace(string(b)), 32)
}

// TestRunRefusesATokenFileWithAControlCharacter: a token file whose token
// is not printable ASCII without white space (a tab, a space, a no-break
// space or a character beyond ASCII inside: the rule of
// PRESCALE_API_TOKEN, apitoken.Usable) stops prescale run at start, exit
// 2, naming the file, not PRESCALE_API_TOKEN, which the operator never
// set; the token is never shown and the file is left alone. A space or a
// character beyond ASCII inside was taken.
func TestRunRefusesATokenFileWithAControlCharacter(t *testing.T) {
	for _, body := range []string{"0123456789\tabcdef-secret\n", "0123456789 abcdef-secret\n", "0123456789\u00a0abcdef-secret\n", "0123456789é-abcdef-secret\n"} {
		data := t.TempDir()
		t.Setenv("PRESCALE_DATA_DIR", data)
		t.Setenv("PRESCALE_LISTEN", "127.0.0.1:0")
		path := filepath.Join(data, apitoken.FileName)
		require.NoError(t, os.WriteFile(path, []byte(body), 0o600))
		var out, errb testkit.SyncBuffer
		code := runAtStart(t, nil, &out, &errb)
		require.Equal(t, 2, code, "%q: stderr: %s", body, errb.String())
		require.Contains(t, errb.String(), "PRESCALE_DATA_DIR: "+path+" holds a token that is not printable ASCII without white space")
		require.NotContains(t, errb.String(), "PRESCALE_API_TOKEN has")
		require.NotContains(t, out.String()+errb.String(), "secret")
		b, err := os.ReadFile(path)
		require.NoError(t, err)
		require.Equal(t, body, string(b), "left as it was")
	}
}

// TestRunRefusesAnUnreadableTokenFile: an api-token that exists but
// cannot be read (another user's file of mode 0600; here a directory, the
// read error root also gets) stops prescale run at start, exit 2, naming
// the file and the error; it was replaced by a generated token (the
// directory case only failed at writing, exit 1), and a client holding the
// file's token got 401.
func TestRunRefusesAnUnreadableTokenFile(t *testing.T) {
	data := t.TempDir()
	t.Setenv("PRESCALE_DATA_DIR", data)
	t.Setenv("PRESCALE_LISTEN", "127.0.0.1:0")
	path := filepath.Join(data, apitoken.FileName)
	require.NoError(t, os.Mkdir(path, 0o700))
	var out, errb testkit.SyncBuffer
	code := runAtStart(t, nil, &out, &errb)
	require.Equal(t, 2, code, "stderr: %s", errb.String())
	require.Contains(t, errb.String(), "PRESCALE_DATA_DIR: the API token file cannot be read (read "+path+": is a directory)")
	fi, err := os.Stat(path)
	require.NoError(t, err)
	require.True(t, fi.IsDir(), "left as it was")
}

// TestRunRestartAfterBackfillWarns: a restart without --backfill on a
// directory a backfill started says that the trace target is gone (it
// vanished without a word: decisions, replay and all).
func TestRunRestartAfterBackfillWarns(t *testing.T) {
	if testing.Short() {
		t.Skip("starts prescale run: skipped with -short")
	}
	data := filepath.Join(t.TempDir(), "data")
	t.Setenv("PRESCALE_DATA_DIR", data)
	t.Setenv("PRESCALE_LISTEN", "127.0.0.1:0")
	_, _, errb, stop := startRunStop(t, []string{"--backfill", writeDemoTrace(t)})
	stop()
	require.NotContains(t, errb.String(), "started with --backfill")
	_, out, errb, stop := startRunStop(t, nil)
	stop()
	require.Contains(t, errb.String(), `level=WARN msg="this data directory was started with --backfill: without it the trace is neither decided nor replayed further`)
	require.Contains(t, errb.String(), "file="+filepath.Join(data, "run-targets.yml"))
	require.NotContains(t, out.String(), "trace-replay")
}

// TestRunBackfillBesideTargetsFile: --backfill with PRESCALE_TARGETS_FILE
// adds no "trace" target (the file's entries are the targets); a file
// with no entry reading the replayed trace logs a WARN naming the query to
// add. The trace was loaded and replayed and no target decided on it,
// without a word.
func TestRunBackfillBesideTargetsFile(t *testing.T) {
	if testing.Short() {
		t.Skip("starts prescale run: skipped with -short")
	}
	trace := writeDemoTrace(t)
	for _, tc := range []struct {
		name, query string
		warn        bool
	}{
		{"no entry reads the trace", "vector(1)", true},
		{"an entry reads the trace", `prescale_trace_demand{trace="demo"}`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			setRunTargets(t, []byte("targets:\n  - {name: web, query: '"+tc.query+"'}\n"))
			_, _, errb, stop := startRunStop(t, []string{"--backfill", trace})
			stop()
			const warn = `level=WARN msg="--backfill with PRESCALE_TARGETS_FILE: no entry reads the replayed trace, so no target decides on it; add one" query="prescale_trace_demand{trace=\"demo\"}"`
			if tc.warn {
				require.Contains(t, errb.String(), warn)
			} else {
				require.NotContains(t, errb.String(), "no entry reads the replayed trace")
			}
		})
	}
}

// TestRunBannerNamesTheActuator: with PRESCALE_ACTUATOR other than run's
// simulated default there is no pool; the banner said "+ SIMULATED pool"
// and printed its URL, which answered 404.
func TestRunBannerNamesTheActuator(t *testing.T) {
	if testing.Short() {
		t.Skip("starts prescale run: skipped with -short")
	}
	t.Setenv("PRESCALE_DATA_DIR", filepath.Join(t.TempDir(), "data"))
	t.Setenv("PRESCALE_LISTEN", "127.0.0.1:0")
	t.Setenv("PRESCALE_ACTUATOR", "none")
	_, out, _, stop := startRunStop(t, nil)
	stop()
	require.Contains(t, out.String(), "+ controller + actuator none\n")
	require.NotContains(t, out.String(), "simulated")

	t.Setenv("PRESCALE_DATA_DIR", filepath.Join(t.TempDir(), "data"))
	t.Setenv("PRESCALE_ACTUATOR", "simulated")
	base, out, _, stop := startRunStop(t, nil)
	stop()
	require.Contains(t, out.String(), "+ controller + SIMULATED pool\n")
	require.Contains(t, out.String(), "  simulated pool  "+base+"/api/simulated/pool\n")
}

// writeDemoTrace writes 100 half-hourly samples and returns the path.
func writeDemoTrace(t *testing.T) string {
	t.Helper()
	const n = 100
	ts, vs := make([]int64, n), make([]float64, n)
	for i := range n {
		ts[i], vs[i] = 1_700_000_000+int64(i)*1800, float64(10+i%7)
	}
	return testkit.WriteTrace(t, filepath.Join(t.TempDir(), "demo.csv"), ts, vs)
}

// TestTokenFileThroughSymlink: an API token file that is a symbolic link
// (here dangling, into another directory: a mounted secret volume) has
// the token written to the file it names, with mode 0600, and stays a
// link; renamed over, the link became a regular file.
func TestTokenFileThroughSymlink(t *testing.T) {
	data, vol := t.TempDir(), t.TempDir()
	target := filepath.Join(vol, "token")
	link := filepath.Join(data, apitoken.FileName)
	require.NoError(t, os.Symlink(target, link))
	require.NoError(t, apitoken.WriteFile0600(link, []byte("0123456789abcdef\n")))
	got, err := os.Readlink(link)
	require.NoError(t, err, "still a link")
	require.Equal(t, target, got)
	fi, err := os.Stat(target)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	b, err := os.ReadFile(link)
	require.NoError(t, err)
	require.Equal(t, "0123456789abcdef\n", string(b))
	for _, d := range []string{data, vol} {
		ents, err := os.ReadDir(d)
		require.NoError(t, err)
		require.Len(t, ents, 1, "no temporary file left in %s", d)
	}
}

// TestRunShutdownWithStateUnsavedExitsOne: prescale run saves the
// controller's state at shutdown as prescale-controller does, and exits 1
// when that save fails (the state file a link into a directory that is
// gone), after the ERROR saying so; it exited 0. Saved, it exits 0.
func TestRunShutdownWithStateUnsavedExitsOne(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	t.Setenv("PRESCALE_DATA_DIR", dir)
	t.Setenv("PRESCALE_LISTEN", "127.0.0.1:0")
	ctx, cancel := context.WithCancel(t.Context())
	cancel() // started, then stopped at once: the shutdown's save is what is checked
	var out, errb testkit.SyncBuffer
	require.Equal(t, 0, Run(ctx, nil, &out, &errb), errb.String())
	state := filepath.Join(dir, "controller-state.json")
	require.FileExists(t, state)

	require.NoError(t, os.Remove(state))
	require.NoError(t, os.Symlink(filepath.Join(t.TempDir(), "gone", "controller-state.json"), state))
	errb = testkit.SyncBuffer{}
	require.Equal(t, 1, Run(ctx, nil, &out, &errb), errb.String())
	require.Contains(t, errb.String(), `level=ERROR msg="stopping with the state file not saved`)
	require.Contains(t, errb.String(), "prescale run: state file not saved at shutdown (last saved never): state: ")
	require.NotContains(t, errb.String(), `msg="prescale run stopped"`)
}
