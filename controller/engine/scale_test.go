package engine_test

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/engine"
	"github.com/prescale/prescale/controller/policy"
)

// scaleSeries are demand series (in units of 2,000, one unit's capacity
// at scale 1) whose decisions must not depend on the unit they are
// measured in.
var scaleSeries = map[string]func(i int) float64{
	"constant": func(int) float64 { return 10_000 },
	"noisy": func(i int) float64 {
		// A slow cycle and a fixed pseudo-random wobble of ±2 %.
		w := float64((i*7919)%101)/100 - 0.5
		return 10_000 * (1 + 0.05*math.Sin(2*math.Pi*float64(i)/288) + 0.04*w)
	},
}

// decideSeries runs the engine over n samples of demand(i)*scale with
// capacity 2,000*scale, the pool following each decision at once, and
// returns the units decided.
func decideSeries(t *testing.T, demand func(int) float64, scale float64, n int) []int {
	t.Helper()
	tg := target()
	tg.CapacityPerUnit, tg.MaxUnits = 2_000*scale, 100
	tg = engine.Resolve(tg, 5*time.Minute)
	e, err := engine.New(engine.Config{Target: tg, Step: 5 * time.Minute, Interval: 5 * time.Minute})
	require.NoError(t, err)
	t0 := int64(1_700_000_000)
	units, st := 1, policy.State{}
	out := make([]int, n)
	for i := range n {
		ts, v := t0+int64(i)*300, demand(i)*scale
		e.Observe(ts, v)
		d := e.Decide(engine.Input{Now: time.Unix(ts, 0), CurrentUnits: units, Demand: v, DataPresent: true}, st)
		st, units = d.State, d.Decision.Desired
		out[i] = units
	}
	return out
}

// TestDecisionsScaleInvariant: a series and the same series times 1e-12,
// 1e-9, 1e-6 or 1e9, with the capacity per unit scaled alike, get the
// same units, up to floating-point noise: the log-scale members start
// their errors' scale at 5 % of log(y + capacity/2), which depends on the
// unit, and a few decisions near a unit's edge can differ by one (14 of
// 2,000 on the noisy series at 1e9, one at 1e-12, none on the constant
// one; a known limitation, docs/tuning.md, "The log members' starting
// error scale in any unit"). The absolute floors below a value of 1 (the
// nudge that makes the peak quantiles increasing, the members' scale
// floor) were a tenth of a demand of 1e-8: 10 units where 6 served, at
// every sample.
func TestDecisionsScaleInvariant(t *testing.T) {
	for name, demand := range scaleSeries {
		want := decideSeries(t, demand, 1, 2000)
		for _, scale := range []float64{1e-12, 1e-9, 1e-6, 1e9} {
			got := decideSeries(t, demand, scale, 2000)
			differ := 0
			for i := range want {
				if want[i] != got[i] {
					differ++
					require.InDelta(t, want[i], got[i], 1, "%s at scale %g, sample %d", name, scale, i)
				}
			}
			t.Logf("%s at scale %g: %d of %d decisions differ", name, scale, differ, len(want))
			if name == "constant" {
				require.Zero(t, differ, "%s at scale %g", name, scale)
			}
			require.LessOrEqual(t, differ, len(want)/100, "%s at scale %g: more decisions differ than rounding makes", name, scale)
		}
	}
}
