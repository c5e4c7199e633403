package backtest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/prometheus/client_golang/api"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
)

// RangeQuerier is the one method of the Prometheus HTTP API the replay
// needs; v1.API implements it.
type RangeQuerier interface {
	QueryRange(ctx context.Context, query string, r v1.Range, opts ...v1.Option) (model.Value, v1.Warnings, v1.Infos, error)
}

var _ RangeQuerier = v1.API(nil)

// MaxPointsPerQuery keeps each query_range under Prometheus' limit of
// 11,000 points per series.
const MaxPointsPerQuery = 10000

// QueryRange replays one series from the Prometheus server at address (its
// base URL) over [start, end] at the given step; see FetchSeries.
func QueryRange(ctx context.Context, address, query string, start, end time.Time, step time.Duration) ([]int64, []float64, error) {
	client, err := api.NewClient(api.Config{Address: address})
	if err != nil {
		return nil, nil, fmt.Errorf("prometheus address %q: %w", address, err)
	}
	return FetchSeries(ctx, v1.NewAPI(client), query, start, end, step)
}

// FetchSeries runs query over [start, end] at step, split into chunks of at
// most MaxPointsPerQuery points, and returns the series on the regular grid
// start + k·step (NaN where the server had no sample). The query must
// return a matrix with exactly one series; NaN and ±Inf samples become
// missing.
func FetchSeries(ctx context.Context, q RangeQuerier, query string, start, end time.Time, step time.Duration) ([]int64, []float64, error) {
	if step < time.Second {
		return nil, nil, fmt.Errorf("step must be at least 1s, got %s", step)
	}
	if !end.After(start) {
		return nil, nil, fmt.Errorf("empty range: start %s is not before end %s", start, end)
	}
	start = start.Truncate(time.Second)
	stepS := int64(step / time.Second)
	n := int((end.Unix()-start.Unix())/stepS) + 1
	ts := make([]int64, n)
	vs := make([]float64, n)
	for i := range ts {
		ts[i] = start.Unix() + int64(i)*stepS
		vs[i] = math.NaN()
	}
	var seriesName string
	found := 0
	for from := 0; from < n; from += MaxPointsPerQuery {
		to := min(n-1, from+MaxPointsPerQuery-1)
		r := v1.Range{Start: time.Unix(ts[from], 0), End: time.Unix(ts[to], 0), Step: step}
		val, _, _, err := q.QueryRange(ctx, query, r)
		if err != nil {
			return nil, nil, fmt.Errorf("query_range %s..%s: %w", r.Start.UTC().Format(time.RFC3339), r.End.UTC().Format(time.RFC3339), err)
		}
		m, ok := val.(model.Matrix)
		if !ok {
			return nil, nil, fmt.Errorf("query %q: want a range vector (matrix), got %s", query, val.Type())
		}
		if len(m) > 1 {
			return nil, nil, fmt.Errorf("query %q returned %d series, want one (aggregate it, e.g. sum(...))", query, len(m))
		}
		for _, s := range m {
			if seriesName == "" {
				seriesName = s.Metric.String()
			} else if s.Metric.String() != seriesName {
				return nil, nil, fmt.Errorf("query %q returned different series across chunks (%s, %s)", query, seriesName, s.Metric)
			}
			for _, p := range s.Values {
				k := (p.Timestamp.Unix() - ts[0]) / stepS
				if k < 0 || k >= int64(n) || ts[k] != p.Timestamp.Unix() {
					continue
				}
				v := float64(p.Value)
				if math.IsNaN(v) || math.IsInf(v, 0) {
					continue
				}
				vs[k] = v
				found++
			}
		}
	}
	if found == 0 {
		return nil, nil, errors.New("query returned no samples in the range")
	}
	return ts, vs, nil
}
