package controller_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller"
	"github.com/prescale/prescale/controller/history"
	"github.com/prescale/prescale/controller/policy"
	"github.com/prescale/prescale/controller/state"
	"github.com/prescale/prescale/internal/testkit"
)

// benchController fills an embedded store with n targets of 14 days of 5-minute
// history (4,032 samples each) and returns the controller over it.
func benchController(b *testing.B, n int) func() *controller.Controller {
	b.Helper()
	newCtrl, _ := benchRunning(b, n, 0)
	return newCtrl
}

// benchRunning is benchController with extra 5-minute samples after the 14
// days: *now starts at the end of the 14 days and may move through them.
func benchRunning(b *testing.B, n, extra int) (func() *controller.Controller, *time.Time) {
	b.Helper()
	end := time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC).Add(time.Duration(extra) * 5 * time.Minute)
	emb, err := history.OpenEmbedded(b.TempDir(), history.EmbeddedOptions{})
	require.NoError(b, err)
	b.Cleanup(func() { _ = emb.Close() })
	targets := make([]policy.Target, n)
	for i := range n {
		ts, vs := testkit.DailyTrace(14*288+extra, 5*time.Minute, end, uint64(i))
		name := fmt.Sprintf("t%03d", i)
		_, err := emb.AppendSeries(b.Context(), testkit.Demand("target", name), ts, vs)
		require.NoError(b, err)
		targets[i] = policy.Target{
			Name: name, Tier: "web", Kind: policy.KindInstances, Query: `demand{target="` + name + `"}`,
			CapacityPerUnit: 10, TargetUtilization: 0.7, MinUnits: 1, MaxUnits: 50, Lag: 10 * time.Minute,
			ScaleDownCooldown: 15 * time.Minute, StabilizationWindow: 10 * time.Minute, Tolerance: 0.1, ConfidenceThreshold: 0.7,
		}
	}
	require.NoError(b, emb.Compact(b.Context()))
	now := end.Add(time.Duration(-extra)*5*time.Minute + 30*time.Second)
	return func() *controller.Controller {
		st, err := state.New(b.TempDir())
		require.NoError(b, err)
		c, err := controller.New(targets, controller.Options{
			Interval: time.Minute, Window: 14 * 24 * time.Hour, Step: 5 * time.Minute, Coverage: 0.8,
			Mode: controller.ModeAct, AnomalyThreshold: 0.95,
		}, controller.Deps{
			History: emb, NewDetector: controller.DetectorByName("robust"),
			Decide: policy.Decide, State: st, Metrics: controller.NewMetrics(prometheus.NewRegistry(), targets),
			Now: func() time.Time { return now },
		})
		require.NoError(b, err)
		return c
	}, &now
}

// BenchmarkCycle100Targets14Days is one full cycle (query, clean, detect,
// forecast, decide, publish, persist) over 100 targets each holding 14 days
// of 5-minute history in the embedded store. Goal: <= 3 s on 2 cores.
// "cold" is a freshly started controller (each target's engine is warmed
// on all 4,032 points: detector and live forecaster, one fit); "warm" a controller
// that already ran a cycle (the engines only see new points).
func BenchmarkCycle100Targets14Days(b *testing.B) {
	newCtrl := benchController(b, 100)
	b.Run("cold", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			c := newCtrl()
			b.StartTimer()
			require.NoError(b, c.ReconcileOnce(b.Context()))
		}
		b.ReportMetric(testkit.RSSMB(), "rss_MB")
		b.ReportMetric(testkit.HeapMB(), "heap_inuse_MB")
	})
	b.Run("warm", func(b *testing.B) {
		c := newCtrl()
		require.NoError(b, c.ReconcileOnce(b.Context()))
		for b.Loop() {
			require.NoError(b, c.ReconcileOnce(b.Context()))
		}
		b.ReportMetric(testkit.RSSMB(), "rss_MB")
		b.ReportMetric(testkit.HeapMB(), "heap_inuse_MB")
	})
}

// BenchmarkCycle100TargetsRunning is the cycle of a running controller:
// each cycle comes one 5-minute step after the last, with one new point
// per target, so each target's forecaster updates and, once every 24
// points (at a phase that differs by target), refits. The mean over 24
// cycles is the steady cost, refits included.
func BenchmarkCycle100TargetsRunning(b *testing.B) {
	const cycles = 24
	newCtrl, now := benchRunning(b, 100, cycles)
	start := *now
	var c *controller.Controller
	k := cycles
	for b.Loop() {
		if k == cycles {
			b.StopTimer()
			*now, k = start, 0
			c = newCtrl()
			require.NoError(b, c.ReconcileOnce(b.Context()))
			b.StartTimer()
		}
		k++
		*now = now.Add(5 * time.Minute)
		require.NoError(b, c.ReconcileOnce(b.Context()))
	}
	b.ReportMetric(testkit.HeapMB(), "heap_inuse_MB")
}
