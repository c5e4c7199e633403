package backtest

import (
	"math"
	"time"

	"github.com/prescale/prescale/controller/engine"
	"github.com/prescale/prescale/controller/history"
)

// maxGapDays bounds the missing grid points one gap feeds: 8 days of
// steps, more than the forecasters remember (the seasonal term reads 7
// daily seasons back), so after a longer gap their state is all gap
// whatever the count, and a trace with a months-long hole costs no more.
const maxGapDays = 8

// storeGrid replays what the live controller reads for a trace with rows
// missing: the store holds the trace's rows and answers on the step grid
// with PromQL's lookback (history.LookbackFor(step), as the embedded
// store is opened; left-open: the newest sample in (t - lookback, t],
// else NaN). A NaN row is a missing one: the store skips NaN when it
// writes (history.Embedded.AppendSeries, the trace replay), so it
// answers there as between rows; but rows that are a server's answers
// already (Config.QueryGrid) stay as they are. So a missing row reaches
// the engine as the last row's value while that is within the lookback
// (one step at a 5-minute step) and as a gap (NaN) after that, and the
// forecasters, which count samples, keep their seasonal phase. Fed only
// the rows, each missing row shifted the phase by one sample for ever
// after: the backtest measured a model the controller does not run.
//
// The controller feeds the grid points up to the last one the store
// answers, so a point answered NaN waits for the next answered one
// (pass), and a cold start begins at the first answered point.
type storeGrid struct {
	step, lookback int64 // seconds
	lastT          int64 // the last stored sample
	lastV          float64
	have           bool
	passed         int64 // the last grid point passed (a row or a missing point)
	any            bool  // a point was passed
	unfed          []int64
	answered       bool // the rows are the store's answers already (Config.QueryGrid)
}

func newStoreGrid(step time.Duration, answered bool) *storeGrid {
	return &storeGrid{step: int64(step / time.Second), lookback: int64(history.LookbackFor(step) / time.Second), answered: answered}
}

// at is the store's answer at grid time t for the samples stored so far.
func (g *storeGrid) at(t int64) float64 {
	if g.have && t-g.lastT < g.lookback {
		return g.lastV
	}
	return math.NaN()
}

// missing is how many grid points lie between the last point passed and
// the row at t, at most maxGapDays of them (the latest): they are at
// t - k·step for k = missing..1. A spacing under 1.5 steps (jittered
// timestamps) has none.
func (g *storeGrid) missing(t int64) int64 {
	if !g.any || g.step <= 0 {
		return 0
	}
	m := (t-g.passed+g.step/2)/g.step - 1
	return max(0, min(m, max(1, maxGapDays*86400/g.step)))
}

// row stores the row (t, v), NaN skipped as the store skips it, and
// returns the store's answer at t: v itself when the rows are answers
// already (a NaN one is the store answering nothing).
func (g *storeGrid) row(t int64, v float64) float64 {
	if math.IsNaN(v) {
		if g.answered {
			return v
		}
		return g.at(t)
	}
	g.lastT, g.lastV, g.have = t, v, true
	return v
}

// pass moves the grid to point t, whose answer is a, as the controller
// reads it: an answered point is fed to eng after the NaN points before it
// (none before the first answered point), a NaN one waits.
func (g *storeGrid) pass(eng *engine.Engine, t int64, a float64) {
	g.passed, g.any = t, true
	if math.IsNaN(a) {
		g.unfed = append(g.unfed, t)
		return
	}
	if _, started := eng.Last(); started {
		for _, u := range g.unfed {
			eng.Observe(u, math.NaN())
		}
	}
	g.unfed = g.unfed[:0]
	eng.Observe(t, a)
}
