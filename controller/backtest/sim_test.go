package backtest

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// synthetic returns n samples step seconds apart: a daily cycle between
// about 20 and 100, multiplicative noise and a burst every ~3 days,
// reproducible from seed.
func synthetic(n int, step int64, seed uint64) ([]int64, []float64) {
	rng := rand.New(rand.NewPCG(seed, 7))
	t := make([]int64, n)
	v := make([]float64, n)
	for i := range n {
		t[i] = 1_400_000_000 + int64(i)*step
		day := 2 * math.Pi * float64(t[i]%86400) / 86400
		base := 60 + 40*math.Sin(day)
		v[i] = base * (1 + 0.15*rng.NormFloat64())
		if rng.Float64() < float64(step)/(3*86400) {
			v[i] *= 3
		}
		v[i] = max(0, v[i])
	}
	return t, v
}

// TestSimRunByHand checks the referee's accounting on a 4-sample trace,
// step 60 s, lag 60 s, capacity 10, initial ceil(15/10) = 2 ready.
func TestSimRunByHand(t *testing.T) {
	ts := []int64{0, 60, 120, 180}
	demand := []float64{15, 35, math.NaN(), 5}
	sim := NewSim(ts, demand, 10, 60, 1, 10, 0)
	require.Equal(t, 2, sim.InitialUnits())
	desired := []int{4, 4, 1, 1}
	timeline := make([]Sample, 4)
	f := sim.Run(sim.InitialUnits(), Replay(desired), timeline)
	// t=0: ask 4 (2 pending until 60); ready 2, demand 15 ok.
	// t=60: pending ready -> 4; demand 35 ok. t=120: down to 1 (missing demand).
	// t=180: 1 ready, demand 5 ok. The last sample lasts the median step, 60 s.
	require.Equal(t, []Sample{{2, 4}, {4, 4}, {1, 1}, {1, 1}}, timeline)
	require.InDelta(t, (4+4+1+1)*60.0/3600, f.InstanceHours, 1e-12)
	require.InDelta(t, (2+4+1+1)*60.0/3600, f.ReadyInstanceHours, 1e-12)
	require.Zero(t, f.ViolationSeconds)
	require.Equal(t, 2, f.ScaleEvents) // 2->4 at t=0 and 4->1 at t=120
	require.Equal(t, 4, f.Peak)

	// Too slow a scale-up violates until the units arrive.
	demand2 := []float64{15, 35, 35, 35}
	f2 := NewSim(ts, demand2, 10, 120, 1, 10, 0).Run(2, Replay([]int{2, 4, 4, 4}), nil)
	// Asked at t=60, ready at 180: t=60 and t=120 violate (35 > 20).
	require.InDelta(t, 120, f2.ViolationSeconds, 1e-12)
	// Unserved: (15+15)·60 of (15+35+35+35)·60 demand-seconds = 25 %.
	require.InDelta(t, 25, f2.UnservedPct, 1e-9)
}

func TestHPAReference(t *testing.T) {
	// Capacity 10, target 0.5: demand 30 with 2 ready -> ratio 3 -> 6 units;
	// scale-down is held for 300 s.
	ts := []int64{0, 60, 120, 180, 240, 300, 360, 420}
	demand := []float64{10, 30, 5, 5, 5, 5, 5, 5}
	sim := NewSim(ts, demand, 10, 0, 1, 100, 0)
	timeline := make([]Sample, len(ts))
	sim.Run(2, sim.HPA(0.5), timeline)
	req := make([]int, len(ts))
	for i, s := range timeline {
		req[i] = s.Requested
	}
	// t=0: 10/(2*10)/0.5 = 1 -> within tolerance, keep 2. t=60: 6.
	// t=120..360: raw 1 but the max over [t-300, t] (inclusive, as in
	// Kubernetes) includes the 6 of t=60 until t=360.
	require.Equal(t, []int{2, 6, 6, 6, 6, 6, 6, 1}, req)
}

func TestOracleHasNoViolations(t *testing.T) {
	ts, v := synthetic(5000, 60, 3)
	sim := NewSim(ts, v, 10, 300, 0, 1000, 0)
	o := sim.OracleRequests()
	f := sim.Run(o[0], Replay(o), nil)
	require.Zero(t, f.ViolationSeconds)
}

func TestCompareAtEqualCost(t *testing.T) {
	curve := []CostPoint{
		{Target: 0.9, Figures: Figures{InstanceHours: 10, ViolationSeconds: 100, UnservedPct: 2}},
		{Target: 0.5, Figures: Figures{InstanceHours: 20, ViolationSeconds: 40, UnservedPct: 1}},
		{Target: 0.7, Figures: Figures{InstanceHours: 15, ViolationSeconds: 120, UnservedPct: 3}}, // dominated
		{Target: 0.4, Figures: Figures{InstanceHours: 30, ViolationSeconds: 0, UnservedPct: 0}},
	}
	for _, c := range []struct {
		name    string
		cost    float64
		hpa     float64
		clamped string
	}{
		{"dominated point replaced by the envelope", 15, 100, ""}, // 120 at 15 h becomes the running min 100
		{"between points", 25, 20, ""},
		{"below the curve", 5, 100, "below"},
		{"above the curve", 40, 0, "above"},
	} {
		t.Run(c.name, func(t *testing.T) {
			eq := CompareAtEqualCost(Figures{InstanceHours: c.cost, ViolationSeconds: 10}, curve)
			require.InDelta(t, c.hpa, eq.HPAViolationSeconds, 1e-9)
			require.Equal(t, c.clamped, eq.Clamped)
			if c.hpa == 0 {
				require.True(t, math.IsNaN(eq.ViolationRatio))
			} else {
				require.InDelta(t, 10/c.hpa, eq.ViolationRatio, 1e-9)
			}
		})
	}
}

func TestCompareAtEqualCostEventsAndTarget(t *testing.T) {
	// Events and targets are interpolated on the curve itself, not on an
	// envelope: the dominated point at 15 h counts with its own 90 events.
	curve := []CostPoint{
		{Target: 0.9, Figures: Figures{InstanceHours: 10, ScaleEvents: 50}},
		{Target: 0.5, Figures: Figures{InstanceHours: 20, ScaleEvents: 70}},
		{Target: 0.7, Figures: Figures{InstanceHours: 15, ScaleEvents: 90}},
	}
	for _, c := range []struct {
		cost, events, target float64
	}{
		{12.5, 70, 0.8}, // halfway between 10 h (50, 0.9) and 15 h (90, 0.7)
		{17.5, 80, 0.6}, // between 15 h and 20 h
		{5, 50, 0.9},    // clamped below: the cheapest point
		{40, 70, 0.5},   // clamped above: the dearest point
	} {
		eq := CompareAtEqualCost(Figures{InstanceHours: c.cost, ScaleEvents: 35}, curve)
		require.InDelta(t, c.events, eq.HPAScaleEvents, 1e-9, "cost %v", c.cost)
		require.InDelta(t, c.target, eq.Target, 1e-9, "cost %v", c.cost)
		require.InDelta(t, 35/c.events, eq.EventsRatio, 1e-9, "cost %v", c.cost)
	}
}

// Where several HPAs share a cost, the curve of events and targets keeps
// the lowest value there, as scripts/autoscale_eval.py's interpolate does
// (the values below are its answers on the same curve); through every
// point, 12.5 h read 70 events (from the 50 at 10 h) and 40 h 80.
func TestCompareAtEqualCostSharedCost(t *testing.T) {
	curve := []CostPoint{
		{Target: 0.9, Figures: Figures{InstanceHours: 10, ScaleEvents: 50}},
		{Target: 0.95, Figures: Figures{InstanceHours: 10, ScaleEvents: 40}},
		{Target: 0.7, Figures: Figures{InstanceHours: 15, ScaleEvents: 90}},
		{Target: 0.45, Figures: Figures{InstanceHours: 20, ScaleEvents: 80}},
		{Target: 0.5, Figures: Figures{InstanceHours: 20, ScaleEvents: 70}},
	}
	for _, c := range []struct {
		cost, events, target float64
	}{
		{5, 40, 0.9}, {10, 40, 0.9}, {12.5, 65, 0.8}, {15, 90, 0.7},
		{17.5, 80, 0.575}, {20, 70, 0.45}, {40, 70, 0.45},
	} {
		eq := CompareAtEqualCost(Figures{InstanceHours: c.cost, ScaleEvents: 35}, curve)
		require.InDelta(t, c.events, eq.HPAScaleEvents, 1e-9, "cost %v", c.cost)
		require.InDelta(t, c.target, eq.Target, 1e-9, "cost %v", c.cost)
	}
}

func TestEvalStartIndex(t *testing.T) {
	for _, c := range []struct {
		f    string
		n    int
		want int
	}{
		{"0.7", 10320, 7224}, // float arithmetic would give 7223
		{"0", 100, 0},
		{"0.5", 3, 1},
	} {
		got, err := EvalStartIndex(c.f, c.n)
		require.NoError(t, err)
		require.Equal(t, c.want, got, c.f)
	}
	for _, bad := range []string{"1", "-0.1", "x", ""} {
		_, err := EvalStartIndex(bad, 10)
		require.Error(t, err, bad)
	}
}

func nanValue() float64 { return math.NaN() }

// TestNeedSaturates: demand/capacity = 1.5e20 overflowed int and the
// exactness loop ran for ever (prescale backtest --capacity 1e-19).
func TestNeedSaturates(t *testing.T) {
	s := &Sim{Capacity: 1e-19}
	require.Equal(t, math.MaxInt32, s.Need(15))
	s.Capacity = 10
	require.Equal(t, 2, s.Need(15))
	require.Equal(t, 0, s.Need(math.NaN()))
	// Exact in floating point, as the referee's instances_needed: 0.1+0.2
	// (computed, not a constant) is 3.0000000000000004 capacities of 0.1,
	// yet 3·0.1 serves it; 0.9 is 2.9999999999999996 capacities of 0.3,
	// and 3·0.3 = 0.8999999999999999 does not (autoscale_score.py's
	// instances_needed gives 3 and 4).
	a, b := 0.1, 0.2
	s.Capacity = 0.1
	require.Equal(t, 3, s.Need(a+b))
	s.Capacity = 0.3
	require.Equal(t, 4, s.Need(0.9))
}

// TestSimRunEdges: with no lag the units asked for are ready at the same
// sample; a demand exactly at the ready capacity is served, no violation.
func TestSimRunEdges(t *testing.T) {
	ts := []int64{0, 60, 120}
	timeline := make([]Sample, 3)
	f := NewSim(ts, []float64{15, 40, 40}, 10, 0, 1, 10, 0).Run(2, Replay([]int{2, 4, 4}), timeline)
	require.Equal(t, []Sample{{2, 2}, {4, 4}, {4, 4}}, timeline)
	require.Zero(t, f.ViolationSeconds, "40 on 4 ready units of 10")
}

// TestFasterClusterNeverAddsViolations: with scale-up after the lag and an
// immediate, newest-first scale-down, the units ready at t are the fewest
// requested over [t-lag, t] (capped by what was ready before), so the same
// decisions on a faster cluster have at least as many units ready at every
// sample and never a violation the slower one has not. The lag-150 bar of
// scripts/autoscale_eval.py reads against this (docs/tuning.md, "A faster
// cluster"): only the HPA, re-run on the faster cluster, can gain more.
func TestFasterClusterNeverAddsViolations(t *testing.T) {
	for seed := range uint64(20) {
		ts, v := synthetic(2000, 60, seed)
		rng := rand.New(rand.NewPCG(seed, 11))
		desired := make([]int, len(ts))
		for i := range desired {
			desired[i] = 1 + rng.IntN(15)
			if i > 0 && rng.Float64() < 0.7 {
				desired[i] = desired[i-1] // runs, as real decisions have
			}
		}
		var ready [2][]Sample
		var figs [2]Figures
		for k, lag := range []float64{300, 150} {
			ready[k] = make([]Sample, len(ts))
			s := NewSim(ts, v, 10, lag, 1, 20, 0)
			figs[k] = s.Run(desired[0], Replay(desired), ready[k])
		}
		for i := range ts {
			require.GreaterOrEqual(t, ready[1][i].Ready, ready[0][i].Ready, "seed %d sample %d", seed, i)
			require.Equal(t, ready[0][i].Requested, ready[1][i].Requested, "seed %d sample %d", seed, i)
		}
		require.LessOrEqual(t, figs[1].ViolationSeconds, figs[0].ViolationSeconds, "seed %d", seed)
		require.InDelta(t, figs[0].InstanceHours, figs[1].InstanceHours, 1e-9, "seed %d: the same decisions cost the same", seed)
	}
}
