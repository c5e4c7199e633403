package controller

import (
	"math"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"
)

// TestModelErrorStandsBetweenScores: a one-step forecast is scored once
// its step has passed, so with cycles more frequent than the step (the
// defaults: 60 s and 5 m) most cycles score nothing. The last score stands
// until the next one, in the snapshot (/api/verification's model_error) as
// in prescale_model_error; the snapshot's went back to NaN (null) on every
// cycle between scores, four cycles in five by default, while the metric
// kept it. Before any score it is NaN (null) and the metric absent.
func TestModelErrorStandsBetweenScores(t *testing.T) {
	now := fixtureStart
	f := newFixture(t, t.TempDir(), &fakeHistory{value: 35}, confidentForecast, ModeAct, &now)
	require.NoError(t, f.c.ReconcileOnce(t.Context()))
	require.True(t, math.IsNaN(f.c.Snapshot().Targets[0].ModelError), "nothing scored yet")

	now = now.Add(time.Minute) // the 12:01 sample scores the forecast made for it
	require.NoError(t, f.c.ReconcileOnce(t.Context()))
	require.InDelta(t, 15, f.c.Snapshot().Targets[0].ModelError, 1e-9)

	now = now.Add(20 * time.Second) // 12:01:50, no new sample: nothing to score
	require.NoError(t, f.c.ReconcileOnce(t.Context()))
	require.InDelta(t, 15, f.c.Snapshot().Targets[0].ModelError, 1e-9, "the last score stands")
	require.InDelta(t, 15, f.gauge(t, f.c.d.Metrics.ModelError), 1e-9)
}

// TestStaleMessageNamesAHeldBackSource: a target whose newest point is a
// step or two old on every cycle (VictoriaMetrics holds back its newest
// 30 s by default; with a 15 s step the controller held every decision,
// measured against a real VictoriaMetrics) is told what holds it back and
// what to change; data that stopped long ago is not.
func TestStaleMessageNamesAHeldBackSource(t *testing.T) {
	now := time.Date(2026, 3, 2, 12, 0, 40, 0, time.UTC)
	msg := staleMessage(now.Add(-40*time.Second), now, 15*time.Second)
	require.Contains(t, msg, "is 40s old (step 15s)")
	require.Contains(t, msg, "-search.latencyOffset")
	require.Contains(t, msg, "make PRESCALE_STEP longer than that delay")
	// A controller clock a minute ahead of Prometheus's reads the same
	// (points stamped by the scraper's clock look a step or two old), and
	// a longer step does not help: the message did not name it.
	require.Contains(t, msg, "or this host's clock runs ahead of the source's")
	require.NotContains(t, staleMessage(now.Add(-17*time.Minute), now, time.Minute), "latencyOffset")
}

// TestAnomalousFlagPublished: prescale_anomalous is the detector's flag on
// the latest sample (0 from the start, 1 while flagged), what
// PrescaleAnomalyDetected and the dashboard count follow, so both agree
// with the controller at any PRESCALE_ANOMALY_THRESHOLD.
func TestAnomalousFlagPublished(t *testing.T) {
	now := fixtureStart
	f := newFixture(t, t.TempDir(), &fakeHistory{value: 35}, confidentForecast, ModeAct, &now)
	g := f.c.d.Metrics.Anomalous
	require.Equal(t, 1, testutil.CollectAndCount(g), "pre-initialised")
	require.InDelta(t, 0, f.gauge(t, g), 0)
	tg := f.c.targets[0]
	f.c.publish(tg, snapshot{anomaly: true, anomScore: 0.5}, f.c.file.Targets[tg.Name])
	require.InDelta(t, 1, f.gauge(t, g), 0, "flagged at a score below the default threshold")
	f.c.publish(tg, snapshot{anomScore: 0.995}, f.c.file.Targets[tg.Name])
	require.InDelta(t, 0, f.gauge(t, g), 0)
}
