package testkit

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// stopGrace is how long Stop waits after SIGTERM before it kills: a real
// Prometheus compacting its head on shutdown can take several seconds.
const stopGrace = 30 * time.Second

// logTailBytes is how much of a log LogTail returns.
const logTailBytes = 4000

// Process is a real server a test started (Prometheus, Alertmanager,
// VictoriaMetrics, a prescale binary), its output in a log file.
type Process struct {
	Name string
	Cmd  *exec.Cmd
	// Log is the file holding the process's stdout and stderr.
	Log  string
	done chan struct{}
	err  error
}

// StartProcess starts cmd with its stdout and stderr appended to logPath
// (created if needed). t.Cleanup stops it (see Stop) and, when the test
// failed, logs the end of its log.
func StartProcess(t testing.TB, name string, cmd *exec.Cmd, logPath string) *Process {
	t.Helper()
	f, err := os.OpenFile(logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	require.NoError(t, err)
	cmd.Stdout, cmd.Stderr = f, f
	p := &Process{Name: name, Cmd: cmd, Log: logPath, done: make(chan struct{})}
	if err := cmd.Start(); err != nil {
		_ = f.Close()
		require.NoError(t, err, "start %s", name)
	}
	go func() {
		p.err = cmd.Wait()
		_ = f.Close()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.Stop()
		if t.Failed() {
			t.Logf("--- end of %s log (%s) ---\n%s", name, logPath, p.LogTail())
		}
	})
	return p
}

// Err waits for the process to exit and returns its exit error.
func (p *Process) Err() error {
	<-p.done
	return p.err
}

// Exited reports whether the process has exited.
func (p *Process) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Stop sends SIGTERM, waits for the exit up to a grace period, then kills
// and waits. Stopping a stopped process does nothing.
func (p *Process) Stop() {
	if p.Exited() {
		return
	}
	_ = p.Cmd.Process.Signal(syscall.SIGTERM)
	tm := time.NewTimer(stopGrace)
	defer tm.Stop()
	select {
	case <-p.done:
	case <-tm.C:
		_ = p.Cmd.Process.Kill()
		<-p.done
	}
}

// LogTail is the last few kilobytes of the process's log.
func (p *Process) LogTail() string {
	b, _ := os.ReadFile(p.Log)
	if len(b) > logTailBytes {
		b = b[len(b)-logTailBytes:]
	}
	return string(b)
}

// WaitHTTP waits (Eventually) until GET url answers 200 OK. It fails the
// test, with the end of the log, when the process exits first or within
// passes.
func (p *Process) WaitHTTP(ctx context.Context, t testing.TB, url string, within time.Duration) {
	t.Helper()
	Eventually(ctx, t, within, p.Name+" answers "+url, func() error {
		if httpOK(ctx, url) {
			return nil
		}
		if p.Exited() {
			t.Fatalf("%s exited (%v) before %s answered; log:\n%s", p.Name, p.err, url, p.LogTail())
		}
		return errors.New("not ready; log:\n" + p.LogTail())
	})
}

func httpOK(ctx context.Context, url string) bool {
	resp, err := Get(ctx, url)
	if err != nil {
		return false
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// CleanEnv is the test's environment without PRESCALE_* and gopsutil's
// HOST_* variables, plus extra: a started binary sees only what the test
// sets.
func CleanEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "PRESCALE_") || strings.HasPrefix(kv, "HOST_") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, extra...)
}

// Background runs run in a goroutine with a context derived from ctx, as
// a test runs a server in-process (an exporter, a controller App). The
// returned stop, which t.Cleanup also calls, cancels that context, waits
// for run to return and requires it to return nil; calling it again does
// nothing.
func Background(ctx context.Context, t testing.TB, run func(context.Context) error) (stop func()) {
	t.Helper()
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- run(rctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			require.NoError(t, <-done)
		})
	}
	t.Cleanup(stop)
	return stop
}
