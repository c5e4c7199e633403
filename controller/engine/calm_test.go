package engine

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/internal/simpool"
	"github.com/prescale/prescale/controller/policy"
	"github.com/prescale/prescale/controller/state"
)

// The HPA curve's last event at a cost is the later of the two shadow
// HPAs whose costs bracket it, the cheapest's or dearest's beyond.
func TestHPALastEventAt(t *testing.T) {
	hpas := []hpaShadow{
		{score: shadowScore{cost: 300}, lastEvent: 30},
		{score: shadowScore{cost: 100}, lastEvent: 10},
		{score: shadowScore{cost: 200}, lastEvent: 20},
	}
	require.Equal(t, int64(10), hpaLastEventAt(hpas, 50), "below the curve")
	require.Equal(t, int64(20), hpaLastEventAt(hpas, 150))
	require.Equal(t, int64(30), hpaLastEventAt(hpas, 250))
	require.Equal(t, int64(30), hpaLastEventAt(hpas, 400), "above the curve")
	require.Zero(t, hpaLastEventAt(nil, 100))
}

// hpaLastEventAt reads the points of the curve that hpaEventsAt
// interpolates (simpool.Bracket): at a shadow HPA's own cost, the one
// below it too, at the dearest's as at an inner one (it read the dearest
// alone there), and the first of several sharing the curve's first cost.
func TestHPALastEventAtReadsTheCurvesPoints(t *testing.T) {
	hpas := []hpaShadow{
		{score: shadowScore{cost: 100}, lastEvent: 10},
		{score: shadowScore{cost: 100}, lastEvent: 15},
		{score: shadowScore{cost: 200}, lastEvent: 40},
		{score: shadowScore{cost: 300}, lastEvent: 30},
	}
	require.Equal(t, int64(10), hpaLastEventAt(hpas, 100), "the first at the curve's first cost")
	require.Equal(t, int64(40), hpaLastEventAt(hpas, 200), "at an inner HPA's cost")
	require.Equal(t, int64(40), hpaLastEventAt(hpas, 300), "at the dearest's cost")
	require.Equal(t, int64(30), hpaLastEventAt(hpas, 301), "above the curve")
	require.Zero(t, hpaLastEventAt(hpas, math.NaN()))
}

// A target becomes calm once the HPA curve has been silent for calmWindow
// while prescale made calmEvents scale events in it, and stays calm until
// the curve moves again.
func TestCalmBeginsAndEnds(t *testing.T) {
	const hour = int64(time.Hour / time.Second)
	var c calm
	c.update(0, 0) // the engine starts at hour 0
	for i := range int64(calmEvents) {
		c.event((3 + i) * hour) // hours 3 to 8
	}
	c.update(14*hour, 3*hour)
	require.False(t, c.on, "the curve moved 11 hours ago")
	c.update(16*hour, 1*hour)
	require.False(t, c.on, "silent for 15 hours, but the first event is older than the window")
	c.event(9 * hour) // hours 4 to 9
	c.update(15*hour, 1*hour)
	require.True(t, c.on, "silent for 14 hours, with six events in the last 12")
	c.update(40*hour, 1*hour)
	require.True(t, c.on, "calm stays while the curve is silent, however few events follow")
	c.update(41*hour, 40*hour)
	require.False(t, c.on, "the curve moved")

	require.Zero(t, c.units(), "fewer than calmDecisions wanted")
	for i := range int64(calmDecisions) {
		c.want(i, int(40+i%3))
		c.want(i, 99) // a repeated decision time is taken once
	}
	require.Equal(t, 41, c.units())
}

// A curve that has made no event yet is silent only since the engine
// started (after a restart too: the shadow HPAs start afresh): prescale's
// six events in the first hours do not make the target calm before a
// whole calmWindow has passed since the start.
func TestCalmNeedsAWindowSinceStart(t *testing.T) {
	const hour = int64(time.Hour / time.Second)
	var c calm
	start := 100 * hour
	c.update(start, 0)
	for i := range int64(calmEvents) {
		c.event(start + (1+i)*hour) // hours 1 to 6 after the start
	}
	c.update(start+7*hour, 0)
	require.False(t, c.on, "the curve was watched for 7 hours only")
	c.update(start+11*hour, 0)
	require.False(t, c.on, "the curve was watched for 11 hours only")
	c.update(start+12*hour, 0)
	require.True(t, c.on, "silent for the 12 hours since the start, with six events in them")
}

// A 5-minute series whose first four days are noisy (iid, 15 %: the
// shadow HPAs move all the time) and whose next four sit on a flat level
// of 40 units with AR(1) noise (φ 0.9, σ 0.3: the HPAs' 10 % tolerance
// never moves): the forecast's wobble moved the units a unit or two each
// way every hour or so, and event pacing's 72-hour memory, still holding
// the HPAs' busy days, saw it only late. The calm hold cuts the flat
// days' events from 110 to 30 (docs/tuning.md, "Calm hold"). It is never
// on while the shadow HPAs move (the noisy days), and a ninth, noisy day
// ends it within the hour.
func TestCalmHoldOnFlatSeries(t *testing.T) {
	tg := peakTarget()
	tg.CapacityPerUnit, tg.MaxUnits = 1, 100
	e := controllerDefaultsEngine(t, tg)
	rng := rand.New(rand.NewPCG(3, 4))
	var st policy.State
	cur, x, events, calmOn, calmNoisy, calmLast := 40, 0.0, 0, 0, 0, 0
	for i := range 9 * 288 {
		x = 0.9*x + 0.3*rng.NormFloat64()
		y := 40 + x
		noisy := i < 4*288 || i >= 8*288 // and the last day noisy again
		if noisy {
			y += 6 * rng.NormFloat64()
		}
		ts := int64(i) * 300
		e.Observe(ts, y)
		o := e.Decide(Input{Now: time.Unix(ts, 0), Demand: y, DataPresent: true, CurrentUnits: cur}, st)
		calm := o.Decision.Explanation.CalmUnits > 0
		switch {
		case i < 4*288 && calm:
			calmNoisy++
		case i >= 4*288 && i < 8*288:
			if o.Decision.Desired != cur {
				events++
			}
			if calm {
				calmOn++
			}
		case i >= 8*288+12 && calm: // an hour into the noise
			calmLast++
		}
		st, cur = o.State, o.Decision.Desired
	}
	t.Logf("flat days: %d events, calm hold on %d decisions", events, calmOn)
	require.Positive(t, calmOn)
	require.Less(t, events, 60)
	// The shadow HPAs move all the time on the noisy days: never calm
	// there, and calm ends when they move again.
	require.Zero(t, calmNoisy, "calm while the HPA curve moves")
	require.Zero(t, calmLast, "still calm an hour after the HPA curve moved again")
}

// A restart resumes the calm hold from its persisted memory (the state
// file's calm): on the flat days of TestCalmHoldOnFlatSeries's series, an
// engine restarted on day 6 (warmed on the same history, as the
// controller's is) is calm at the same decisions as the engine that ran
// on: the fresh shadow HPAs' first steps (from prescale's units to their
// own) do not end it. Without the memory the hold waited 12 hours and on
// this series never came back (it needs 6 events in 12 hours to begin),
// with more events. A memory whose last decision is more than
// calmResumeGap before the first one after the restart (an outage) is not
// resumed.
func TestCalmResumesAfterRestart(t *testing.T) {
	tg := peakTarget()
	tg.CapacityPerUnit, tg.MaxUnits = 1, 100
	rng := rand.New(rand.NewPCG(3, 4))
	ys := make([]float64, 9*288)
	x := 0.0
	for i := range ys {
		x = 0.9*x + 0.3*rng.NormFloat64()
		ys[i] = 40 + x
		if i < 4*288 {
			ys[i] += 6 * rng.NormFloat64()
		}
	}
	// run observes ys[seen:from] (history a restarted engine is warmed
	// on), then observes and decides ys[from:to]; it returns the state,
	// the units, the events and whether calm was on at each decision.
	type result struct {
		st     policy.State
		cur    int
		events int
		on     []bool
		calm   []int // the explanations' calm_units
		units  []int // the decisions' units
	}
	run := func(e *Engine, seen, from, to int, st policy.State, cur int) result {
		for i := seen; i < from; i++ {
			e.Observe(int64(i)*300, ys[i])
		}
		r := result{st: st, cur: cur}
		for i := from; i < to; i++ {
			ts := int64(i) * 300
			e.Observe(ts, ys[i])
			o := e.Decide(Input{Now: time.Unix(ts, 0), Demand: ys[i], DataPresent: true, CurrentUnits: r.cur}, r.st)
			if o.Decision.Desired != r.cur {
				r.events++
			}
			r.on = append(r.on, e.shadow.calm.on)
			r.calm = append(r.calm, o.Decision.Explanation.CalmUnits)
			r.units = append(r.units, o.Decision.Desired)
			r.st, r.cur = o.State, o.Decision.Desired
		}
		return r
	}
	restart, end := 6*288, len(ys)
	a := controllerDefaultsEngine(t, tg)
	before := run(a, 0, 0, restart, policy.State{}, 40)
	require.True(t, a.shadow.calm.on, "calm before the restart")
	b, err := json.Marshal(a.CalmMemory())
	require.NoError(t, err)
	var saved state.Calm
	require.NoError(t, json.Unmarshal(b, &saved))
	require.Equal(t, *a.CalmMemory(), saved, "the memory round-trips through the state file's JSON")
	on := run(a, restart, restart, end, before.st, before.cur)

	resumed := controllerDefaultsEngine(t, tg)
	resumed.ResumeCalm(&saved)
	r := run(resumed, 0, restart, end, before.st, before.cur)
	window := int(calmWindow / (5 * time.Minute))
	require.NotContains(t, r.on[:window], false, "the resumed hold is on for the 12 hours after the restart at least")
	fresh := run(controllerDefaultsEngine(t, tg), 0, restart, end, before.st, before.cur)
	require.NotContains(t, fresh.on, true, "without the memory the hold did not come back")
	require.Less(t, r.events, fresh.events)
	t.Logf("last three days: %d events with the memory (the engine that ran on: %d), %d without", r.events, on.events, fresh.events)

	late := controllerDefaultsEngine(t, tg)
	late.ResumeCalm(&saved)
	gap := int(calmResumeGap/(5*time.Minute)) + 1
	require.False(t, run(late, 0, restart+gap, end, before.st, before.cur).on[0], "a memory older than calmResumeGap is not resumed")

	// Its wanted units were sized at this capacity and lag: with another
	// (the targets file changed with the restart) they are of another
	// size, and the hold would go to their median. Not resumed.
	for _, change := range []func(*policy.Target){
		func(t *policy.Target) { t.CapacityPerUnit *= 2 },
		func(t *policy.Target) { t.Lag *= 2 },
	} {
		moved := tg
		change(&moved)
		other := controllerDefaultsEngine(t, moved)
		other.ResumeCalm(&saved)
		require.False(t, run(other, 0, restart, end, before.st, before.cur).on[0], "a memory of another capacity or lag is not resumed")
	}

	// With other bounds (the targets file changed min_units or max_units
	// with the restart) the memory is resumed whole. Its wanted units'
	// median, 42, may lie outside them, as the wanted units of an engine
	// that always had them do (the reactive floor's HPA formula is not
	// capped: over these three days up to 42 with max_units 40 and 41
	// with min_units 45 from wanted units all of the new bounds): a calm
	// decision is capped as any other (policy's min and max). Dropping
	// the wanted units kept the hold off for an hour, and with a cap not
	// reached (max_units 200) it made 21 events against 17: as without
	// the memory.
	for _, bounds := range [][2]int{{1, 40}, {45, 100}, {1, 200}} {
		moved := tg
		moved.MinUnits, moved.MaxUnits = bounds[0], bounds[1]
		other := controllerDefaultsEngine(t, moved)
		other.ResumeCalm(&saved)
		o := run(other, 0, restart, end, before.st, before.cur)
		require.True(t, o.on[0], "calm resumed with bounds %v", bounds)
		require.Equal(t, 42, o.calm[0], "the saved median, whatever the bounds")
		require.GreaterOrEqual(t, slices.Min(o.units), moved.MinUnits)
		require.LessOrEqual(t, slices.Max(o.units), moved.MaxUnits)
		if moved.MaxUnits > tg.MaxUnits {
			require.Equal(t, r.events, o.events, "a cap not reached: as with the same bounds")
		}
	}
}

// A resumed hold lets the restarted shadow HPAs settle before their
// curve's events end it: their first scale-up, from the target's units to
// their own, is pending for the lag, and meanwhile they re-read the demand
// against the units ready before it and step again (and the HPA keeps its
// highest recommendation for its 300 s window after). Those steps say
// nothing of the demand either. A hold resumed with a 30-minute lag ended
// at its second decision (TestCalmResumesAfterRestart's series decided
// every 5 minutes: calm for 10 minutes, against 26.6 hours now). An event
// after lag + 300 s ends it as before.
func TestCalmResumeLetsTheShadowHPAsSettle(t *testing.T) {
	const now = int64(1_000_000)
	tg := peakTarget()
	tg.Lag = 30 * time.Minute
	e := controllerDefaultsEngine(t, tg)
	e.ResumeCalm(&state.Calm{Version: state.CalmVersion, Target: state.ShadowTarget(tg), At: now - 300, On: true, Since: now - 86400,
		Events: []int64{now - 3000, now - 2000}, Wanted: []int{4, 5}})
	c := &e.shadow.calm
	settled := now + int64((tg.Lag+simpool.HPAWindow)/time.Second)
	c.update(now, now)
	require.True(t, c.on, "the first steps, at the restart")
	for _, at := range []int64{now + 300, now + 1800, settled} {
		c.update(at, at)
		require.True(t, c.on, "the restarted shadow HPAs settling at %d s", at-now)
	}
	c.update(settled+300, settled+300)
	require.False(t, c.on, "a move of the settled curve ends it")
}

// On TestCalmResumesAfterRestart's series with a 30-minute lag (six
// decisions), the restarted shadow HPAs' pending first scale-ups ended
// the resumed hold at its second decision; it now holds the 12 hours
// after the restart at least, as it did with a 5-minute lag.
func TestCalmResumesAfterRestartWithALongLag(t *testing.T) {
	tg := peakTarget()
	tg.CapacityPerUnit, tg.MaxUnits, tg.Lag = 1, 100, 30*time.Minute
	rng := rand.New(rand.NewPCG(3, 4))
	ys := make([]float64, 6*288+calmWindow/(5*time.Minute))
	x := 0.0
	for i := range ys {
		x = 0.9*x + 0.3*rng.NormFloat64()
		ys[i] = 40 + x
		if i < 4*288 {
			ys[i] += 6 * rng.NormFloat64()
		}
	}
	restart := 6 * 288
	a := controllerDefaultsEngine(t, tg)
	resumed := controllerDefaultsEngine(t, tg)
	var st policy.State
	cur := 40
	for i, y := range ys {
		ts := int64(i) * 300
		if i == restart {
			require.True(t, a.shadow.calm.on, "calm before the restart")
			resumed.ResumeCalm(a.CalmMemory())
			for k := range restart { // warmed on the history before it
				resumed.Observe(int64(k)*300, ys[k])
			}
			a = resumed
		}
		a.Observe(ts, y)
		o := a.Decide(Input{Now: time.Unix(ts, 0), Demand: y, DataPresent: true, CurrentUnits: cur}, st)
		st, cur = o.State, o.Decision.Desired
		if i >= restart {
			require.True(t, a.shadow.calm.on, "calm %d decisions after the restart", i-restart)
		}
	}
}

// A target decided every hour resumes the calm hold's memory alone (its
// shadow runs' memory dropped or absent: a file from before it, bounds
// changed) at its next decision, up to two intervals after the memory's
// last, as the shadow runs' memory is (TestShadowResumesAtLongIntervals):
// ResumeCalm's gap is the engine's, not calmResumeGap. Later: afresh.
func TestCalmResumesAloneAtLongIntervals(t *testing.T) {
	const now = int64(1_000_000)
	for _, c := range []struct {
		age int64
		on  bool
	}{{3600, true}, {7200, true}, {7201, false}} {
		e := controllerDefaultsEngineEvery(t, peakTarget(), time.Hour)
		at := now - c.age
		e.ResumeCalm(&state.Calm{Version: state.CalmVersion, Target: state.ShadowTarget(e.target), At: at, On: true, Since: at - 86400,
			Events: []int64{at - 3000, at - 2000}, Wanted: []int{4, 5}})
		cal := &e.shadow.calm
		cal.update(now, now)
		require.Equal(t, c.on, cal.on, "calm at the first decision %d s after the memory's last", c.age)
	}
}

// Calm needs calmEvents scale events inside the window (one fewer does
// not begin it), and names a median only once calmDecisions decisions
// have wanted units.
func TestCalmNeedsEnoughEventsAndDecisions(t *testing.T) {
	const hour = int64(time.Hour / time.Second)
	var c calm
	c.update(0, 0)
	for i := range int64(calmEvents - 1) {
		c.event((4 + i) * hour) // hours 4 to 8
	}
	c.update(15*hour, 1*hour)
	require.False(t, c.on, "five events in the last 12 hours")
	c.event(9 * hour)
	c.update(15*hour, 1*hour)
	require.True(t, c.on, "six")

	for i := range int64(calmDecisions - 1) {
		c.want(i, 40)
	}
	require.Zero(t, c.units(), "one decision short")
	c.want(calmDecisions, 40)
	require.Equal(t, 40, c.units())
}
