package history

// The history package's edges that no test of its own pinned (each found
// by a mutation that every test in the package still passed).

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/value"
	"github.com/stretchr/testify/require"
)

// TestWriteBlockReadBack: a series of three days at one-minute steps
// (NaN and ±Inf among them) written as a block reads back whole from an
// embedded store opened on the directory, those three left out; the
// count is of the samples written. An empty series, or one of NaN alone,
// writes no block.
func TestWriteBlockReadBack(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	start := int64(1_773_532_800) // a whole hour
	var ts []int64
	var vs []float64
	for i := range 3 * 1440 {
		ts = append(ts, start+int64(i)*60)
		vs = append(vs, float64(i%100))
	}
	vs[10], vs[20], vs[30] = math.NaN(), math.Inf(1), math.Inf(-1)
	lbls := labels.FromStrings("__name__", "demand")
	n, err := WriteBlock(ctx, dir, lbls, ts, vs, nil)
	require.NoError(t, err)
	require.Equal(t, len(ts)-3, n)

	e, err := OpenEmbedded(dir, EmbeddedOptions{Retention: 60 * 24 * time.Hour})
	require.NoError(t, err)
	defer func() { require.NoError(t, e.Close()) }()
	s, err := e.QueryRange(ctx, "demand", time.Unix(start, 0), time.Unix(ts[len(ts)-1], 0), time.Minute)
	require.NoError(t, err)
	require.Len(t, s.V, len(ts))
	for i, v := range s.V {
		switch i {
		case 10, 20, 30: // the lookback finds the minute before
			require.InDelta(t, vs[i-1], v, 0, "sample %d", i)
		default:
			require.InDelta(t, vs[i], v, 0, "sample %d", i)
		}
	}

	for _, c := range []struct {
		t []int64
		v []float64
	}{{nil, nil}, {[]int64{start}, []float64{math.NaN()}}} {
		empty := t.TempDir()
		n, err := WriteBlock(ctx, empty, lbls, c.t, c.v, nil)
		require.NoError(t, err)
		require.Zero(t, n)
		entries, err := os.ReadDir(empty)
		require.NoError(t, err)
		require.Empty(t, entries, "no block for no sample")
	}
}

// TestRecentSeries: the series whose newest sample within the lookback
// is a value, not a staleness marker; a series last sampled before the
// lookback is not recent.
func TestRecentSeries(t *testing.T) {
	ctx := context.Background()
	e := openEmbedded(t)
	now := int64(1_773_532_800_000)
	stale := math.Float64frombits(value.StaleNaN)
	_, err := e.Append(ctx, []Sample{
		{labels.FromStrings("__name__", "up", "job", "live"), now - 60_000, 1},
		{labels.FromStrings("__name__", "up", "job", "gone"), now - 120_000, 1},
		{labels.FromStrings("__name__", "up", "job", "gone"), now - 60_000, stale},
		{labels.FromStrings("__name__", "up", "job", "old"), now - time.Hour.Milliseconds(), 1},
	})
	require.NoError(t, err)
	got, err := e.RecentSeries(ctx, now, labels.MustNewMatcher(labels.MatchEqual, "__name__", "up"))
	require.NoError(t, err)
	require.Equal(t, []labels.Labels{labels.FromStrings("__name__", "up", "job", "live")}, got)
}

// TestRejectedCounted: a sample at the time of one stored is rejected and
// counted once.
func TestRejectedCounted(t *testing.T) {
	ctx := context.Background()
	e := openEmbedded(t)
	s := Sample{labels.FromStrings("__name__", "x"), 1_773_532_800_000, 1}
	_, err := e.Append(ctx, []Sample{s})
	require.NoError(t, err)
	s.V = 2
	_, err = e.Append(ctx, []Sample{s})
	require.NoError(t, err)
	appended, rejected := e.Stats()
	require.Equal(t, int64(1), appended)
	require.Equal(t, int64(1), rejected)
}

// TestMedianStep: the median of the spacings (the upper one of an even
// count); 0 for fewer than two timestamps.
func TestMedianStep(t *testing.T) {
	require.Zero(t, MedianStep(nil))
	require.Zero(t, MedianStep([]int64{100}))
	require.Equal(t, time.Minute, MedianStep([]int64{0, 60, 120, 300}))
	require.Equal(t, 5*time.Minute, MedianStep([]int64{0, 60, 360}))
}

// TestReplayAlignsDown: a replay's cut sample lands on the last multiple
// of the trace's step at or before the start (10:07 for 10:07:30 at one
// minute), not the next.
func TestReplayAlignsDown(t *testing.T) {
	start := time.Date(2026, 3, 2, 10, 7, 30, 0, time.UTC)
	r, err := NewReplay(nil, labels.FromStrings("__name__", "x"), []int64{0, 60, 120}, []float64{1, 2, 3}, 2, start)
	require.NoError(t, err)
	ts, _, _ := r.Take(time.Unix(0, 0), start.Add(time.Hour))
	require.Equal(t, time.Date(2026, 3, 2, 10, 7, 0, 0, time.UTC).Unix(), ts[2])
}

// TestOneNonFinitePoint: a query whose one point is NaN has no data
// because of it: ErrNotFinite with its count, not ErrNoData.
func TestOneNonFinitePoint(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1773532800,"NaN"]]}]}}`))
	}))
	defer srv.Close()
	r, err := NewRemote(srv.URL, 5*time.Second)
	require.NoError(t, err)
	start := time.Unix(1773532800, 0)
	_, err = r.QueryRange(t.Context(), "x", start, start.Add(time.Minute), time.Minute)
	require.ErrorIs(t, err, ErrNotFinite)
	require.ErrorContains(t, err, "(points: 1)")
}

// TestCutErr: an error's message over maxServerMsg bytes is cut to them,
// still wrapping the error; a shorter one is left whole.
func TestCutErr(t *testing.T) {
	long := fmt.Errorf("%w: %s", ErrNoData, strings.Repeat("x", 2*maxServerMsg))
	cut := cutErr(long)
	require.ErrorIs(t, cut, ErrNoData)
	require.LessOrEqual(t, len(cut.Error()), maxServerMsg+20)
	short := errors.New("refused")
	require.Equal(t, short, cutErr(short))
}

// TestTakeCountsTheSkipped: Take returns how many samples it left out
// before from since the last take, not since the trace's start.
func TestTakeCountsTheSkipped(t *testing.T) {
	r, err := NewReplay(nil, labels.FromStrings("__name__", "x"), []int64{0, 60, 120, 180, 240, 300, 360}, []float64{0, 1, 2, 3, 4, 5, 6}, 0, time.Unix(0, 0))
	require.NoError(t, err)
	_, v, skipped := r.Take(time.Unix(60, 0), time.Unix(120, 0))
	require.Equal(t, []float64{1, 2}, v)
	require.Equal(t, 1, skipped)
	_, v, skipped = r.Take(time.Unix(300, 0), time.Unix(360, 0))
	require.Equal(t, []float64{5, 6}, v)
	require.Equal(t, 2, skipped, "180 and 240")
}

// TestReplayCutBeyondTheEnd: a cut past the trace's end is its last
// sample, which lands at the start; Values are the finite values.
func TestReplayCutBeyondTheEnd(t *testing.T) {
	r, err := NewReplay(nil, labels.FromStrings("__name__", "x"), []int64{0, 60, 120}, []float64{1, math.NaN(), 3}, 99, time.Unix(6000, 0))
	require.NoError(t, err)
	ts, _, _ := r.Take(time.Unix(0, 0), time.Unix(7000, 0))
	require.Equal(t, []int64{5880, 5940, 6000}, ts)
	require.Equal(t, []float64{1, 3}, r.Values())
}

// TestOneNegativePoint: a query whose one point is negative is refused
// as ErrNegative, naming it.
func TestOneNegativePoint(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1773532800,"-2"]]}]}}`))
	}))
	defer srv.Close()
	r, err := NewRemote(srv.URL, 5*time.Second)
	require.NoError(t, err)
	start := time.Unix(1773532800, 0)
	_, err = r.QueryRange(t.Context(), "x", start, start.Add(time.Minute), time.Minute)
	require.ErrorIs(t, err, ErrNegative)
	require.ErrorContains(t, err, "(negative points: 1)")
}

// TestSmallLookbackAndStep: a lookback of 1 ns is kept (0 is the
// default's 5 minutes); a grid step under a millisecond is one.
func TestSmallLookbackAndStep(t *testing.T) {
	require.Equal(t, time.Nanosecond, lookbackOr(time.Nanosecond))
	require.Equal(t, 5*time.Minute, lookbackOr(0))
	start := time.Unix(1773532800, 0)
	g := newGrid(start, start.Add(2*time.Millisecond), time.Microsecond)
	require.Equal(t, int64(1), g.step)
	require.Equal(t, 3, g.n)
}

// TestRemoteDefaults: a timeout of 0 is the default's 30 s (a query is
// answered, not cut at once); an https:// URL is known as one (the TLS
// hint of its errors), an http:// one not.
func TestRemoteDefaults(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1773532800,"2"]]}]}}`))
	}))
	defer srv.Close()
	r, err := NewRemote(srv.URL, 0)
	require.NoError(t, err)
	require.Equal(t, 30*time.Second, r.timeout)
	require.False(t, r.https)
	start := time.Unix(1773532800, 0)
	s, err := r.QueryRange(t.Context(), "x", start, start, time.Minute)
	require.NoError(t, err)
	require.Equal(t, []float64{2}, s.V)

	r, err = NewRemote("https://prometheus.example:9090", 0)
	require.NoError(t, err)
	require.True(t, r.https)
}

// TestSentSecretsLongestFirst: the credentials a Remote hides are in
// order of length, longest first, so one holding another is hidden whole.
func TestSentSecretsLongestFirst(t *testing.T) {
	out := sentSecrets("http://user:pw-12345678@127.0.0.1:9090", http.Header{"X-Token": {"short123"}, "Authorization": {"Bearer tok-0123456789abcdef"}})
	require.Len(t, out, 5)
	for i := 1; i < len(out); i++ {
		require.GreaterOrEqual(t, len(out[i-1]), len(out[i]), "%q", out)
	}
}

// TestAppendSeriesInBatches: a series of more samples than a batch
// (12,000 at one-minute steps, NaN left out) is appended whole, counted,
// and reads back.
func TestAppendSeriesInBatches(t *testing.T) {
	ctx := context.Background()
	e := openEmbedded(t)
	start := int64(1_773_532_800)
	var ts []int64
	var vs []float64
	for i := range 12_000 {
		ts = append(ts, start+int64(i)*60)
		vs = append(vs, float64(i))
	}
	vs[7] = math.NaN()
	n, err := e.AppendSeries(ctx, labels.FromStrings("__name__", "demand"), ts, vs)
	require.NoError(t, err)
	require.Equal(t, len(ts)-1, n)
	s, err := e.QueryRange(ctx, "demand", time.Unix(ts[len(ts)-3], 0), time.Unix(ts[len(ts)-1], 0), time.Minute)
	require.NoError(t, err)
	require.Equal(t, []float64{11_997, 11_998, 11_999}, s.V)
}

// TestWriteBlockOfOneSample: a series of one sample is a block too.
func TestWriteBlockOfOneSample(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	n, err := WriteBlock(ctx, dir, labels.FromStrings("__name__", "demand"), []int64{1_773_532_800}, []float64{4}, nil)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	e, err := OpenEmbedded(dir, EmbeddedOptions{Retention: 60 * 24 * time.Hour})
	require.NoError(t, err)
	defer func() { require.NoError(t, e.Close()) }()
	s, err := e.QueryRange(ctx, "demand", time.Unix(1_773_532_800, 0), time.Unix(1_773_532_800, 0), time.Minute)
	require.NoError(t, err)
	require.Equal(t, []float64{4}, s.V)
}

// TestSentSecretsQueryValueAsWritten: a query value is hidden as written
// (escaped, as the URL echoed in a request line shows it) and decoded.
func TestSentSecretsQueryValueAsWritten(t *testing.T) {
	out := sentSecrets("http://127.0.0.1:9090/?api_key=abc%2Bdefgh123", nil)
	require.Contains(t, out, "abc%2Bdefgh123")
	require.Contains(t, out, "abc+defgh123")
}

// TestReplayDetached: attaching no store detaches the one attached:
// advancing then fails, not appending to the store left behind.
func TestReplayDetached(t *testing.T) {
	e := openEmbedded(t)
	r, err := NewReplay(e, labels.FromStrings("__name__", "x"), []int64{0, 60}, []float64{1, 2}, 0, time.Unix(0, 0))
	require.NoError(t, err)
	r.Attach(nil)
	_, err = r.AdvanceTo(t.Context(), time.Unix(60, 0))
	require.ErrorContains(t, err, "no store attached")
	appended, _ := e.Stats()
	require.Zero(t, appended)
}

// TestAdvanceWithNothingDue: a replay advanced to before its next sample
// stores, tries and drops nothing (step would otherwise log a replay
// fallen behind, or storing again).
func TestAdvanceWithNothingDue(t *testing.T) {
	e := openEmbedded(t)
	r, err := NewReplay(e, labels.FromStrings("__name__", "x"), []int64{0, 60}, []float64{1, 2}, 0, time.Unix(600, 0))
	require.NoError(t, err)
	stored, due, dropped, err := r.advance(t.Context(), time.Unix(599, 0))
	require.NoError(t, err)
	require.Equal(t, [3]int{0, 0, 0}, [3]int{stored, due, dropped})
	n, err := r.AdvanceTo(t.Context(), time.Unix(599, 0))
	require.NoError(t, err)
	require.Zero(t, n)
}

// TestDefaultRetentionTakesLateSamples: without a retention the store
// keeps 30 days and takes samples that late out of order (a backfill, a
// restart): one 29 days before the newest is stored, one 30.5 days
// before it is refused.
func TestDefaultRetentionTakesLateSamples(t *testing.T) {
	ctx := context.Background()
	e := openEmbedded(t)
	newest := int64(1_773_532_800_000)
	day := 24 * time.Hour.Milliseconds()
	lbls := labels.FromStrings("__name__", "x")
	_, err := e.Append(ctx, []Sample{{lbls, newest, 1}})
	require.NoError(t, err)
	_, err = e.Append(ctx, []Sample{{lbls, newest - 29*day, 2}})
	require.NoError(t, err)
	appended, rejected := e.Stats()
	require.Equal(t, [2]int64{2, 0}, [2]int64{appended, rejected}, "29 days late: stored")
	_, err = e.Append(ctx, []Sample{{lbls, newest - 30*day - day/2, 3}})
	require.NoError(t, err)
	appended, rejected = e.Stats()
	require.Equal(t, [2]int64{2, 1}, [2]int64{appended, rejected}, "30.5 days late: refused")
}
