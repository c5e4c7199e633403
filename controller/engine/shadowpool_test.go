package engine

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/policy"
)

// The shadow runs' simulated pools resumed after a restart keep their
// provisioning units pending until their ready times (state.Run.Pending):
// with a 30-minute lag and 5-minute decisions on a daily cycle, the
// resumed engine's memory after its first decision is the one of the
// engine that ran on. Restored as ready (the pools rebuilt from their
// units alone) they served at once, and the runs' violations and the
// memory differ.
func TestResumedShadowPoolsKeepProvisioningUnits(t *testing.T) {
	tg := peakTarget()
	tg.CapacityPerUnit, tg.MaxUnits, tg.Lag = 1, 100, 30*time.Minute
	demand := func(i int) float64 { return 40 + 20*math.Sin(2*math.Pi*float64(i)/288) }
	var st policy.State
	cur := 40
	decide := func(e *Engine, i int) Output {
		ts := int64(i) * 300
		e.Observe(ts, demand(i))
		return e.Decide(Input{Now: time.Unix(ts, 0), Demand: demand(i), DataPresent: true, CurrentUnits: cur}, st)
	}
	a := controllerDefaultsEngine(t, tg)
	restart := 2*288 + 60 // on the rising half of the cycle
	for i := range restart {
		o := decide(a, i)
		st, cur = o.State, o.Decision.Desired
	}
	mem := a.ShadowMemory()
	pending := len(mem.Own.Pending) + len(mem.Forecaster.Pending)
	for _, h := range mem.HPAs {
		pending += len(h.Pending)
	}
	require.Positive(t, pending, "units provisioning at the restart")

	b := controllerDefaultsEngine(t, tg)
	b.ResumeShadow(mem)
	for i := range restart {
		b.Observe(int64(i)*300, demand(i))
	}
	require.Equal(t, decide(a, restart), decide(b, restart))
	require.Equal(t, a.ShadowMemory(), b.ShadowMemory())
}
