package metrics

import (
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/policy"
)

// TestTargetGaugeExposesAsAGaugeVec: the same series and values as the
// prometheus.GaugeVecs it replaces, through Set, Add, Sub, Inc, Dec,
// deletion and making again, for two gauges over four targets, from four
// goroutines (-race), one a target: two goroutines on one target could
// interleave a Set and an Add in one order on the GaugeVec and in the
// other on the TargetGauge, and the values then differed.
func TestTargetGaugeExposesAsAGaugeVec(t *testing.T) {
	regVec, regTG := prometheus.NewRegistry(), prometheus.NewPedanticRegistry()
	var ts targetSeries
	var vecs []*prometheus.GaugeVec
	var tgs []*TargetGauge
	for _, name := range []string{"a_units", "b_seconds"} {
		v := prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: "prescale", Name: name, Help: "h " + name}, targetLabels)
		g := ts.gauge(name, "h "+name)
		regVec.MustRegister(v)
		regTG.MustRegister(g)
		vecs, tgs = append(vecs, v), append(tgs, g)
	}
	targets := [][]string{{"web", "frontend", "instances"}, {"db", "data", "storage"}, {"api", "", "cpu"}, {"queue", "backend", "workers"}}
	require.Equal(t, exposition(t, regVec), exposition(t, regTG), "nothing yet")
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			lv := targets[w]
			for k := range 300 {
				g := k % 2
				switch k % 7 {
				case 0:
					vecs[g].WithLabelValues(lv...).Set(float64(k) / 3)
					tgs[g].WithLabelValues(lv...).Set(float64(k) / 3)
				case 1:
					vecs[g].WithLabelValues(lv...).Add(0.5)
					tgs[g].WithLabelValues(lv...).Add(0.5)
				case 2:
					vecs[g].WithLabelValues(lv...).Inc()
					tgs[g].WithLabelValues(lv...).Inc()
				case 3:
					vecs[g].WithLabelValues(lv...).Dec()
					tgs[g].WithLabelValues(lv...).Dec()
				case 4:
					vecs[g].WithLabelValues(lv...).Sub(2)
					tgs[g].WithLabelValues(lv...).Sub(2)
				}
			}
		})
	}
	wg.Wait()
	require.Equal(t, exposition(t, regVec), exposition(t, regTG))
	require.Equal(t, vecs[0].DeleteLabelValues(targets[0]...), tgs[0].DeleteLabelValues(targets[0]...))
	require.Equal(t, vecs[1].DeleteLabelValues("nobody", "x", "y"), tgs[1].DeleteLabelValues("nobody", "x", "y"))
	require.Equal(t, exposition(t, regVec), exposition(t, regTG), "deleted")
	require.Len(t, ts.rows, len(targets), "deleting a series never made makes no row")
	vecs[0].WithLabelValues(targets[0]...).Inc()
	tgs[0].WithLabelValues(targets[0]...).Inc()
	require.Equal(t, exposition(t, regVec), exposition(t, regTG), "made again from 0")
	require.Panics(t, func() { ts.gauge("late", "made after its series") })
	for _, lv := range [][]string{{"web", "frontend"}, {"web", "frontend", "instances", "extra"}} {
		require.Panics(t, func() { vecs[0].WithLabelValues(lv...) }, "GaugeVec: %d label values", len(lv))
		require.Panics(t, func() { tgs[0].WithLabelValues(lv...) }, "%d label values", len(lv))
	}
}

// TestTargetGaugeSetToCurrentTime: SetToCurrentTime sets the Unix time in
// seconds, as a GaugeVec child's does.
func TestTargetGaugeSetToCurrentTime(t *testing.T) {
	var ts targetSeries
	g := ts.gauge("t_seconds", "h")
	before := float64(time.Now().Unix())
	g.WithLabelValues("web", "", "instances").SetToCurrentTime()
	after := float64(time.Now().Unix() + 1)
	var m dto.Metric
	require.NoError(t, g.WithLabelValues("web", "", "instances").(prometheus.Metric).Write(&m))
	require.GreaterOrEqual(t, m.GetGauge().GetValue(), before)
	require.LessOrEqual(t, m.GetGauge().GetValue(), after)
}

// TestMetricsMemory: all of a target's series that exist from the start
// (12 gauges, 39 decision counters) take under 6 KB a target at 1,000
// targets; with GaugeVec and CounterVec children they took 32 KB.
func TestMetricsMemory(t *testing.T) {
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	targets := make([]policy.Target, 1000)
	for i := range targets {
		targets[i] = policy.Target{Name: fmt.Sprintf("t%04d", i), Tier: "tier", Kind: policy.KindInstances, CompleteQuery: "up"}
	}
	before := heap()
	m := New(prometheus.NewRegistry(), targets)
	per := float64(heap()-before) / 1000
	runtime.KeepAlive(m)
	t.Logf("%.0f bytes a target", per)
	require.Less(t, per, 6000.0, "bytes a target")
}

// TestTargetGaugeSetToCurrentTimeReadsTheClock: SetToCurrentTime sets the
// injected clock's Unix time (WithClock), as the counters' created
// timestamps read it; it read time.Now.
func TestTargetGaugeSetToCurrentTimeReadsTheClock(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 500e6, time.UTC) // 1772366400.5
	m := New(nil, nil, WithClock(func() time.Time { return now }))
	g := m.PendingSince.WithLabelValues("web", "frontend", "instances")
	g.SetToCurrentTime()
	require.InDelta(t, 1772366400.5, testutil.ToFloat64(g), 0)
	now = now.Add(time.Minute)
	g.SetToCurrentTime()
	require.InDelta(t, 1772366460.5, testutil.ToFloat64(g), 0)
}
