package actuator

import (
	"context"
	"errors"
	"log/slog"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/prescale/prescale/internal/outage"
)

// Deliverer hands one action to a receiver and returns once the receiver
// acknowledged it (nil: webhook 2xx, exec exit 0, simulated pool applied)
// or failed to.
type Deliverer interface {
	Name() string
	Deliver(ctx context.Context, a Action) error
}

// LevelConfig configures a Level. Zero values mean the defaults given.
type LevelConfig struct {
	// Now is the clock (tests inject one); nil means time.Now.
	Now func() time.Time
	// MinBackoff is the delay before the first resend after a failure
	// (0: 1 s); each failure doubles it up to MaxBackoff (0: 1 min; the
	// controller passes its scaling interval, so a recovered receiver is
	// reached within one interval).
	MinBackoff, MaxBackoff time.Duration
	// Inline delivers within Act (for the instant simulated pool); else Run
	// delivers in the background.
	Inline bool
	// Parallel is how many targets Run delivers to at once (0: 8), each
	// target one delivery at a time: a receiver that hangs for one target
	// (a stuck command, a slow route) holds that target only.
	Parallel int
	// Logger receives one WARN when the receiver's outage starts (its
	// first failing target), DEBUG for each further target and retry
	// while it lasts, and one INFO when no target fails any more
	// (internal/outage): a receiver down for 1,000 targets is one outage,
	// as the history source's is. nil discards.
	Logger  *slog.Logger
	Metrics *Metrics
}

// Level carries each target's current desired units to one Deliverer,
// level-triggered as a Kubernetes controller is: it keeps per target the
// last desired units the receiver acknowledged and, while they differ from
// the current desired units (or a delivery failed since: the receiver may
// have applied it), re-sends the current desired action (never an older
// one) with capped exponential backoff until it is acknowledged.
// Receivers must therefore treat a repeated action as idempotent; the
// webhook's payload carries a fingerprint stable per target, direction and
// reason (not per decision: a receiver deduplicates on it and
// desired_units together).
type Level struct {
	d       Deliverer
	cfg     LevelConfig
	syncMu  sync.Mutex // one delivery round at a time
	mu      sync.Mutex
	targets map[string]*levelTarget
	kick    chan struct{}
	running int // Run's deliveries in flight
	// out is the receiver's outage: from its first failing target until
	// none fails (failing counts them; hit counts the targets that failed
	// during it).
	out          outage.Tracker
	failing, hit int
	// notBefore is when the receiver asked to be sent to again (a
	// webhook's Retry-After): no delivery to any of its targets before
	// it, a changed decision included. A Retry-After answers the
	// receiver's load, not one target's: held per target, each other
	// target was sent once more, and refused, before it was held too.
	notBefore time.Time
	onAck     func(target string) // see OnAck
}

type levelTarget struct {
	want     Action
	hasWant  bool
	acked    int
	hasAcked bool
	ackedAt  time.Time
	next     time.Time // earliest next attempt while pending
	backoff  time.Duration
	out      outage.Tracker // the receiver's current outage for this target
	inFlight bool           // a delivery to it is under way
	// replaced is closed when the desired units change during the
	// delivery under way (see Action.replaced); nil once closed, and
	// while none is under way.
	replaced chan struct{}
	// unsure: a delivery failed since the last acknowledgement, and the
	// receiver may have applied it (a command that scaled, then timed
	// out), so acked is not known to be in place.
	unsure bool
}

// pending reports whether the current desired units must be (re-)sent:
// the receiver has not acknowledged them, or a delivery failed since (a
// decision back to the acknowledged units after a failed one is sent).
func (t *levelTarget) pending() bool {
	return t.hasWant && (!t.hasAcked || t.unsure || t.acked != t.want.Desired)
}

// NewLevel wraps d.
func NewLevel(d Deliverer, cfg LevelConfig) *Level {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MinBackoff <= 0 {
		cfg.MinBackoff = time.Second
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = time.Minute
	}
	cfg.MaxBackoff = max(cfg.MaxBackoff, cfg.MinBackoff)
	if cfg.Parallel <= 0 {
		cfg.Parallel = 8
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Level{d: d, cfg: cfg, targets: map[string]*levelTarget{}, kick: make(chan struct{}, 1)}
}

// Name is the deliverer's name (label actuator of prescale_actuation_pending).
func (l *Level) Name() string { return l.d.Name() }

// Deliverer returns the wrapped deliverer.
func (l *Level) Deliverer() Deliverer { return l.d }

func (l *Level) target(name string) *levelTarget {
	t, ok := l.targets[name]
	if !ok {
		t = &levelTarget{}
		l.targets[name] = t
	}
	return t
}

// Restore sets what a target's receiver acknowledged before a restart
// (from the persisted state), and whether a delivery failed since (unsure:
// the receiver may have applied it, so the current desired units are sent
// even when they equal the acknowledged ones); it also publishes the
// target's pending series.
func (l *Level) Restore(target string, units int, unsure bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	t := l.target(target)
	t.acked, t.hasAcked, t.unsure = units, true, unsure
	l.setPending(target, t)
}

// OnAck makes f called with the target's name after each delivery the
// receiver acknowledges in the background (Run's, or Sync called alone),
// outside the Level's locks, so that the units it acknowledged are
// published when they arrive, not at the next cycle. An Inline level
// never calls it: its deliveries end within Act, whose caller reads
// Acked itself (and may hold the lock f takes).
func (l *Level) OnAck(f func(target string)) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.onAck = f
}

// Unsure reports whether a delivery to target failed since the receiver's
// last acknowledgement (the receiver may have applied it): the state file
// keeps it, so that a restart does not take the acknowledged units as in
// place.
func (l *Level) Unsure(target string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	t, ok := l.targets[target]
	return ok && t.unsure
}

// Act makes a the target's desired action: it replaces any action not yet
// acknowledged. A changed desired value is due at once; the same value
// keeps its backoff. With Inline it is delivered before Act returns (the
// error is the delivery's); else Run delivers it.
func (l *Level) Act(ctx context.Context, a Action) error {
	l.mu.Lock()
	t := l.target(a.Target)
	if !t.hasWant || t.want.Desired != a.Desired {
		t.next = time.Time{}
		if t.replaced != nil { // the delivery under way stops retrying
			close(t.replaced)
			t.replaced = nil
		}
	}
	t.want, t.hasWant = a, true
	l.setPending(a.Target, t)
	l.mu.Unlock()
	if l.cfg.Inline {
		l.Sync(ctx)
		l.mu.Lock()
		defer l.mu.Unlock()
		if t.pending() && t.out.LastErr != "" {
			return &DeliveryError{Actuator: l.Name(), Target: a.Target, Msg: t.out.LastErr}
		}
		return nil
	}
	l.wake()
	return nil
}

// wake makes Run look at the targets again.
func (l *Level) wake() {
	select {
	case l.kick <- struct{}{}:
	default:
	}
}

// DeliveryError is an inline delivery that failed (it is retried).
type DeliveryError struct{ Actuator, Target, Msg string }

func (e *DeliveryError) Error() string {
	return "actuator " + e.Actuator + ": target " + e.Target + ": " + e.Msg
}

// Acked returns the units the receiver last acknowledged for target, and
// when (zero when restored from the state file).
func (l *Level) Acked(target string) (units int, at time.Time, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	t, found := l.targets[target]
	if !found || !t.hasAcked {
		return 0, time.Time{}, false
	}
	return t.acked, t.ackedAt, true
}

// Sync delivers every due pending target once, in name order, and returns
// when the next pending target is due (zero when none is pending). Beside
// Run it skips a target Run is delivering to.
func (l *Level) Sync(ctx context.Context) time.Time {
	l.syncMu.Lock()
	defer l.syncMu.Unlock()
	now := l.cfg.Now()
	l.mu.Lock()
	due := l.dueNames(now)
	l.mu.Unlock()
	for _, name := range due {
		if ctx.Err() != nil {
			break
		}
		l.mu.Lock()
		t := l.targets[name]
		if !t.due(now, l.notBefore) {
			// Run started a delivery to it (or it was acknowledged)
			// since the round listed it: one delivery per target at a
			// time.
			l.mu.Unlock()
			continue
		}
		a := l.start(name, t)
		l.mu.Unlock()
		err := l.d.Deliver(ctx, a)
		l.finish(ctx, name, a, err)
	}
	return l.nextDue()
}

// dueNames lists, in name order, the targets due at now; l.mu is held.
func (l *Level) dueNames(now time.Time) []string {
	var due []string
	for name, t := range l.targets {
		if t.due(now, l.notBefore) {
			due = append(due, name)
		}
	}
	sort.Strings(due)
	return due
}

// due reports whether a delivery to the target should start at now, the
// receiver having asked not to be sent to before hold.
func (t *levelTarget) due(now, hold time.Time) bool {
	return t.pending() && !t.inFlight && !t.nextAttempt(hold).After(now)
}

// start marks a delivery of target name's desired action under way and
// returns that action, told when the desired units change (replaced),
// and reporting each failed attempt it retries (attemptFailed). l.mu is
// held.
func (l *Level) start(name string, t *levelTarget) Action {
	t.inFlight = true
	t.replaced = make(chan struct{})
	a := t.want
	a.replaced = t.replaced
	sent := t.want
	a.attemptFailed = func(err error) { l.attemptFailed(name, sent, err) }
	return a
}

// attemptFailed records a failed attempt of a delivery to target name
// that the deliverer retries: the receiver's outage starts there (its
// WARN, the target failing in the health, with the attempt's error and
// count), not once the delivery's last attempt has failed. A hanging
// webhook receiver (5 attempts of 10 s, and the waits between) was
// reported 57.5 s into the delivery, one answering 500 7.55 s into it;
// now after 10 s and at once (TestAttemptFailureReportedAtOnce).
func (l *Level) attemptFailed(name string, sent Action, err error) {
	now := l.cfg.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	t := l.targets[name]
	t.unsure = true // the receiver may have applied it (a timeout)
	l.logFailure(t, name, sent, now, err)
}

// nextAttempt is the earliest time of the next delivery while pending: the
// backoff's, or later when the receiver asked for that (hold).
func (t *levelTarget) nextAttempt(hold time.Time) time.Time {
	if hold.After(t.next) {
		return hold
	}
	return t.next
}

// MaxRetryAfter bounds how long a receiver's Retry-After holds its
// targets' resends (a far date, a clock skewed by hours, must not stop actuation).
const MaxRetryAfter = time.Hour

// retryLater is a delivery error from a receiver that asked not to be sent
// to again before RetryAfter has passed (a webhook's 429 or 503 with a
// Retry-After beyond what one delivery waits).
type retryLater interface{ RetryAfter() time.Duration }

// askedWait is how long err's receiver asked to be left alone (0: no ask),
// at most MaxRetryAfter.
func askedWait(err error) time.Duration {
	var r retryLater
	if !errors.As(err, &r) {
		return 0
	}
	return min(max(0, r.RetryAfter()), MaxRetryAfter)
}

// finish records a delivery's outcome and ends the target's delivery. A
// delivery that failed because ctx ended (shutting down) is not the
// receiver's failure: no outage, no backoff; but the receiver may have
// applied it (the request was out), so the target is unsure, and the state
// file saved at shutdown keeps that. An acknowledgement is recorded even
// when ctx ended meanwhile, and OnAck's function called.
func (l *Level) finish(ctx context.Context, name string, sent Action, err error) {
	if err == nil || ctx.Err() == nil {
		l.record(name, sent, err)
	}
	l.mu.Lock()
	t := l.targets[name]
	if err != nil && ctx.Err() != nil {
		t.unsure = true
	}
	t.inFlight, t.replaced = false, nil
	onAck := l.onAck
	l.mu.Unlock()
	if err == nil && onAck != nil && !l.cfg.Inline {
		onAck(name)
	}
}

// dispatch starts a delivery, on its own goroutine counted by wg, for each
// due target, in name order, while fewer than Parallel are in flight; each
// ends with a wake. It returns when the next target not in flight is due,
// or the zero time while Parallel are in flight.
func (l *Level) dispatch(ctx context.Context, wg *sync.WaitGroup) time.Time {
	now := l.cfg.Now()
	l.mu.Lock()
	due := l.dueNames(now)
	for _, name := range due[:min(len(due), max(0, l.cfg.Parallel-l.running))] {
		t := l.targets[name]
		l.running++
		a := l.start(name, t)
		wg.Go(func() {
			err := l.d.Deliver(ctx, a)
			l.finish(ctx, name, a, err)
			l.mu.Lock()
			l.running--
			l.mu.Unlock()
			l.wake()
		})
	}
	full := l.running >= l.cfg.Parallel
	l.mu.Unlock()
	if full {
		return time.Time{} // nothing starts before a delivery ends (and wakes Run)
	}
	return l.nextDue()
}

// record applies one delivery's outcome.
func (l *Level) record(name string, sent Action, err error) {
	now := l.cfg.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	t := l.targets[name]
	if err != nil {
		t.unsure = true
		t.backoff = min(max(l.cfg.MinBackoff, 2*t.backoff), l.cfg.MaxBackoff)
		if t.want.Desired == sent.Desired { // else the new desired units are due at once
			t.next = now.Add(t.backoff)
		}
		// A resend on the backoff (1 s doubling to the scaling interval)
		// came back long before the receiver's Retry-After, and was refused
		// again, as often as the backoff allowed. The latest ask holds every
		// target (another target's delivery that was under way may answer
		// later with a shorter or no Retry-After: that does not end it).
		if d := askedWait(err); d > 0 && now.Add(d).After(l.notBefore) {
			l.notBefore = now.Add(d)
		}
		l.logFailure(t, name, sent, now, err)
		l.setPending(name, t)
		return
	}
	t.acked, t.hasAcked, t.ackedAt, t.unsure = sent.Desired, true, now, false
	l.logRecovery(t, name, sent, now)
	t.backoff = 0
	if t.pending() { // the desired units changed while this one was delivered
		t.next = time.Time{}
	}
	l.setPending(name, t)
}

// logFailure records a failed delivery to target t in its tracker and in
// the receiver's: the receiver's outage logs the WARN (naming this first
// target), each target's own outage only at DEBUG. A delivery that ends
// on an attempt already recorded (attemptReported) updates the error
// only. l.mu is held.
func (l *Level) logFailure(t *levelTarget, name string, sent Action, now time.Time, err error) {
	const msg = "actuation failing: the current desired units will be re-sent until acknowledged"
	if errors.As(err, new(attemptReported)) && t.out.Failing() && l.out.Failing() {
		// Counted and logged when it failed (attemptFailed); the error
		// now says how the delivery ended.
		t.out.LastErr, l.out.LastErr = err.Error(), err.Error()
		return
	}
	attrs := []any{"target", name, "actuator", l.Name(), "desired", sent.Desired}
	if t.out.Fail(discard, now, err, msg) {
		l.failing++
		l.hit++
	}
	l.out.Fail(l.cfg.Logger, now, err, msg, append(attrs, "targets_failing", l.failing)...)
}

// logRecovery records a delivery to target t acknowledged: a target that
// was failing recovers at DEBUG, and the receiver's outage ends (INFO,
// with the targets it hit) when it was the last failing one. l.mu is held.
func (l *Level) logRecovery(t *levelTarget, name string, sent Action, now time.Time) {
	if !t.out.OK(discard, now, "") {
		return
	}
	l.failing--
	l.cfg.Logger.Debug("actuation recovered", "target", name, "actuator", l.Name(), "units", sent.Desired)
	if l.failing == 0 {
		l.out.OK(l.cfg.Logger, now, "actuation recovered", "actuator", l.Name(), "targets", l.hit, "last_target", name)
		l.hit = 0
	}
}

// discard is the per-target trackers' logger: the receiver's tracker logs.
var discard = slog.New(slog.DiscardHandler)

func (l *Level) nextDue() time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	var next time.Time
	first := true
	for _, t := range l.targets {
		if t.pending() && !t.inFlight && (first || t.nextAttempt(l.notBefore).Before(next)) {
			next, first = t.nextAttempt(l.notBefore), false
		}
	}
	if first {
		return time.Time{}
	}
	if next.IsZero() {
		return l.cfg.Now()
	}
	return next
}

func (l *Level) setPending(name string, t *levelTarget) {
	if l.cfg.Metrics == nil {
		return
	}
	v := 0.0
	if t.pending() {
		v = 1
	}
	l.cfg.Metrics.pending.WithLabelValues(name, l.Name()).Set(v)
}

// Run delivers in the background until ctx ends: at once when Act changes
// a target, and when a failed target's backoff expires; up to Parallel
// targets at once (an Inline level one at a time, as Sync), and it returns
// once its deliveries have.
func (l *Level) Run(ctx context.Context) {
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		var next time.Time
		if l.cfg.Inline {
			next = l.Sync(ctx)
		} else {
			next = l.dispatch(ctx, &wg)
		}
		var timer *time.Timer
		var fire <-chan time.Time
		if !next.IsZero() {
			timer = time.NewTimer(max(0, next.Sub(l.cfg.Now())))
			fire = timer.C
		}
		select {
		case <-ctx.Done():
		case <-l.kick:
		case <-fire:
		}
		if timer != nil {
			timer.Stop()
		}
		if ctx.Err() != nil {
			return
		}
	}
}

// Status is one target's actuation as /api/system/health shows it.
type Status struct {
	Target   string `json:"target"`
	Actuator string `json:"actuator"`
	// Desired is the units being carried out; Acknowledged the units the
	// receiver last acknowledged (nil: none yet).
	Desired      int  `json:"desired_units"`
	Acknowledged *int `json:"acknowledged_units"`
	// Pending: Acknowledged differs from Desired, or a delivery failed
	// since it was acknowledged (a delivery is due or in progress);
	// Failing: at least one delivery of it failed.
	Pending        bool      `json:"pending"`
	Failing        bool      `json:"failing"`
	FailingSince   time.Time `json:"failing_since,omitzero"`
	FailedAttempts int       `json:"failed_attempts"`
	NextAttempt    time.Time `json:"next_attempt,omitzero"`
	LastErr        string    `json:"last_error,omitempty"`
}

// AcknowledgedText is Acknowledged as a message says it: the units, or
// "none" before the receiver acknowledged any.
func (s Status) AcknowledgedText() string {
	if s.Acknowledged == nil {
		return "none"
	}
	return strconv.Itoa(*s.Acknowledged)
}

// Status lists every target with a desired action, by name.
func (l *Level) Status() []Status {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]Status, 0, len(l.targets))
	for name, t := range l.targets {
		if !t.hasWant && !t.hasAcked {
			continue
		}
		s := Status{Target: name, Actuator: l.Name(), Desired: t.want.Desired, Pending: t.pending(),
			Failing: t.out.Failing(), FailingSince: t.out.Since, FailedAttempts: t.out.Failures, LastErr: t.out.LastErr}
		if !t.hasWant {
			s.Desired = t.acked
		}
		if t.hasAcked {
			u := t.acked
			s.Acknowledged = &u
		}
		if s.Pending && !t.inFlight {
			// While a delivery is under way none is scheduled: it showed
			// the time that delivery was due, in the past (a slow receiver,
			// up to PRESCALE_WEBHOOK_MAX_ATTEMPTS x PRESCALE_WEBHOOK_TIMEOUT).
			s.NextAttempt = t.nextAttempt(l.notBefore)
		}
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Target < out[j].Target })
	return out
}
