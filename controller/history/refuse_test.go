package history

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/internal/testkit"
)

// refusingStore is the Embedded store refusing every append while refuse
// is set, as a full disk does.
type refusingStore struct {
	*Embedded
	refuse atomic.Bool
}

var errDiskFull = errors.New("history: commit: write to WAL: no space left on device")

func (s *refusingStore) Append(ctx context.Context, samples []Sample) (int, error) {
	if s.refuse.Load() {
		return 0, errDiskFull
	}
	return s.Embedded.Append(ctx, samples)
}

func (s *refusingStore) AppendSeries(ctx context.Context, lbls labels.Labels, t []int64, v []float64) (int, error) {
	if s.refuse.Load() {
		return 0, errDiskFull
	}
	return s.Embedded.AppendSeries(ctx, lbls, t, v)
}

func debugLog(buf *bytes.Buffer) *slog.Logger {
	return slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// TestScrapeStoreRefusingLogsOnce: a store refusing the scraped samples
// for four scrapes logs one WARN, DEBUG at the three after, and one INFO
// with the samples lost when it stores again; it logged a WARN at every
// scrape (4 in 4).
func TestScrapeStoreRefusingLogsOnce(t *testing.T) {
	st := &refusingStore{Embedded: openEmbedded(t)}
	st.refuse.Store(true)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("y 1\n")) }))
	defer srv.Close()
	sc := NewScraper(nil, []ScrapeTarget{{Job: "app", URL: srv.URL + "/metrics"}}, nil, ScrapeTarget{}, time.Second)
	sc.store = st
	var buf bytes.Buffer
	log := debugLog(&buf)
	t0 := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	for i := range 4 {
		sc.ScrapeLogged(t.Context(), t0.Add(time.Duration(i)*15*time.Second), log)
	}
	out := buf.String()
	require.Equal(t, 1, strings.Count(out, "level=WARN"), out)
	require.Contains(t, out, `level=WARN msg="embedded store refusing scraped samples: they are lost until it stores again" err="history: commit: write to WAL: no space left on device"`)
	require.Equal(t, 3, strings.Count(out, "level=DEBUG"), out)

	st.refuse.Store(false)
	sc.ScrapeLogged(t.Context(), t0.Add(time.Minute), log)
	sc.ScrapeLogged(t.Context(), t0.Add(75*time.Second), log)
	out = buf.String()
	require.Equal(t, 1, strings.Count(out, "level=INFO"), out)
	require.Contains(t, out, `level=INFO msg="embedded store storing scraped samples again" samples_lost=8 failing_for=1m0s failed_attempts=4`, "y and up, four scrapes")
	s, err := st.QueryRange(t.Context(), `y`, t0.Add(time.Minute), t0.Add(time.Minute), time.Minute)
	require.NoError(t, err)
	require.Equal(t, []float64{1}, s.V)
}

// TestReplayStoreRefusingLogsOnce: prescale run's backfill replay into a
// store that refuses appends logs one WARN, DEBUG at each further refusal,
// and one INFO with the samples lost at the first append that succeeds; a
// step with nothing due neither ends nor extends the outage. It logged a
// WARN at every refused append.
func TestReplayStoreRefusingLogsOnce(t *testing.T) {
	st := &refusingStore{Embedded: openEmbedded(t)}
	ts := []int64{0, 300, 600, 900, 1200, 1500, 1800, 2100}
	vs := []float64{1, 2, math.NaN(), 4, 5, 6, 7, 8}
	start := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	r, err := NewReplay(nil, testkit.Demand(), ts, vs, 3, start)
	require.NoError(t, err)
	r.store = st
	st.refuse.Store(true)
	var buf bytes.Buffer
	log := debugLog(&buf)
	r.step(t.Context(), start, log)                    // samples 0..3, the NaN not due
	r.step(t.Context(), start.Add(2*time.Minute), log) // nothing due
	r.step(t.Context(), start.Add(5*time.Minute), log) // sample 4
	out := buf.String()
	require.Equal(t, 1, strings.Count(out, "level=WARN"), out)
	require.Contains(t, out, `level=WARN msg="backfill replay: the embedded store refuses the trace's samples; they are lost until it stores again" series=`)
	require.Equal(t, 1, strings.Count(out, "level=DEBUG"), out)

	st.refuse.Store(false)
	r.step(t.Context(), start.Add(7*time.Minute), log) // nothing due: still failing
	require.NotContains(t, buf.String(), "level=INFO")
	r.step(t.Context(), start.Add(10*time.Minute), log)
	out = buf.String()
	require.Equal(t, 1, strings.Count(out, "level=INFO"), out)
	require.Contains(t, out, `level=INFO msg="backfill replay storing again" series=`)
	require.Contains(t, out, `samples_lost=4 failing_for=10m0s failed_attempts=2`)
}
