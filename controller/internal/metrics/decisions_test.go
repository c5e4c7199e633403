package metrics

import (
	"bytes"
	"fmt"
	"runtime"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/policy"
)

// exposition is reg's text exposition; every counter has a creation time.
func exposition(t *testing.T, reg *prometheus.Registry) string {
	t.Helper()
	mfs, err := reg.Gather()
	require.NoError(t, err)
	var b bytes.Buffer
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			if m.Counter != nil {
				require.NotNil(t, m.GetCounter().GetCreatedTimestamp(), "%s %v", mf.GetName(), m.GetLabel())
			}
		}
		_, err := expfmt.MetricFamilyToText(&b, mf)
		require.NoError(t, err)
	}
	return b.String()
}

// TestDecisionCounterExposesAsACounterVec: the same series and values as
// the prometheus.CounterVec it replaces, for targets made at once and
// later, known and unknown label values, Inc and Add, concurrently.
func TestDecisionCounterExposesAsACounterVec(t *testing.T) {
	vec := prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "prescale", Name: "decisions_total", Help: "h"},
		[]string{"target", "direction", "reason"})
	var reasons []string
	for _, r := range policy.Reasons() {
		reasons = append(reasons, string(r))
	}
	dc := newDecisionCounter("h", directions, reasons, nil)
	regVec, regDC := prometheus.NewRegistry(), prometheus.NewRegistry()
	regVec.MustRegister(vec)
	regDC.MustRegister(dc)
	for _, name := range []string{"web", "api", "db"} {
		for _, d := range directions {
			for _, r := range reasons {
				vec.WithLabelValues(name, d, r)
			}
		}
		dc.Init(name)
	}
	require.Equal(t, exposition(t, regVec), exposition(t, regDC))
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for k := range 200 {
				name := []string{"web", "api", "late"}[k%3]
				d, r := directions[(k+g)%3], reasons[k%len(reasons)]
				if k%17 == 0 {
					r = "not_a_reason"
				}
				vec.WithLabelValues(name, d, r).Inc()
				dc.WithLabelValues(name, d, r).Inc()
				if k%5 == 0 {
					vec.WithLabelValues(name, d, r).Add(0.25)
					dc.WithLabelValues(name, d, r).Add(0.25)
				}
			}
		})
	}
	wg.Wait()
	require.Equal(t, exposition(t, regVec), exposition(t, regDC))
	require.Panics(t, func() { dc.WithLabelValues("web", "up", "forecast").Add(-1) })
}

// TestDecisionCounterMemory: 1,000 targets' 39 decision series each take
// about 1 KB a target (a count each, label pairs shared), where a
// CounterVec's took 23 KB.
func TestDecisionCounterMemory(t *testing.T) {
	var reasons []string
	for _, r := range policy.Reasons() {
		reasons = append(reasons, string(r))
	}
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	before := heap()
	dc := newDecisionCounter("h", directions, reasons, nil)
	for i := range 1000 {
		dc.Init(fmt.Sprintf("t%04d", i))
	}
	per := float64(heap()-before) / 1000
	runtime.KeepAlive(dc)
	require.Less(t, per, 4000.0, "bytes a target")
}
