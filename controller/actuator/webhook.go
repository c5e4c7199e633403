package actuator

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/common/model"

	"github.com/prescale/prescale/internal/redact"
	"github.com/prescale/prescale/internal/tlshint"
)

// Message is Alertmanager's webhook payload, version 4 (see Alertmanager's
// notify/webhook and template.Data): prescale sends one alert per decision.
type Message struct {
	Version         string            `json:"version"`
	GroupKey        string            `json:"groupKey"`
	TruncatedAlerts uint64            `json:"truncatedAlerts"`
	Status          string            `json:"status"`
	Receiver        string            `json:"receiver"`
	GroupLabels     map[string]string `json:"groupLabels"`
	CommonLabels    map[string]string `json:"commonLabels"`
	CommonAnnot     map[string]string `json:"commonAnnotations"`
	ExternalURL     string            `json:"externalURL"`
	Alerts          []Alert           `json:"alerts"`
}

// Alert is one alert of a Message.
type Alert struct {
	Status       string            `json:"status"`
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations"`
	StartsAt     time.Time         `json:"startsAt"`
	EndsAt       time.Time         `json:"endsAt"`
	GeneratorURL string            `json:"generatorURL"`
	Fingerprint  string            `json:"fingerprint"`
}

// WebhookConfig configures a Webhook. Zero values mean the defaults given.
type WebhookConfig struct {
	URL      string
	Receiver string // receiver name in the payload and metrics; "" means "prescale"
	// ExternalURL is the link back to the controller: its base URL (a
	// path prefix allowed) or its /api/scaling/status page. Each alert's
	// generatorURL is the target's own status page under it.
	ExternalURL string
	Timeout     time.Duration // per attempt; 0 means 10 s
	MaxAttempts int           // 0 means 5
	Backoff     time.Duration // first retry delay, doubled each retry up to 30 s; 0 means 500 ms
	// Client nil means a client with Timeout that follows only the
	// redirects keeping the POST and its body (307, 308; see keepPost).
	Client *http.Client
	// Wait sleeps between retries; nil means a timer honouring ctx (tests inject).
	Wait func(ctx context.Context, d time.Duration) error
	// Now is the clock (the controller's; tests inject one): a
	// delivery's duration is read on it, a Retry-After date against it,
	// and the time waited since a Retry-After on it. nil means time.Now.
	// Timeout and Wait's timer are on the real clock: they bound real
	// requests.
	Now func() time.Time
}

// maxBackoff bounds the wait between two attempts of one delivery, the
// doubled backoff and a receiver's Retry-After alike.
const maxBackoff = 30 * time.Second

// Webhook posts each action to an HTTP endpoint as an Alertmanager v4
// message, retrying 5xx, 429, timeouts and connection errors up to
// MaxAttempts times with exponential backoff (a 429's or 503's
// Retry-After, when longer and within maxBackoff, is waited instead) and
// never retrying other 4xx within one delivery. Wrapped in a Level (as the controller does), a failed delivery is repeated later
// with the target's then current desired units.
type Webhook struct {
	cfg     WebhookConfig
	metrics *Metrics
	secrets []string // the URL's credentials, kept out of quoted answers
	status  *url.URL // the status page under ExternalURL (nil: none)
}

var _ Deliverer = (*Webhook)(nil)

// NewWebhook validates cfg and builds the webhook (call Run to deliver).
func NewWebhook(cfg WebhookConfig, m *Metrics) (*Webhook, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("actuator: webhook URL %q must be http(s)://host[:port]/path", redact.URL(cfg.URL))
	}
	if cfg.Receiver == "" {
		cfg.Receiver = "prescale"
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 5
	}
	if cfg.Backoff <= 0 {
		cfg.Backoff = 500 * time.Millisecond
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: cfg.Timeout, CheckRedirect: keepPost}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Wait == nil {
		cfg.Wait = func(ctx context.Context, d time.Duration) error {
			t := time.NewTimer(d)
			defer t.Stop()
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-t.C:
				return nil
			}
		}
	}
	m.initFor(cfg.Receiver)
	cfg.ExternalURL = withoutUserInfo(cfg.ExternalURL)
	return &Webhook{cfg: cfg, metrics: m, secrets: urlSecrets(u), status: statusPage(cfg.ExternalURL)}, nil
}

// withoutUserInfo is the URL raw without its user info, raw as given when
// it has none or does not parse. The payload's links are read by whoever
// reads the alert (the chat channel or mail Alertmanager forwards it to):
// PRESCALE_EXTERNAL_URL's password was shown there, which every log and
// API answer hides.
func withoutUserInfo(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	u.User = nil
	return u.String()
}

// StatusPath is the REST API's status page; ?target=NAME is one
// target's. controller/api serves it and the controller's default
// PRESCALE_EXTERNAL_URL names it: its one home is here, since the API
// imports the actuators (a webhook links to the page), not the other way
// round.
const StatusPath = "/api/scaling/status"

// statusPage is the status page under the controller's URL ext, its
// base (with a path prefix behind a proxy) or the page itself, without a
// query; nil when ext is empty or does not parse.
func statusPage(ext string) *url.URL {
	u, err := url.Parse(ext)
	if ext == "" || err != nil {
		return nil
	}
	if !strings.HasSuffix(u.Path, StatusPath) {
		u.Path = strings.TrimSuffix(u.Path, "/") + StatusPath
		u.RawPath = ""
	}
	u.RawQuery, u.Fragment, u.RawFragment = "", "", ""
	return u
}

// generatorURL is an alert's link: the target's own status page (a page
// of the whole status misses most of a large fleet), or ExternalURL as
// given when it is no URL.
func (w *Webhook) generatorURL(target string) string {
	if w.status == nil {
		return w.cfg.ExternalURL
	}
	u := *w.status
	u.RawQuery = "target=" + url.QueryEscape(target)
	return u.String()
}

// urlSecrets are the parts of u that redact.URL hides (its user info,
// the user name and password alone) and what a request to u sends of it
// (redact.URLSent: the Basic credential, the query whole and each value,
// decoded and as sent), longest first, for scrubbing a receiver's answer
// that echoes them (an error page quoting the request, a proxy quoting
// its Authorization header: the credential was quoted as sent).
func urlSecrets(u *url.URL) []string {
	var out []string
	if u.User != nil {
		p, _ := u.User.Password()
		out = append(out, u.User.String(), u.User.Username(), p)
	}
	out = append(out, redact.URLSent(u)...)
	out = slices.DeleteFunc(out, func(s string) bool { return s == "" })
	slices.SortFunc(out, func(a, b string) int { return len(b) - len(a) })
	return out
}

// Name implements Deliverer.
func (w *Webhook) Name() string { return "webhook:" + w.cfg.Receiver }

// Deliver implements Deliverer: Send, timed on the clock Now.
func (w *Webhook) Deliver(ctx context.Context, a Action) error {
	start := w.cfg.Now()
	err := w.Send(ctx, a)
	if w.metrics != nil {
		w.metrics.latency.WithLabelValues(w.cfg.Receiver).Observe(w.cfg.Now().Sub(start).Seconds())
	}
	return err
}

// Payload builds the v4 message for an action.
func (w *Webhook) Payload(a Action) Message {
	lbls := map[string]string{
		"alertname": "PrescaleScalingDecision",
		"target":    a.Target,
		"tier":      a.Tier,
		"kind":      a.Kind,
		"direction": a.Direction,
		"reason":    a.Reason,
	}
	ann := map[string]string{
		"summary":        fmt.Sprintf("scale %s %s from %d to %d units (%s)", a.Target, a.Direction, a.Current, a.Desired, a.Reason),
		"description":    a.Explanation,
		"desired_units":  strconv.Itoa(a.Desired),
		"current_units":  strconv.Itoa(a.Current),
		"confidence":     strconv.FormatFloat(a.Confidence, 'f', 3, 64),
		"forecast":       strconv.FormatFloat(a.Forecast, 'g', 6, 64),
		"forecast_upper": strconv.FormatFloat(a.Upper, 'g', 6, 64),
		"cost_per_hour":  strconv.FormatFloat(a.CostPerHour, 'f', 4, 64),
	}
	ls := model.LabelSet{}
	for k, v := range lbls {
		ls[model.LabelName(k)] = model.LabelValue(v)
	}
	group := map[string]string{"alertname": lbls["alertname"], "target": a.Target}
	return Message{
		Version:      "4",
		GroupKey:     fmt.Sprintf("{}:{alertname=%q, target=%q}", lbls["alertname"], a.Target),
		Status:       "firing",
		Receiver:     w.cfg.Receiver,
		GroupLabels:  group,
		CommonLabels: lbls,
		CommonAnnot:  ann,
		ExternalURL:  w.cfg.ExternalURL,
		Alerts: []Alert{{
			Status:       "firing",
			Labels:       lbls,
			Annotations:  ann,
			StartsAt:     a.At.UTC(),
			EndsAt:       a.At.UTC().Add(time.Hour),
			GeneratorURL: w.generatorURL(a.Target),
			Fingerprint:  ls.Fingerprint().String(),
		}},
	}
}

// errPermanent marks a failure that must not be retried within the
// delivery (4xx, a redirect that would drop the message). Its text said
// "permanent", in the WARN and the health beside "re-sent until
// acknowledged": the Level re-sends it with the backoff all the same.
var errPermanent = errors.New("refused, not retried before the next resend")

// errDropsMessage is a redirect (301, 302, 303) that an HTTP client
// follows with a GET without the message: the receiver then answered the
// GET, and prescale took that answer as the decision's acknowledgement,
// though the message never reached it (an http:// URL redirected to
// https://, a moved receiver).
var errDropsMessage = errors.New("redirect (with a GET, which drops the message) not followed")

// keepPost is the webhook client's redirect policy: it follows redirects
// that repeat the POST with its body (307, 308), at most 10, and refuses
// the others.
func keepPost(req *http.Request, via []*http.Request) error {
	if len(via) >= 10 {
		return errors.New("stopped after 10 redirects")
	}
	if req.Method != via[0].Method {
		return fmt.Errorf("%w: %w: %s; set PRESCALE_WEBHOOK_URL to it", errPermanent, errDropsMessage, redact.URL(req.URL.String()))
	}
	return nil
}

// Send delivers one action now, with retries; it updates the counters.
func (w *Webhook) Send(ctx context.Context, a Action) error {
	body, err := json.Marshal(w.Payload(a))
	if err != nil {
		return fmt.Errorf("actuator: webhook %s: marshal: %w", w.cfg.Receiver, err)
	}
	delay := w.cfg.Backoff
	for attempt := 1; ; attempt++ {
		err = w.post(ctx, body)
		if err == nil {
			if w.metrics != nil {
				w.metrics.sent.WithLabelValues(w.cfg.Receiver).Inc()
			}
			return nil
		}
		if errors.Is(err, errPermanent) || attempt >= w.cfg.MaxAttempts || ctx.Err() != nil {
			break
		}
		if a.isReplaced() {
			err = w.replaced(err, w.cfg.Now())
			break
		}
		wait := delay
		if b := (*busyError)(nil); errors.As(err, &b) && b.after > wait {
			if b.after > maxBackoff {
				// Waiting that long would hold the delivery past its
				// limits; the Level re-sends it once that has passed
				// (the error still carries the busyError it reads).
				err = fmt.Errorf("%w: beyond the %s a delivery waits between attempts, re-sent once it has passed (at most %gh)", err, maxBackoff, MaxRetryAfter.Hours())
				break
			}
			wait = b.after
		}
		a.failedAttempt(fmt.Errorf("actuator: webhook %s to %s: attempt %d of %d, retried: %w", w.cfg.Receiver, redact.URL(w.cfg.URL), attempt, w.cfg.MaxAttempts, err))
		waited := w.cfg.Now()
		if werr := w.wait(ctx, a, wait); a.isReplaced() {
			err = attemptReported{w.replaced(err, waited)}
			break
		} else if werr != nil {
			err = errors.Join(err, werr)
			break
		}
		if w.metrics != nil {
			w.metrics.retries.WithLabelValues(w.cfg.Receiver).Inc()
		}
		delay = min(2*delay, maxBackoff)
	}
	if w.metrics != nil {
		w.metrics.failed.WithLabelValues(w.cfg.Receiver).Inc()
	}
	return fmt.Errorf("actuator: webhook %s to %s: %w", w.cfg.Receiver, redact.URL(w.cfg.URL), err)
}

// notRetried ends the error of a delivery whose target's desired units
// changed during it: its attempts stop, and the Level sends the new units
// at once. They went on (up to PRESCALE_WEBHOOK_MAX_ATTEMPTS attempts of
// PRESCALE_WEBHOOK_TIMEOUT each, and the waits between), so the new
// decision waited behind them, and a receiver that came back meanwhile got
// the old units first.
const notRetried = "not retried: the target's desired units changed, the new ones are sent now"

// replaced ends the error of a delivery whose target's desired units
// changed during it, the last answer having come at since (notRetried). A
// Retry-After that answer asked for is shortened by the time waited since
// it: the Level holds the receiver for it from the error's time, so new
// units decided 19 s into a 20 s Retry-After waited 20 s more, not 1.
func (w *Webhook) replaced(err error, since time.Time) error {
	if b := (*busyError)(nil); errors.As(err, &b) {
		b.after = max(0, b.after-w.cfg.Now().Sub(since))
	}
	return fmt.Errorf("%w; %s", err, notRetried)
}

// wait is Wait between two attempts of a's delivery, ended early when a
// is replaced.
func (w *Webhook) wait(ctx context.Context, a Action, d time.Duration) error {
	if a.replaced == nil {
		return w.cfg.Wait(ctx, d)
	}
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-a.replaced:
			cancel()
		case <-wctx.Done():
		}
	}()
	return w.cfg.Wait(wctx, d)
}

func (w *Webhook) post(ctx context.Context, body []byte) error {
	cctx, cancel := context.WithTimeout(ctx, w.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(cctx, http.MethodPost, w.cfg.URL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("%w: %w", errPermanent, redact.Err(err))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "prescale-controller")
	resp, err := w.cfg.Client.Do(req)
	if err != nil {
		// Network errors and timeouts are retried; a refused redirect
		// (keepPost) is permanent.
		var ne net.Error
		if ctx.Err() == nil && (errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout()) {
			// It said only "context deadline exceeded".
			return fmt.Errorf("no answer within %s (PRESCALE_WEBHOOK_TIMEOUT): %w", w.cfg.Timeout, redact.Err(err))
		}
		if hint := tlshint.For(err); hint != "" {
			return fmt.Errorf("%w%s", redact.Err(err), hint)
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET) {
			// It said "EOF" alone.
			return fmt.Errorf("%w (the receiver closed the connection without answering)", redact.Err(err))
		}
		return redact.Err(err)
	}
	// Always drain and close so the connection is reused; the start of
	// the body is kept for the error (a receiver's 400 says why there).
	head := make([]byte, 512)
	n, _ := io.ReadFull(resp.Body, head)
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	_ = resp.Body.Close()
	switch {
	case resp.StatusCode/100 == 2:
		return nil
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable:
		b := &busyError{err: fmt.Errorf("HTTP %d%s", resp.StatusCode, w.answered(head[:n]))}
		if ra := resp.Header.Get("Retry-After"); ra != "" {
			var ok bool
			if b.after, ok = retryAfter(ra, w.cfg.Now()); ok {
				b.err = fmt.Errorf("%w, Retry-After %s", b.err, b.after)
			}
		}
		return b
	case resp.StatusCode/100 == 4:
		return fmt.Errorf("%w: HTTP %d%s", errPermanent, resp.StatusCode, w.answered(head[:n]))
	default:
		return fmt.Errorf("HTTP %d%s", resp.StatusCode, w.answered(head[:n]))
	}
}

// busyError is a receiver's 429 (too many requests) or 503 (unavailable):
// retried like a 5xx, after the Retry-After it gave if that is longer than
// the backoff.
type busyError struct {
	err   error
	after time.Duration // Retry-After (0: none or unreadable)
}

func (b *busyError) Error() string { return b.err.Error() }
func (b *busyError) Unwrap() error { return b.err }

// RetryAfter is the receiver's Retry-After, which the Level honours before
// its next resend (retryLater).
func (b *busyError) RetryAfter() time.Duration { return b.after }

// retryAfter reads a Retry-After header (RFC 9110 10.2.3): a number of
// seconds or an HTTP date, a date in the past meaning now; ok is false for
// anything else.
func retryAfter(v string, now time.Time) (d time.Duration, ok bool) {
	v = strings.TrimSpace(v)
	if secs, err := strconv.ParseUint(v, 10, 32); err == nil {
		return time.Duration(secs) * time.Second, true
	}
	if at, err := http.ParseTime(v); err == nil {
		return max(0, at.Sub(now)).Round(time.Second), true
	}
	return 0, false
}

// answered quotes the start of a failed answer's body for its error (at
// most 200 bytes, without the URL's credentials), or nothing for an empty
// one.
func (w *Webhook) answered(body []byte) string {
	b := strings.TrimSpace(string(body))
	b = redact.HideEchoed(b, w.secrets)
	if b == "" {
		return ""
	}
	return fmt.Sprintf(" (answered %q)", redact.Cut(b, 200))
}
