package controller_test

import (
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"runtime/pprof"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller"
	"github.com/prescale/prescale/controller/history"
	"github.com/prescale/prescale/controller/policy"
	"github.com/prescale/prescale/controller/state"
	"github.com/prescale/prescale/internal/cputime"
	"github.com/prescale/prescale/internal/memlimit"
	"github.com/prescale/prescale/internal/testkit"
)

// fleetTargets is the fleet size of BenchmarkFleetVictoriaMetrics
// (PRESCALE_BENCH_FLEET overrides it for quicker looks).
func fleetTargets(b *testing.B) int {
	if s := os.Getenv("PRESCALE_BENCH_FLEET"); s != "" {
		n, err := strconv.Atoi(s)
		require.NoError(b, err, "PRESCALE_BENCH_FLEET")
		return n
	}
	return 1000
}

// BenchmarkFleetVictoriaMetrics is one controller over 1,000 targets, each
// with 14 days of 5-minute history (4,032 samples) in a real
// VictoriaMetrics single-node on loopback, PRESCALE_SCALING_INTERVAL 15s:
// the first cycle (every target's window read and its engine warmed), then
// steady cycles: each of the next 5-minute steps brings one new sample
// per target, with two cycles in between that bring none. It reports the
// first cycle (goal <= 60 s), the mean and the slowest steady cycle (goal
// <= 2 s, aim 1 s) and the process' peak resident memory (goal < 1 GiB,
// aim 512 MiB; first_peak_rss_MB is the peak when the first cycle ended),
// and the state file's size (each cycle writes all of it).
// The VictoriaMetrics process shares the machine's cores. With
// PRESCALE_BENCH_HEAPPROFILE=FILE it writes the heap profile at the end;
// with PRESCALE_BENCH_PEAKPROBE=DIR, profiles at the highest live heap of
// each phase (peakProbe). GOGC set runs it with that GC percent instead of
// the controller's default (memlimit.DefaultGCPercent).
func BenchmarkFleetVictoriaMetrics(b *testing.B) {
	// The controller's process lowers the GC percent when GOGC is unset
	// (cmd/prescale-controller): so does this one, so that its peak is the
	// controller's.
	if percent := memlimit.DefaultGCPercent(os.Getenv); percent > 0 {
		defer debug.SetGCPercent(debug.SetGCPercent(percent))
	}
	n := fleetTargets(b)
	heapProfile := os.Getenv("PRESCALE_BENCH_HEAPPROFILE") // liveDefaults unsets PRESCALE_*
	probeDir := os.Getenv("PRESCALE_BENCH_PEAKPROBE")      // peakprobe_test.go
	ctx := b.Context()
	vm := startVM(ctx, b)
	step := 5 * time.Minute
	end := time.Now().Add(-2 * time.Hour).Truncate(step)
	live := liveDefaults(b)
	targets := make([]policy.Target, n)
	for lo := 0; lo < n; lo += 50 {
		var batch []vmSeries
		for i := lo; i < min(n, lo+50); i++ {
			name := fmt.Sprintf("t%04d", i)
			batch = append(batch, traceSeries(name, 14*288, step, end, uint64(i)))
			targets[i] = benchTarget(live, name)
		}
		vm.importSeries(ctx, batch)
	}
	// As many keep-alive connections as queries in flight, as the
	// controller's command sets (PRESCALE_QUERY_CONCURRENCY): with net/http's
	// default of 2 idle, most of each cycle's reads opened a new connection.
	hist, err := history.NewRemoteWith(vm.URL(), history.RemoteOptions{Timeout: time.Minute, Conns: controller.DefaultQueryConcurrency})
	require.NoError(b, err)
	// The controller's clock stands at each cycle's time and runs on from
	// it as the cycle does: its phase and read durations are measured on
	// it (a clock held still reported every phase as 0 s).
	clock, setAt := end.Add(30*time.Second), time.Now()
	reg := prometheus.NewRegistry()
	st, err := state.New(b.TempDir())
	require.NoError(b, err)
	c, err := controller.New(targets, controller.Options{
		Interval: 15 * time.Second, Window: 14 * 24 * time.Hour, Step: step, Coverage: 0.95,
		Mode: controller.ModeAct, AnomalyThreshold: 0.99,
	}, controller.Deps{
		History: hist, NewDetector: controller.DetectorByName("robust"),
		Decide: policy.Decide, State: st, Metrics: controller.NewMetrics(reg, targets),
		Now: func() time.Time { return clock.Add(time.Since(setAt)) },
	})
	require.NoError(b, err)
	runtime.GC()

	probe, err := startPeakProbe(probeDir, 500*time.Millisecond)
	require.NoError(b, err)
	probe.set("first")
	b.ResetTimer()
	t0, cpu0, gc0 := time.Now(), cputime.Seconds(), gcWork()
	require.NoError(b, c.ReconcileOnce(ctx))
	first, firstCPU, firstGC := time.Since(t0), cputime.Seconds()-cpu0, gcWork()
	firstPeak := testkit.PeakRSSMB() // VmHWM so far: the first cycle's peak
	firstPhases := phaseSums(b, reg)
	require.Positive(b, firstPhases["fit"], "the first cycle's fit phase timed")
	probe.set("steady")
	var steady []time.Duration
	steadyCPU, steadyMaxCPU := 0.0, 0.0
	for k := 1; k <= 4; k++ {
		b.StopTimer()
		probe.set("import")
		vm.importSeries(ctx, nextSamples(targets, end.Add(time.Duration(k)*step), uint64(k)))
		probe.set("steady")
		b.StartTimer()
		for j := range 3 { // the cycle at the new step, then two without new data
			clock, setAt = end.Add(time.Duration(k)*step+time.Duration(j)*15*time.Second+30*time.Second), time.Now()
			t, cpu := time.Now(), cputime.Seconds()
			require.NoError(b, c.ReconcileOnce(ctx))
			steady = append(steady, time.Since(t))
			d := cputime.Seconds() - cpu
			steadyCPU += d
			steadyMaxCPU = max(steadyMaxCPU, d)
		}
	}
	b.StopTimer()
	probe.close()
	var sum time.Duration
	for _, d := range steady {
		sum += d
	}
	b.ReportMetric(first.Seconds(), "first_cycle_s")
	b.ReportMetric(firstCPU, "first_cycle_cpu_s")
	// The garbage collector's share of it (the runtime's estimate) and its
	// collections: what a lower GC percent costs.
	b.ReportMetric(firstGC.cpu-gc0.cpu, "first_gc_cpu_s")
	b.ReportMetric(firstGC.cycles-gc0.cycles, "first_gcs")
	b.ReportMetric(steadyCPU/float64(len(steady)), "steady_cycle_cpu_s")
	// The costliest steady cycle's CPU (the step at which 1/24 of the
	// targets refit): its wall time on a loaded machine is mostly waiting.
	b.ReportMetric(steadyMaxCPU, "steady_max_cpu_s")
	for p, v := range firstPhases {
		b.ReportMetric(v, "first_"+p+"_s")
	}
	for p, v := range phaseSums(b, reg) {
		b.ReportMetric((v-firstPhases[p])/float64(len(steady)), "steady_"+p+"_s")
	}
	b.ReportMetric(sum.Seconds()/float64(len(steady)), "steady_cycle_s")
	b.ReportMetric(slices.Max(steady).Seconds(), "steady_max_s")
	b.ReportMetric(testkit.PeakRSSMB(), "peak_rss_MB")
	b.ReportMetric(firstPeak, "first_peak_rss_MB")
	b.ReportMetric(testkit.HeapMB(), "heap_inuse_MB")
	if heapProfile != "" {
		f, err := os.Create(heapProfile)
		require.NoError(b, err)
		require.NoError(b, pprof.WriteHeapProfile(f))
		require.NoError(b, f.Close())
	}
	// What each cycle writes: the whole state file, rewritten.
	fi, err := os.Stat(st.Path())
	require.NoError(b, err)
	b.ReportMetric(float64(fi.Size())/1e6, "state_file_MB")
	b.ReportMetric(float64(n), "targets")
	checkDecided(b, c, n)
}

// gcCost is the garbage collector's work so far: CPU seconds (the
// runtime's estimate, without the marking done on otherwise idle cores,
// which varies with the machine's other work) and collections.
type gcCost struct{ cpu, cycles float64 }

func gcWork() gcCost {
	s := []metrics.Sample{
		{Name: "/cpu/classes/gc/total:cpu-seconds"}, {Name: "/cpu/classes/gc/mark/idle:cpu-seconds"},
		{Name: "/gc/cycles/total:gc-cycles"},
	}
	metrics.Read(s)
	return gcCost{cpu: s[0].Value.Float64() - s[1].Value.Float64(), cycles: float64(s[2].Value.Uint64())}
}

// phaseSums reads the total seconds of each cycle phase so far from
// prescale_cycle_phase_duration_seconds.
func phaseSums(b *testing.B, reg *prometheus.Registry) map[string]float64 {
	mfs, err := reg.Gather()
	require.NoError(b, err)
	out := map[string]float64{}
	for _, mf := range mfs {
		if mf.GetName() != "prescale_cycle_phase_duration_seconds" {
			continue
		}
		for _, m := range mf.GetMetric() {
			out[m.GetLabel()[0].GetValue()] = m.GetHistogram().GetSampleSum()
		}
	}
	return out
}

// nextSamples is one new sample per target at t for /api/v1/import.
func nextSamples(targets []policy.Target, t time.Time, seed uint64) []vmSeries {
	out := make([]vmSeries, len(targets))
	for i, tg := range targets {
		s := traceSeries(tg.Name, 1, time.Minute, t, seed*7919+uint64(i))
		out[i] = s
	}
	return out
}

// checkDecided fails unless every target decided from a forecast in the
// last cycle (the benchmark must measure the real work, not errors).
func checkDecided(b *testing.B, c *controller.Controller, n int) {
	b.Helper()
	used := 0
	for _, t := range c.Snapshot().Targets {
		if s := t.State; len(s.Decisions) > 0 && s.Decisions[len(s.Decisions)-1].Explanation.ForecastPoints > 0 {
			used++
		}
	}
	require.Equal(b, n, used, "targets whose last decision used a forecast")
}
