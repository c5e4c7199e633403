package engine

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/internal/simpool"
	"github.com/prescale/prescale/controller/policy"
	"github.com/prescale/prescale/controller/state"
)

// restartRun is what a run of decisions on a series cost from the restart
// on: scale events, violated seconds (demand above the ready units at full
// capacity, the referee's cluster model: a scale-up ready after the lag)
// and unit-hours paid for, and the decisions.
type restartRun struct {
	events    int
	violated  int64
	unitHours float64
	desired   []int // each decision's units
}

// restartSeries is a 5-minute series, its target, the units at its start
// and the decision a controller is restarted at.
type restartSeries struct {
	name    string
	tg      policy.Target
	ys      []float64
	start   int
	restart int
}

// restartSeriesSet is the series the restart tests measure on: the calm
// hold's (TestCalmHoldOnFlatSeries: four noisy days, then a flat level),
// event pacing's (TestEventPacingCalmsFlatSeries: a flat level with a small
// daily cycle) and a daily cycle of ±50 % with noise (the shadow HPAs'
// floor and the climb ahead at work), each restarted on its sixth day.
func restartSeriesSet() []restartSeries {
	flat := peakTarget()
	flat.CapacityPerUnit, flat.MaxUnits = 1, 100
	rng := rand.New(rand.NewPCG(3, 4))
	calm := make([]float64, 9*288)
	x := 0.0
	for i := range calm {
		x = 0.9*x + 0.3*rng.NormFloat64()
		calm[i] = 40 + x
		if i < 4*288 {
			calm[i] += 6 * rng.NormFloat64()
		}
	}
	paced := peakTarget()
	paced.CapacityPerUnit = 2.2
	rng = rand.New(rand.NewPCG(7, 8))
	wob := make([]float64, 9*288)
	x = 0
	for i := range wob {
		x = 0.9*x + 0.5*rng.NormFloat64()
		wob[i] = 40 + 2*math.Sin(2*math.Pi*float64(i)/288) + x
	}
	daily := peakTarget()
	daily.CapacityPerUnit, daily.MaxUnits = 5, 100
	rng = rand.New(rand.NewPCG(5, 6))
	cyc := make([]float64, 9*288)
	for i := range cyc {
		cyc[i] = math.Max(0, 100+50*math.Sin(2*math.Pi*float64(i)/288)+8*rng.NormFloat64())
	}
	return []restartSeries{
		{"calm", flat, calm, 40, 6 * 288},
		{"paced", paced, wob, 19, 6 * 288},
		{"daily", daily, cyc, 20, 6 * 288},
	}
}

// restartSim decides s.ys[from:to] with e (having observed s.ys[:from]),
// from policy state st and cur units, on a simulated pool of ready units
// ready (pending: none), and returns what the decisions cost, the state,
// the units and the pool after them.
type restartSim struct {
	st   policy.State
	cur  int
	pool simpool.Pool
	run  restartRun
}

func (r *restartSim) decide(e *Engine, s restartSeries, from, to int) {
	tg := e.Target()
	lag := tg.Lag.Seconds()
	for i := from; i < to; i++ {
		ts := int64(i) * 300
		e.Observe(ts, s.ys[i])
		o := e.Decide(Input{Now: time.Unix(ts, 0), Demand: s.ys[i], DataPresent: true, CurrentUnits: r.cur}, r.st)
		if o.Decision.Desired != r.cur {
			r.run.events++
		}
		r.run.desired = append(r.run.desired, o.Decision.Desired)
		r.pool.Promote(float64(ts))
		r.pool.SetDesired(o.Decision.Desired, float64(ts)+lag)
		r.pool.Promote(float64(ts))
		// The interval to the next decision, scored with its demand
		// (a scale-up in flight is paid for, not ready).
		r.run.unitHours += float64(r.pool.Requested()) * 300 / 3600
		if i+1 < len(s.ys) && s.ys[i+1] > float64(r.pool.Ready)*tg.CapacityPerUnit {
			r.run.violated += 300
		}
		r.st, r.cur = o.State, o.Decision.Desired
	}
}

// restartVariant restarts an engine: fresh, warmed on the history before
// the restart (as the controller's is), with whatever of the engine that
// ran until then (old) it carries over.
type restartVariant struct {
	name  string
	carry func(fresh, old *Engine)
}

// measureRestart runs s whole with one engine and, for each variant,
// restarted at s.restart, and returns each run's cost from the restart on
// (the first, "never restarted").
func measureRestart(t *testing.T, s restartSeries, variants []restartVariant) []restartRun {
	t.Helper()
	// upTo is an engine that decided until the restart and its run; a new
	// one each time, so nothing a variant carries over is shared.
	upTo := func() (*Engine, *restartSim) {
		a := controllerDefaultsEngine(t, s.tg)
		r := &restartSim{cur: s.start, pool: *simpool.NewPool(s.start)}
		r.decide(a, s, 0, s.restart)
		r.run = restartRun{}
		return a, r
	}
	a, r := upTo()
	r.decide(a, s, s.restart, len(s.ys))
	runs := []restartRun{r.run}
	for _, v := range variants {
		a, r := upTo()
		e := controllerDefaultsEngine(t, s.tg)
		for i := range s.restart {
			e.Observe(int64(i)*300, s.ys[i])
		}
		v.carry(e, a)
		r.decide(e, s, s.restart, len(s.ys))
		runs = append(runs, r.run)
	}
	return runs
}

// What a restart costs: each series decided whole by one engine ("never
// restarted") and restarted four times on its sixth and seventh days by
// an engine warmed on the history, resuming the calm hold's memory alone
// ("restarted", before the shadow runs' memory was saved), with each of
// the engine's other memories carried over from the engine that ran on,
// and resuming what the state file saves, the calm hold's and the shadow
// runs' memories through its JSON ("resumed"). Measures, with -v; it
// requires that carrying every memory over, and resuming from the state
// file, decide as the engine that ran on. Without the shadow runs'
// memory (ResumeShadow) the calm series made 76 events against 32 and
// the paced one 56 events and 300 violated seconds against 40 and 0.
func TestRestartCost(t *testing.T) {
	calmOnly := func(fresh, old *Engine) { fresh.ResumeCalm(old.CalmMemory()) }
	variants := []restartVariant{
		{"restarted", calmOnly},
		{"+pace", func(f, o *Engine) { calmOnly(f, o); carryPace(f, o) }},
		{"+hpas", func(f, o *Engine) { calmOnly(f, o); carryHPAs(f, o) }},
		{"+steps", func(f, o *Engine) { calmOnly(f, o); f.steps = o.steps }},
		{"+own", func(f, o *Engine) { calmOnly(f, o); f.shadow.own = o.shadow.own }},
		{"+pace+hpas", func(f, o *Engine) { calmOnly(f, o); carryPace(f, o); carryHPAs(f, o) }},
		{"+all", func(f, o *Engine) {
			calmOnly(f, o)
			carryPace(f, o)
			carryHPAs(f, o)
			f.steps, f.shadow.own = o.steps, o.shadow.own
		}},
		{"resumed", func(f, o *Engine) { resumeFromStateFile(t, f, o) }},
	}
	for _, s := range restartSeriesSet() {
		sum := make([]restartRun, len(variants)+1)
		for _, at := range []int{5 * 288, 5*288 + 96, 5*288 + 192, 6 * 288} {
			s.restart = at
			runs := measureRestart(t, s, variants)
			require.Equal(t, runs[0], runs[len(runs)-2], "%s restarted at %d: carrying every memory over is no restart", s.name, at)
			require.Equal(t, runs[0], runs[len(runs)-1], "%s restarted at %d: resumed from the state file as never restarted", s.name, at)
			for i, r := range runs {
				sum[i].events += r.events
				sum[i].violated += r.violated
				sum[i].unitHours += r.unitHours
			}
		}
		t.Logf("%s, four restarts: never restarted: %d events, %d s violated, %.0f unit-hours",
			s.name, sum[0].events, sum[0].violated, sum[0].unitHours)
		for i, v := range variants {
			r := sum[i+1]
			t.Logf("  %-11s %3d events, %6d s violated, %6.0f unit-hours", v.name, r.events, r.violated, r.unitHours)
		}
	}
}

// carryPace carries event pacing's record over (pace.go).
func carryPace(fresh, old *Engine) {
	fresh.shadow.pace = old.shadow.pace
}

// carryHPAs carries the shadow runs over: the HPAs' pools, windows,
// scores and events, the forecaster's own run and the last step.
func carryHPAs(fresh, old *Engine) {
	f, o := fresh.shadow, old.shadow
	f.started, f.prev, f.prevDemand = o.started, o.prev, o.prevDemand
	f.fcPool, f.fcState, f.fcScore, f.pick = o.fcPool, o.fcState, o.fcScore, o.pick
	f.hpas = append([]hpaShadow(nil), o.hpas...)
}

// resumeFromStateFile resumes fresh with the memories old would save in
// the state file, through its JSON and Sanitize, as the controller does.
func resumeFromStateFile(t *testing.T, fresh, old *Engine) {
	t.Helper()
	b, err := json.Marshal(state.Target{Calm: old.CalmMemory(), Shadow: old.ShadowMemory()})
	require.NoError(t, err)
	var saved state.Target
	require.NoError(t, json.Unmarshal(b, &saved))
	tg := old.Target()
	require.Empty(t, saved.Sanitize(tg.MinUnits, tg.MaxUnits))
	require.NotNil(t, saved.Shadow)
	fresh.ResumeCalm(saved.Calm)
	fresh.ResumeShadow(saved.Shadow)
}

// The shadow runs' memory is resumed only at a first decision at most
// calmResumeGap after its last, and not before it (after an outage, or a
// clock stepped back, the runs start afresh
// from the target's units: nothing weighted yet), with one run per
// shadow HPA and for a target of the same capacity and lag (the runs'
// violations and pending units were of them); a first decision at the
// memory's own time steps nothing again.
func TestShadowResumeRules(t *testing.T) {
	s := restartSeriesSet()[1]
	a := controllerDefaultsEngine(t, s.tg)
	r := &restartSim{cur: s.start, pool: *simpool.NewPool(s.start)}
	r.decide(a, s, 0, s.restart)
	mem := a.ShadowMemory()
	require.Positive(t, mem.HPAs[0].Cost)
	b, err := json.Marshal(mem)
	require.NoError(t, err)
	t.Logf("the memory after %d decisions: %d bytes of JSON", s.restart, len(b))
	last := mem.At
	first := func(m func() *Engine, at int64) *Engine {
		e := m()
		e.Decide(Input{Now: time.Unix(at, 0), Demand: 40, DataPresent: true, CurrentUnits: r.cur}, r.st)
		return e
	}
	fresh := func(mm func(*Engine)) func() *Engine {
		return func() *Engine {
			e := controllerDefaultsEngine(t, s.tg)
			mm(e)
			return e
		}
	}
	gap := int64(calmResumeGap.Seconds())
	resumed := first(fresh(func(e *Engine) { e.ResumeShadow(a.ShadowMemory()) }), last+gap)
	require.Greater(t, resumed.ShadowMemory().HPAs[0].Cost, mem.HPAs[0].Cost*0.9, "resumed %d s after the last decision", gap)
	late := first(fresh(func(e *Engine) { e.ResumeShadow(a.ShadowMemory()) }), last+gap+1)
	require.Zero(t, late.ShadowMemory().HPAs[0].Cost, "an outage: afresh")
	early := first(fresh(func(e *Engine) { e.ResumeShadow(a.ShadowMemory()) }), last-300)
	require.Zero(t, early.ShadowMemory().HPAs[0].Cost, "a memory from after the first decision (the clock stepped back): afresh")
	fewer := a.ShadowMemory()
	fewer.HPAs = fewer.HPAs[1:]
	other := first(fresh(func(e *Engine) { e.ResumeShadow(fewer) }), last+300)
	require.Zero(t, other.ShadowMemory().HPAs[0].Cost, "another count of shadow HPAs: afresh")
	for why, change := range map[string]func(*policy.Target){
		"runs scored at another capacity: afresh": func(t *policy.Target) { t.CapacityPerUnit *= 2 },
		"pools of another lag: afresh":            func(t *policy.Target) { t.Lag *= 2 },
	} {
		moved := s.tg
		change(&moved)
		e := controllerDefaultsEngine(t, moved)
		e.ResumeShadow(a.ShadowMemory())
		e.Decide(Input{Now: time.Unix(last+300, 0), Demand: 40, DataPresent: true, CurrentUnits: r.cur}, r.st)
		require.Zero(t, e.ShadowMemory().HPAs[0].Cost, why)
	}
	same := first(fresh(func(e *Engine) { e.ResumeShadow(a.ShadowMemory()) }), last)
	require.Equal(t, mem, same.ShadowMemory(), "a first decision at the memory's own time steps nothing")
}

// With the shadow runs resumed, the HPA curve's moves right after the
// restart are the demand's, not restarted HPAs settling: on
// TestCalmHoldOnFlatSeries's series restarted as its last, noisy day
// begins, the resumed calm hold ends at the same decision as the engine
// that ran on. Without the shadow runs' memory the resumed hold ignores
// the curve for the lag plus the HPA's window after the restart
// (TestCalmResumeLetsTheShadowHPAsSettle), and did so with it too: calm
// two decisions longer.
func TestResumedShadowEndsTheCalmHoldAsBefore(t *testing.T) {
	s := restartSeriesSet()[0]
	rng := rand.New(rand.NewPCG(11, 12))
	for i := 8 * 288; i < len(s.ys); i++ {
		s.ys[i] += 6 * rng.NormFloat64()
	}
	s.restart = 8 * 288
	a := controllerDefaultsEngine(t, s.tg)
	r := &restartSim{cur: s.start, pool: *simpool.NewPool(s.start)}
	r.decide(a, s, 0, s.restart)
	require.True(t, a.shadow.calm.on, "calm before the restart")
	e := controllerDefaultsEngine(t, s.tg)
	for i := range s.restart {
		e.Observe(int64(i)*300, s.ys[i])
	}
	resumeFromStateFile(t, e, a)
	ra, re := *r, *r
	for i := s.restart; i < s.restart+12; i++ {
		ra.decide(a, s, i, i+1)
		re.decide(e, s, i, i+1)
		require.Equal(t, a.shadow.calm.on, e.shadow.calm.on, "calm at decision %d after the restart", i-s.restart)
	}
	require.False(t, e.shadow.calm.on, "the noise ended it")
}

// With the shadow runs resumed, the HPA curve's silence before the
// restart is known: on TestCalmHoldOnFlatSeries's series restarted an
// hour before the calm hold begins, the resumed engine begins it at the
// same decision as the engine that ran on. It could not begin for 12
// hours after the restart (as after any start, when the curve before it
// is not known): on the tuning set's ec2_cpu_utilization_53ea38 restarted
// at half its length, 600 violated seconds more than the engine that ran
// on until the end.
func TestResumedShadowLetsTheCalmHoldBegin(t *testing.T) {
	s := restartSeriesSet()[0]
	a := controllerDefaultsEngine(t, s.tg)
	r := &restartSim{cur: s.start, pool: *simpool.NewPool(s.start)}
	begin := -1
	for i := range len(s.ys) {
		r.decide(a, s, i, i+1)
		if a.shadow.calm.on {
			begin = i
			break
		}
	}
	require.Positive(t, begin, "the hold begins")
	s.restart = begin - 12
	a = controllerDefaultsEngine(t, s.tg)
	r = &restartSim{cur: s.start, pool: *simpool.NewPool(s.start)}
	r.decide(a, s, 0, s.restart)
	e := controllerDefaultsEngine(t, s.tg)
	for i := range s.restart {
		e.Observe(int64(i)*300, s.ys[i])
	}
	resumeFromStateFile(t, e, a)
	ra, re := *r, *r
	for i := s.restart; i < begin+12; i++ {
		ra.decide(a, s, i, i+1)
		re.decide(e, s, i, i+1)
		require.Equal(t, a.shadow.calm.on, e.shadow.calm.on, "calm at decision %d after the restart", i-s.restart)
	}
	require.True(t, e.shadow.calm.on)
}

// BenchmarkShadowMemory is what saving the shadow runs' memory adds to a
// decision: the memory built after it (ShadowMemory) and encoded as the
// state file does, after six days of 5-minute decisions (a full wobble
// window).
func BenchmarkShadowMemory(b *testing.B) {
	s := restartSeriesSet()[1]
	e, err := New(Config{Target: s.tg, Step: 5 * time.Minute, Interval: 5 * time.Minute, DecideOnly: true})
	require.NoError(b, err)
	r := &restartSim{cur: s.start, pool: *simpool.NewPool(s.start)}
	r.decide(e, s, 0, s.restart)
	var n int
	b.ReportAllocs()
	for b.Loop() {
		out, err := json.Marshal(e.ShadowMemory())
		require.NoError(b, err)
		n = len(out)
	}
	b.ReportMetric(float64(n), "json_bytes")
}

// A target decided every hour (PRESCALE_SCALING_INTERVAL=1h on 5-minute
// samples) is next decided an hour after a restart: its memory is resumed
// at that decision (up to two intervals after its last), not only within
// calmResumeGap, which such a target never meets. Later, an outage:
// afresh.
func TestShadowResumesAtLongIntervals(t *testing.T) {
	s := restartSeriesSet()[1]
	hourly := func() *Engine { return controllerDefaultsEngineEvery(t, s.tg, time.Hour) }
	a, cur := hourly(), s.start
	var st policy.State
	for i := range s.restart {
		a.Observe(int64(i)*300, s.ys[i])
		if i%12 == 0 {
			o := a.Decide(Input{Now: time.Unix(int64(i)*300, 0), Demand: s.ys[i], DataPresent: true, CurrentUnits: cur}, st)
			st, cur = o.State, o.Decision.Desired
		}
	}
	mem := a.ShadowMemory()
	require.Positive(t, mem.HPAs[0].Cost)
	first := func(at int64) *Engine {
		e := hourly()
		e.ResumeShadow(a.ShadowMemory())
		e.Decide(Input{Now: time.Unix(at, 0), Demand: 40, DataPresent: true, CurrentUnits: cur}, st)
		return e
	}
	require.Greater(t, first(mem.At + 3600).ShadowMemory().HPAs[0].Cost, mem.HPAs[0].Cost*0.9, "resumed at the next hourly decision")
	require.Greater(t, first(mem.At + 7200).ShadowMemory().HPAs[0].Cost, mem.HPAs[0].Cost*0.9, "resumed after one skipped decision")
	require.Zero(t, first(mem.At + 7201).ShadowMemory().HPAs[0].Cost, "an outage: afresh")
}
