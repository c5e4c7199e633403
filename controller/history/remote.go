package history

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/prometheus/client_golang/api"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"github.com/prescale/prescale/controller/internal/redact"
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
}

var _ History = (*Remote)(nil)

// NewRemote builds a Remote for the server at addr. timeout bounds each
// query_range call (0 means 30 s).
func NewRemote(addr string, timeout time.Duration) (*Remote, error) {
	u, err := url.Parse(addr)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return nil, fmt.Errorf("history: bad Prometheus URL %q: want scheme://host[:port]", redact.URL(addr))
	}
	c, err := api.NewClient(api.Config{Address: addr, Client: &http.Client{Timeout: 2 * orDefault(timeout)}})
	if err != nil {
		return nil, fmt.Errorf("history: %w", err)
	}
	return NewRemoteAPI(v1.NewAPI(c), redact.URL(addr), timeout), nil
}

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
	if err := validateRange(query, start, end, step); err != nil {
		return Series{}, err
	}
	start = start.Truncate(time.Millisecond)
	end = end.Truncate(time.Millisecond)
	f := newFiller(start, end, step)
	for _, c := range chunks(start, end, step, r.maxPoints) {
		cctx, cancel := context.WithTimeout(ctx, r.timeout)
		v, _, _, err := r.api.QueryRange(cctx, query, v1.Range{Start: c[0], End: c[1], Step: step})
		cancel()
		if err != nil {
			// The server answered 400 (bad_data) or 422 (execution): the
			// query is at fault, the source is up.
			var ae *v1.Error
			if errors.As(err, &ae) && (ae.Type == v1.ErrBadData || ae.Type == v1.ErrExec) {
				return Series{}, fmt.Errorf("history: query_range on %s: %w: %w", r.addr, ErrQuery, redact.Err(err))
			}
			return Series{}, fmt.Errorf("history: query_range on %s: %w", r.addr, redact.Err(err))
		}
		if err := f.addMatrix(v); err != nil {
			return Series{}, err
		}
	}
	return f.result()
}
