package simpool

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestPoolLastInFirstOut(t *testing.T) {
	p := NewPool(2)
	p.SetDesired(5, 100) // 3 pending, ready at 100
	require.Equal(t, 5, p.Requested())
	require.Equal(t, 2, p.Ready)
	p.Promote(99)
	require.Equal(t, 2, p.Ready)
	p.SetDesired(7, 200) // 2 more, ready at 200
	p.SetDesired(4, 0)   // drops the newest pending first: both of 200 and one of 100
	p.Promote(150)
	require.Equal(t, 4, p.Ready)
	require.Equal(t, 4, p.Requested())
	p.SetDesired(1, 0) // scale-down is immediate, ready units too
	require.Equal(t, 1, p.Ready)
}

func TestPoolLag(t *testing.T) {
	p := NewPool(2)
	p.SetDesired(5, 300)
	require.Equal(t, 2, p.Ready)
	require.Equal(t, 5, p.Requested())
	p.Promote(299)
	require.Equal(t, 2, p.Ready, "not ready before the lag")
	p.SetDesired(3, 599)
	p.Promote(299)
	require.Equal(t, 2, p.Ready)
	require.Equal(t, []float64{300}, p.pending, "newest pending units go first")
	p.SetDesired(1, 600)
	p.Promote(300)
	require.Equal(t, 1, p.Ready, "a ready unit removed; the pending one cancelled first")
	require.Empty(t, p.pending)
	p.SetDesired(2, 900)
	p.Promote(900)
	require.Equal(t, 2, p.Ready, "ready at its time")
}

func TestHPAStep(t *testing.T) {
	// 10 per unit at target 0.5, 4 ready: the referee's HPA rule.
	h := &HPA{Target: 0.5, Capacity: 10, Min: 1}
	step := func(now int64, demand float64, p *Pool) int {
		t.Helper()
		d, ok := h.Step(now, demand, p)
		require.True(t, ok)
		return d
	}
	require.Equal(t, 8, step(0, 40, NewPool(4)), "ratio 2: ceil(4·2)")
	require.Equal(t, 8, step(60, 20, NewPool(8)), "scale-down held for 300 s")
	require.Equal(t, 8, step(300, 20, NewPool(8)), "the window is inclusive")
	require.Equal(t, 5, step(301, 21, NewPool(8)), "then ceil(8·21/40)")
	require.Equal(t, 5, step(901, 21, &Pool{Ready: 4, pending: []float64{900}}), "within the 0.1 tolerance: keep requested")
	h.Min = 3
	require.Equal(t, 3, step(2000, 0.1, NewPool(0)), "no ready unit: at least min")
	_, ok := h.Step(2060, math.NaN(), NewPool(3))
	require.False(t, ok, "missing demand: no action")
}

// TestHPAStepSaturates: a demand/capacity beyond int's range (capacity
// 1e-19) converted to an arbitrary, here negative, unit count.
func TestHPAStepSaturates(t *testing.T) {
	h := &HPA{Target: 1, Capacity: 1e-19, Min: 1}
	d, ok := h.Step(0, 15, NewPool(0))
	require.True(t, ok)
	require.Equal(t, math.MaxInt32, d, "no ready unit")
	d, _ = h.Step(60, 15, NewPool(3))
	require.Equal(t, math.MaxInt32, d, "ready units")
}
