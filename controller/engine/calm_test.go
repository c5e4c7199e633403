package engine

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/policy"
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
