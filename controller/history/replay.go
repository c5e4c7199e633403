package history

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"sort"
	"sync"
	"time"

	"github.com/prometheus/prometheus/model/labels"

	"github.com/prescale/prescale/internal/outage"
)

// sampleStore is what a replay writes to: the Embedded store (tests wrap
// it to make it refuse samples).
type sampleStore interface {
	AppendSeries(ctx context.Context, lbls labels.Labels, t []int64, v []float64) (int, error)
}

// Replay loads a recorded demand trace into an Embedded store, shifted in
// time so that sample Cut lands at the start time: the samples before it
// become history at once (backfill), the rest are appended as the clock
// reaches them. It replays real recorded data; it invents none.
type Replay struct {
	store  sampleStore
	labels labels.Labels
	t      []int64 // shifted, unix seconds
	v      []float64
	mu     sync.Mutex
	next   int
	// out is the store's refusals as one outage, with the samples it
	// lost during it (beyond maxPending); Run's only.
	out outage.Tracker
}

// NewReplay prepares a replay of (t, v) (unix seconds, increasing) under
// the series lbls into store (which may be nil until Attach, for a replay
// whose history is first written with Take and WriteBlock), shifted so that t[cut] is at the last multiple of the
// trace's step (its median spacing, counted from the Unix epoch) at or
// before start. A regularly sampled trace then lands on the grid the
// controller queries (now truncated to the step, which defaults to the
// trace's); an unaligned shift would put every sample between two
// evaluation times.
func NewReplay(store *Embedded, lbls labels.Labels, t []int64, v []float64, cut int, start time.Time) (*Replay, error) {
	if len(t) == 0 || len(t) != len(v) {
		return nil, errors.New("history: replay needs a non-empty trace")
	}
	if !sort.SliceIsSorted(t, func(i, j int) bool { return t[i] < t[j] }) {
		return nil, errors.New("history: replay trace timestamps must increase")
	}
	cut = max(0, min(cut, len(t)-1))
	at := start.Unix()
	if step := int64(MedianStep(t) / time.Second); step > 0 {
		at -= (at%step + step) % step
	}
	shift := at - t[cut]
	st := make([]int64, len(t))
	for i := range t {
		st[i] = t[i] + shift
	}
	r := &Replay{labels: lbls, t: st, v: v}
	r.Attach(store)
	return r, nil
}

// Step returns the trace's median sample spacing.
func (r *Replay) Step() time.Duration { return MedianStep(r.t) }

// MedianStep returns the median spacing of increasing unix-second
// timestamps (0 for fewer than two).
func MedianStep(t []int64) time.Duration {
	if len(t) < 2 {
		return 0
	}
	d := make([]int64, 0, len(t)-1)
	for i := 1; i < len(t); i++ {
		d = append(d, t[i]-t[i-1])
	}
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	return time.Duration(d[len(d)/2]) * time.Second
}

// LookbackFor is the PromQL lookback delta for a store whose series are
// sampled every step: Prometheus' 5 minutes, or 1.5 steps when that is
// longer, so an instant selector still finds a sample until the next one
// arrives (plus half a step of slack for a replay or scrape that lands late)
// — with 5 minutes a 30-minute trace is visible only 5 minutes in 30.
func LookbackFor(step time.Duration) time.Duration {
	return max(5*time.Minute, step+step/2)
}

// Values returns the trace's finite values (for sizing a target).
func (r *Replay) Values() []float64 {
	out := make([]float64, 0, len(r.v))
	for _, x := range r.v {
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			out = append(out, x)
		}
	}
	return out
}

// Attach sets the store AdvanceTo appends to.
func (r *Replay) Attach(store *Embedded) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.store = nil // a nil *Embedded in the interface would not be nil
	if store != nil {
		r.store = store
	}
}

// Labels returns the replayed series' labels.
func (r *Replay) Labels() labels.Labels { return r.labels }

// Take marks every sample at or before until as replayed and returns those
// at or after from (shifted unix seconds and values) with the number of
// older ones left out: a backfill loads only what the store keeps and
// the controller reads.
func (r *Replay) Take(from, until time.Time) (t []int64, v []float64, skipped int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	first := r.next
	for first < len(r.t) && r.t[first] < from.Unix() {
		first++
	}
	end := max(first, r.next)
	for end < len(r.t) && r.t[end] <= until.Unix() {
		end++
	}
	skipped = first - r.next
	r.next = end
	return r.t[first:end], r.v[first:end], skipped
}

// AdvanceTo appends every sample whose shifted time is at or before now
// and returns how many were stored.
func (r *Replay) AdvanceTo(ctx context.Context, now time.Time) (int, error) {
	n, _, _, err := r.advance(ctx, now)
	return n, err
}

// maxPending is how many samples a replay keeps for a store that refuses
// them (a full disk), to append again at each step: one AppendSeries
// batch, so a retry is one commit, stored whole or not at all (never a
// duplicate of a sample already stored); 3.5 days of a 1-minute trace, 17
// of a 5-minute one. Older samples are dropped (lost) as newer ones come
// due. The embedded store accepts them late: its out-of-order window is
// its retention.
const maxPending = appendBatch

// advance appends as AdvanceTo does: every sample due that is not stored
// yet, those a refused append left included. It also returns how many of
// the samples it tried had a value, and how many it gave up on to keep
// at most maxPending.
func (r *Replay) advance(ctx context.Context, now time.Time) (stored, due, dropped int, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	end := r.next
	for end < len(r.t) && r.t[end] <= now.Unix() {
		end++
	}
	if end == r.next {
		return 0, 0, 0, nil
	}
	for ; r.next < end-maxPending; r.next++ {
		if !math.IsNaN(r.v[r.next]) {
			dropped++
		}
	}
	for _, x := range r.v[r.next:end] {
		if !math.IsNaN(x) {
			due++
		}
	}
	if r.store == nil {
		return 0, due, dropped, errors.New("history: replay has no store attached")
	}
	stored, err = r.store.AppendSeries(ctx, r.labels, r.t[r.next:end], r.v[r.next:end])
	if err == nil {
		r.next = end
	}
	return stored, due, dropped, err
}

// Done reports whether the whole trace has been replayed.
func (r *Replay) Done() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.next >= len(r.t)
}

// Run advances the replay every interval until ctx ends or the trace is
// done, logging the store's refusals to log as step does.
func (r *Replay) Run(ctx context.Context, every time.Duration, now func() time.Time, log *slog.Logger) {
	tk := time.NewTicker(every)
	defer tk.Stop()
	for !r.Done() {
		select {
		case <-ctx.Done():
			return
		case <-tk.C:
		}
		r.step(ctx, now(), log)
	}
}

// step advances the replay to now and logs the store refusing its samples
// (a full disk) as one outage (internal/outage): one WARN when it starts,
// DEBUG at each further refusal, one INFO when an append succeeds again,
// with the samples stored late (kept and appended again at each step) and
// those lost (beyond maxPending). prescale run logged a WARN at every
// refused append, and lost every sample refused: the replay moved on.
func (r *Replay) step(ctx context.Context, now time.Time, log *slog.Logger) {
	failing := r.out.Failing()
	stored, due, dropped, err := r.advance(ctx, now)
	if dropped > 0 && !failing {
		// More than maxPending came due at once (the process was stopped
		// for that long): not the store's outage.
		log.Warn("backfill replay fell behind: the oldest samples due were dropped", "series", r.labels.String(), "samples_lost", dropped)
	} else {
		r.out.Lose(dropped)
	}
	switch {
	case ctx.Err() != nil:
		// Shutting down: not the store's failure.
	case err != nil:
		r.out.Fail(log, now, err, fmt.Sprintf("backfill replay: the embedded store refuses the trace's samples; they are kept and appended again at each step (at most %d, older ones are lost)", maxPending),
			"series", r.labels.String(), "samples_waiting", due)
	case due > 0:
		r.out.OK(log, now, "backfill replay storing again", "series", r.labels.String(), "samples_stored_late", stored)
	}
}
