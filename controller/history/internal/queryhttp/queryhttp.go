// Package queryhttp is the HTTP client of the history source's query_range
// calls (controller/history's Remote): every answer's body bounded
// (MaxAnswerBytes) and scanned for VictoriaMetrics' "isPartial":true, the
// operator's headers (PRESCALE_PROMETHEUS_HEADERS) added to every request,
// and redirects followed only where they repeat the query to the same host.
package queryhttp

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/prescale/prescale/internal/redact"
	"github.com/prescale/prescale/internal/tlsfiles"
)

// NewClient is the client of a Remote: conns idle keep-alive connections
// kept (at least net/http's default 2), headers added to every request,
// timeout bounding each call, tc its TLS configuration (nil: Go's default,
// the system's CAs). When tlsChanged (nil: never) reports before a
// request that tc's files changed, that request and the next go through
// new connections (renewing).
func NewClient(conns int, headers http.Header, timeout time.Duration, tc *tls.Config, tlsChanged func() bool) *http.Client {
	if tc != nil {
		tc = tc.Clone() // each transport gets a clone of this one: net/http adds h2 to its NextProtos
	}
	build := func() *http.Transport {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost = max(2, conns)
		if tc != nil {
			tr.TLSClientConfig = tc.Clone()
			// The first handshake (the URL's host, or an HTTPS
			// proxy's) verified for the host dialed, an IP address too.
			tr.DialTLSContext = tlsfiles.DialTLS(tr)
		}
		return tr
	}
	var rt http.RoundTripper = build()
	if tlsChanged != nil {
		rt = &renewing{changed: tlsChanged, build: build, cur: rt.(*http.Transport)}
	}
	rt = limitTransport{next: rt, max: MaxAnswerBytes}
	if len(headers) > 0 {
		rt = headerTransport{h: headers.Clone(), next: rt}
	}
	return &http.Client{Timeout: timeout, Transport: rt, CheckRedirect: sameQuery}
}

// renewing sends each request through its current transport, replaced by
// a new one when changed reports that the TLS files changed: a kept-alive
// connection would go on presenting the client certificate of its
// handshake (and trusting the server's certificate verified then), so the
// requests after a renewal open new connections, whose handshakes read the
// files again. The old transport's idle connections are closed; one in
// use at the change is never reused: over HTTP/1.1 it is closed once its
// answer is read, over HTTP/2 once idle for IdleConnTimeout (90 s).
type renewing struct {
	changed func() bool
	build   func() *http.Transport

	mu  sync.Mutex
	cur *http.Transport
}

func (r *renewing) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	if r.changed() {
		old := r.cur
		r.cur = r.build()
		old.CloseIdleConnections()
	}
	tr := r.cur
	r.mu.Unlock()
	return tr.RoundTrip(req)
}

// errRedirect is a redirect of a history query that is not followed.
var errRedirect = errors.New("redirect not followed")

// sameQuery is the history client's redirect policy: it follows a
// redirect that repeats the query as it was sent (307, 308) to the same
// host, never from https to http, at most 10. A 301, 302 or 303 is followed by an HTTP client with a
// GET without the query's form (client_golang POSTs it): the server then
// answered `invalid parameter "start"`, which read as every target's bad
// query while the source showed healthy (an ingress redirecting http:// to
// https://, a path without its trailing /). Another host would get the
// headers of PRESCALE_PROMETHEUS_HEADERS (a tenant, a bearer token), which
// are added to every request. Both fail as the source's problem, naming
// where the redirect points.
func sameQuery(req *http.Request, via []*http.Request) error {
	if len(via) >= 10 {
		return errors.New("stopped after 10 redirects")
	}
	first := via[0]
	// Never from https to http: the headers, added to every request, and
	// the URL's Basic credentials would cross the network in clear text.
	downgrade := req.URL.Scheme != "https" && slices.ContainsFunc(via, func(r *http.Request) bool { return r.URL.Scheme == "https" })
	if req.Method == first.Method && req.URL.Host == first.URL.Host && !downgrade {
		return nil
	}
	to := *req.URL
	to.Path, to.RawQuery = strings.TrimSuffix(to.Path, "/api/v1/query_range"), "" // the base URL, as configured
	code := 0
	if req.Response != nil {
		code = req.Response.StatusCode
	}
	return fmt.Errorf("%w: the server answered HTTP %d, to %s: set PRESCALE_PROMETHEUS_URL (prescale backtest: --prometheus) to the URL it points to", errRedirect, code, redact.URL(to.String()))
}

// MaxAnswerBytes bounds one query_range answer's body. A demand query's
// answer is one series of at most 11,000 points (about 300 KB of JSON);
// a query that returns thousands of series would otherwise be read whole
// into memory before it is refused for having more than one.
const MaxAnswerBytes = 32 << 20

// ErrTooLarge: an answer's body exceeded MaxAnswerBytes.
var ErrTooLarge = fmt.Errorf("history: the answer is larger than %d MiB: the query returns too many series or points (aggregate it, e.g. sum(...))", MaxAnswerBytes>>20)

// limitTransport cuts every answer's body at max bytes with ErrTooLarge.
type limitTransport struct {
	next http.RoundTripper
	max  int64
}

func (t limitTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(r)
	if err == nil {
		resp.Body = scanPartial(r.Context(), &limitedBody{ReadCloser: resp.Body, left: t.max})
	}
	return resp, err
}

// limitedBody reads at most left bytes, then fails with ErrTooLarge.
type limitedBody struct {
	io.ReadCloser
	left int64
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		return 0, ErrTooLarge
	}
	if int64(len(p)) > b.left {
		p = p[:b.left+1] // one more byte tells "exactly max" from "more"
	}
	n, err := b.ReadCloser.Read(p)
	b.left -= int64(n)
	if b.left < 0 {
		return n, ErrTooLarge
	}
	return n, err
}

// headerTransport adds fixed headers to every request.
type headerTransport struct {
	h    http.Header
	next http.RoundTripper
}

func (t headerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	for k, vs := range t.h {
		r.Header[k] = vs
	}
	return t.next.RoundTrip(r)
}

// ParseHeaders reads NAME=VALUE entries (PRESCALE_PROMETHEUS_HEADERS) into
// a header set. Errors name the entry and the header, never the value.
func ParseHeaders(entries []string) (http.Header, error) {
	h := http.Header{}
	for i, e := range entries {
		name, value, ok := strings.Cut(e, "=")
		name = strings.TrimSpace(name)
		if !ok || name == "" {
			return nil, fmt.Errorf("entry %d: want NAME=VALUE", i+1)
		}
		if bad := badNameRune(name); bad >= 0 {
			// Quoted up to the character at fault only: an entry written
			// as curl's "Name: value" whose value holds a '=' (a base64
			// token's padding) has the value in what reads as the name,
			// and the whole was quoted.
			after := "at its start"
			if bad > 0 {
				after = fmt.Sprintf("after %q", redact.Cut(name[:bad], redact.MaxEchoed))
			}
			r, _ := utf8.DecodeRuneInString(name[bad:])
			return nil, fmt.Errorf("entry %d: a header name cannot hold %q (%s; the rest of the entry, which may be its value, is not shown): want NAME=VALUE",
				i+1, r, after)
		}
		if strings.ContainsFunc(value, func(r rune) bool { return r < ' ' && r != '\t' || r == 0x7f }) {
			return nil, fmt.Errorf("entry %d: the value of header %s has characters a header cannot carry", i+1, name)
		}
		h.Add(name, value)
	}
	return h, nil
}

// badNameRune is the byte offset of the first character of name an RFC
// 9110 token (a header name) cannot hold, -1 when there is none.
func badNameRune(name string) int {
	for i, r := range name {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("!#$%&'*+-.^_`|~", r)
		if !ok {
			return i
		}
	}
	return -1
}
