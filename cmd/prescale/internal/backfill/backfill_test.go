package backfill

import (
	"bytes"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/config"
	"github.com/prescale/prescale/controller/policy"
	"github.com/prescale/prescale/internal/trace"
)

// The targets file prescale run writes is YAML from a marshaller: names and
// queries with quotes of either kind survive the round trip through the
// controller's own parser (a single-quoted template broke on a trace named
// with an apostrophe).
func TestRunTargetsYAMLRoundTrip(t *testing.T) {
	base := policy.Target{Name: `web "eu"`, Tier: "front'end", Kind: policy.KindInstances,
		Query: `sum(rate(http_requests_total{job="it's"}[1m]))`, CurrentQuery: `max(replicas{job="it's"})`,
		CapacityPerUnit: 10, TargetUtilization: 0.7, MinUnits: 1, MaxUnits: 5}
	b, err := TargetsYAML(base, `o'brien "trace"`, 2.5)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(string(b), "# written by prescale run --backfill"))
	got, err := config.ParseTargets(b, base, config.UsageWindowLag)
	require.NoError(t, err)
	require.Len(t, got, 2)
	require.Equal(t, base.Name, got[0].Name)
	require.Equal(t, base.Tier, got[0].Tier)
	require.Equal(t, base.Query, got[0].Query)
	// Not inherited from PRESCALE_TARGET_CURRENT_QUERY: it was lost.
	require.Equal(t, base.CurrentQuery, got[0].CurrentQuery)
	require.Empty(t, got[1].CurrentQuery)
	require.Equal(t, "trace", got[1].Name)
	require.Equal(t, `prescale_trace_demand{trace="o'brien \"trace\""}`, got[1].Query)
	require.InDelta(t, 2.5, got[1].CapacityPerUnit, 0)
	require.Equal(t, 1, got[1].MinUnits)
	require.Equal(t, 20, got[1].MaxUnits)
}

// TestTraceCapacity: the replayed target's capacity is --capacity, else the
// trace's 95th percentile / 5 (1 for zeros); one below the least capacity
// is refused naming --capacity, not as the generated targets file's entry.
func TestTraceCapacity(t *testing.T) {
	vals := make([]float64, 100)
	for i := range vals {
		vals[i] = float64(i + 1)
	}
	c, err := Capacity(vals, 0, "a.csv")
	require.NoError(t, err)
	require.InDelta(t, 96.0/5, c, 1e-12)
	c, err = Capacity(vals, 3, "a.csv")
	require.NoError(t, err)
	require.InDelta(t, 3, c, 0)
	c, err = Capacity(make([]float64, 10), 0, "a.csv")
	require.NoError(t, err)
	require.InDelta(t, 1, c, 0)
	for i := range vals {
		vals[i] *= 1e-12
	}
	_, err = Capacity(vals, 0, "a.csv")
	require.EqualError(t, err, "--backfill a.csv: the trace's 95th percentile / 5 is 1.92e-11, below the least capacity_per_unit (1e-09): give --capacity")
}

// TestWriteLinesNamePrescaleRun: every line Write prints, on stdout and on
// stderr, begins "prescale run:" as run's other lines do; the stdout
// summary began "backfilled".
func TestWriteLinesNamePrescaleRun(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	tr := &trace.Trace{}
	for i := range 100 {
		tr.T = append(tr.T, 1_600_000_000+int64(i)*60)
		tr.V = append(tr.V, float64(i))
	}
	var stdout, stderr bytes.Buffer
	_, err := Write(t.Context(), Options{Dir: filepath.Join(t.TempDir(), "tsdb"), Trace: tr, Path: "demo.csv",
		Window: time.Hour, Step: time.Minute, Logger: slog.New(slog.DiscardHandler)}, now, &stdout, &stderr)
	require.NoError(t, err)
	for name, out := range map[string]string{"stdout": stdout.String(), "stderr": stderr.String()} {
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		require.NotEmpty(t, lines[0], name)
		for _, l := range lines {
			require.True(t, strings.HasPrefix(l, "prescale run: "), "%s: %q", name, l)
		}
	}
	require.Contains(t, stdout.String(), "backfilled 61 samples of demo.csv (step 1m0s)") // the hour's window and one step
}
