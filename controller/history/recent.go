package history

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/value"
	"github.com/prometheus/prometheus/tsdb/chunkenc"
)

// RecentSeries returns the series matching ms whose newest sample in the
// lookback before ts (unix milliseconds) is not a staleness marker.
func (e *Embedded) RecentSeries(ctx context.Context, ts int64, ms ...*labels.Matcher) ([]labels.Labels, error) {
	q, err := e.db.Querier(ts-e.lookback.Milliseconds(), ts)
	if err != nil {
		return nil, fmt.Errorf("history: recent series: %w", err)
	}
	defer func() { _ = q.Close() }()
	set := q.Select(ctx, false, nil, ms...)
	var out []labels.Labels
	var it chunkenc.Iterator
	for set.Next() {
		s := set.At()
		it = s.Iterator(it)
		last, ok := math.NaN(), false
		for vt := it.Next(); vt != chunkenc.ValNone; vt = it.Next() {
			if vt == chunkenc.ValFloat {
				_, last = it.At()
				ok = true
			}
		}
		if ok && !value.IsStaleNaN(last) {
			out = append(out, s.Labels())
		}
	}
	if err := set.Err(); err != nil {
		return nil, fmt.Errorf("history: recent series: %w", err)
	}
	return out, nil
}

// lookbackOr is d, or Prometheus's default lookback when d is 0.
func lookbackOr(d time.Duration) time.Duration {
	if d <= 0 {
		return 5 * time.Minute
	}
	return d
}
