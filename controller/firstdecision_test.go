package controller

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/policy"
)

// lowForecast: upper bound 2, under one unit of testTarget (min_units 1).
var lowForecast = fakeForecaster{mean: 1, upper: 2, conf: 0.9}

// A new target's first decision is sent even when it is min_units, the
// units a target without a decision is assumed at: no receiver
// acknowledged them. It was taken as delivered already and never sent, so
// a workload running 20 replicas stayed at 20, prescale_current_units said
// 1, and with a current_query reading 20 PrescaleScalingDecisionPending
// fired 2 x lag + 5m later naming the platform while
// prescale_actuation_pending stayed 0. Fails without actuation.Set.Restore's
// unsure for a target without a decision: nothing delivered.
func TestFirstDecisionOfMinUnitsIsSent(t *testing.T) {
	for _, tgt := range []policy.Target{testTarget, replicasTarget()} {
		t.Run(tgt.CurrentQuery, func(t *testing.T) {
			now := fixtureStart
			h := &fakeHistory{value: 1}
			if tgt.CurrentQuery != "" {
				h.setQuery(tgt.CurrentQuery, 20)
			}
			rec := &recorder{}
			ctl, l := ackControllerWith(t, tgt, h, lowForecast, rec, &now)
			require.NoError(t, ctl.ReconcileOnce(t.Context()))
			s := ctl.Snapshot().Targets[0]
			require.False(t, s.Decision.Reason.Holds(), "%s", s.Decision.Line())
			require.Equal(t, 1, s.Decision.Desired)
			l.Sync(t.Context())
			got := rec.actions()
			require.Len(t, got, 1, "the first decision is delivered")
			require.Equal(t, 1, got[0].Desired)
			u, at, ok := l.Acked(tgt.Name)
			require.True(t, ok)
			require.Equal(t, 1, u)
			require.True(t, at.Equal(now), "acknowledged by the receiver, not assumed")
			require.False(t, l.Unsure(tgt.Name))

			// The next cycle, deciding the same, sends nothing more: the
			// receiver acknowledged it.
			now = now.Add(time.Minute)
			require.NoError(t, ctl.ReconcileOnce(t.Context()))
			l.Sync(t.Context())
			require.Len(t, rec.actions(), 1, "acknowledged: not sent again")
			// The observed lag times deliveries only, never the assumed
			// min_units (a scale-down from 20 here): nothing observed.
			var mm dto.Metric
			require.NoError(t, ctl.d.Metrics.LagObserved.WithLabelValues("web", "web", "instances").(prometheus.Metric).Write(&mm))
			require.Zero(t, mm.GetHistogram().GetSampleCount())
		})
	}
}
