package history

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"os"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/value"
	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/prometheus/prometheus/storage"
	"github.com/prometheus/prometheus/tsdb"
)

// EmbeddedOptions configures the embedded store. Zero values mean the
// documented defaults.
type EmbeddedOptions struct {
	// Retention of samples; 0 means 30 days.
	Retention time.Duration
	// QueryTimeout bounds one PromQL evaluation; 0 means 30 s.
	QueryTimeout time.Duration
	// LookbackDelta is PromQL's staleness window; 0 means 5 minutes, as in Prometheus.
	LookbackDelta time.Duration
	// Logger for the TSDB; nil discards.
	Logger *slog.Logger
	// Registerer receives the TSDB's and the engine's own metrics
	// (prometheus_tsdb_*, prometheus_engine_*); nil registers nothing.
	Registerer prometheus.Registerer
}

// Embedded is a Prometheus TSDB opened in a local directory and queried with
// Prometheus' own PromQL engine, so the same demand query gives the same
// answer as a Prometheus server holding the same samples.
type Embedded struct {
	db       *tsdb.DB
	engine   *promql.Engine
	lookback time.Duration // PromQL's: how far back RecentSeries looks
	rejected atomic.Int64
	appended atomic.Int64
	markers  atomic.Int64 // staleness markers stored: not samples of a target (Stats)
}

var _ History = (*Embedded)(nil)

// OpenEmbedded opens (or creates) the TSDB in dir. Weeks of history already
// in dir are read back: the controller's cold start needs nothing else.
func OpenEmbedded(dir string, o EmbeddedOptions) (*Embedded, error) {
	if dir == "" {
		return nil, errors.New("history: embedded store needs a data directory")
	}
	logger := o.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	ret := o.Retention
	if ret <= 0 {
		ret = 30 * 24 * time.Hour
	}
	opts := tsdb.DefaultOptions()
	opts.RetentionDuration = ret.Milliseconds()
	opts.MaxBlockDuration = maxBlockDuration(ret).Milliseconds()
	// Backfilled traces and restarts may write behind the head; accept
	// samples up to the retention window out of order.
	opts.OutOfOrderTimeWindow = ret.Milliseconds()
	db, err := tsdb.Open(dir, logger, o.Registerer, opts, nil)
	if err != nil {
		return nil, fmt.Errorf("history: open embedded TSDB in %s: %w", dir, err)
	}
	qt := o.QueryTimeout
	if qt <= 0 {
		qt = 30 * time.Second
	}
	eng := promql.NewEngine(promql.EngineOpts{
		Logger:               logger,
		Reg:                  o.Registerer,
		MaxSamples:           50_000_000,
		Timeout:              qt,
		LookbackDelta:        o.LookbackDelta,
		EnableAtModifier:     true,
		EnableNegativeOffset: true,
		Parser:               parser.NewParser(parser.Options{}),
	})
	return &Embedded{db: db, engine: eng, lookback: lookbackOr(o.LookbackDelta)}, nil
}

// maxBlockDuration is the longest block the store compacts its 2-hour
// blocks into: a tenth of the retention, at most 31 days, as a Prometheus
// server sizes it (its --storage.tsdb.max-block-duration default). The
// TSDB library's default is 2 hours, so blocks were never compacted: 360
// of them at the 30-day default retention, and a 14-day window read
// through 168, each with its own index.
func maxBlockDuration(retention time.Duration) time.Duration {
	return min(retention/10, 31*24*time.Hour)
}

// Close flushes and closes the TSDB.
func (e *Embedded) Close() error { return e.db.Close() }

// QueryRange implements History with the embedded PromQL engine.
func (e *Embedded) QueryRange(ctx context.Context, query string, start, end time.Time, step time.Duration) (Series, error) {
	start, end, err := checkRange(query, start, end, step)
	if err != nil {
		return Series{}, err
	}
	q, err := e.engine.NewRangeQuery(ctx, e.db, nil, query, start, end, step)
	if err != nil {
		return Series{}, fmt.Errorf("history: embedded query %q: %w: %w", query, ErrQuery, err)
	}
	defer q.Close()
	res := q.Exec(ctx)
	if res.Err != nil {
		var se promql.ErrStorage
		var qt promql.ErrQueryTimeout
		var qc promql.ErrQueryCanceled
		if errors.As(res.Err, &se) || errors.As(res.Err, &qt) || errors.As(res.Err, &qc) || ctx.Err() != nil {
			return Series{}, fmt.Errorf("history: embedded query %q: %w", query, res.Err)
		}
		// Anything else is the evaluation of this query failing.
		return Series{}, fmt.Errorf("history: embedded query %q: %w: %w", query, ErrQuery, res.Err)
	}
	m, ok := res.Value.(promql.Matrix)
	if !ok {
		return Series{}, fmt.Errorf("%w: %s, want matrix", ErrResultType, res.Value.Type())
	}
	f := newFiller(start, end, step)
	for _, s := range m {
		sid := f.sid(s.Metric.String())
		for _, p := range s.Floats {
			f.put(p.T, p.F, sid)
		}
	}
	return f.result()
}

// Sample is one float sample for Append.
type Sample struct {
	Labels labels.Labels
	T      int64 // unix milliseconds
	V      float64
}

// discardOOO appends a staleness marker only at or after its series'
// newest sample: behind it (the series written again since, the clock
// set back) a marker would hide samples.
var discardOOO = storage.AppendOptions{DiscardOutOfOrder: true}

// Append writes samples in one transaction. Samples the TSDB rejects as
// duplicates or out of bounds are counted, not fatal; other errors roll the
// transaction back. NaN and ±Inf are stored as a Prometheus server stores
// them (QueryRange drops them, counted in Series.Dropped()). A staleness marker
// (value.StaleNaN) is appended only in order, and one refused is not
// counted. It returns the samples stored, markers not included (Markers
// counts them).
func (e *Embedded) Append(ctx context.Context, samples []Sample) (int, error) {
	app := e.db.Appender(ctx)
	n, marked := 0, 0
	for _, s := range samples {
		stale := value.IsStaleNaN(s.V)
		if stale {
			app.SetOptions(&discardOOO)
		}
		_, err := app.Append(0, s.Labels, s.T, s.V)
		if stale {
			app.SetOptions(nil)
		}
		if err != nil {
			if errors.Is(err, storage.ErrDuplicateSampleForTimestamp) || errors.Is(err, storage.ErrOutOfOrderSample) ||
				errors.Is(err, storage.ErrOutOfBounds) || errors.Is(err, storage.ErrTooOldSample) {
				if !stale {
					e.rejected.Add(1)
				}
				continue
			}
			_ = app.Rollback()
			return 0, fmt.Errorf("history: append %s: %w", s.Labels, err)
		}
		if stale {
			marked++
		} else {
			n++
		}
	}
	if err := app.Commit(); err != nil {
		return 0, fmt.Errorf("history: commit: %w", err)
	}
	e.appended.Add(int64(n))
	e.markers.Add(int64(marked))
	return n, nil
}

// appendBatch is how many samples AppendSeries commits at once.
const appendBatch = 5000

// AppendSeries writes one series (timestamps in unix seconds, NaN skipped)
// in batches of appendBatch, each committed or rolled back whole, for
// backfilling a trace.
func (e *Embedded) AppendSeries(ctx context.Context, lbls labels.Labels, t []int64, v []float64) (int, error) {
	const batch = appendBatch
	total := 0
	buf := make([]Sample, 0, batch)
	flush := func() error {
		n, err := e.Append(ctx, buf)
		total += n
		buf = buf[:0]
		return err
	}
	for i := range t {
		if math.IsNaN(v[i]) {
			continue
		}
		buf = append(buf, Sample{Labels: lbls, T: t[i] * 1000, V: v[i]})
		if len(buf) == batch {
			if err := flush(); err != nil {
				return total, err
			}
		}
	}
	if len(buf) > 0 {
		if err := flush(); err != nil {
			return total, err
		}
	}
	return total, nil
}

// Stats reports how many samples were stored and rejected since Open.
// Staleness markers are neither: they are not samples a target produced
// (a failed scrape writes one per series of the target's last one), so
// they are counted apart (Markers).
func (e *Embedded) Stats() (appended, rejected int64) {
	return e.appended.Load(), e.rejected.Load()
}

// Markers reports how many staleness markers were stored since Open: one
// per series a scraped source stopped returning (all of a target's at a
// failed scrape) or no longer scraped after a restart.
func (e *Embedded) Markers() int64 { return e.markers.Load() }

// SeriesCount returns the number of series in the head block.
func (e *Embedded) SeriesCount() uint64 { return e.db.Head().NumSeries() }

// Compact persists whatever of the head block is ready as blocks, now.
// The TSDB does this in the background anyway; calling it after a large
// backfill moves that work out of the way of the first cycles.
func (e *Embedded) Compact(ctx context.Context) error { return e.db.Compact(ctx) }

// WriteBlock writes one series (timestamps in unix seconds, increasing; NaN
// and ±Inf skipped) as a single TSDB block into dir, the directory an
// Embedded store is then opened on. This is how a long trace is backfilled:
// appending it through an open store's head instead cuts one 2-hour block
// per two hours of trace, which the store then has to compact (into blocks
// of up to a tenth of the retention) while the first cycles run. It returns
// the number of samples written.
func WriteBlock(ctx context.Context, dir string, lbls labels.Labels, t []int64, v []float64, logger *slog.Logger) (int, error) {
	if len(t) == 0 {
		return 0, nil
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, fmt.Errorf("history: backfill block: %w", err)
	}
	// The writer's head accepts samples within half its chunk range of the
	// newest one, so the range is twice the span (at least 2 h).
	span := time.Duration(t[len(t)-1]-t[0]) * time.Second
	size := max(2*time.Hour, 2*span+time.Hour)
	w, err := tsdb.NewBlockWriter(logger, dir, size.Milliseconds())
	if err != nil {
		return 0, fmt.Errorf("history: backfill block: %w", err)
	}
	defer func() { _ = w.Close() }()
	app := w.Appender(ctx)
	n := 0
	for i := range t {
		if math.IsNaN(v[i]) || math.IsInf(v[i], 0) {
			continue
		}
		if _, err := app.Append(0, lbls, t[i]*1000, v[i]); err != nil {
			_ = app.Rollback()
			return 0, fmt.Errorf("history: backfill block: append %s at %d: %w", lbls, t[i], err)
		}
		n++
	}
	if err := app.Commit(); err != nil {
		return 0, fmt.Errorf("history: backfill block: %w", err)
	}
	if n == 0 {
		return 0, nil
	}
	if _, err := w.Flush(ctx); err != nil {
		return 0, fmt.Errorf("history: backfill block: %w", err)
	}
	return n, nil
}
