package controller

import (
	"math"
	"testing"
	"time"

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
	require.InDelta(t, 15, f.gauge(t, f.c.d.Metrics.modelError), 1e-9)
}
