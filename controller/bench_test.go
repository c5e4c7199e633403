package controller_test

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/kelseyhightower/envconfig"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller"
	"github.com/prescale/prescale/controller/config"
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
	live := liveDefaults(b)
	targets := make([]policy.Target, n)
	for i := range n {
		ts, vs := testkit.DailyTrace(14*288+extra, 5*time.Minute, end, uint64(i))
		name := fmt.Sprintf("t%03d", i)
		_, err := emb.AppendSeries(b.Context(), testkit.Demand("target", name), ts, vs)
		require.NoError(b, err)
		targets[i] = benchTarget(live, name)
	}
	require.NoError(b, emb.Compact(b.Context()))
	now := end.Add(time.Duration(-extra)*5*time.Minute + 30*time.Second)
	return func() *controller.Controller {
		st, err := state.New(b.TempDir())
		require.NoError(b, err)
		c, err := controller.New(targets, controller.Options{
			Interval: live.ScalingInterval, Window: 14 * 24 * time.Hour, Step: 5 * time.Minute, Coverage: live.Coverage,
			Mode: controller.ModeAct, AnomalyThreshold: live.AnomalyThreshold,
		}, controller.Deps{
			History: emb, NewDetector: controller.DetectorByName(live.AnomalyDetector),
			Decide: policy.Decide, State: st, Metrics: controller.NewMetrics(prometheus.NewRegistry(), targets),
			Now: func() time.Time { return now },
		})
		require.NoError(b, err)
		return c
	}, &now
}

// liveDefaults is the configuration prescale-controller starts from with
// only a query set: prescale run's policy defaults are the same, its
// scaling interval 30 s and step 1 m its own. The benchmarks measure the
// policy the controller runs (the change cost, the shadow HPAs, event
// pacing, the calm hold and their memory in the state file), not one
// without them, and not one a PRESCALE_ variable left in the shell would
// change: those are unset for the benchmark (and restored after it).
func liveDefaults(b *testing.B) config.Config {
	b.Helper()
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, config.EnvPrefix+"_") {
			b.Setenv(k, "") // restores the value after the benchmark
			require.NoError(b, os.Unsetenv(k))
		}
	}
	b.Setenv(config.EnvPrefix+"_TARGET_QUERY", "demand")
	var c config.Config
	require.NoError(b, envconfig.Process(config.EnvPrefix, &c))
	require.NoError(b, c.Validate())
	return c
}

// benchTarget is the live defaults' target with the benchmarks' own
// workload: 10 demand a unit, 1 to 50 units, 10 minutes to provision.
func benchTarget(live config.Config, name string) policy.Target {
	t := live.EnvTarget()
	t.Name, t.Tier, t.Kind, t.Query = name, "web", policy.KindInstances, `demand{target="`+name+`"}`
	t.CapacityPerUnit, t.MinUnits, t.MaxUnits, t.Lag = 10, 1, 50, 10*time.Minute
	return t
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
