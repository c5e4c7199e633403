package engine_test

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/engine"
	"github.com/prescale/prescale/controller/policy"
	"github.com/prescale/prescale/internal/testkit"
)

// BenchmarkTargetMemory is the heap one target's pipeline holds between
// cycles (default detector and forecaster, after a decision), averaged
// over 50 targets: after the 14 days a controller reads at start (what
// BenchmarkFleetVictoriaMetrics measures) and after 35 days of running
// (the forecaster then fits on 35 days: what a long-running controller
// holds). Multiply by the targets for a controller's share.
func BenchmarkTargetMemory(b *testing.B) {
	for _, days := range []int{14, 35} {
		b.Run(fmt.Sprintf("days=%d", days), func(b *testing.B) {
			const n = 50
			ts, vs := testkit.DailyTrace(days*288, 5*time.Minute, time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC), 1)
			var per float64
			for b.Loop() {
				before := heapInUse()
				engs := make([]*engine.Engine, n)
				for k := range engs {
					det, err := engine.NewDetector(engine.DefaultDetector)
					require.NoError(b, err)
					e, err := engine.New(engine.Config{Target: target(), Step: 5 * time.Minute, Interval: 15 * time.Second,
						Detector: det, AnomalyThreshold: engine.DefaultAnomalyThreshold})
					require.NoError(b, err)
					for i := range ts {
						e.Observe(ts[i], vs[i])
					}
					e.Decide(engine.Input{Now: time.Unix(ts[len(ts)-1], 0), CurrentUnits: 1, Demand: vs[len(vs)-1], DataPresent: true}, policy.State{})
					engs[k] = e
				}
				per = (heapInUse() - before) / n
				runtime.KeepAlive(engs)
			}
			b.ReportMetric(per/1e3, "KB/target")
		})
	}
}

// heapInUse is the live heap in bytes after a collection.
func heapInUse() float64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return float64(m.HeapAlloc)
}
