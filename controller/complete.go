package controller

import (
	"context"
	"math"

	"github.com/prescale/prescale/controller/history"
	"github.com/prescale/prescale/controller/internal/complete"
	"github.com/prescale/prescale/controller/policy"
)

// complete reads the targets' complete_query (controller/internal/complete).
func (c *Controller) complete() complete.Reader {
	return complete.Reader{Query: c.query}
}

// readComplete evaluates target t's complete_query at the cycle's time
// and marks the snapshot's demand partial, saying why, when it does not
// say complete. Without a demand (the decision holds anyway) it is not
// read.
func (c *Controller) readComplete(ctx context.Context, t policy.Target, snap *snapshot) {
	if t.CompleteQuery == "" || !snap.present || !snap.histUp || snap.badQuery {
		return
	}
	snap.partial = c.complete().Problem(ctx, t.CompleteQuery, snap.at)
}

// newestLeftOut is the time of the newest point of raw that complete_query
// left out of masked (present in raw, missing in masked; 0: none).
func newestLeftOut(raw, masked history.Series) int64 {
	for i := len(raw.V) - 1; i >= 0; i-- {
		if !math.IsNaN(raw.V[i]) && math.IsNaN(masked.V[i]) {
			return raw.T[i]
		}
	}
	return 0
}
