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
// with PromQL's lookback (history.LookbackFor(step), as the embedded store
// is opened; left-open: the newest sample in (t - lookback, t], else
// NaN), and the controller feeds every grid point, NaN included, to the
// engine. So a row missing from the trace reaches the engine as the last
// row's value while that is within the lookback (one step at a 5-minute
// step) and as a gap (NaN) after that, and the forecasters, which count
// samples, keep their seasonal phase. Fed only the rows, each missing row
// shifted the phase by one sample for ever after: the backtest measured a
// model the controller does not run. A NaN row is the store answering
// NaN there (a stored NaN, such as a 0/0 ratio) and is fed as it was.
type storeGrid struct {
	step, lookback int64 // seconds
	lastT          int64 // the last row
	lastV          float64
	have           bool
}

func newStoreGrid(step time.Duration) *storeGrid {
	return &storeGrid{step: int64(step / time.Second), lookback: int64(history.LookbackFor(step) / time.Second)}
}

// at is the store's answer at grid time t for the samples seen so far.
func (g *storeGrid) at(t int64) float64 {
	if g.have && t-g.lastT < g.lookback {
		return g.lastV
	}
	return math.NaN()
}

// observe feeds eng the grid points missing between the last row and the
// row (t, v), then the row itself, each as the store answers it. A
// spacing under 1.5 steps (jittered timestamps) has no missing point.
func (g *storeGrid) observe(eng *engine.Engine, t int64, v float64) {
	if g.have && g.step > 0 {
		missing := (t-g.lastT+g.step/2)/g.step - 1
		missing = min(missing, max(1, maxGapDays*86400/g.step))
		for k := missing; k >= 1; k-- {
			eng.Observe(t-k*g.step, g.at(t-k*g.step))
		}
	}
	g.lastT, g.lastV, g.have = t, v, true
	eng.Observe(t, v)
}
