package actuator

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prescale/prescale/controller/actuator/internal/hide"
	"github.com/prescale/prescale/controller/actuator/internal/procgroup"
	"github.com/prescale/prescale/internal/redact"
)

// Exec runs a command for each action with the decision in environment
// variables (PRESCALE_TARGET, PRESCALE_TIER, PRESCALE_KIND,
// PRESCALE_CURRENT_UNITS, PRESCALE_DESIRED_UNITS, PRESCALE_DIRECTION,
// PRESCALE_REASON, PRESCALE_EXPLANATION, PRESCALE_CONFIDENCE,
// PRESCALE_DECIDED_AT). The command is run directly (no shell) in a
// process group of its own, stopped with everything it started after
// Timeout or at the controller's shutdown (procgroup: on Linux SIGTERM,
// then SIGKILL after 5 s); of its output the first MaxOutput bytes are
// kept for the error.
type Exec struct {
	argv    []string
	timeout time.Duration
	metrics *Metrics
	hidden  hide.Known // Hide's values, HideHeaders' headers
	// now is the clock a delivery's duration is read on (Clock).
	now func() time.Time
}

var _ Deliverer = (*Exec)(nil)

// NewExec builds an Exec actuator; timeout 0 means 30 s.
func NewExec(argv []string, timeout time.Duration, m *Metrics) (*Exec, error) {
	if len(argv) == 0 || argv[0] == "" {
		return nil, errors.New("actuator: exec needs a command")
	}
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	m.initFor("exec")
	return &Exec{argv: argv, timeout: timeout, metrics: m, now: time.Now}, nil
}

// Clock sets the clock a delivery's duration is read on, the controller's
// (tests inject one); nil keeps time.Now. The command's Timeout, and the
// grace from SIGTERM to SIGKILL, stay on the real clock: they bound a real
// process. Call it before the first Deliver.
func (e *Exec) Clock(now func() time.Time) {
	if now != nil {
		e.now = now
	}
}

// Hide adds values the quoted output hides as it hides secret variables'
// values (from 8 bytes, hide.Secrets): the controller's configured secrets
// that no variable with a secret's name holds (the API token prescale run
// generated). Call it before the first Deliver.
func (e *Exec) Hide(values ...string) { e.hidden.Values = append(e.hidden.Values, values...) }

// HideHeaders adds HTTP headers, "Name=value" (PRESCALE_PROMETHEUS_HEADERS),
// whose values the quoted output hides (hide.Known): a header named like a
// secret (Authorization, X-Api-Key) at any length, another from 8 bytes.
// Call it before the first Deliver.
func (e *Exec) HideHeaders(headers ...string) {
	e.hidden.Headers = append(e.hidden.Headers, headers...)
}

// Name implements Deliverer.
func (e *Exec) Name() string { return "exec" }

// Env returns the environment entries describing an action.
func Env(a Action) []string {
	return []string{
		"PRESCALE_TARGET=" + a.Target,
		"PRESCALE_TIER=" + a.Tier,
		"PRESCALE_KIND=" + a.Kind,
		"PRESCALE_CURRENT_UNITS=" + strconv.Itoa(a.Current),
		"PRESCALE_DESIRED_UNITS=" + strconv.Itoa(a.Desired),
		"PRESCALE_DIRECTION=" + a.Direction,
		"PRESCALE_REASON=" + a.Reason,
		"PRESCALE_EXPLANATION=" + a.Explanation,
		"PRESCALE_CONFIDENCE=" + strconv.FormatFloat(a.Confidence, 'f', 3, 64),
		"PRESCALE_DECIDED_AT=" + a.At.UTC().Format(time.RFC3339),
	}
}

// commandEnv is the environment a command inherits: the controller's,
// without its own PRESCALE_* settings. They held the API token, URLs with
// credentials and the history headers' values, and their names mixed with
// the decision's (PRESCALE_TARGET_QUERY beside PRESCALE_TARGET).
func commandEnv(environ []string) []string {
	return slices.DeleteFunc(slices.Clone(environ), func(kv string) bool { return strings.HasPrefix(kv, "PRESCALE_") })
}

// Deliver implements Deliverer: it runs the command and waits for it; exit
// status 0 acknowledges the action. Its time, failed or not, goes into
// prescale_actuator_delivery_duration_seconds{receiver="exec"}, as a
// webhook's does: the histogram was registered for exec and never observed,
// so a command taking 25 of its 30 s showed nowhere. The time is read on
// Clock's clock.
func (e *Exec) Deliver(parent context.Context, a Action) error {
	start := e.now()
	err := e.run(parent, a)
	if e.metrics != nil {
		e.metrics.latency.WithLabelValues("exec").Observe(e.now().Sub(start).Seconds())
	}
	return err
}

// run runs the command once for an action and counts the outcome.
func (e *Exec) run(parent context.Context, a Action) error {
	ctx, cancel := context.WithTimeout(parent, e.timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, e.argv[0], e.argv[1:]...)
	cmd.Env = append(commandEnv(os.Environ()), Env(a)...)
	g := procgroup.Own(cmd)
	cmd.WaitDelay = time.Second
	out := &capped{max: MaxOutput}
	cmd.Stdout = out
	cmd.Stderr = out
	err := g.Run(ctx)
	if errors.Is(err, exec.ErrWaitDelay) && cmd.ProcessState != nil && cmd.ProcessState.Success() {
		// The command exited 0 and left a process running that holds its
		// output (a tool it started in the background): acknowledged.
		err = nil
	}
	if err != nil {
		if e.metrics != nil {
			e.metrics.failed.WithLabelValues("exec").Inc()
		}
		msg := redact.Cut(hide.Secrets(out.b.String(), os.Environ(), e.hidden), 512)
		switch {
		case parent.Err() != nil:
			// It said "timed out after 30s" when the shutdown stopped it.
			return fmt.Errorf("actuator: exec %s: stopped by the shutdown: %w (output: %q)", e.argv[0], err, msg)
		case ctx.Err() != nil:
			return fmt.Errorf("actuator: exec %s: timed out after %s: %w (output: %q)", e.argv[0], e.timeout, err, msg)
		}
		return fmt.Errorf("actuator: exec %s: %w (output: %q)", e.argv[0], err, msg)
	}
	if e.metrics != nil {
		e.metrics.sent.WithLabelValues("exec").Inc()
	}
	return nil
}

// MaxOutput is how much of a command's output (stdout and stderr) Exec
// keeps: the error quotes its first 512 bytes, and a command writing
// without end held all of it in memory until its timeout.
const MaxOutput = 64 << 10

// capped is an io.Writer keeping the first max bytes written to it and
// discarding the rest (the command is never blocked or failed by it).
type capped struct {
	b   bytes.Buffer
	max int
}

func (c *capped) Write(p []byte) (int, error) {
	if room := c.max - c.b.Len(); room > 0 {
		c.b.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}
