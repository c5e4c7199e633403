package history

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/prometheus/client_golang/api"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"github.com/prescale/prescale/controller/history/internal/queryhttp"
	"github.com/prescale/prescale/internal/redact"
	"github.com/prescale/prescale/internal/tlshint"
)

// RangeQuerier is the one method of client_golang's v1.API that Remote uses.
type RangeQuerier interface {
	QueryRange(ctx context.Context, query string, r v1.Range, opts ...v1.Option) (model.Value, v1.Warnings, v1.Infos, error)
}

// Remote reads history from a Prometheus-compatible server (Prometheus 2.x
// and 3.x, Thanos, Mimir, VictoriaMetrics) through /api/v1/query_range.
type Remote struct {
	api       RangeQuerier
	timeout   time.Duration
	maxPoints int
	addr      string
	https     bool // the URL is https:// (the TLS hint)
	cert      bool // a client certificate is presented (the TLS hint)
	// secrets are the credentials sent (sentSecrets), hidden in what a
	// server answered wherever an error quotes it.
	secrets []string
}

var _ History = (*Remote)(nil)

// NewRemote builds a Remote for the server at addr. timeout bounds each
// query_range call (0 means 30 s).
func NewRemote(addr string, timeout time.Duration) (*Remote, error) {
	return NewRemoteWith(addr, RemoteOptions{Timeout: timeout})
}

// RemoteOptions tune a Remote.
type RemoteOptions struct {
	// Timeout bounds each query_range call (0 means 30 s).
	Timeout time.Duration
	// Headers are sent with every request (a tenant's X-Scope-OrgID for
	// Mimir, Cortex or a multi-tenant Thanos); their values are secrets to
	// the logs: no error or log line repeats them.
	Headers http.Header
	// Conns is the number of queries in flight at once, so as many
	// keep-alive connections are kept idle (0 means 2, net/http's default).
	Conns int
	// TLS is the client's TLS configuration (nil: Go's default): a CA, and
	// a client certificate for a server requiring one (internal/tlsfiles).
	TLS *tls.Config
	// TLSChanged reports whether TLS's files changed on disk since it last
	// did (tlsfiles.Files.Watch; nil: never): the next query then opens a
	// new connection, whose handshake presents the renewed certificate.
	TLSChanged func() bool
}

// NewRemoteWith builds a Remote for the server at addr.
func NewRemoteWith(addr string, o RemoteOptions) (*Remote, error) {
	u, err := url.Parse(addr)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return nil, fmt.Errorf("history: bad Prometheus URL %q: want scheme://host[:port]", redact.URL(addr))
	}
	hc := queryhttp.NewClient(o.Conns, o.Headers, 2*orDefault(o.Timeout), o.TLS, o.TLSChanged)
	c, err := api.NewClient(api.Config{Address: addr, Client: hc})
	if err != nil {
		return nil, fmt.Errorf("history: %w", redact.Err(err))
	}
	r := NewRemoteAPI(v1.NewAPI(c), redact.URL(addr), o.Timeout)
	r.https, r.cert = u.Scheme == "https", o.TLS != nil && o.TLS.GetClientCertificate != nil
	r.secrets = sentSecrets(addr, o.Headers)
	return r, nil
}

// MaxAnswerBytes bounds one query_range answer's body (queryhttp).
const MaxAnswerBytes = queryhttp.MaxAnswerBytes

// ErrTooLarge: an answer's body exceeded MaxAnswerBytes.
var ErrTooLarge = queryhttp.ErrTooLarge

// ParseHeaders reads NAME=VALUE entries (PRESCALE_PROMETHEUS_HEADERS) into
// a header set. Errors name the entry and the header, never the value.
func ParseHeaders(entries []string) (http.Header, error) { return queryhttp.ParseHeaders(entries) }

// NewRemoteAPI wraps an existing client (tests pass a fake). addr is only
// used in error messages and should already be redacted.
func NewRemoteAPI(q RangeQuerier, addr string, timeout time.Duration) *Remote {
	return &Remote{api: q, timeout: orDefault(timeout), maxPoints: MaxPointsPerSeries - 1, addr: addr}
}

func orDefault(d time.Duration) time.Duration {
	if d <= 0 {
		return 30 * time.Second
	}
	return d
}

// QueryRange implements History. Ranges longer than the server's
// points-per-series limit are split into consecutive calls on the same grid.
func (r *Remote) QueryRange(ctx context.Context, query string, start, end time.Time, step time.Duration) (Series, error) {
	start, end, err := checkRange(query, start, end, step)
	if err != nil {
		return Series{}, err
	}
	f := newFiller(start, end, step)
	for _, c := range chunks(start, end, step, r.maxPoints) {
		cctx, cancel := context.WithTimeout(ctx, r.timeout)
		cctx, vmPartial := queryhttp.WithPartialFlag(cctx)
		v, warns, _, err := r.api.QueryRange(cctx, query, v1.Range{Start: c[0], End: c[1], Step: step})
		cancel()
		if err != nil && ctx.Err() == nil && errors.Is(cctx.Err(), context.DeadlineExceeded) {
			// It said only "context deadline exceeded".
			return Series{}, fmt.Errorf("history: query_range on %s: no answer within %s (PRESCALE_QUERY_TIMEOUT; the slowest reads are a whole PRESCALE_HISTORY_WINDOW, at the first cycle and every 6h): %w",
				r.addr, r.timeout, redact.Err(err))
		}
		if err != nil {
			return Series{}, r.explain(err)
		}
		if err := r.partial(warns); err != nil {
			return Series{}, err
		}
		if vmPartial.Load() {
			return Series{}, fmt.Errorf("history: query_range on %s: %w (the answer says isPartial: a VictoriaMetrics vmstorage node did not answer)", r.addr, ErrPartial)
		}
		if err := f.addMatrix(v); err != nil {
			return Series{}, err
		}
	}
	return f.result()
}

// partial refuses an answer whose warnings say the store could not read
// all of its data: a remote_read endpoint or a Thanos store that failed
// (Prometheus and Thanos then answer with what the others had, and a
// warning naming the failure). A demand summed over part of the data is too
// low: deciding on it would scale down on missing data. The warnings
// PromQL's evaluation adds about the query ("PromQL info: ...", "PromQL
// warning: ...", Prometheus 2.44 on) leave the data whole and are not
// refused.
func (r *Remote) partial(warns v1.Warnings) error {
	var store []string
	for _, w := range warns {
		if !strings.HasPrefix(w, "PromQL ") {
			store = append(store, redact.Cut(redact.HideEchoed(w, r.secrets), 200))
		}
	}
	if len(store) == 0 {
		return nil
	}
	return fmt.Errorf("history: query_range on %s: %w (warnings: %q)", r.addr, ErrPartial, store)
}

// maxServerMsg is the most bytes of a server's error message an error
// repeats.
const maxServerMsg = 500

// explain turns a failed query_range call into an error that says what
// went wrong in the user's terms. An answer the API gives for a query it
// cannot evaluate (Prometheus' bad_data and execution, VictoriaMetrics'
// and Mimir's 400 and 422, which include exceeded query limits) wraps
// ErrQuery: the target's problem, the source is up. Anything else (down,
// refusing, not a Prometheus API) is the source's.
func (r *Remote) explain(err error) error {
	if errors.Is(err, ErrTooLarge) {
		return fmt.Errorf("history: query_range on %s: %w: %w", r.addr, ErrQuery, ErrTooLarge)
	}
	var ae *v1.Error
	if !errors.As(err, &ae) {
		return fmt.Errorf("history: query_range on %s: %w%s", r.addr, redact.Err(err), tlshint.ForHistory(err, r.https, r.cert))
	}
	// The server's message, or the decoder's quoting the answer, is cut:
	// a 5,000-byte one was logged whole every cycle.
	// What the server answered (the message, the body) hides the
	// credentials it was sent, which a proxy's refusal may echo.
	msg := redact.Cut(redact.HideEchoed(ae.Msg, r.secrets), maxServerMsg)
	switch ae.Type {
	case v1.ErrBadData, v1.ErrExec, "400", "422":
		return fmt.Errorf("history: query_range on %s: %w: %s", r.addr, ErrQuery, msg)
	case v1.ErrBadResponse:
		return fmt.Errorf("history: query_range on %s: the answer is not the Prometheus HTTP API's JSON (is PRESCALE_PROMETHEUS_URL the API's base URL?): %s", r.addr, msg)
	case v1.ErrClient:
		return fmt.Errorf("history: query_range on %s: %s%s%s", r.addr, msg, clientHint(ae.Msg), bodyHint(redact.HideEchoed(ae.Detail, r.secrets)))
	}
	err = redact.Err(err)
	return fmt.Errorf("history: query_range on %s: %w", r.addr, cutErr(redact.Reword(err, redact.HideEchoed(err.Error(), r.secrets))))
}

// cutErr cuts err's message to maxServerMsg bytes, still unwrapping to
// err.
func cutErr(err error) error {
	if msg := err.Error(); len(msg) > maxServerMsg {
		return redact.Reword(err, redact.Cut(msg, maxServerMsg))
	}
	return err
}

// clientHint says what a 4xx answer outside the Prometheus API usually
// means, naming the settings to check: the controller's variables and
// prescale backtest's flags (its --prometheus and --header read through
// this source too, and were told of variables they do not read).
func clientHint(msg string) string {
	switch {
	case strings.HasSuffix(msg, " 401"), strings.HasSuffix(msg, " 403"):
		return " (the server refused the request: a tenant header such as X-Scope-OrgID or credentials are missing or wrong; see PRESCALE_PROMETHEUS_HEADERS, or the user and password in PRESCALE_PROMETHEUS_URL for basic auth; prescale backtest: --header, --prometheus)"
	case strings.HasSuffix(msg, " 404"):
		return " (no Prometheus query API at this URL: check the path of PRESCALE_PROMETHEUS_URL (prescale backtest: --prometheus), e.g. http://prometheus:9090/PREFIX for a Prometheus started with --web.route-prefix=/PREFIX or an --web.external-url with a path, http://mimir/prometheus, http://vmselect:8481/select/0/prometheus)"
	}
	return ""
}

// bodyHint quotes the first line of an error answer's body, cut short:
// to 160 bytes, and further while the quoted form is over 166 bytes
// (quoting writes a byte that is not UTF-8 as 4, "\xde": a 404's binary
// body made the error 1,001 bytes, found by FuzzRemoteDecode).
func bodyHint(body string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(body), "\n")
	if line == "" {
		return ""
	}
	return ": " + redact.QuoteCut(line, 160, 166)
}
