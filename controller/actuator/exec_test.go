package actuator

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestExecTimeoutKillsItsChildren: a command that times out is killed with
// everything it started. Before, only the command itself was: a script
// whose kubectl hung left that kubectl running, one more at every resend.
func TestExecTimeoutKillsItsChildren(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "child.pid")
	// The child's pid is written to a temporary name and renamed, so a
	// file that exists is whole. The delivery's context ends once it is
	// there, not after a fixed time: on a loaded machine (-race, 2 cores)
	// 300 ms passed before the shell had started its child.
	e, err := NewExec([]string{"/bin/sh", "-c", `sleep 60 & echo $! > "$0.tmp"; mv "$0.tmp" "$0"; wait`, pidFile}, time.Minute, nil)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- e.Deliver(ctx, testAction) }()
	var pid int
	deadline := time.Now().Add(30 * time.Second)
	for {
		if b, err := os.ReadFile(pidFile); err == nil {
			pid, err = strconv.Atoi(strings.TrimSpace(string(b)))
			require.NoError(t, err)
			break
		}
		require.False(t, time.Now().After(deadline), "the command wrote no child pid in 30 s")
		time.Sleep(20 * time.Millisecond)
	}
	cancel() // the delivery's end, as its timeout's (the same path; the message names the shutdown)
	require.ErrorContains(t, <-done, "stopped by the shutdown")
	// The child is killed at the timeout; its parent (init or a
	// subreaper) reaps it when it gets to it: poll with a deadline.
	deadline = time.Now().Add(10 * time.Second)
	for running(pid) {
		if time.Now().After(deadline) {
			t.Fatalf("the command's child (pid %d) still runs 10 s after the command timed out", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// running reports whether pid is a live process (not gone, not a zombie).
func running(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || s[i+2] != 'Z'
}

// TestExecOutputBounded: a command writing 64 MiB keeps at most
// MaxOutput bytes of it in memory (it allocated the whole output before),
// and the error still quotes its beginning.
func TestExecOutputBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 64 MiB through a pipe")
	}
	e, err := NewExec([]string{"/bin/sh", "-c", "echo first line; head -c 67108864 /dev/zero; exit 3"}, time.Minute, nil)
	require.NoError(t, err)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	err = e.Deliver(t.Context(), testAction)
	runtime.ReadMemStats(&after)
	require.ErrorContains(t, err, `exit status 3 (output: "first line\n`)
	allocated := after.TotalAlloc - before.TotalAlloc
	require.Less(t, allocated, uint64(16<<20), "allocated %d bytes for a 64 MiB output", allocated)
}

// TestExecBackgroundChildAcknowledges: a command that exits 0 and leaves a
// process it started running with its output (a notifier put in the
// background) acknowledges the action. Its exit status was taken as a
// failure (exec: WaitDelay expired before I/O complete), so the action was
// re-sent, starting another such process, at every backoff.
func TestExecBackgroundChildAcknowledges(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "child.pid")
	e, err := NewExec([]string{"/bin/sh", "-c", `sleep 30 & echo $! > "$0"; echo started`, pidFile}, 10*time.Second, nil)
	require.NoError(t, err)
	require.NoError(t, e.Deliver(t.Context(), testAction))
	b, err := os.ReadFile(pidFile)
	require.NoError(t, err)
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	require.NoError(t, err)
	require.True(t, running(pid), "the command's background process is left alone")
	p, err := os.FindProcess(pid)
	require.NoError(t, err)
	require.NoError(t, p.Kill())
}

// TestExecOutputHidesSecrets: the output a failed command's error quotes
// (in the log and the unauthenticated /api/system/health) shows REDACTED
// for the value of each inherited variable whose name says it is a secret
// (tried live: a script failing with "quota exceeded for key
// $AWS_SECRET_ACCESS_KEY" published the key in both); other values, and
// short ones, are left as written.
func TestExecOutputHidesSecrets(t *testing.T) {
	t.Setenv("AWS_SECRET_ACCESS_KEY", "AKIAsupersecretvalue42")
	t.Setenv("deploy_token", "tok-0123456789")
	t.Setenv("DB_PASS", "short") // under minSecret: left as written
	t.Setenv("DEPLOY_REGION", "eu-west-1-region")
	e, err := NewExec([]string{"/bin/sh", "-c", `echo "quota exceeded for $AWS_SECRET_ACCESS_KEY ($deploy_token, $DB_PASS) in $DEPLOY_REGION" >&2; exit 3`}, time.Minute, nil)
	require.NoError(t, err)
	err = e.Deliver(t.Context(), testAction)
	require.ErrorContains(t, err, `exit status 3 (output: "quota exceeded for REDACTED (REDACTED, short) in eu-west-1-region\n")`)
	require.NotContains(t, err.Error(), "supersecret")
	require.NotContains(t, err.Error(), "0123456789")
}

// TestExecOutputHidesTheControllersSecrets: the controller's own secret
// settings are hidden in the quoted output too, though the command does
// not inherit them (it may hold them otherwise: a script sourcing the
// controller's env file). PRESCALE_API_TOKEN, which authorises manual
// scaling, was shown in the unauthenticated /api/system/health.
func TestExecOutputHidesTheControllersSecrets(t *testing.T) {
	t.Setenv("PRESCALE_API_TOKEN", "api-token-0123456789")
	e, err := NewExec([]string{"/bin/sh", "-c", `echo "token api-token-0123456789 refused ($PRESCALE_API_TOKEN)" >&2; exit 3`}, time.Minute, nil)
	require.NoError(t, err)
	err = e.Deliver(t.Context(), testAction)
	require.ErrorContains(t, err, `exit status 3 (output: "token REDACTED refused ()\n")`)
}

// TestExecOutputHidesURLPasswords: the password in a URL of any variable
// (an inherited DATABASE_URL; the controller's PRESCALE_PROMETHEUS_URL,
// not inherited, that the command holds otherwise) is hidden in the
// quoted output, with its user info when printed in the URL; a URL
// without a password is left as written. It was quoted as printed: the
// names hold none of secretNames.
func TestExecOutputHidesURLPasswords(t *testing.T) {
	t.Setenv("DATABASE_URL", "postgres://app:db-pw-12345@db.example/app")
	t.Setenv("PRESCALE_PROMETHEUS_URL", "https://ops:s3cretpass@prom.example:9090/")
	t.Setenv("HOOK_URL", "http://svc-user@hooks.example/x")
	e, err := NewExec([]string{"/bin/sh", "-c", `echo "no $DATABASE_URL, https://ops:s3cretpass@prom.example:9090/ (s3cretpass) or $HOOK_URL" >&2; exit 3`}, time.Minute, nil)
	require.NoError(t, err)
	err = e.Deliver(t.Context(), testAction)
	require.ErrorContains(t, err, `(output: "no postgres://REDACTED@db.example/app, https://REDACTED@prom.example:9090/ (REDACTED) or http://svc-user@hooks.example/x\n")`)
}

// TestExecOutputHidesHiddenValues: the values given to Hide (the
// controller's PRESCALE_PROMETHEUS_HEADERS values and its API token, in
// no variable of a secret's name) are hidden in the quoted output as a
// secret variable's are, from minSecret bytes: a header's bearer token
// printed alone, without "Bearer ", was quoted as printed.
func TestExecOutputHidesHiddenValues(t *testing.T) {
	e, err := NewExec([]string{"/bin/sh", "-c", `echo "401 for Bearer hdr-token-0123 (hdr-token-0123) as tenant1" >&2; exit 3`}, time.Minute, nil)
	require.NoError(t, err)
	e.Hide("Bearer hdr-token-0123", "hdr-token-0123", "tenant1")
	err = e.Deliver(t.Context(), testAction)
	require.ErrorContains(t, err, `exit status 3 (output: "401 for REDACTED (REDACTED) as tenant1\n")`)
}
