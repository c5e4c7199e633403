package engine_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/engine"
)

// TestLeadStepWidensTheLeadWindow: a lead step under the step counts the
// lead window's samples by it (a lag of one step covers two samples when
// the next one may come early); 0 or a longer one changes nothing.
func TestLeadStepWidensTheLeadWindow(t *testing.T) {
	for _, tc := range []struct {
		lead time.Duration
		want int
	}{{0, 1}, {240 * time.Second, 2}, {300 * time.Second, 1}, {600 * time.Second, 1}} {
		e, err := engine.New(engine.Config{Target: target(), Step: 5 * time.Minute, Interval: 5 * time.Minute, LeadStep: tc.lead})
		require.NoError(t, err)
		require.Equal(t, tc.want, e.Horizon(), "lead step %s", tc.lead)
	}
}
