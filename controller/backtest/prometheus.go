package backtest

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/prescale/prescale/controller/history"
)

// QueryRange replays one series from the Prometheus server at address (its
// base URL) over [start, end] at step, through the controller's own
// Prometheus history source (history.Remote: query_range split under the
// points-per-series limit, one series required, NaN and ±Inf samples
// missing; a negative value is an error, where the live controller holds
// with bad_query), so a replay reads what the live controller would. It
// returns the series on the grid start + k·step, NaN where the server had
// no sample. step must be whole seconds of at least 1 s (trace timestamps
// are unix seconds). headers (a tenant's X-Scope-OrgID, nil for none) go
// with every request, as PRESCALE_PROMETHEUS_HEADERS's do; tc is the TLS
// configuration (nil: Go's default), as PRESCALE_PROMETHEUS_CA_FILE and
// the others give the controller's. timeout
// (prescale backtest --timeout) bounds the whole read and so each call,
// and is named when it ends it; 0: each call has the history source's
// default (30 s), none bounds the whole.
func QueryRange(ctx context.Context, address string, headers http.Header, tc *tls.Config, query string, start, end time.Time, step, timeout time.Duration) ([]int64, []float64, error) {
	if step < time.Second || step%time.Second != 0 {
		return nil, nil, fmt.Errorf("step must be whole seconds of at least 1s, got %s", step)
	}
	if !end.After(start) {
		return nil, nil, fmt.Errorf("empty range: start %s is not before end %s", start, end)
	}
	ro := remoteOptions(headers, timeout)
	ro.TLS = tc
	remote, err := history.NewRemoteWith(address, ro)
	if err != nil {
		return nil, nil, err
	}
	qctx := ctx
	if timeout > 0 {
		var cancel context.CancelFunc
		qctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	s, err := remote.QueryRange(qctx, query, start.Truncate(time.Second), end, step)
	if err != nil && ctx.Err() == nil && errors.Is(qctx.Err(), context.DeadlineExceeded) {
		return nil, nil, fmt.Errorf("no answer within --timeout %s: %w", timeout, err)
	}
	if errors.Is(err, history.ErrNoData) {
		return nil, nil, fmt.Errorf("%w in the range: no series matches it (a misspelt metric or label?), or none has a sample in the range", err)
	}
	if err != nil {
		return nil, nil, err
	}
	if s.Negative() > 0 {
		// As a trace file's negative value: a demand never is.
		return nil, nil, history.NegativeError(s)
	}
	return s.T, s.V, nil
}

// remoteOptions are QueryRange's history source options: headers, and
// each call bounded by timeout and a second, so that timeout, which
// QueryRange names, ends a slow call first (the history source's default,
// 30 s a call, cut calls that --timeout allowed); 0: that default.
func remoteOptions(headers http.Header, timeout time.Duration) history.RemoteOptions {
	o := history.RemoteOptions{Headers: headers}
	if timeout > 0 {
		o.Timeout = timeout + time.Second
	}
	return o
}
