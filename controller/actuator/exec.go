package actuator

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prescale/prescale/internal/redact"
)

// Exec runs a command for each action with the decision in environment
// variables (PRESCALE_TARGET, PRESCALE_TIER, PRESCALE_KIND,
// PRESCALE_CURRENT_UNITS, PRESCALE_DESIRED_UNITS, PRESCALE_DIRECTION,
// PRESCALE_REASON, PRESCALE_EXPLANATION, PRESCALE_CONFIDENCE,
// PRESCALE_DECIDED_AT). The command is run directly (no shell) in a
// process group of its own, stopped with everything it started after
// Timeout or at the controller's shutdown (on Linux SIGTERM, then SIGKILL
// after killGrace); of its output the first MaxOutput bytes are kept for
// the error.
type Exec struct {
	argv    []string
	timeout time.Duration
	metrics *Metrics
	hidden  []string // Hide's values
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
	return &Exec{argv: argv, timeout: timeout, metrics: m}, nil
}

// Hide adds values the quoted output hides as it hides secret variables'
// values (from minSecret bytes): the controller's configured secrets that
// no variable with a secret's name holds (config.Config.Secrets). Call it
// before the first Deliver.
func (e *Exec) Hide(values ...string) { e.hidden = append(e.hidden, values...) }

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
// so a command taking 25 of its 30 s showed nowhere.
func (e *Exec) Deliver(parent context.Context, a Action) error {
	start := time.Now()
	err := e.run(parent, a)
	if e.metrics != nil {
		e.metrics.latency.WithLabelValues("exec").Observe(time.Since(start).Seconds())
	}
	return err
}

// run runs the command once for an action and counts the outcome.
func (e *Exec) run(parent context.Context, a Action) error {
	ctx, cancel := context.WithTimeout(parent, e.timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, e.argv[0], e.argv[1:]...)
	cmd.Env = append(commandEnv(os.Environ()), Env(a)...)
	g := ownGroup(cmd)
	cmd.WaitDelay = time.Second
	out := &capped{max: MaxOutput}
	cmd.Stdout = out
	cmd.Stderr = out
	err := g.run(ctx)
	if errors.Is(err, exec.ErrWaitDelay) && cmd.ProcessState != nil && cmd.ProcessState.Success() {
		// The command exited 0 and left a process running that holds its
		// output (a tool it started in the background): acknowledged.
		err = nil
	}
	if err != nil {
		if e.metrics != nil {
			e.metrics.failed.WithLabelValues("exec").Inc()
		}
		msg := redact.Cut(hideSecrets(out.b.String(), os.Environ(), e.hidden), 512)
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

// secretNames are the parts of an environment variable's name that say
// its value is a secret (AWS_SECRET_ACCESS_KEY, VAULT_TOKEN, DB_PASSWORD).
var secretNames = []string{"SECRET", "TOKEN", "PASS", "KEY", "CREDENTIAL", "AUTH", "PRIVATE"}

// secretName reports whether a variable's or a URL query parameter's
// name holds one of secretNames, in any case.
func secretName(name string) bool {
	return slices.ContainsFunc(secretNames, func(s string) bool { return strings.Contains(strings.ToUpper(name), s) })
}

// minSecret is the shortest value hideSecrets hides: shorter ones ("1",
// "true", a region) would blank unrelated words of the output.
const minSecret = 8

// hideSecrets replaces in a command's output the values, of minSecret
// bytes or more, of the variables of env whose names hold one of
// secretNames, and each line of such a value of several lines (a PEM key
// the command quotes in part), and the password of any URL in any
// variable (envURLSecrets), and each of hidden (Exec.Hide). The output is quoted in the error, which
// goes to the log and to the unauthenticated /api/system/health: a script
// failing with "quota exceeded for key $AWS_SECRET_ACCESS_KEY" published
// the key there. env is the controller's whole environment, its own
// PRESCALE_* settings included (PRESCALE_API_TOKEN: not passed to the
// command, which may hold it otherwise, from the same env file). Secrets
// that overlap in the output are hidden as one (hideAll).
func hideSecrets(out string, env, hidden []string) string {
	var secrets [][2]string // what is hidden, what shows instead
	for _, v := range hidden {
		secrets = append(secrets, [2]string{v, redact.Mark})
	}
	for _, kv := range env {
		name, value, ok := strings.Cut(kv, "=")
		if !ok {
			continue
		}
		secrets = append(secrets, envURLSecrets(value)...)
		if !secretName(name) {
			continue
		}
		secrets = append(secrets, [2]string{value, redact.Mark})
		if strings.Contains(value, "\n") {
			for line := range strings.SplitSeq(value, "\n") {
				secrets = append(secrets, [2]string{strings.TrimSpace(line), redact.Mark})
			}
		}
	}
	secrets = slices.DeleteFunc(secrets, func(s [2]string) bool { // user info ("a:b@") kept at any length
		return s[1] == redact.Mark && len(s[0]) < minSecret
	})
	return hideAll(out, secrets)
}

// hideAll replaces in out each occurrence of each secret's text by what
// shows instead, all found in out as given (hideSpans). Replaced one
// secret after another, longest first, a secret overlapping another's
// occurrence in part left its rest shown (secrets abcdefgh1234 and
// 12345678xyz printed as "abcdefgh12345678xyz": "REDACTED5678xyz").
func hideAll(out string, secrets [][2]string) string {
	var spans []span
	for _, s := range secrets {
		for i := 0; s[0] != ""; {
			j := strings.Index(out[i:], s[0])
			if j < 0 {
				break
			}
			i += j + len(s[0])
			spans = append(spans, span{i - len(s[0]), i, s[1]})
		}
	}
	return hideSpans(out, spans)
}

// span is a part of a text to hide, out[from:to], and what shows instead.
type span struct {
	from, to int
	with     string
}

// hideSpans replaces each span of out by what shows instead: spans that
// overlap are hidden as one, shown as the replacement of the one ending
// last (a URL's user info keeps its '@').
func hideSpans(out string, spans []span) string {
	slices.SortFunc(spans, func(a, b span) int { return cmp.Or(a.from-b.from, b.to-a.to) })
	var b strings.Builder
	done := 0 // out[:done] is written
	for k := 0; k < len(spans); {
		run := spans[k]
		for k++; k < len(spans) && spans[k].from < run.to; k++ {
			if spans[k].to > run.to {
				run.to, run.with = spans[k].to, spans[k].with
			}
		}
		b.WriteString(out[done:run.from])
		b.WriteString(run.with)
		done = run.to
	}
	b.WriteString(out[done:])
	return b.String()
}

// envURLSecrets is what hideSecrets hides of the URLs (split at blanks and
// at commas starting another URL, urlFields) of a variable's value,
// whatever its name (PRESCALE_PROMETHEUS_URL=https://ops:pw@prom): of a
// URL whose user info holds a password, the user info with its ':' and
// '@' as written ("ops:pw@", shown "REDACTED@", at any length: the ':'
// and '@' keep it from matching unrelated words), and the password alone,
// as written and decoded, under hideSecrets' minSecret rule (a short one
// would blank unrelated words); the value of each query parameter whose
// name holds one of secretNames (a webhook receiver's "?token="), as
// written and decoded, under the same rule; and the fragment, whole and
// each of its values (an implicit OAuth flow's "#access_token="), as
// redact.URL removes it from the controller's logs, under the same rule.
func envURLSecrets(value string) [][2]string {
	var secrets [][2]string
	for _, f := range urlFields(value) {
		if info, rawPW, pw, ok := redact.UserInfo(f); ok {
			secrets = append(secrets, [2]string{info, redact.Mark + "@"}, [2]string{rawPW, redact.Mark}, [2]string{pw, redact.Mark})
		}
		for _, v := range append(querySecrets(f), fragmentSecrets(f)...) {
			secrets = append(secrets, [2]string{v, redact.Mark})
		}
	}
	return secrets
}

// urlFields splits value at blanks, and at the commas followed by a URL
// ("scheme://"; a list of URLs): a comma within a URL (a query value's
// "?token=a,b") stays in it. Split at every comma, such a value was cut
// and neither it nor its parts were hidden.
func urlFields(value string) []string {
	var out []string
	for _, f := range strings.Fields(value) {
		start := len(out)
		for p := range strings.SplitSeq(f, ",") {
			if len(out) > start && !startsURL(p) {
				out[len(out)-1] += "," + p
				continue
			}
			out = append(out, p)
		}
	}
	return out
}

// startsURL reports whether s starts with a scheme and "://".
func startsURL(s string) bool {
	scheme, _, ok := strings.Cut(s, "://")
	if !ok || scheme == "" {
		return false
	}
	for i, c := range scheme {
		letter := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		other := c >= '0' && c <= '9' || strings.ContainsRune("+-.", c)
		if !letter && (i == 0 || !other) {
			return false
		}
	}
	return true
}

// fragmentSecrets are, of a URL raw, its fragment and the value of each
// of its "name=value" parts, as written and decoded.
func fragmentSecrets(raw string) []string {
	_, frag, ok := strings.Cut(raw, "#")
	if !ok || frag == "" || !strings.Contains(raw, "://") {
		return nil
	}
	out := withDecoded(nil, frag)
	for kv := range strings.SplitSeq(frag, "&") {
		if _, v, ok := strings.Cut(kv, "="); ok && v != "" {
			out = withDecoded(out, v)
		}
	}
	return out
}

// withDecoded appends v and, when it differs, v query-decoded.
func withDecoded(out []string, v string) []string {
	out = append(out, v)
	if dv, err := url.QueryUnescape(v); err == nil && dv != v {
		out = append(out, dv)
	}
	return out
}

// querySecrets are, of a URL raw, the values of the query parameters
// whose names hold one of secretNames, as written and decoded, and of a
// value holding ',' or ';' each part between them too.
func querySecrets(raw string) []string {
	_, query, ok := strings.Cut(raw, "?")
	if !ok || !strings.Contains(raw, "://") {
		return nil
	}
	query, _, _ = strings.Cut(query, "#")
	var out []string
	for kv := range strings.SplitSeq(query, "&") {
		k, v, _ := strings.Cut(kv, "=")
		if dk, err := url.QueryUnescape(k); err == nil {
			k = dk
		}
		if v == "" || !secretName(k) {
			continue
		}
		out = withDecoded(out, v)
		if parts := strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ';' }); len(parts) > 1 {
			for _, p := range parts { // a list, or a server reading ';' as '&'
				out = withDecoded(out, p)
			}
		}
	}
	return out
}

// killGrace is how long a command stopped by its timeout or the shutdown
// has between SIGTERM and SIGKILL (Linux): short enough for the controller
// to save its state within a container runtime's stop timeout (Docker's
// 10 s).
const killGrace = 5 * time.Second

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
